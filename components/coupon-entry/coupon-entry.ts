import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitElement } from '../shared/base.js';
import { BillkitApiError } from '../shared/api-client.js';
import { BillkitCouponApplyEvent, BillkitCouponRemoveEvent } from '../shared/events.js';
import { formatMoney } from '../shared/format.js';
import { couponReasonText, errorText } from '../shared/messages.js';
import type { Quote } from '../shared/types.js';
import { styles } from './coupon-entry.styles.js';

type Verdict = NonNullable<Quote['coupon']>;

/**
 * @summary A coupon field: applies a code through a quote, says why a code fails, shows the discount.
 *
 * @event billkit-coupon-apply - The buyer asked to apply a code (cancelable: preventDefault() stops it). detail: {code}.
 * @event billkit-coupon-remove - The buyer removed the applied code. detail: {code}.
 *
 * @csspart base - The wrapper.
 * @csspart input - The code field.
 * @csspart apply - The Apply button.
 * @csspart applied - The applied code with its discount.
 * @csspart code - The applied code.
 * @csspart discount - The discount amount.
 * @csspart remove - The Remove button.
 * @csspart status - The live region with the verdict.
 *
 * @cssprop --billkit-coupon-entry-input-border-color - The field's border (defaults to --billkit-color-border).
 */
@customElement('billkit-coupon-entry')
export class BillkitCouponEntry extends BillkitElement {
  static override styles = styles;
  static formAssociated = true;
  #internals = this.attachInternals();

  /** The plan to price with (standalone; inside <billkit-checkout> the shared cart decides). */
  @property() plan = '';
  /** The applied code (the form value). The attribute is the default, applied on load and on form reset. */
  @property() value = '';
  /** The form field name. */
  @property() name = '';
  /** Disables the field. */
  @property({ type: Boolean, reflect: true }) disabled = false;

  @state() private draft = '';
  @state() private checking = false;
  @state() private verdict?: Verdict;
  @state() private errorCode?: string;
  @state() private announcement = '';

  #written = '';

  protected override get quoteDelay(): number {
    return 0;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const store = this.watchCart();
    // A code applied elsewhere (the checkout's coupon attribute) shows here too.
    const cart = store?.cart;
    const quoted = store?.quote?.coupon;
    if (!this.verdict && !this.checking && cart?.couponCode && quoted
      && quoted.code.toUpperCase() === cart.couponCode.toUpperCase()) {
      this.verdict = quoted;
      if (quoted.valid) this.#setValue(quoted.code);
    }
    // The applied code follows the cart: a new quantity, add-on or plan reprices its discount (or ends it).
    // (An invalid code stays in the cart, priced without: the checkout redeems only a valid one.)
    if (this.verdict && !this.checking && quoted && quoted !== this.verdict && cart?.couponCode
      && quoted.code.toUpperCase() === this.verdict.code.toUpperCase()
      && cart.couponCode.toUpperCase() === quoted.code.toUpperCase()) {
      this.verdict = quoted;
      this.announcement = quoted.valid ? this.#appliedText(quoted) : couponReasonText(quoted.reason);
      this.#setValue(quoted.valid ? quoted.code : '');
      if (!quoted.valid) this.draft = quoted.code;
    }
    if (changed.has('value') && this.value !== this.#written) {
      this.#written = this.value;
      this.#internals.setFormValue(this.value || null);
      if (this.value && this.value.toUpperCase() !== this.verdict?.code.toUpperCase()) void this.#apply(this.value);
    }
  }

  formResetCallback(): void {
    this.value = this.getAttribute('value') ?? '';
    if (!this.value) {
      this.#clear();
      this.#removeFromCart();
    }
  }

  /** Check and apply a code (as if typed and applied, without emitting billkit-coupon-apply). */
  async apply(code: string): Promise<Verdict | undefined> {
    return this.#apply(code);
  }

  #setValue(code: string): void {
    this.#written = code;
    this.value = code;
    this.#internals.setFormValue(code || null);
  }

  #removeFromCart(): void {
    const store = this.cartStore;
    if (store?.cart?.couponCode) store.setCoupon(undefined, { reprice: this.composed });
  }

  #clear(): void {
    this.verdict = undefined;
    this.errorCode = undefined;
    this.draft = '';
    this.#setValue('');
  }

  async #apply(raw: string): Promise<Verdict | undefined> {
    const code = raw.trim();
    const store = this.cartStore;
    if (!code || !store || (!store.cart && !this.plan)) return undefined;
    // The field gives way to the applied code: focus that was in it moves to Remove, not to the page.
    const hadFocus = this.shadowRoot?.activeElement != null;
    this.checking = true;
    this.errorCode = undefined;
    this.verdict = undefined;
    this.announcement = msg('Checking the code…', { id: 'coupon.checking' });
    if (!this.composed && this.plan) store.setPlan(this.plan, { couponCode: code });
    else store.setCoupon(code);
    await store.settled();
    this.checking = false;
    const quoted = store.quote?.coupon;
    if (store.state.error && !(quoted && quoted.code.toUpperCase() === code.toUpperCase())) {
      this.errorCode = store.state.error instanceof BillkitApiError ? store.state.error.code : 'error';
      this.announcement = errorText(this.errorCode);
      return undefined;
    }
    if (!quoted) return undefined;
    this.verdict = quoted;
    if (quoted.valid) {
      this.#setValue(quoted.code);
      this.draft = '';
      this.announcement = this.#appliedText(quoted);
      if (hadFocus) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part~="remove"]')?.focus());
    } else {
      this.#setValue('');
      // The quote is priced without it; keep it out of the checkout too.
      store.setCoupon(undefined, { reprice: false });
      this.announcement = couponReasonText(quoted.reason);
    }
    return quoted;
  }

  /** What the code takes off: today's invoice, else the next one (a trial's first paid period), else nothing yet. */
  #appliedText(verdict: Verdict): string {
    const { amount, next } = this.#offer(verdict);
    if (amount === 0) return msg(str`Code ${verdict.code} applied.`, { id: 'coupon.applied_nothing_yet' });
    return next
      ? msg(str`Code ${verdict.code} applied: ${this.#money(amount)} off your next invoice.`, { id: 'coupon.applied_next' })
      : msg(str`Code ${verdict.code} applied: ${this.#money(amount)} off.`, { id: 'coupon.applied' });
  }

  /** The discount to show: today's, else the renewal's (when the quote this verdict came from is the cart's). */
  #offer(verdict: Verdict): { amount: number; next: boolean } {
    if (verdict.discount > 0) return { amount: verdict.discount, next: false };
    const quote = this.cartStore?.quote;
    return { amount: quote?.coupon === verdict ? quote.recurring.discount : 0, next: true };
  }

  #money(amount: number): string {
    const currency = this.cartStore?.quote?.currency;
    return currency ? formatMoney(amount, currency, this.effectiveLocale) : String(amount);
  }

  #onApply(): void {
    const code = this.draft.trim();
    if (!code || this.checking) return;
    if (!this.dispatchEvent(new BillkitCouponApplyEvent({ code }))) return;
    void this.#apply(code);
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      this.#onApply();
    }
  }

  #onRemove(): void {
    const code = this.verdict?.code ?? this.value;
    this.#clear();
    this.#removeFromCart();
    this.announcement = msg(str`Code ${code} removed.`, { id: 'coupon.removed' });
    this.dispatchEvent(new BillkitCouponRemoveEvent({ code }));
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('input')?.focus());
  }

  override render() {
    const applied = this.verdict?.valid ? this.verdict : undefined;
    const offer = applied ? this.#offer(applied) : { amount: 0, next: false };
    const invalid = this.verdict && !this.verdict.valid;
    const status = this.announcement
      || (invalid ? couponReasonText(this.verdict!.reason) : applied ? this.#appliedText(applied) : '');
    return html`<div part="base">
      ${applied
        ? html`<div part="applied">
            <span><span part="code">${applied.code}</span>
              ${offer.amount > 0 ? html`<span part="discount" class="success">${this.#money(-offer.amount)}</span>` : nothing}</span>
            <button type="button" part="remove" class="button secondary" aria-label=${msg(str`Remove code ${applied.code}`, { id: 'coupon.remove_label' })}
              @click=${this.#onRemove}>${msg('Remove', { id: 'coupon.remove' })}</button>
          </div>`
        : html`<label for="code">${msg('Coupon code', { id: 'coupon.label' })}</label>
          <div class="field">
            <input id="code" part="input" autocomplete="off" autocapitalize="characters" spellcheck="false"
              .value=${this.draft} ?disabled=${this.disabled} aria-invalid=${invalid || this.errorCode ? 'true' : 'false'}
              aria-describedby="status" @input=${(e: Event) => (this.draft = (e.target as HTMLInputElement).value)}
              @keydown=${this.#onKeydown} />
            <button type="button" part="apply" class="button secondary" ?disabled=${this.disabled || this.checking}
              aria-busy=${this.checking ? 'true' : 'false'} @click=${this.#onApply}>${msg('Apply', { id: 'coupon.apply' })}</button>
          </div>`}
      <p id="status" part="status" role="status" class=${invalid || this.errorCode ? 'error' : applied ? 'success' : ''}>${status}</p>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-coupon-entry': BillkitCouponEntry;
  }
}
