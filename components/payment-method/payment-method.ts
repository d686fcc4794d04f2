import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { BillkitPaymentMethodUpdateEvent } from '../shared/events.js';
import { formatMoney } from '../shared/format.js';
import { tokenizeTestCard } from '../shared/test-cards.js';
import { accountStyles, followChanges, problemText, renderLoadError, renderSkeleton } from '../shared/account.js';
import { cardErrorText, paymentErrorText, renderTestCard } from '../payment-form/payment-form.parts.js';
import { styles as formStyles } from '../payment-form/payment-form.styles.js';
import { confirmWithStripe, loadStripeLazily, mountInSlot, type MountedStripe, type StripeLoader } from '../payment-form/stripe.js';
import type { Invoice, PortalPaymentMethodSetup, PortalSubscription } from '../shared/portal-types.js';

const LIVE = ['trialing', 'active', 'past_due', 'unpaid', 'paused'];

/**
 * @summary The card the subscriptions are charged to, and "Replace": a new card (the test provider's card field, or Stripe's Payment Element with a SetupIntent) becomes the default, and every open invoice is retried with it at once, each one's outcome shown. A failed payment is said first, with what is owed.
 *
 * @event billkit-payment-method-update - The buyer saved a new payment method. detail: {paymentMethod, paid, declined} (open invoices retried with it).
 *
 * @slot payment-element - Where the Stripe Payment Element is mounted (filled by the element itself).
 *
 * @csspart past-due - "Your last payment failed: replace your card to pay €29.00".
 * @csspart current - The current payment method and "Replace".
 * @csspart replace - The Replace button.
 * @csspart form - The new-card form.
 * @csspart field - The card field.
 * @csspart input - The card number input (test mode).
 * @csspart submit - "Save card".
 * @csspart outcome - What saving did: the card saved, and each open invoice paid or declined.
 * @csspart empty - No live subscription to pay for.
 * @csspart skeleton - The placeholder while loading.
 * @csspart error - A load or save failed.
 *
 * @cssprop --billkit-payment-form-input-border-color - The card field's border (defaults to --billkit-color-border).
 */
@customElement('billkit-payment-method')
export class BillkitPaymentMethod extends BillkitPortalElement {
  static override styles = [
    formStyles,
    accountStyles,
    css`
      :host {
        display: grid;
        gap: var(--_space-3);
      }
      h2,
      h3 {
        margin: 0;
        font-size: 1.1em;
      }
      [part='current'] {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--_space-2);
      }
      [part='past-due'] {
        padding: var(--_space-2) var(--_space-3);
        border-inline-start: 3px solid var(--_danger);
      }
      [part='outcome'] ul {
        margin: var(--_space-1) 0 0;
        padding-inline-start: var(--_space-4);
      }
      [part='submit'] {
        inline-size: auto;
      }
    `,
  ];

  /** Loads Stripe.js for a publishable key; replace in tests. Defaults to @stripe/stripe-js/pure, imported lazily. */
  @property({ attribute: false }) stripeLoader?: StripeLoader = loadStripeLazily;

  @state() private subscriptions?: PortalSubscription[];
  @state() private openInvoices: Invoice[] = [];
  @state() private loadError?: unknown;
  @state() private replacing = false;
  @state() private setup?: PortalPaymentMethodSetup;
  @state() private setupError?: unknown;
  @state() private card = '';
  @state() private cardError = '';
  @state() private busy = false;
  @state() private saveError = '';
  /** What the last save did: the card, then one line per retried invoice. */
  @state() private outcome?: { saved: string; lines: { paid: boolean; text: string }[] };
  #stripe?: MountedStripe;

  #unfollow?: () => void;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unfollow = followChanges(['billkit-subscription-update'], () => this.inPortal || this.portalChanged());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unfollow?.();
    this.#unmount();
  }

  protected override async portalChanged(): Promise<void> {
    const client = this.portal?.client;
    if (!client) return;
    this.loadError = undefined;
    try {
      const [subscriptions, invoices] = await Promise.all([
        client.subscriptions({ limit: 100 }),
        // The amounts owed and the invoices' numbers; without the invoices feature the card is still shown.
        client.invoices({ status: 'open', limit: 100 }).catch(() => ({ data: [] })),
      ]);
      const first = !this.subscriptions;
      this.subscriptions = subscriptions.data.filter((s) => LIVE.includes(s.status));
      this.openInvoices = invoices.data;
      // replace() called before the first load (a deep link): the form shows only now, so it takes the focus now.
      if (first && this.replacing) this.#focus('#card');
    } catch (error) {
      if (!this.subscriptions) this.loadError = error;
    }
  }

  /** Opens the new-card form, as "Replace" does (for the portal session's payment_method deep link). */
  async replace(): Promise<void> {
    this.replacing = true;
    this.outcome = undefined;
    this.saveError = '';
    this.card = '';
    this.cardError = '';
    await this.#loadSetup();
  }

  /** What the new-card form needs (Stripe: a SetupIntent's client secret); then the first field takes the focus. */
  async #loadSetup(): Promise<void> {
    const client = this.portal?.client;
    if (!client) return;
    this.setupError = undefined;
    this.setup = undefined;
    try {
      const setup = await client.paymentMethodSetup();
      this.setup = setup;
      await this.updateComplete;
      if (setup.provider === 'stripe') {
        this.#stripe = await mountInSlot(this, this.stripeLoader, setup.publishableKey ?? this.publishableKey, setup.clientSecret ?? '', this.effectiveLocale);
      }
    } catch (error) {
      this.setupError = error;
    }
    this.#focus('#card, [part="form"] [part~="error"] button, [part="submit"]');
  }

  #unmount(): void {
    this.#stripe?.destroy();
    this.#stripe = undefined;
  }

  #onCancel(): void {
    this.replacing = false;
    this.#unmount();
    this.#focus('[part="replace"]');
  }

  async #onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const client = this.portal?.client;
    if (this.busy || !client || !this.setup) return;
    this.saveError = '';
    let paymentMethod: string;
    this.busy = true;
    try {
      if (this.setup.provider === 'test') {
        const token = tokenizeTestCard(this.card);
        if (!token.ok) {
          this.cardError = cardErrorText(token.reason);
          return this.#focus('#card');
        }
        paymentMethod = token.paymentMethod;
      } else {
        if (!this.#stripe) return;
        const confirmed = await confirmWithStripe(this.#stripe, 'setup');
        if (!confirmed.ok) {
          this.saveError = paymentErrorText(confirmed.code, confirmed.message);
          return this.#focus('[part="form"] p[part="error"]');
        }
        paymentMethod = confirmed.paymentMethod;
      }
      const result = await client.setPaymentMethod({ paymentMethod });
      const numberOf = (id: string) => this.openInvoices.find((i) => i.id === id)?.number ?? id;
      const lines = result.payments.flatMap((p) =>
        p.outcome === 'paid'
          ? [{ paid: true, text: msg(str`Invoice ${numberOf(p.invoiceId)} is paid.`, { id: 'method.invoice_paid' }) }]
          : p.outcome === 'declined'
            ? [{ paid: false, text: msg(str`Invoice ${numberOf(p.invoiceId)} was not paid: ${declineText(p.code)}`, { id: 'method.invoice_declined' }) }]
            : []);
      const method = result.subscriptions[0]?.defaultPaymentMethod;
      this.outcome = { saved: msg(str`Saved: ${method ? methodText(method) : paymentMethod}.`, { id: 'method.saved' }), lines };
      this.subscriptions = result.subscriptions;
      this.replacing = false;
      this.#unmount();
      this.#focus('[part="outcome"]');
      const paid = lines.filter((l) => l.paid).length;
      this.dispatchEvent(new BillkitPaymentMethodUpdateEvent({ paymentMethod, paid, declined: lines.length - paid }));
      this.portal?.changed();
    } catch (error) {
      this.saveError = problemText(error);
      this.#focus('[part="form"] p[part="error"]');
    } finally {
      this.busy = false;
    }
  }

  #focus(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  override render() {
    const title = html`<h2>${msg('Payment method', { id: 'method.title' })}</h2>`;
    const subs = this.subscriptions;
    if (!subs) {
      return html`${title}${this.loadError
        ? renderLoadError(this.loadError, () => this.portalChanged())
        : renderSkeleton(msg('Loading payment method', { id: 'method.loading' }), 1)}`;
    }
    if (!subs.length) return html`${title}<p part="empty" class="muted">${msg('No active subscription is charged to a payment method.', { id: 'method.empty' })}</p>`;
    const method = subs.find((s) => s.defaultPaymentMethod)?.defaultPaymentMethod;
    return html`${title}
      ${this.#renderPastDue(subs)}
      <div part="current">
        <span>${method ? methodText(method) : msg('No payment method on file.', { id: 'method.none' })}</span>
        ${this.replacing ? nothing : html`<button part="replace" type="button" class="button secondary" @click=${this.replace}>
          ${method ? msg('Replace', { id: 'method.replace' }) : msg('Add a card', { id: 'method.add' })}</button>`}
      </div>
      ${this.outcome
        ? html`<div part="outcome" tabindex="-1" role="status">
            <p class="success">${this.outcome.saved}</p>
            ${this.outcome.lines.length
              ? html`<ul>${this.outcome.lines.map((l) => html`<li class=${l.paid ? 'success' : 'error'}>${l.text}</li>`)}</ul>`
              : nothing}
          </div>`
        : nothing}
      ${this.replacing ? this.#renderForm() : nothing}`;
  }

  /** A failed renewal comes first: what is owed, and that a new card pays it. */
  #renderPastDue(subs: PortalSubscription[]) {
    if (!subs.some((s) => s.status === 'past_due' || s.status === 'unpaid')) return nothing;
    const owed = this.openInvoices.filter((i) => i.amountDue > i.amountPaid);
    const amount = owed.length ? formatMoney(owed.reduce((sum, i) => sum + i.amountDue - i.amountPaid, 0), owed[0]!.currency, this.effectiveLocale) : '';
    const text = amount
      ? msg(str`Your last payment failed: replace your card to pay ${amount}.`, { id: 'method.past_due_amount' })
      : msg('Your last payment failed: replace your card to pay what is owed.', { id: 'method.past_due' });
    return html`<p part="past-due" class="error">${text}</p>`;
  }

  #renderForm() {
    const setup = this.setup;
    return html`<form part="form" novalidate aria-labelledby="new-card" aria-busy=${this.busy || !setup ? 'true' : 'false'} @submit=${this.#onSubmit}>
      <h3 id="new-card">${msg('New card', { id: 'method.new' })}</h3>
      ${this.setupError
        ? renderLoadError(this.setupError, () => this.#loadSetup())
        : !setup
          ? renderSkeleton(msg('Loading the card form', { id: 'method.form_loading' }), 1)
          : setup.provider === 'test'
            ? renderTestCard(this.card, this.cardError, (card) => {
                this.card = card;
                this.cardError = '';
              })
            : html`<div part="field"><slot name="payment-element"></slot></div>`}
      ${this.saveError ? html`<p part="error" tabindex="-1">${this.saveError}</p>` : nothing}
      <div class="actions">
        <button part="submit" class="button" type="submit" ?disabled=${this.busy || !setup}>${msg('Save card', { id: 'method.save' })}</button>
        <button type="button" class="button secondary" @click=${this.#onCancel}>${msg('Cancel', { id: 'method.cancel' })}</button>
      </div>
    </form>`;
  }
}

/**
 * Why a retry with the new card failed, and what to do, in the buyer's language (the provider's own message
 * is English): a card that wants the buyer to confirm each payment cannot pay renewals.
 */
function declineText(code: string): string {
  return code === 'authentication_required'
    ? msg('your bank wants to confirm each payment, which a renewal cannot do. Use another card.', { id: 'method.auth_required' })
    : msg('the card was declined. Use another card, or ask your bank why.', { id: 'method.declined' });
}

/** "Visa ending in 4242" (the brand as the provider names it, capitalised). */
function methodText(method: { brand?: string; last4?: string; id: string }): string {
  const brand = method.brand ? method.brand[0]!.toUpperCase() + method.brand.slice(1) : msg('Card', { id: 'method.card' });
  return method.last4 ? msg(str`${brand} ending in ${method.last4}`, { id: 'method.ending' }) : brand;
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-payment-method': BillkitPaymentMethod;
  }
}
