import { html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { msg, str } from '@lit/localize';
import '../plan-picker/plan-picker.js';
import { BillkitSubscriptionChangeEvent, BillkitSubscriptionUpdateEvent } from '../shared/events.js';
import { formatDate, formatMoney, formatNumber, formatRate } from '../shared/format.js';
import { exclVat, perInterval, taxTreatmentText, unitsOf } from '../shared/messages.js';
import { itemsPrice } from '../shared/catalog.js';
import { BillkitSubscriptionActionElement, type ActionData } from '../shared/subscription-actions.js';
import { renderAddOns } from '../shared/add-ons.js';
import type { CatalogPlan, SubscriptionChange, SubscriptionChangeResult } from '../shared/portal-types.js';
import type { Catalog, Charge, TaxTreatment } from '../shared/types.js';
import { styles } from './plan-switch.styles.js';

type Step = 'loading' | 'error' | 'choose' | 'preview' | 'done';
type ChangeInvoice = NonNullable<SubscriptionChangeResult['invoice']>;

/**
 * @summary Switch a subscription's plan or quantity in the portal: the allowed plans, then the exact invoice
 * the change makes (credit for unused time, charge for the rest, tax, total due now, or the date a downgrade
 * takes effect) before the buyer confirms, then the outcome.
 *
 * @event billkit-subscription-change - The buyer confirmed the previewed change (cancelable: preventDefault() stops it before anything is charged). detail: {subscriptionId, plan, quantity, addOns, effective, amountDue, currency}.
 * @event billkit-subscription-update - The change is made. detail: {subscriptionId, action: 'changed', status}.
 * @event close - The buyer backed out ("Keep my plan") or closed the outcome.
 *
 * @csspart base - The wrapper of each step.
 * @csspart heading - The step's heading (focused when the step appears).
 * @csspart picker - The plan picker of the plans this subscription may switch to.
 * @csspart quantity - The quantity field and its label (when the shop lets buyers change it).
 * @csspart add-ons - The chosen plan's add-ons to keep, add or drop (when the shop lets buyers change quantities); another plan keeps the add-ons of the same products.
 * @csspart summary - What changes: from which plan and quantity to which.
 * @csspart renewal - What the new selection costs per interval once changed ("Then €109.00 / month excl. VAT").
 * @csspart lines - The preview invoice's lines (credits negative).
 * @csspart line - One line; a credit also has the part credit.
 * @csspart totals - Tax, balance and the total due now.
 * @csspart total - The total due now, or the credit going to the balance.
 * @csspart effective - When the change takes effect, for a change at the period's end or one that charges nothing.
 * @csspart coupon - Whether the subscription's coupon stays.
 * @csspart outcome - The result: paid, scheduled, or declined with what to do.
 * @csspart actions - The buttons of a step.
 * @csspart note - A notice: when a change takes effect, a preview priced again, nothing changed yet.
 * @csspart error - A refusal or failure, with what to do.
 * @csspart empty - Shown when there is nothing this subscription may switch to.
 *
 * @cssprop --billkit-plan-switch-background - Background of the preview's lines and totals (defaults to --billkit-color-surface).
 * @cssprop --billkit-plan-switch-border-color - Border of the preview's lines and totals (defaults to --billkit-color-border).
 */
@customElement('billkit-plan-switch')
export class BillkitPlanSwitch extends BillkitSubscriptionActionElement<Step> {
  static override styles = styles;

  @state() private plan = '';
  @state() private quantity = 0;
  /** The chosen plan's add-ons (charge ids, in the plan's order). */
  @state() private addOns: string[] = [];
  @state() private notice = '';
  @state() private result?: SubscriptionChangeResult;

  /** Reload what the buyer may do (the store changed) unless a preview or an outcome is on show. */
  protected override portalChanged(): void {
    if (this.step === 'loading' || this.step === 'error' || this.step === 'choose') this.load();
  }

  protected override loaded(data: ActionData): void {
    const first = !this.data || this.step !== 'choose';
    super.loaded(data);
    if (first) {
      this.plan = data.rights.planCode;
      this.quantity = this.#currentQuantity(data);
      this.addOns = this.#currentAddOns(data);
    }
    this.step = 'choose';
  }

  #planOf(code: string): CatalogPlan | undefined {
    return this.data?.configuration.plans.find((p) => p.code === code);
  }

  /** The charge whose quantity the buyer sets (the first adjustable recurring one), of a plan. */
  #seatsOf(plan: CatalogPlan | undefined) {
    return plan?.charges.find((c) => c.quantity.adjustable && c.type === 'recurring');
  }

  #currentQuantity({ subscription }: ActionData): number {
    const charge = this.#seatsOf(subscription.plan);
    return subscription.items.find((i) => i.chargeId === charge?.id)?.quantity ?? charge?.quantity.default ?? 0;
  }

  /** The subscription's add-ons now. */
  #currentAddOns({ subscription }: ActionData): string[] {
    return this.#addOnsOf(subscription.plan).filter((c) => subscription.items.some((i) => i.chargeId === c.id)).map((c) => c.id);
  }

  /** A plan's add-ons the buyer may choose (add-ons need the quantity feature, as quantities do). */
  #addOnsOf(plan: CatalogPlan | undefined): Charge[] {
    return this.data?.configuration.features.quantity ? ((plan?.charges ?? []) as Charge[]).filter((c) => c.optional) : [];
  }

  #setAddOns(chosen: (c: Charge) => boolean): void {
    this.addOns = this.#addOnsOf(this.#planOf(this.plan)).filter(chosen).map((c) => c.id);
    this.notice = '';
  }

  /** Whether the quantity is the buyer's to set for the chosen plan. */
  get #quantityShown(): boolean {
    return Boolean(this.data?.rights.changeQuantity && this.#seatsOf(this.#planOf(this.plan)));
  }

  /** The change asked for: the plan, the quantity of its one charge the buyer sets (the others keep theirs or the plan's defaults), its add-ons. */
  #change(): SubscriptionChange {
    const plan = this.#planOf(this.plan);
    const seats = this.#seatsOf(plan);
    return {
      plan: this.plan,
      ...(seats && this.#quantityShown ? { charges: [{ chargeId: seats.id, quantity: this.quantity }] } : {}),
      ...(this.#addOnsOf(plan).length ? { addOns: this.addOns } : {}),
    };
  }

  async #preview(): Promise<void> {
    const data = this.data;
    if (!data || this.busy) return;
    this.error = undefined;
    if (this.plan === data.rights.planCode && (!this.#quantityShown || this.quantity === this.#currentQuantity(data)) && `${this.addOns}` === `${this.#currentAddOns(data)}`) {
      this.notice = msg('Choose another plan or quantity first.', { id: 'switch.unchanged' });
      return;
    }
    this.notice = '';
    this.busy = true;
    try {
      this.result = await this.portal!.client.changeSubscription(this.subscription, { ...this.#change(), preview: true });
      this.go('preview');
    } catch (error) {
      this.error = error;
    } finally {
      this.busy = false;
    }
  }

  async #confirm(): Promise<void> {
    const preview = this.result;
    if (!preview || this.busy) return;
    const change = this.#change();
    const event = new BillkitSubscriptionChangeEvent({
      subscriptionId: this.subscription,
      plan: this.plan,
      ...(change.charges ? { quantity: this.quantity } : {}),
      ...(change.addOns ? { addOns: change.addOns } : {}),
      effective: preview.effective,
      amountDue: preview.invoice?.amountDue ?? 0,
      currency: preview.invoice?.currency ?? this.#planOf(this.plan)?.currency ?? '',
    });
    if (!this.dispatchEvent(event)) return;
    this.error = undefined;
    this.busy = true;
    try {
      this.result = await this.portal!.client.changeSubscription(this.subscription, { ...change, prorationDate: preview.prorationDate });
      this.go('done');
      this.portal!.changed();
      this.dispatchEvent(new BillkitSubscriptionUpdateEvent({ subscriptionId: this.subscription, action: 'changed', status: this.result.subscription.status }));
    } catch (error) {
      if ((error as { code?: string }).code === 'proration_date_invalid') {
        // The preview is too old to be charged as it is: price it again for the buyer to see before confirming.
        this.busy = false;
        await this.#preview();
        this.notice = msg('The preview was out of date and is updated: check it again.', { id: 'switch.repriced' });
      } else this.error = error;
    } finally {
      this.busy = false;
    }
  }

  #onPlanChange(event: Event): void {
    const previous = this.#planOf(this.plan);
    const before = this.#seatsOf(previous);
    // The add-ons chosen go along where the new plan has the same product (support monthly -> yearly).
    const kept = new Set(previous?.charges.filter((c) => this.addOns.includes(c.id)).map((c) => c.productId));
    this.plan = (event.target as HTMLElement & { value: string }).value;
    this.#setAddOns((c) => kept.has(c.productId));
    const seats = this.#seatsOf(this.#planOf(this.plan));
    // The same product (seats in another interval) keeps the quantity chosen; another one starts from its default.
    if (seats) this.#setQuantity(seats.productId === before?.productId ? this.quantity : seats.quantity.default);
    void this.#preview();
  }

  #setQuantity(value: number): void {
    const seats = this.#seatsOf(this.#planOf(this.plan));
    if (!seats || Number.isNaN(value)) return;
    this.quantity = Math.min(seats.quantity.max ?? Infinity, Math.max(seats.quantity.min, Math.trunc(value)));
    this.notice = '';
  }

  override render() {
    return html`<section part="base" aria-busy=${this.step === 'loading' || this.busy ? 'true' : 'false'} aria-labelledby="heading">
      ${this.step === 'loading' ? this.renderSkeleton(msg('Change plan', { id: 'switch.title' }))
        : this.step === 'error' ? this.renderLoadError(msg('Change plan', { id: 'switch.title' }))
        : this.step === 'preview' ? this.#renderPreview()
        : this.step === 'done' ? this.#renderDone()
        : this.#renderChoose()}
    </section>`;
  }

  #renderKeep() {
    return this.renderBack(msg('Keep my plan', { id: 'switch.keep' }));
  }

  #renderNotice() {
    return html`<p part="note" role="status" ?hidden=${!this.notice}>${this.notice}</p>`;
  }

  #renderChoose() {
    const { configuration, rights } = this.data!;
    const current = this.#planOf(rights.planCode);
    const chosen = this.#planOf(this.plan)!;
    const targets = configuration.plans.filter((p) => rights.switchPlanTo.includes(p.code));
    const canQuantity = rights.changeQuantity && Boolean(this.#seatsOf(current));
    if (!targets.length && !canQuantity) {
      return html`${this.heading(msg('Change plan', { id: 'switch.title' }))}
        <p part="empty">${msg('There is no other plan or quantity to switch to here.', { id: 'switch.empty' })}</p>
        <div part="actions">${this.renderBack()}</div>`;
    }
    // The current plan and the ones it may switch to, in the shop's order.
    const catalog: Catalog = { version: '', families: [], plans: configuration.plans.filter((p) => p === current || targets.includes(p)) };
    return html`${this.heading(msg('Change plan', { id: 'switch.title' }))}
      ${targets.length
        ? html`<billkit-plan-picker part="picker" .catalog=${catalog} .value=${this.plan} current=${rights.planCode}
            locale=${this.effectiveLocale} @change=${this.#onPlanChange}></billkit-plan-picker>`
        : nothing}
      ${this.#quantityShown ? this.#renderQuantity() : nothing}
      ${renderAddOns(this.#addOnsOf(chosen), this.addOns, chosen.interval, chosen.currency, this.effectiveLocale,
        (charge, on) => this.#setAddOns((c) => (c.id === charge.id ? on : this.addOns.includes(c.id))))}
      ${this.renderError()} ${this.#renderNotice()}
      <div part="actions">
        <button type="button" class="button" ?disabled=${this.busy} @click=${() => this.#preview()}>${msg('Review the change', { id: 'switch.review' })}</button>
        ${this.#renderKeep()}
      </div>`;
  }

  #renderQuantity() {
    const seats = this.#seatsOf(this.#planOf(this.plan))!;
    const { min, max } = seats.quantity;
    return html`<label part="quantity">${msg(str`Quantity of ${seats.productName}`, { id: 'cart.quantity_of' })}
      <input type="number" inputmode="numeric" min=${min} max=${max ?? nothing} .value=${live(String(this.quantity))}
        @change=${(e: Event) => this.#setQuantity(Number((e.target as HTMLInputElement).value))} />
    </label>`;
  }

  /** "Team / month (Team seat: 3 members, Priority support)" */
  #selection(plan: CatalogPlan | undefined, quantity: number, addOns: string[]): string {
    const seats = this.#seatsOf(plan);
    const name = plan ? `${plan.name} ${perInterval(plan.interval)}` : '';
    const parts = [
      ...(seats && this.data?.rights.changeQuantity ? [`${seats.productName}: ${formatNumber(quantity, this.effectiveLocale)}${seats.measurement ? ` ${unitsOf(seats.measurement.unit, quantity, this.effectiveLocale, seats.measurement.unitPlural)}` : ''}`] : []),
      ...this.#addOnsOf(plan).filter((c) => addOns.includes(c.id)).map((c) => c.productName),
    ];
    return parts.length ? `${name} (${parts.join(', ')})` : name;
  }

  #renderPreview() {
    const result = this.result!;
    const { rights } = this.data!;
    const locale = this.effectiveLocale;
    const invoice = result.invoice;
    const from = this.#selection(this.#planOf(rights.planCode), this.#currentQuantity(this.data!), this.#currentAddOns(this.data!));
    const next = this.#planOf(this.plan);
    const to = this.#selection(next, this.quantity, this.addOns);
    const date = formatDate(result.effectiveAt, locale);
    return html`${this.heading(msg('Review your change', { id: 'switch.preview_title' }))}
      <p part="summary">${msg(str`From ${from} to ${to}`, { id: 'switch.from_to' })}</p>
      ${next ? html`<p part="renewal">${msg(str`Then ${formatMoney(itemsPrice(next.charges, (result.subscription.pendingChange ?? result.subscription).items), next.currency, locale)} ${perInterval(next.interval) + exclVat(next)}`, { id: 'cart.renewal' })}</p>` : nothing}
      ${result.effective === 'period_end'
        ? html`<p part="effective note">${msg(str`Takes effect on ${date}; nothing is charged now.`, { id: 'switch.period_end' })}</p>`
        : invoice ? this.#renderInvoice(invoice)
        : html`<p part="effective note">${msg('Takes effect now; nothing is charged now.', { id: 'switch.now_free' })}</p>`}
      ${result.coupon
        ? html`<p part="coupon">${result.coupon.kept
            ? msg(str`Your coupon ${result.coupon.code} stays on your subscription.`, { id: 'switch.coupon_kept' })
            : msg(str`Your coupon ${result.coupon.code} ends with this change.`, { id: 'switch.coupon_dropped' })}</p>`
        : nothing}
      ${this.renderError()} ${this.#renderNotice()}
      <div part="actions">
        <button type="button" class="button" ?disabled=${this.busy} @click=${() => this.#confirm()}>${msg('Confirm change', { id: 'switch.confirm' })}</button>
        <button type="button" class="button secondary" @click=${() => this.go('choose')}>${msg('Back', { id: 'actions.back' })}</button>
        ${this.#renderKeep()}
      </div>`;
  }

  #renderInvoice(invoice: ChangeInvoice) {
    const locale = this.effectiveLocale;
    const money = (amount: number) => formatMoney(amount, invoice.currency, locale);
    const charges = new Map(this.data!.configuration.plans.flatMap((p) => p.charges.map((c) => [c.id, c.productName] as const)));
    // The tax as the cart names it: the treatment, with its rate when one rate applies.
    const rates = new Set(invoice.lines.map((l) => l.taxRate));
    const [rate] = rates;
    const treatment = taxTreatmentText(invoice.taxTreatment as TaxTreatment);
    const rateText = rates.size === 1 && rate ? ` ${formatRate(rate, locale)}` : '';
    const credit = invoice.total < 0;
    return html`<div class="receipt"><dl part="lines">
        ${invoice.lines.map((line) => {
          const amount = line.subtotal - line.discount;
          const name = charges.get(line.chargeId) ?? line.description;
          const label = amount < 0 ? msg(str`Unused time on ${name}`, { id: 'switch.line_credit' }) : name;
          const until = line.periodEnd ? msg(str`until ${formatDate(line.periodEnd, locale)}`, { id: 'switch.until' }) : '';
          return html`<div class="row" part="line${amount < 0 ? ' credit' : ''}">
            <dt>${label}${line.quantity > 1 ? ` × ${formatNumber(line.quantity, locale)}` : ''} <span class="muted">${until}</span></dt>
            <dd>${money(amount)}</dd>
          </div>`;
        })}
      </dl>
      <dl part="totals">
        <div class="row"><dt>${invoice.taxBehavior === 'inclusive' ? msg(str`Including ${treatment}${rateText}`, { id: 'cart.tax_included' }) : `${treatment}${rateText}`}</dt> <dd>${money(invoice.tax)}</dd></div>
        ${invoice.balanceApplied > 0
          ? html`<div class="row"><dt>${msg('From your balance', { id: 'switch.balance' })}</dt> <dd>${money(-invoice.balanceApplied)}</dd></div>`
          : nothing}
        <div class="row total" part="total">
          <dt>${credit ? msg('Credit to your balance', { id: 'switch.credit_total' }) : msg('Due now', { id: 'switch.due_now' })}</dt>
          <dd>${money(credit ? -invoice.total : invoice.amountDue)}</dd>
        </div>
      </dl></div>`;
  }

  #renderDone() {
    const result = this.result!;
    const locale = this.effectiveLocale;
    const invoice = result.invoice;
    const name = this.#planOf(this.plan)?.name ?? this.plan;
    const declined = invoice && invoice.amountDue > 0 && invoice.status !== 'paid';
    const title = declined ? msg('Your payment was declined', { id: 'switch.declined_title' })
      : result.effective === 'period_end' ? msg('Your change is scheduled', { id: 'switch.scheduled_title' })
      : msg('Your plan is changed', { id: 'switch.done_title' });
    const amount = invoice ? formatMoney(invoice.amountDue, invoice.currency, locale) : '';
    const text = result.effective === 'period_end'
      ? msg(str`You move to ${name} on ${formatDate(result.effectiveAt, locale)}.`, { id: 'switch.done_period_end' })
      : declined
        ? msg(str`You are on ${name} now, but invoice ${invoice.number} for ${amount} stays open and your subscription may be past due. Update your payment method to pay it.`, { id: 'switch.declined' })
        : invoice && invoice.amountDue > 0
          ? msg(str`You are on ${name} now. ${amount} was charged.`, { id: 'switch.done_paid' })
          : msg(str`You are on ${name} now.`, { id: 'switch.done_free' });
    return html`${this.heading(title)}
      <p part="outcome${declined ? ' error' : ''}">${text}</p>
      <div part="actions">${this.renderBack(msg('Done', { id: 'actions.done' }), true)}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-plan-switch': BillkitPlanSwitch;
  }
}
