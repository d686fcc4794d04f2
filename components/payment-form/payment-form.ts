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
import {
  addressRequired, detailsErrors, emptyDetails, paymentErrorText, portalLink, refusalFieldText, renderDetails, vatRefusedText, type Details,
} from './payment-form.parts.js';
import { addressPayload } from '../shared/address.js';
import { textLocale } from '../shared/localize.js';
import { styles } from './payment-form.styles.js';

type Step = 'details' | 'payment' | 'complete';

/**
 * @summary The buyer's details (every country, named in the buyer's language; a billing address, required of businesses, its postal code checked for the country) and the card: creates the checkout, confirms the payment, handles decline and authentication, and moves the focus to what changed.
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
 * @csspart address - The billing address fieldset (street, line 2, postal code, city).
 * @csspart card - The test provider's card field.
 * @csspart submit - The Continue / Pay button.
 * @csspart error - The payment error (declined, authentication failed, ...).
 * @csspart dialog - The test-mode authentication dialog.
 * @csspart complete - The thank-you message.
 * @csspart portal - "Manage subscription", the link to portal-url (after paying, or for a buyer who already subscribes).
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
  /** The merchant's customer portal: offered after paying, and to a buyer who already subscribes in this family. */
  @property({ attribute: 'portal-url' }) portalUrl = '';
  /** A customer session's client secret (cus_sess_...) from your server: checks out as that customer, the email fixed and the details prefilled. */
  @property({ attribute: 'customer-session' }) customerSession = '';
  /** Your reference for the buyer (e.g. your user id), unverified: copied to the subscription's metadata and checkout.completed. */
  @property({ attribute: 'client-reference-id' }) clientReferenceId = '';
  /** Loads Stripe.js for a publishable key; replace in tests. Defaults to @stripe/stripe-js/pure, imported lazily. */
  @property({ attribute: false }) stripeLoader?: StripeLoader = loadStripeLazily;

  @state() private step: Step = 'details';
  @state() private details: Details = emptyDetails();
  @state() private touched = new Set<string>();
  @state() private fieldErrors: Record<string, string> = {};
  @state() private busy = false;
  @state() private error?: { code: string; text: string };
  @state() private card = '';
  @state() private cardError = '';
  @state() private checkout?: Checkout;
  @state() private result?: Extract<ConfirmResult, { status: 'complete' }>;
  /** The BFF said this email already subscribes in the plan's family: the way to the portal is shown. */
  @state() private subscribed = false;
  /** The customer session's prefill arrived: its email is fixed. */
  @state() private emailFixed = false;

  @query('dialog') private dialog?: HTMLDialogElement;
  #stripe?: MountedStripe;
  #pendingMethod = '';
  #checkoutCart = '';
  /** A VAT ID the BFF refused (its checksum): said at the field, and the cart is priced without it. */
  #refusedVat = '';
  #sessionRead = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.watchCart();
    // The buyer changed the cart after the checkout was created: it no longer matches, start the payment step over.
    if (this.step === 'payment' && this.contextCart?.cart && JSON.stringify(this.#cart()) !== this.#checkoutCart) this.#onEdit();
    if (changed.has('country') && this.country) this.details = { ...this.details, country: this.country.toUpperCase() };
    // The shared cart was refused the VAT ID: remember it (the field says so) and price the cart without it.
    const refused = this.contextCart?.state.error?.code === 'vat_id_invalid' ? this.contextCart.cart?.customer?.vatId : undefined;
    if (refused && refused !== this.#refusedVat) {
      this.#refusedVat = refused;
      this.#pushCustomer();
    }
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
    if (field === 'email') this.subscribed = false;
    const { [field]: _, ...rest } = this.fieldErrors;
    // Another country has other postal codes: what was said about the old one no longer holds.
    if (field === 'country') delete rest.postalCode;
    this.fieldErrors = rest;
    if (push) this.#pushCustomer();
  }

  /** Tax depends on who buys: tell the shared cart (a VAT ID only once its format is right). */
  #pushCustomer(): void {
    const store = this.contextCart;
    if (!store) return;
    const { country, type, vatId, email } = this.details;
    const needsVat = type === 'business' && isEu(country);
    const validVat = needsVat && checkVatFormat(country, vatId) === 'valid' && normalizeVatId(vatId) !== this.#refusedVat;
    store.setCustomer({
      country,
      type,
      ...(validVat ? { vatId: normalizeVatId(vatId) } : {}),
      ...(/^\S+@\S+\.\S+$/.test(email) ? { email } : {}),
    });
  }

  #validate(): Record<string, string> {
    const d = this.details;
    const errors = detailsErrors(d, this.effectiveLocale);
    if (!errors.vatId && this.#vatRefused()) errors.vatId = vatRefusedText(d.country, this.effectiveLocale);
    return errors;
  }

  /** Whether the VAT ID as typed is one the BFF refused. */
  #vatRefused(): boolean {
    const { type, vatId } = this.details;
    return type === 'business' && Boolean(this.#refusedVat) && normalizeVatId(vatId) === this.#refusedVat;
  }

  /** The shared cart's verdict on the buyer (nothing while it reprices, or standalone). */
  #priced(): { treatment?: string; vatRefused: boolean } {
    const vatRefused = this.#vatRefused();
    const state = this.contextCart?.state;
    if (!state || state.loading || state.error) return { vatRefused };
    return { treatment: vatRefused ? undefined : state.quote?.taxTreatment, vatRefused };
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
          // The buyer's language: their invoices' lines, emails and documents come in it.
          locale: textLocale(this.effectiveLocale),
          ...(business ? { vatId: normalizeVatId(d.vatId) } : {}),
          ...(addressRequired(d) ? { address: addressPayload(d, d.country) } : {}),
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
      // What changed is the whole form: the thank-you heading takes the focus (or the page's own message).
      void this.updateComplete.then(() => {
        const done = this.renderRoot.querySelector<HTMLElement>('[part="complete"]');
        const thanks = done?.querySelector<HTMLElement>('#thanks');
        // The default message's heading, unless the page slotted its own message (then the whole of it).
        (thanks && thanks.getClientRects().length ? thanks : done)?.focus();
      });
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
    this.subscribed = apiError.code === 'subscription_exists' || (apiError.code === 'checkout_refunded' && apiError.problem.refusalCode === 'subscription_exists');
    if (apiError.code === 'checkout_refunded' || apiError.problem.refund !== undefined) return this.#refunded(apiError);
    if (apiError.code === 'vat_id_invalid') {
      this.#refusedVat = normalizeVatId(this.details.vatId);
      this.#pushCustomer();
    }
    const texts: Record<string, string> = {};
    for (const { pointer, detail } of apiError.problem.errors ?? []) {
      const field = pointer.split('/').pop() ?? '';
      if (field in this.details) texts[field] = detail;
    }
    const own = refusalFieldText(apiError.code, this.details.country, this.effectiveLocale, Boolean(this.portalUrl));
    if (own) texts[own.field] = own.text;
    // A refusal about a field of the details is said once, at that field, and the field takes the focus.
    if (Object.keys(texts).length && (this.step === 'details' || apiError.code === 'vat_id_invalid')) {
      this.fieldErrors = { ...this.fieldErrors, ...texts };
      if (this.step !== 'details') this.#onEdit();
      this.#focusFirstInvalid();
      this.dispatchEvent(new BillkitPaymentErrorEvent({ code: apiError.code, checkoutId: this.checkout?.id }));
      return;
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
    const why = code.startsWith('coupon_') ? couponReasonText(code) : paymentErrorText(code, undefined, Boolean(this.portalUrl));
    this.#showError(code, undefined, `${why} ${back}`, checkoutId);
  }

  /** Says what went wrong above the button and moves the focus there (it is read once, as it takes the focus). */
  #showError(code: string, detail?: string, text = paymentErrorText(code, detail, Boolean(this.portalUrl)), checkoutId = this.checkout?.id): void {
    this.error = { code, text };
    this.dispatchEvent(new BillkitPaymentErrorEvent({ code, checkoutId }));
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="error"]')?.focus());
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

  /** The buyer asked to change the details: back to them, focus in the first field. */
  #onEditClick(): void {
    this.#onEdit();
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#email')?.focus());
  }

  override render() {
    if (this.step === 'complete' && this.result) {
      // A trial has not started billing: say until when it is free, not that the subscription is active.
      const { status, trialEnd } = this.result.subscription;
      const thanks =
        status === 'trialing' && trialEnd
          ? msg(str`Thank you! Your free trial runs until ${formatDate(trialEnd, this.effectiveLocale)}.`, { id: 'payment.thanks_trial' })
          : msg('Thank you! Your subscription is active.', { id: 'payment.thanks' });
      return html`<div part="complete" tabindex="-1">
        <slot name="complete"><h3 id="thanks" class="success" tabindex="-1">${thanks}</h3>
          <p>${this.#receipt(this.result.invoice)}</p>
          ${this.portalUrl ? portalLink(this.portalUrl) : nothing}</slot>
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
            addressRequired: addressRequired(this.details),
            portalUrl: this.subscribed ? this.portalUrl || undefined : undefined,
            onInput: (patch, field, push) => this.#update(patch, field, push),
            emailFixed: this.emailFixed,
          })
        : this.#renderPayment()}
      ${this.error ? html`<p part="error" tabindex="-1">${this.error.text}</p>` : nothing}
      ${this.subscribed && this.portalUrl && this.step !== 'details' ? portalLink(this.portalUrl) : nothing}
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

  /** The invoice's number, and what it took when it was paid ("Invoice INV-2026-000001 · €111.86 paid"). */
  #receipt(invoice: { number: string; status: string; total: number; currency: string }): string {
    const number = msg(str`Invoice ${invoice.number}`, { id: 'payment.invoice' });
    // A 0 invoice (a trial's) is paid at once but took nothing: no "€0.00 paid".
    if (invoice.status !== 'paid' || invoice.total === 0) return number;
    const paid = formatMoney(invoice.total, invoice.currency, this.effectiveLocale);
    return `${number} · ${msg(str`${paid} paid`, { id: 'payment.paid' })}`;
  }

  #renderPayment() {
    const d = this.details;
    const test = this.checkout?.payment.provider === 'test';
    return html`<div class="summary">
        <span>${[d.name, d.email, d.city.trim() ? `${d.postalCode.trim().toUpperCase()} ${d.city.trim()}`.trim() : '', formatCountry(d.country, this.effectiveLocale)]
          .filter(Boolean).join(' · ')}</span>
        <button type="button" class="button secondary" @click=${this.#onEditClick}>${msg('Edit details', { id: 'payment.edit' })}</button>
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
