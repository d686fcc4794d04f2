import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitElement } from '../shared/base.js';
import { BillkitApiError, type ApiClient } from '../shared/api-client.js';
import { BillkitCheckoutCompleteEvent, BillkitPaymentErrorEvent } from '../shared/events.js';
import { countryOptions, formatCountry, formatDate, formatMoney } from '../shared/format.js';
import { couponReasonText } from '../shared/messages.js';
import { formatCardNumber, tokenizeTestCard } from '../shared/test-cards.js';
import { checkVatFormat, isEu, normalizeVatId } from '../shared/vat.js';
import type { CartRequest, Checkout, ConfirmResult } from '../shared/types.js';
import { confirmWithStripe, loadStripeLazily, mountPaymentElement, type MountedStripe, type StripeLoader } from './stripe.js';
import { paymentErrorText, refusalFieldText, renderDetails, vatFormatText, type Details } from './payment-form.parts.js';
import { styles } from './payment-form.styles.js';

type Step = 'details' | 'payment' | 'complete';

/**
 * @summary The buyer's details (every country, named in the buyer's language) and the card: creates the checkout, confirms the payment, handles decline and authentication.
 *
 * @event billkit-checkout-complete - The subscription and its invoice exist. detail: {checkoutId, customerId, subscriptionId, invoiceId, invoiceNumber}.
 * @event billkit-payment-error - A payment attempt failed (the form says why and lets the buyer retry). detail: {code, checkoutId}.
 *
 * @slot payment-element - Where the Stripe Payment Element is mounted (filled by the element itself).
 * @slot complete - Replaces the thank-you message.
 *
 * @csspart form - The form.
 * @csspart field - One labelled field.
 * @csspart input - A text field or select.
 * @csspart vat-status - The VAT ID format verdict.
 * @csspart card - The test provider's card field.
 * @csspart submit - The Continue / Pay button.
 * @csspart error - The payment error (declined, authentication failed, ...).
 * @csspart dialog - The test-mode authentication dialog.
 * @csspart complete - The thank-you message.
 *
 * @cssprop --billkit-payment-form-input-border-color - Field borders (defaults to --billkit-color-border).
 * @cssprop --billkit-payment-form-columns - Minimum column width before the fields stack (14rem).
 */
@customElement('billkit-payment-form')
export class BillkitPaymentForm extends BillkitElement {
  static override styles = styles;

  /** The plan's code (standalone; inside <billkit-checkout> the shared cart decides). */
  @property() plan = '';
  /** Quantity for every adjustable charge (standalone). */
  @property({ type: Number }) quantity?: number;
  /** Coupon code to check out with (standalone). */
  @property() coupon = '';
  /** The buyer's country to start with (ISO 3166-1 alpha-2). */
  @property() country = 'DE';
  /** A customer session's client secret (cus_sess_...) from your server: checks out as that customer, the email fixed and the details prefilled. */
  @property({ attribute: 'customer-session' }) customerSession = '';
  /** Your reference for the buyer (e.g. your user id), unverified: copied to the subscription's metadata and checkout.completed. */
  @property({ attribute: 'client-reference-id' }) clientReferenceId = '';
  /** Loads Stripe.js for a publishable key; replace in tests. Defaults to @stripe/stripe-js/pure, imported lazily. */
  @property({ attribute: false }) stripeLoader?: StripeLoader = loadStripeLazily;

  @state() private step: Step = 'details';
  @state() private details: Details = { email: '', name: '', country: 'DE', type: 'individual', vatId: '' };
  @state() private touched = new Set<string>();
  @state() private fieldErrors: Record<string, string> = {};
  @state() private busy = false;
  @state() private error?: { code: string; text: string };
  @state() private card = '';
  @state() private cardError = '';
  @state() private checkout?: Checkout;
  @state() private result?: Extract<ConfirmResult, { status: 'complete' }>;
  /** The customer session's prefill arrived: its email is fixed. */
  @state() private emailFixed = false;

  @query('dialog') private dialog?: HTMLDialogElement;
  #stripe?: MountedStripe;
  #pendingMethod = '';
  #checkoutCart = '';
  #sessionRead = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.watchCart();
    // The buyer changed the cart after the checkout was created: it no longer matches, start the payment step over.
    if (this.step === 'payment' && this.contextCart?.cart && JSON.stringify(this.#cart()) !== this.#checkoutCart) this.#onEdit();
    if (changed.has('country') && this.country) this.details = { ...this.details, country: this.country.toUpperCase() };
    if (this.customerSession !== this.#sessionRead && this.apiClient) void this.#readSession(this.apiClient, (this.#sessionRead = this.customerSession));
  }

  /** Prefills the details from the customer session; its email cannot be changed here. */
  async #readSession(client: ApiClient, secret: string): Promise<void> {
    this.emailFixed = false;
    if (!secret) return;
    try {
      const { email, name, country, type, vatId } = await client.customerSession(secret);
      if (secret !== this.customerSession) return;
      this.details = { ...this.details, email, ...(name ? { name } : {}), ...(country ? { country } : {}), ...(type ? { type } : {}), ...(vatId ? { vatId } : {}) };
      this.emailFixed = true;
      this.#pushCustomer();
    } catch (error) {
      this.#fail(error);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stripe?.destroy();
    this.#stripe = undefined;
  }

  /** The checkout created for these details, once the buyer continued to payment. */
  get checkoutId(): string | undefined {
    return this.checkout?.id;
  }

  #update(patch: Partial<Details>, field: keyof Details, push = true): void {
    this.details = { ...this.details, ...patch };
    if (field === 'vatId' || field === 'type' || field === 'country') this.touched = new Set([...this.touched, 'vatId']);
    const { [field]: _, ...rest } = this.fieldErrors;
    this.fieldErrors = rest;
    if (push) this.#pushCustomer();
  }

  /** Tax depends on who buys: tell the shared cart (a VAT ID only once its format is right). */
  #pushCustomer(): void {
    const store = this.contextCart;
    if (!store) return;
    const { country, type, vatId, email } = this.details;
    const needsVat = type === 'business' && isEu(country);
    const validVat = needsVat && checkVatFormat(country, vatId) === 'valid';
    store.setCustomer({
      country,
      type,
      ...(validVat ? { vatId: normalizeVatId(vatId) } : {}),
      ...(/^\S+@\S+\.\S+$/.test(email) ? { email } : {}),
    });
  }

  #validate(): Record<string, string> {
    const d = this.details;
    const errors: Record<string, string> = {};
    if (!/^\S+@\S+\.\S+$/.test(d.email)) errors.email = msg('Enter a valid email address.', { id: 'payment.email_invalid' });
    if (!d.name.trim()) errors.name = msg('Enter your name.', { id: 'payment.name_missing' });
    if (d.type === 'business' && isEu(d.country) && checkVatFormat(d.country, d.vatId) === 'invalid') {
      errors.vatId = vatFormatText(d.country, this.effectiveLocale);
    }
    return errors;
  }

  /** The shared cart's verdict on the buyer (nothing while it reprices, or standalone). */
  #priced(): { treatment?: string; vatRefused: boolean } {
    const state = this.contextCart?.state;
    if (!state || state.loading) return { vatRefused: false };
    if (state.error) return { vatRefused: state.error.code === 'vat_id_invalid' };
    return { treatment: state.quote?.taxTreatment, vatRefused: false };
  }

  #cart(): CartRequest {
    const shared = this.contextCart?.cart;
    if (shared) {
      const { customer: _, ...cart } = shared;
      return cart;
    }
    return {
      plan: this.plan,
      ...(this.quantity ? { quantity: this.quantity } : {}),
      ...(this.coupon ? { couponCode: this.coupon } : {}),
    };
  }

  async #onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    if (this.step === 'details') await this.#createCheckout();
    else if (this.step === 'payment') await this.#pay();
  }

  async #createCheckout(): Promise<void> {
    this.touched = new Set(['email', 'name', 'vatId']);
    this.fieldErrors = this.#validate();
    if (Object.keys(this.fieldErrors).length) return this.#focusFirstInvalid();
    const client = this.apiClient;
    if (!client) return;
    const d = this.details;
    const business = d.type === 'business' && d.vatId.trim();
    this.busy = true;
    this.error = undefined;
    try {
      const cart = this.#cart();
      this.#checkoutCart = JSON.stringify(cart);
      this.checkout = await client.createCheckout({
        ...cart,
        customer: {
          email: d.email.trim(), name: d.name.trim(), country: d.country, type: d.type,
          ...(business ? { vatId: normalizeVatId(d.vatId) } : {}),
        },
        ...(this.customerSession ? { customerSession: this.customerSession } : {}),
        ...(this.clientReferenceId ? { clientReferenceId: this.clientReferenceId } : {}),
      });
      this.step = 'payment';
      await this.updateComplete;
      if (this.checkout.payment.provider === 'stripe') await this.#mountStripe(this.checkout);
      this.renderRoot.querySelector<HTMLElement>('#card, [part~="submit"]')?.focus();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.busy = false;
    }
  }

  async #mountStripe(checkout: Checkout): Promise<void> {
    let container = this.querySelector<HTMLElement>(':scope > [slot="payment-element"]');
    if (!container) {
      container = document.createElement('div');
      container.slot = 'payment-element';
      this.append(container);
    }
    const key = checkout.payment.publishableKey ?? this.publishableKey;
    this.#stripe = await mountPaymentElement(this.stripeLoader ?? loadStripeLazily, key, checkout.payment.clientSecret ?? '', container, this.effectiveLocale);
  }

  async #pay(): Promise<void> {
    const checkout = this.checkout;
    if (!checkout) return;
    let paymentMethod: string;
    if (checkout.payment.provider === 'test') {
      const token = tokenizeTestCard(this.card);
      if (!token.ok) {
        this.cardError = token.reason === 'unsupported'
          ? msg('This card is not accepted in test mode. Use 4242 4242 4242 4242.', { id: 'payment.card_unsupported' })
          : msg('Enter the full card number.', { id: 'payment.card_incomplete' });
        this.renderRoot.querySelector<HTMLInputElement>('#card')?.focus();
        return;
      }
      this.cardError = '';
      paymentMethod = token.paymentMethod;
    } else {
      if (!this.#stripe) return;
      this.busy = true;
      const confirmed = await confirmWithStripe(this.#stripe, checkout.payment.intentType ?? 'payment');
      this.busy = false;
      if (!confirmed.ok) return this.#showError(confirmed.code, confirmed.message);
      paymentMethod = confirmed.paymentMethod;
    }
    await this.#confirm(paymentMethod, false);
  }

  async #confirm(paymentMethod: string, authenticated: boolean): Promise<void> {
    const client = this.apiClient;
    const checkout = this.checkout;
    if (!client || !checkout) return;
    this.busy = true;
    this.error = undefined;
    try {
      const result = await client.confirmCheckout(checkout.id, authenticated ? { paymentMethod, authenticated } : { paymentMethod });
      if (result.status === 'requires_action' && this.#stripe) {
        // Stripe runs its own authentication (3-D Secure); then the BFF is asked again.
        const clientSecret = result.clientSecret ?? checkout.payment.clientSecret ?? '';
        const next = await this.#stripe.stripe.handleNextAction({ clientSecret });
        if (next.error) return this.#showError('authentication_failed', next.error.message);
        return await this.#confirm(paymentMethod, true);
      }
      if (result.status === 'requires_action') {
        this.#pendingMethod = paymentMethod;
        await this.updateComplete;
        this.dialog?.showModal();
        return;
      }
      this.result = result;
      this.step = 'complete';
      this.dispatchEvent(new BillkitCheckoutCompleteEvent({
        checkoutId: checkout.id,
        customerId: result.customer.id,
        subscriptionId: result.subscription.id,
        invoiceId: result.invoice.id,
        invoiceNumber: result.invoice.number,
      }));
    } catch (error) {
      this.#fail(error);
    } finally {
      this.busy = false;
    }
  }

  #onAuthenticate(complete: boolean): void {
    this.dialog?.close();
    if (complete) void this.#confirm(this.#pendingMethod, true);
    else this.#showError('authentication_failed');
  }

  #fail(error: unknown): void {
    const apiError = error instanceof BillkitApiError ? error : new BillkitApiError({ code: 'network_error' }, 0);
    if (apiError.code === 'checkout_refunded' || apiError.problem.refund !== undefined) return this.#refunded(apiError);
    const own = refusalFieldText(apiError.code, this.details.country, this.effectiveLocale);
    if (own) this.fieldErrors = { ...this.fieldErrors, [own.field]: own.text };
    if (apiError.code === 'vat_id_invalid') {
      this.step = 'details';
      this.#focusFirstInvalid();
    }
    for (const { pointer, detail } of apiError.problem.errors ?? []) {
      const field = pointer.split('/').pop() ?? '';
      if (field in this.details && field !== own?.field) this.fieldErrors = { ...this.fieldErrors, [field]: detail };
    }
    this.#showError(apiError.code, apiError.problem.detail);
  }

  /**
   * The payment went through but the checkout was refused after it and the payment given back: this
   * checkout is over. Say why and that the money is back; the next submit starts a new checkout.
   */
  #refunded(apiError: BillkitApiError): void {
    const { refund, refusalCode } = apiError.problem;
    const code = apiError.code === 'checkout_refunded' && refusalCode ? refusalCode : apiError.code;
    const checkoutId = this.checkout?.id;
    this.#stripe?.destroy();
    this.#stripe = undefined;
    this.checkout = undefined;
    this.step = 'details';
    const back = refund
      ? msg('Your payment was refunded in full.', { id: 'payment.refunded' })
      : msg('Nothing was charged.', { id: 'payment.not_charged' });
    const why = code.startsWith('coupon_') ? couponReasonText(code) : paymentErrorText(code);
    this.error = { code, text: `${why} ${back}` };
    this.dispatchEvent(new BillkitPaymentErrorEvent({ code, checkoutId }));
  }

  #showError(code: string, detail?: string): void {
    this.error = { code, text: paymentErrorText(code, detail) };
    this.dispatchEvent(new BillkitPaymentErrorEvent({ code, checkoutId: this.checkout?.id }));
  }

  #focusFirstInvalid(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

  #onEdit(): void {
    this.#stripe?.destroy();
    this.#stripe = undefined;
    this.checkout = undefined;
    this.error = undefined;
    this.step = 'details';
  }

  override render() {
    if (this.step === 'complete' && this.result) {
      // A trial has not started billing: say until when it is free, not that the subscription is active.
      const { status, trialEnd } = this.result.subscription;
      const thanks =
        status === 'trialing' && trialEnd
          ? msg(str`Thank you! Your free trial runs until ${formatDate(trialEnd, this.effectiveLocale)}.`, { id: 'payment.thanks_trial' })
          : msg('Thank you! Your subscription is active.', { id: 'payment.thanks' });
      return html`<div part="complete" role="status">
        <slot name="complete"><p class="success"><strong>${thanks}</strong></p>
          <p>${msg(str`Invoice ${this.result.invoice.number}`, { id: 'payment.invoice' })}</p></slot>
      </div>`;
    }
    const quote = this.checkout?.quote ?? this.contextCart?.quote;
    const total = quote ? formatMoney(quote.dueToday.total, quote.currency, this.effectiveLocale) : '';
    const countries = countryOptions(this.effectiveLocale);
    return html`<form part="form" novalidate @submit=${this.#onSubmit} aria-busy=${this.busy ? 'true' : 'false'}>
      ${this.step === 'details'
        ? renderDetails({
            details: this.details, countries, errors: this.fieldErrors, touched: this.touched,
            // Outside the EU a business may still give its tax ID for the invoice: kept as typed, not checked.
            vatCheck: isEu(this.details.country) ? checkVatFormat(this.details.country, this.details.vatId) : 'empty',
            vatVisible: this.details.type === 'business',
            taxIdOnly: !isEu(this.details.country),
            locale: this.effectiveLocale,
            priced: this.#priced(),
            onInput: (patch, field, push) => this.#update(patch, field, push),
            emailFixed: this.emailFixed,
          })
        : this.#renderPayment()}
      ${this.error ? html`<p part="error" role="alert">${this.error.text}</p>` : nothing}
      <button part="submit" class="button" type="submit" ?disabled=${this.busy}>
        ${this.step === 'details'
          ? msg('Continue to payment', { id: 'payment.continue' })
          : quote && quote.dueToday.total === 0
            ? msg('Start subscription', { id: 'payment.start' })
            : msg(str`Pay ${total}`, { id: 'payment.pay' })}
      </button>
      ${this.#renderDialog()}
    </form>`;
  }

  #renderPayment() {
    const d = this.details;
    const test = this.checkout?.payment.provider === 'test';
    return html`<div class="summary">
        <span>${d.name} · ${d.email} · ${formatCountry(d.country, this.effectiveLocale)}</span>
        <button type="button" class="button secondary" @click=${this.#onEdit}>${msg('Edit details', { id: 'payment.edit' })}</button>
      </div>
      ${test
        ? html`<div part="field">
            <label for="card">${msg('Card number', { id: 'payment.card' })}</label>
            <input id="card" part="input card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"
              .value=${this.card} aria-invalid=${this.cardError ? 'true' : 'false'} aria-describedby="card-hint"
              @input=${(e: Event) => {
                const input = e.target as HTMLInputElement;
                this.card = formatCardNumber(input.value);
                input.value = this.card;
                this.cardError = '';
              }} />
            <span id="card-hint" class=${this.cardError ? 'hint error' : 'hint'}>${this.cardError
              || msg('Test mode: no real card is charged. Use 4242 4242 4242 4242.', { id: 'payment.test_hint' })}</span>
          </div>`
        : html`<div part="field"><slot name="payment-element"></slot></div>`}`;
  }

  #renderDialog() {
    return html`<dialog part="dialog" aria-labelledby="auth-title" @cancel=${(e: Event) => {
      e.preventDefault();
      this.#onAuthenticate(false);
    }}>
      <h2 id="auth-title">${msg('Confirm this payment', { id: 'payment.auth_title' })}</h2>
      <p>${msg('Test mode: your bank would now ask you to confirm. Choose how this test ends.', { id: 'payment.auth_text' })}</p>
      <div class="actions">
        <button type="button" class="button" @click=${() => this.#onAuthenticate(true)}>${msg('Complete', { id: 'payment.auth_complete' })}</button>
        <button type="button" class="button secondary" @click=${() => this.#onAuthenticate(false)}>${msg('Fail', { id: 'payment.auth_fail' })}</button>
      </div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-payment-form': BillkitPaymentForm;
  }
}
