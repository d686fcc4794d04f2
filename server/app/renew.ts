/**
 * Renew: one step of a subscription's life at its period's end (SPEC.md section 6, "Renewal"), shared by the
 * billing run (which saves it) and the upcoming invoice (which only shows it). In order:
 * 1. a period-end cancellation or expiry ends it (a final invoice bills the ended period's usage, if any);
 * 2. a pause due at the period's end pauses it (the ended period's usage is invoiced, if any);
 * 3. otherwise a pending downgrade due now is applied first, then one renewal invoice bills the ended period's
 *    usage in arrears and the next period in advance.
 */
import type { Measurement, Plan } from '../domain/catalog.js';
import type { Coupon } from '../domain/coupons.js';
import { DomainError } from '../domain/errors.js';
import type { NewEvent } from '../domain/events.js';
import {
  couponEligibleFor, couponPeriodOf, nextPeriod, priceRenewal, selectionOf, type Period, type PricedRenewal, type Renewable,
} from '../domain/renewal.js';
import { sameInterval } from '../domain/proration.js';
import { determineTax, type TaxDetermination } from '../domain/tax.js';
import { catalogLocaleOf, DEFAULT_LOCALE } from '../domain/translations.js';
import { adjustBalances, lockCustomer, saveSubscriptions } from '../storage/billing-repository.js';
import { insertInvoices, type Customer, type InvoiceKind, type NewInvoice, type Subscription } from '../storage/commerce-repository.js';
import { findCoupon } from '../storage/coupon-repository.js';
import type { Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { periodUsage } from './usage.js';
import { catalogFor, type CatalogEntry } from './catalog-cache.js';
import { draftInvoice } from './invoicing.js';
import { invoiceView, subscriptionView } from './views.js';

export type StepKind = 'cancel' | 'expire' | 'pause' | 'renew';

export interface RenewalStep {
  kind: StepKind;
  /** The subscription before the step, a due downgrade already applied. */
  subscription: Subscription;
  plan: Plan;
  /** The period whose usage is billed in arrears (none in a trial). */
  ended: Period;
  billUsage: boolean;
  /** The period billed in advance (renew only). */
  next: Period | null;
  /** True when a pending change was applied in this step. */
  changed: boolean;
  /**
   * The plan and items whose metered charges bill the ended period's usage, when not the step's: the plan
   * before a pending change applied in this step (the usage was sold at its prices). Null: the step's own.
   */
  usageSource: { plan: Plan; items: Subscription['items'] } | null;
  /**
   * Cancel or pause now: the end of the period that `ended` ([start, now)) cuts short. A recurring value
   * (seats) held until now bills its share of that period, not a whole period's price. Unset: ended.end.
   */
  periodEnd?: Date;
}

export const renewable = (s: Subscription): Renewable => ({
  anchor: new Date(s.anchor),
  anchorPeriods: s.anchorPeriods,
  currentPeriodStart: new Date(s.currentPeriodStart),
  currentPeriodEnd: new Date(s.currentPeriodEnd),
  periodsBilled: s.periodsBilled,
  inTrial: s.status === 'trialing',
  couponFirstPeriod: s.couponFirstPeriod,
});

/** The step a subscription takes at its current period's end. */
export function renewalStep(entry: CatalogEntry, sub: Subscription, coupon: Coupon | null): RenewalStep {
  let current = sub;
  let plan = planOf(entry, sub.planId);
  const end = new Date(sub.currentPeriodEnd);
  const ended = { start: new Date(sub.currentPeriodStart), end };
  const billUsage = sub.status !== 'trialing';
  if (sub.cancelAtPeriodEnd || (sub.expiresAt !== null && new Date(sub.expiresAt) <= end)) {
    return { kind: sub.cancelAtPeriodEnd ? 'cancel' : 'expire', subscription: sub, plan, ended, billUsage, next: null, changed: false, usageSource: null };
  }
  if (sub.pausedAt !== null && new Date(sub.pausedAt) <= end) {
    return { kind: 'pause', subscription: sub, plan, ended, billUsage, next: null, changed: false, usageSource: null };
  }
  let changed = false;
  let usageSource: RenewalStep['usageSource'] = null;
  if (sub.pendingChange !== null && new Date(sub.pendingChange.effectiveAt) <= end) {
    const target = planOf(entry, sub.pendingChange.plan);
    // The ended period's usage is billed at the prices it was sold at: the old plan's, converted into the new
    // plan's tax behaviour when the two differ (priceRenewal's usageTaxBehavior).
    usageSource = { plan, items: sub.items };
    const selection = selectionOf(entry.snapshot, target, sub.pendingChange.items);
    const keepCoupon = coupon !== null && couponEligibleFor(coupon, target, selection);
    current = {
      ...sub,
      planId: target.id,
      items: sub.pendingChange.items,
      pendingChange: null,
      ...(keepCoupon ? {} : { couponId: null, couponCode: null }),
      // Another interval: its periods count from here (a new anchor, as a resume's).
      ...(sameInterval(plan.interval, target.interval) ? {} : { anchor: sub.currentPeriodEnd, anchorPeriods: 0 }),
    };
    plan = target;
    changed = true;
  }
  return { kind: 'renew', subscription: current, plan, ended, billUsage, next: nextPeriod(renewable(current), plan.interval), changed, usageSource };
}

function planOf(entry: CatalogEntry, planId: string): Plan {
  const plan = entry.planByRef.get(planId);
  if (!plan) throw new Error(`plan ${planId} of a subscription is not in the catalog`);
  return plan;
}

/**
 * The metered charges whose usage the step bills: what to ask periodUsage for. `start` is set where the
 * charge's usage counts from later than the period's start (the subscription's `usageFrom`).
 */
export function meteredChargesOf(entry: CatalogEntry, step: RenewalStep) {
  if (!step.billUsage) return [];
  const out: { chargeId: string; measurement: Measurement; start?: string }[] = [];
  const from = step.subscription.usageFrom;
  const source = step.usageSource ?? { plan: step.plan, items: step.subscription.items };
  for (const s of selectionOf(entry.snapshot, source.plan, source.items)) {
    if (s.charge.type !== 'metered' || s.product.measurementId === null) continue;
    const measurement = entry.snapshot.measurements.get(s.product.measurementId);
    if (!measurement) continue;
    const start = from[measurement.id];
    out.push(start === undefined ? { chargeId: s.charge.id, measurement } : { chargeId: s.charge.id, measurement, start });
  }
  return out;
}

/**
 * What the step's invoice bills: the step's plan and items, except that the ended period's metered charges are
 * the usage source's (the plan before a pending change applied now), listed after the new plan's charges.
 */
function renewalSelection(entry: CatalogEntry, step: RenewalStep, locale: string) {
  // Named in the customer's language, as their invoice is.
  const catalog = catalogFor(entry, locale);
  const own = selectionOf(catalog, step.plan, step.subscription.items);
  if (!step.usageSource) return own;
  const metered = selectionOf(catalog, step.usageSource.plan, step.usageSource.items).filter((s) => s.charge.type === 'metered');
  return [...own.filter((s) => s.charge.type !== 'metered'), ...metered];
}

/**
 * What a recurring value's share of the period depends on: per metered charge id, where its usage of the
 * step's ended period starts when not at the period's start, which charges measure a `recurring` value
 * (billed for their share of the period), and the period's real end when the step cut it short.
 */
function heldUsageOf(entry: CatalogEntry, step: RenewalStep): { usageFrom: Map<string, Date>; recurringUsage: Set<string>; periodEnd?: Date } | undefined {
  if (Object.keys(step.subscription.usageFrom).length === 0 && !step.periodEnd) return undefined;
  const usageFrom = new Map<string, Date>();
  const recurringUsage = new Set<string>();
  for (const c of meteredChargesOf(entry, step)) {
    if (c.start !== undefined) usageFrom.set(c.chargeId, new Date(c.start));
    if (c.measurement.type === 'recurring') recurringUsage.add(c.chargeId);
  }
  return { usageFrom, recurringUsage, ...(step.periodEnd ? { periodEnd: step.periodEnd } : {}) };
}

/** Tax from the customer's details and the rate table as they are now; a VAT ID no longer valid is ignored. */
export function taxFor(entry: CatalogEntry, customer: Customer): TaxDetermination {
  const details = { country: customer.country, type: customer.type, vatId: customer.vatId };
  try {
    return determineTax(entry.tax, details);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'vat_id_invalid') return determineTax(entry.tax, { ...details, vatId: null });
    throw error;
  }
}

/**
 * What a batch of steps prices once: the tax of a customer's details and the priced renewal of each distinct
 * (plan, items, coupon and its period, tax, periods, usage). A pure memo over `taxFor` and `priceRenewal`
 * for one catalog entry and one run: its values are shared, never changed (drafting copies the lines).
 */
export class RenewalMemo {
  readonly #values = new Map<string, unknown>();
  get<T>(key: string, compute: () => T): T {
    let value = this.#values.get(key) as T | undefined;
    if (value === undefined) {
      value = compute();
      this.#values.set(key, value);
    }
    return value;
  }
}

/** Everything `priceRenewal` reads of a step, as a key (the catalog entry is the memo's, fixed). */
function pricingKey(step: RenewalStep, coupon: Coupon | null, tax: TaxDetermination, usage: ReadonlyMap<string, number> | null): string {
  const sub = step.subscription;
  let key = `p|${step.plan.id}|${coupon ? `${coupon.id}:${couponPeriodOf(sub)}` : ''}|${tax.treatment}:${tax.country}:${tax.standard}:${tax.reduced}|${step.ended.start.getTime()}:${step.ended.end.getTime()}|${step.next ? `${step.next.start.getTime()}:${step.next.end.getTime()}` : ''}|`;
  for (const item of sub.items) key += `${item.chargeId}=${item.quantity},`;
  if (step.usageSource) {
    key += `|usage:${step.usageSource.plan.id}:`;
    for (const item of step.usageSource.items) key += `${item.chargeId}=${item.quantity},`;
  }
  if (usage) for (const [chargeId, quantity] of usage) key += `|${chargeId}=${quantity}`;
  for (const measurementId in sub.usageFrom) key += `|from:${measurementId}=${sub.usageFrom[measurementId]}`;
  if (step.periodEnd) key += `|end:${step.periodEnd.getTime()}`;
  return key;
}

export interface StepResult {
  /** null: nothing to invoice (a final or pause invoice without usage). */
  invoice: NewInvoice | null;
  subscription: Subscription;
  events: NewEvent[];
}

/**
 * Carries a step out in memory: the invoice (drafted with the customer's `balance`), the subscription after
 * it, and the events to write. `at` is the clock's time of the run.
 */
export function applyStep(
  entry: CatalogEntry,
  step: RenewalStep,
  ctx: { customer: Customer; balance: number; coupon: Coupon | null; usage: ReadonlyMap<string, number> | null; at: Date; memo?: RenewalMemo },
): StepResult {
  const { plan, ended, next } = step;
  const sub = step.subscription;
  const coupon = sub.couponId !== null ? ctx.coupon : null;
  const usage = step.billUsage ? ctx.usage : null;
  const memo = ctx.memo;
  const c = ctx.customer;
  const tax = memo ? memo.get(`t|${c.country}|${c.type}|${c.vatId}`, () => taxFor(entry, c)) : taxFor(entry, c);
  const from = usage ? heldUsageOf(entry, step) : undefined;
  const price = (): PricedRenewal =>
    priceRenewal({
      plan, selection: renewalSelection(entry, step, c.locale), coupon, couponPeriod: couponPeriodOf(sub), tax, usage, ended, next,
      ...(from ?? {}),
      ...(step.usageSource ? { usageTaxBehavior: step.usageSource.plan.taxBehavior } : {}),
    });
  // The lines' names are in the customer's language: customers in another language share no pricing.
  const priced = memo ? memo.get(`${catalogLocaleOf(c.locale) ?? DEFAULT_LOCALE}|${pricingKey(step, coupon, tax, usage)}`, price) : price();
  const endIso = ended.end.toISOString();
  let after: Subscription;
  let kind: InvoiceKind;
  let type: NewEvent['type'];
  switch (step.kind) {
    case 'cancel':
      after = { ...sub, status: 'cancelled', cancelledAt: sub.cancelledAt ?? endIso, endedAt: endIso, pendingChange: null, usageFrom: {} };
      kind = 'final';
      type = 'subscription.cancelled';
      break;
    case 'expire':
      after = { ...sub, status: 'expired', endedAt: endIso, pendingChange: null, usageFrom: {} };
      kind = 'final';
      type = 'subscription.expired';
      break;
    case 'pause':
      after = { ...sub, status: 'paused', currentPeriodStart: endIso, currentPeriodEnd: endIso, usageFrom: {} };
      kind = 'usage';
      type = 'subscription.paused';
      break;
    case 'renew':
      after = {
        ...sub,
        status: sub.status === 'trialing' ? 'active' : sub.status,
        currentPeriodStart: next!.start.toISOString(),
        currentPeriodEnd: next!.end.toISOString(),
        anchorPeriods: sub.anchorPeriods + 1,
        periodsBilled: sub.periodsBilled + 1,
        usageFrom: {},
      };
      kind = 'renewal';
      type = 'subscription.renewed';
      break;
  }
  const invoice =
    step.kind === 'renew' || priced.lines.length > 0
      ? draftInvoice({
          kind,
          customer: ctx.customer,
          subscriptionId: sub.id,
          currency: plan.currency,
          taxTreatment: tax.treatment,
          taxBehavior: plan.taxBehavior,
          lines: priced.lines,
          totals: priced,
          periodStart: (next ?? ended).start.toISOString(),
          periodEnd: (next ?? ended).end.toISOString(),
          at: ctx.at,
          settings: entry.settings,
          balance: ctx.balance,
        })
      : null;
  const planCode = (id: string) => entry.planByRef.get(id)?.code ?? id;
  const events: NewEvent[] = [];
  if (step.changed) events.push({ type: 'subscription.updated', object: subscriptionView(sub, planCode) });
  if (invoice) {
    const { series: _s, ...shown } = invoice;
    const view = invoiceView({ ...shown, number: '', attempts: [] });
    events.push({ type: 'invoice.finalized', object: view });
    if (invoice.status === 'paid') events.push({ type: 'invoice.paid', object: view });
  }
  events.push({ type, object: subscriptionView(after, planCode) });
  return { invoice, subscription: after, events };
}

/**
 * Takes one step of one subscription inside a verb's transaction (cancel now, pause now, resume): the
 * invoice with its usage, the customer's balance, the subscription and the events, written at once.
 * `adjust` changes the subscription after the step (the verb's own fields).
 */
export async function takeStep(
  ctx: { tx: Tx; entry: CatalogEntry; now: Date; at: string },
  step: RenewalStep,
  adjust: (after: Subscription) => Subscription = (s) => s,
  eventType?: NewEvent['type'],
): Promise<{ subscription: Subscription; invoice: NewInvoice | null }> {
  const { tx, entry, now, at } = ctx;
  const sub = step.subscription;
  const customer = await lockCustomer(tx, sub.customerId);
  const coupon = sub.couponId ? ((await findCoupon(tx, sub.couponId)) ?? null) : null;
  const usage = await periodUsage(tx, [
    { subscriptionId: sub.id, start: step.ended.start.toISOString(), end: step.ended.end.toISOString(), charges: meteredChargesOf(entry, step) },
  ]);
  const result = applyStep(entry, step, { customer, balance: customer.balance, coupon, usage: usage.get(sub.id) ?? null, at: now });
  const after = adjust(result.subscription);
  const planCode = (id: string) => entry.planByRef.get(id)?.code ?? id;
  // The step's own subscription event is last: it shows the subscription as adjusted.
  const events = result.events.slice(0, -1);
  events.push({ type: eventType ?? result.events.at(-1)!.type, object: subscriptionView(after, planCode) });
  if (result.invoice) {
    await insertInvoices(tx, [result.invoice]);
    await adjustBalances(tx, new Map([[customer.id, -result.invoice.balanceApplied]]), at);
  }
  const [saved] = await saveSubscriptions(tx, [after], at);
  await recordEvents(tx, events, at);
  return { subscription: saved!, invoice: result.invoice };
}
