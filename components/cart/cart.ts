import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { msg, str } from '@lit/localize';
import { BillkitElement } from '../shared/base.js';
import { BillkitCartChangeEvent } from '../shared/events.js';
import { formatMoney, formatRate } from '../shared/format.js';
import { errorText, perInterval, pricingText, renewalText, taxTreatmentText, unitOf, unitPluralOf } from '../shared/messages.js';
import { renewalWithoutCoupon } from '../shared/renewal.js';
import { renderAddOns } from '../shared/add-ons.js';
import type { Catalog, Charge, Plan, Quote, QuoteLine } from '../shared/types.js';
import { styles } from './cart.styles.js';

/**
 * @summary The live quote: lines, quantities, add-ons, coupon, tax, due today and the renewal.
 *
 * @event billkit-cart-change - The buyer changed a quantity or an add-on. detail: {cart}.
 *
 * @slot footer - Content below the totals (e.g. the coupon entry).
 *
 * @csspart base - The wrapper.
 * @csspart lines - The list of lines.
 * @csspart line - One line (trial and setup fee lines carry the trial / setup-fee part too).
 * @csspart badge - The "Free trial" / "One-time" badge on a line.
 * @csspart stepper - The quantity stepper of an adjustable charge.
 * @csspart add-ons - The add-on toggles.
 * @csspart totals - Subtotal, discount, tax and the total due today.
 * @csspart discount - The coupon row.
 * @csspart tax - The tax row.
 * @csspart total - The due-today row.
 * @csspart renewal - What the renewal costs and, with a coupon, how long its discount lasts ("€42.84 / month for the first 3 months, then €53.55 / month").
 * @csspart metered - How usage is billed.
 * @csspart error - The inline error (the previous quote stays).
 * @csspart not-updated - "Not updated yet" under the last totals while a VAT ID the BFF refused is taken out.
 * @csspart announcement - The visually hidden live region that says the new total after each change.
 *
 * @cssprop --billkit-cart-background - Background (defaults to --billkit-color-surface).
 * @cssprop --billkit-cart-border-color - Border (defaults to --billkit-color-border).
 * @cssprop --billkit-cart-amount-width - Fixed width of the amount column, so prices do not shift (7rem).
 */
@customElement('billkit-cart')
export class BillkitCart extends BillkitElement {
  static override styles = styles;

  /** The plan's code (standalone; inside <billkit-checkout> the shared cart decides). */
  @property() plan = '';
  /** Initial quantity for every adjustable charge. */
  @property({ type: Number }) quantity?: number;
  /** A coupon code to price with. */
  @property() coupon = '';
  /** Milliseconds to wait after a change before re-pricing. */
  @property({ type: Number }) debounce = 200;
  /** Reflects that a re-price is in flight. */
  @property({ type: Boolean, reflect: true }) loading = false;
  /** Shows the order without steppers or add-on toggles (set by <billkit-checkout> once it is paid). */
  @property({ type: Boolean, reflect: true }) readonly = false;

  @state() private catalog?: Catalog;
  #catalogFrom?: unknown;
  /** The locale the catalog was asked in (its names, units). */
  #catalogIn?: string;

  /** The current quote, if any. */
  get quote(): Quote | null {
    return this.cartStore?.quote ?? null;
  }

  protected override get quoteDelay(): number {
    return this.debounce;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const store = this.watchCart();
    if (store && !this.composed && this.plan && (store.cart?.plan !== this.plan || changed.has('quantity') || changed.has('coupon'))) {
      store.setPlan(this.plan, {
        ...(this.quantity ? { quantity: this.quantity } : {}),
        ...(this.coupon ? { couponCode: this.coupon } : {}),
      });
    }
    this.loading = Boolean(store?.state.loading);
    this.#loadCatalog();
  }

  #loadCatalog(): void {
    const client = this.apiClient;
    const locale = this.effectiveLocale;
    if (!client || (this.#catalogFrom === client && this.#catalogIn === locale)) return;
    this.#catalogFrom = client;
    this.#catalogIn = locale;
    client.catalog({ locale }).then((catalog) => {
      if (this.#catalogIn === locale) this.catalog = catalog;
    }, () => undefined);
  }

  get #plan(): Plan | undefined {
    const code = this.cartStore?.cart?.plan;
    return this.catalog?.plans.find((p) => p.code === code);
  }

  #quantityOf(charge: Charge, line?: QuoteLine): number {
    const cart = this.cartStore?.cart;
    return cart?.charges?.find((c) => c.chargeId === charge.id)?.quantity
      ?? (charge.quantity.adjustable && cart?.quantity ? cart.quantity : undefined)
      ?? line?.quantity
      ?? charge.quantity.default;
  }

  #setQuantity(charge: Charge, quantity: number): void {
    const store = this.cartStore;
    if (!store || Number.isNaN(quantity)) return;
    const max = charge.quantity.max ?? Infinity;
    const clamped = Math.min(max, Math.max(charge.quantity.min, Math.trunc(quantity)));
    store.setQuantity(charge.id, clamped);
    this.#changed();
  }

  #toggleAddOn(charge: Charge, on: boolean): void {
    this.cartStore?.setAddOn(charge.id, on);
    this.#changed();
  }

  #changed(): void {
    const cart = this.cartStore?.cart;
    if (cart) this.dispatchEvent(new BillkitCartChangeEvent({ cart }));
  }

  override render() {
    const state = this.cartStore?.state;
    const quote = state?.quote;
    // A refused VAT ID is the payment form's to say, at its field (it prices the cart without it meanwhile):
    // here the last totals stay, marked as not updated.
    const vatRefused = state?.error?.code === 'vat_id_invalid';
    const error = vatRefused ? null : state?.error;
    return html`<section part="base" aria-busy=${state?.loading ? 'true' : 'false'} aria-labelledby="title">
      <h2 id="title">${msg('Your order', { id: 'cart.title' })}</h2>
      ${error ? html`<p part="error" role="alert">${this.#errorText(error)}</p>` : nothing}
      ${quote ? this.#renderQuote(quote, Boolean(error), vatRefused) : error && !state?.loading ? nothing : this.#renderSkeleton()}
      <p part="announcement" class="visually-hidden" role="status">${quote && !state?.loading && !state?.error ? this.#announcement(quote) : ''}</p>
      <slot name="footer"></slot>
    </section>`;
  }

  /** What a screen reader hears once the cart is priced again: the total due today (paid, once paid). */
  #announcement(quote: Quote): string {
    const total = formatMoney(quote.dueToday.total, quote.currency, this.effectiveLocale);
    return `${this.#totalLabel()} ${total}`;
  }

  #totalLabel(): string {
    return this.readonly ? msg('Paid today', { id: 'cart.paid_today' }) : msg('Due today', { id: 'cart.due_today' });
  }

  /** A plan that can't be bought is the buyer's to fix by choosing another; other failures show the lines, not the totals. */
  #errorText(error: { code: string; problem: { detail?: string } }): string {
    const { code } = error;
    if (code === 'plan_not_found' || code === 'plan_not_available') return errorText(code);
    const why = code === 'vat_id_invalid' || code === 'network_error' ? errorText(code) : error.problem.detail || errorText(code);
    return `${msg('The price could not be updated.', { id: 'cart.error' })} ${why}`;
  }

  #renderSkeleton() {
    const row = html`<div class="row" aria-hidden="true"><span class="skeleton text"></span><span class="skeleton figure"></span></div>`;
    return html`<div role="status" aria-label=${msg('Loading prices', { id: 'cart.loading' })}>${row}${row}${row}${row}</div>`;
  }

  /**
   * The order as last priced. `stale`: the cart changed since and could not be priced (say, a VAT ID the BFF
   * refused): the lines stay, dimmed, for the buyer to fix the cart, but tax and totals are not shown, as
   * they were another cart's.
   */
  #renderQuote(quote: Quote, stale = false, notUpdated = false) {
    const locale = this.effectiveLocale;
    const money = (amount: number) => formatMoney(amount, quote.currency, locale);
    const figure = (amount: number) => (stale ? '—' : money(amount));
    const plan = this.#plan;
    const rates = [...new Set(quote.lines.map((l) => l.taxRate))];
    const rate = rates.length === 1 && rates[0] > 0 ? ` ${formatRate(rates[0], locale)}` : '';
    const taxLabel = stale ? msg('VAT', { id: 'cart.tax_unknown' }) : quote.taxBehavior === 'inclusive' && quote.taxTreatment !== 'reverse_charge' && quote.taxTreatment !== 'outside_scope'
      ? msg(str`Including ${taxTreatmentText(quote.taxTreatment)}${rate}`, { id: 'cart.tax_included' })
      : `${taxTreatmentText(quote.taxTreatment)}${quote.taxTreatment === 'domestic' || quote.taxTreatment === 'oss' ? rate : ''}`;
    const chosen = this.cartStore?.cart?.addOns ?? [];
    // Read-only: the chosen add-ons are lines already; there is nothing left to toggle.
    const addOns = this.readonly ? [] : (plan?.charges.filter((c) => c.optional) ?? []);
    return html`<ul part="lines" class=${stale ? 'stale' : ''}>
        ${quote.lines.map((line) => this.#renderLine(line, plan?.charges.find((c) => c.id === line.chargeId), money))}
      </ul>
      ${plan ? renderAddOns(addOns, chosen, plan.interval, quote.currency, locale, (charge, on) => this.#toggleAddOn(charge, on)) : nothing}
      <dl part="totals">
        <div class="row" part="subtotal"><dt>${msg('Subtotal', { id: 'cart.subtotal' })}</dt> <dd>${figure(quote.dueToday.subtotal)}</dd></div>
        ${quote.coupon?.valid && !stale
          ? html`<div class="row" part="discount"><dt>${msg(str`Coupon ${quote.coupon.code}`, { id: 'cart.coupon' })}</dt>
              <dd>${money(-quote.dueToday.discount)}</dd></div>`
          : nothing}
        <div class="row" part="tax"><dt>${taxLabel}</dt> <dd>${figure(quote.dueToday.tax)}</dd></div>
        <div class="row" part="total"><dt>${this.#totalLabel()}</dt> <dd>${figure(quote.dueToday.total)}</dd></div>
      </dl>
      ${notUpdated ? html`<p part="not-updated" class="muted">${msg('Not updated yet', { id: 'cart.not_updated' })}</p>` : nothing}
      ${stale
        ? nothing
        : html`<p part="renewal">${renewalText(quote, renewalWithoutCoupon(quote, plan?.charges), locale)}</p>`}
      ${quote.meteredCharges.length
        ? html`<div part="metered">${msg('Billed by usage at the end of each period:', { id: 'cart.metered' })}
            <ul>${quote.meteredCharges.map((m) => {
              const charge = plan?.charges.find((c) => c.id === m.chargeId);
              const [first, ...rest] = pricingText(m.pricing, quote.currency, locale, charge ? unitOf(charge) : unitOf({ measurement: null }), unitPluralOf(charge));
              return html`<li>${m.description}: ${first}${rest.length ? html` ${rest.join('; ')}` : nothing}</li>`;
            })}</ul></div>`
        : nothing}`;
  }

  #renderLine(line: QuoteLine, charge: Charge | undefined, money: (n: number) => string) {
    const kind = line.trial ? ' trial' : line.type === 'one_time' ? ' setup-fee' : '';
    const adjustable = !this.readonly && charge?.quantity.adjustable && charge.type !== 'metered';
    const quantity = charge ? this.#quantityOf(charge, line) : line.quantity;
    return html`<li part="line${kind}">
      <span class="label">${line.description}
        ${line.trial ? html`<span part="badge">${msg('Free trial', { id: 'cart.trial' })}</span>` : nothing}
        ${line.type === 'one_time' ? html`<span part="badge">${msg('One-time setup fee', { id: 'cart.setup_fee' })}</span>` : nothing}
        ${!adjustable && line.quantity > 1
          ? html`<span class="muted">${line.unitAmount !== undefined ? `${line.quantity} × ${money(line.unitAmount)}` : `× ${line.quantity}`}</span>`
          : nothing}
      </span>
      ${adjustable && charge ? this.#renderStepper(charge, quantity) : nothing}
      <span class="amount">${money(line.subtotal)}</span>
    </li>`;
  }

  #renderStepper(charge: Charge, quantity: number) {
    const { min, max } = charge.quantity;
    return html`<span part="stepper" role="group" aria-label=${msg(str`Quantity of ${charge.productName}`, { id: 'cart.quantity_of' })}>
      <button type="button" aria-label=${msg(str`Fewer ${charge.productName}`, { id: 'cart.fewer' })} ?disabled=${quantity <= min}
        @click=${() => this.#setQuantity(charge, quantity - 1)}>−</button>
      <input type="number" inputmode="numeric" min=${min} max=${max ?? nothing} .value=${live(String(quantity))}
        aria-label=${msg(str`Quantity of ${charge.productName}`, { id: 'cart.quantity_of' })}
        @change=${(e: Event) => this.#setQuantity(charge, Number((e.target as HTMLInputElement).value))} />
      <button type="button" aria-label=${msg(str`More ${charge.productName}`, { id: 'cart.more' })} ?disabled=${max !== null && quantity >= max}
        @click=${() => this.#setQuantity(charge, quantity + 1)}>+</button>
    </span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-cart': BillkitCart;
  }
}
