/**
 * Change a subscription (SPEC.md section 6, "Change of plan or quantities"): another plan of its family,
 * other quantities, other add-ons. One transaction with the subscription's row locked: load -> decide
 * (domain/proration.ts) -> save the subscription, the proration invoice, the customer's balance and the
 * events. The invoice's payment is collected after the commit, outside any row lock (PaymentCollector).
 *
 * Independent of HTTP: the secret API's route calls it, and so will the customer portal.
 */
import type { Plan } from '../domain/catalog.js';
import type { Coupon } from '../domain/coupons.js';
import { conflict, DomainError, notFound, unprocessable } from '../domain/errors.js';
import type { NewEvent } from '../domain/events.js';
import {
  changeDirection, changeTakesEffect, periodSeconds, PRORATION_WORDS, prorationInvoice, recurringSubtotal, recurringUsageOf, sameInterval, truncateToSecond, usageToBillNow, wholeSeconds,
  type PlanSelection, type ProrationInvoice,
} from '../domain/proration.js';
import { selectCharges, type Cart } from '../domain/quote.js';
import { catalogLocaleOf, DEFAULT_LOCALE } from '../domain/translations.js';
import { couponEligibleFor, couponPeriodOf, selectionOf } from '../domain/renewal.js';
import type { TaxTreatment } from '../domain/tax.js';
import { adjustBalances, lockCustomer } from '../storage/billing-repository.js';
import {
  findInvoice, findSubscription, insertInvoices, type Customer, type NewInvoice, type Subscription, type SubscriptionItem,
} from '../storage/commerce-repository.js';
import { findCoupon } from '../storage/coupon-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { catalogFor, type CatalogCache, type CatalogEntry } from './catalog-cache.js';
import type { PaymentCollector } from './collect-payment.js';
import { draftInvoice } from './invoicing.js';
import { taxFor } from './renew.js';
import { inSubscription, saveWithEvents } from './subscription-tx.js';
import { meteredChargesOf, periodUsage } from './usage.js';
import { customerView, invoiceView, subscriptionView, type InvoiceView, type SubscriptionView } from './views.js';

export interface ChangeRequest {
  /** The new plan's code or id; the current plan when absent. */
  plan?: string | undefined;
  /** Sets every adjustable charge at once. */
  quantity?: number | undefined;
  /** Sets one charge each; wins over `quantity`. */
  charges?: { chargeId: string; quantity: number }[] | undefined;
  /** The optional charges chosen; with the same plan, the current ones when absent. */
  addOns?: string[] | undefined;
  /** Answer what would happen and save nothing. */
  preview?: boolean | undefined;
  /** The instant a preview priced the change at (its answer's `prorationDate`): at most 10 minutes old. */
  prorationDate?: string | undefined;
}

/** A preview's invoice: what would be issued, not numbered. */
export type PreviewInvoice = Omit<InvoiceView, 'id' | 'number'> & { id: null; number: null };

export interface ChangeResult {
  effective: 'now' | 'period_end';
  effectiveAt: string;
  /** The instant t the change is priced at, in whole seconds: send it back with the change to pay exactly the preview. */
  prorationDate: string;
  invoice?: InvoiceView | PreviewInvoice;
  subscription: SubscriptionView;
  /** What happens to the subscription's coupon: kept when it can discount the new selection, else dropped. */
  coupon?: { code: string; kept: boolean };
}

/** How old a preview's prorationDate may be when the change is made. */
export const PRORATION_DATE_MAX_AGE_MS = 10 * 60 * 1000;

/** The statuses a change is taken in (the portal offers a change only in these too). */
export const CHANGEABLE: readonly Subscription['status'][] = ['trialing', 'active', 'past_due'];

const planRefusal = (code: string, message: string) => unprocessable(code, message, [{ pointer: '/plan', detail: message }]);

/** What the change decided, before anything is saved. */
interface Decision {
  effective: 'now' | 'period_end';
  effectiveAt: string;
  at: Date;
  next: Subscription;
  /** The proration invoice, when the change takes effect now outside a trial and changes something. */
  proration: ProrationInvoice | null;
  taxTreatment: TaxTreatment;
  coupon?: { code: string; kept: boolean };
}

export class SubscriptionChangeService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly collector: PaymentCollector,
  ) {}

  async change(id: string, request: ChangeRequest): Promise<ChangeResult> {
    const done = await inSubscription(this.db, this.cache, id, 'changed', CHANGEABLE, async (ctx) => {
      const { tx, entry, now, at, sub, planCode } = ctx;
      const customer = await lockCustomer(tx, sub.customerId);
      const coupon = sub.couponId ? await findCoupon(tx, sub.couponId) : null;
      const t = prorationInstant(sub, request.prorationDate, now);
      const decision = decide(entry, sub, customer, coupon, request, t, await usageSoFar(tx, entry, sub, t));
      const invoice = decision.proration && draftInvoice({
        kind: 'proration',
        customer,
        subscriptionId: sub.id,
        currency: entry.planByRef.get(decision.next.planId)!.currency,
        taxTreatment: decision.taxTreatment,
        taxBehavior: decision.proration.taxBehavior,
        lines: decision.proration.lines,
        totals: decision.proration,
        periodStart: decision.proration.periodStart,
        periodEnd: decision.proration.periodEnd,
        at: now,
        settings: entry.settings,
      });
      // A preview saves nothing; neither does a change that changes nothing.
      if (request.preview || decision.next === sub) return { decision, invoice, saved: decision.next, planCode };
      const more: NewEvent[] = [];
      if (invoice) {
        await insertInvoices(tx, [invoice]);
        // A negative total is credit (balanceApplied < 0); a positive one uses what credit there is.
        if (invoice.balanceApplied !== 0) {
          await adjustBalances(tx, new Map([[customer.id, -invoice.balanceApplied]]), at);
          more.push({ type: 'customer.updated', object: customerView({ ...customer, balance: customer.balance - invoice.balanceApplied, updatedAt: at }) });
        }
        const { series: _series, ...issued } = invoice;
        const view = invoiceView({ ...issued, number: '', attempts: [] });
        more.push({ type: 'invoice.finalized', object: view });
        if (invoice.status === 'paid') more.push({ type: 'invoice.paid', object: view });
      }
      const saved = await saveWithEvents(ctx, decision.next, 'subscription.updated', more);
      return { decision, invoice, saved, planCode };
    });

    const { decision, invoice, planCode } = done;
    const result: ChangeResult = {
      effective: decision.effective,
      effectiveAt: decision.effectiveAt,
      prorationDate: decision.at.toISOString(),
      subscription: subscriptionView(done.saved, planCode),
      ...(decision.coupon ? { coupon: decision.coupon } : {}),
    };
    if (!invoice) return result;
    if (request.preview) return { ...result, invoice: previewOf(invoice) };
    // Charged after the commit, outside the row locks; a decline leaves the invoice open for dunning.
    if (invoice.amountDue > 0) await this.collector.collect([invoice.id]);
    const [issued, sub] = await Promise.all([findInvoice(this.db, invoice.id), findSubscription(this.db, id)]);
    return { ...result, invoice: invoiceView(issued!), subscription: subscriptionView(sub!, planCode) };
  }
}

function previewOf(invoice: NewInvoice): PreviewInvoice {
  const { series: _series, id: _id, paymentId: _p, ...rest } = invoice;
  return { ...rest, id: null, number: null, status: 'draft', paidAt: null, attempts: [], nextAttemptAt: null };
}

/** The pure part of the use case: what changes, when, and what it costs. */
function decide(
  entry: CatalogEntry,
  sub: Subscription,
  customer: Customer,
  coupon: Coupon | null,
  request: ChangeRequest,
  at: Date,
  usage: UsageSoFar | null,
): Decision {
  const currentPlan = entry.planByRef.get(sub.planId);
  if (!currentPlan) throw new Error(`catalog inconsistent: plan ${sub.planId} of subscription ${sub.id}`);
  const nextPlan = request.plan === undefined ? currentPlan : entry.planByRef.get(request.plan);
  if (!nextPlan) throw notFound('plan_not_found', `No plan ${request.plan}.`, [{ pointer: '/plan', detail: `Unknown plan ${request.plan}.` }]);
  if (nextPlan.id !== currentPlan.id) {
    if ((nextPlan.familyId ?? nextPlan.id) !== sub.familyKey) {
      throw planRefusal('plan_not_in_family', `Plan ${nextPlan.code} is not in the family of the subscription's plan ${currentPlan.code}.`);
    }
    if (nextPlan.currency !== currentPlan.currency) {
      throw planRefusal('currency_mismatch', `Plan ${nextPlan.code} is billed in ${nextPlan.currency}, the subscription in ${currentPlan.currency}.`);
    }
    if (nextPlan.status !== 'active') throw planRefusal('plan_not_available', `Plan ${nextPlan.code} is ${nextPlan.status}, not active.`);
  }
  // Named in the customer's language, as their invoice is.
  const catalog = catalogFor(entry, customer.locale);
  const next: PlanSelection = { plan: nextPlan, charges: selectCharges(catalog, nextPlan, cartFor(sub, currentPlan, nextPlan, request)) };
  const current: PlanSelection = { plan: currentPlan, charges: selectionOf(catalog, currentPlan, sub.items) };
  const items: SubscriptionItem[] = next.charges.map((c) => ({ chargeId: c.charge.id, quantity: c.quantity }));
  const kept = coupon === null || couponEligibleFor(coupon, nextPlan, next.charges);
  const tax = taxFor(entry, customer);
  const shared = { taxTreatment: tax.treatment, ...(coupon && sub.couponCode ? { coupon: { code: sub.couponCode, kept } } : {}) };
  const t = at.toISOString();

  // Nothing changes (a pending downgrade is called off by asking for what the subscription has): the
  // subscription itself when there is nothing to save.
  if (nextPlan.id === currentPlan.id && sameItems(sub.items, items)) {
    const next = sub.pendingChange === null ? sub : { ...sub, pendingChange: null };
    return { effective: 'now', effectiveAt: t, at, next, proration: null, ...shared };
  }

  const trialing = sub.status === 'trialing';
  const start = new Date(sub.currentPeriodStart);
  const end = new Date(sub.currentPeriodEnd);
  const interval = sameInterval(currentPlan.interval, nextPlan.interval);
  // Per second of the full period: the current period's length; another interval's from t. (A trial is no
  // period of the plan: both are measured from t.)
  const currentSeconds = trialing ? periodSeconds(at, currentPlan.interval) : wholeSeconds(end) - wholeSeconds(start);
  const nextSeconds = interval && !trialing ? currentSeconds : periodSeconds(at, nextPlan.interval);
  const direction = changeDirection(
    { subtotal: recurringSubtotal(current, tax), seconds: currentSeconds },
    { subtotal: recurringSubtotal(next, tax), seconds: nextSeconds },
  );
  const effective = changeTakesEffect({ trialing, direction, downgrades: entry.settings.downgrades });

  if (effective === 'period_end') {
    return {
      effective, effectiveAt: sub.currentPeriodEnd, at, proration: null, ...shared,
      next: { ...sub, pendingChange: { plan: nextPlan.id, items, effectiveAt: sub.currentPeriodEnd } },
    };
  }
  const changed: Subscription = {
    ...sub,
    planId: nextPlan.id,
    items,
    pendingChange: null,
    ...(kept ? {} : { couponId: null, couponCode: null }),
  };
  // In a trial: no invoice, and the trial's end stays.
  if (trialing) return { effective, effectiveAt: t, at, next: changed, proration: null, ...shared };

  // Usage that ends at t is billed now: all of it with a new interval, else that of the measurements the
  // change drops or re-prices. From then on their usage of this period counts from t.
  const billNow = usageToBillNow(current, next, entry.snapshot.measurements);
  const billed = new Map([...(usage?.quantities ?? [])].filter(([chargeId]) => billNow.has(chargeId)));
  const proration = prorationInvoice({
    current,
    next,
    periodStart: start,
    periodEnd: end,
    at,
    coupon,
    // The coupon's count of the current period: one before the next renewal's.
    couponPeriod: couponPeriodOf(sub) - 1,
    tax,
    usage: billed,
    ...(usage ? { usageFrom: usage.from } : {}),
    words: PRORATION_WORDS[catalogLocaleOf(customer.locale) ?? DEFAULT_LOCALE],
    recurringUsage: recurringUsageOf(current, entry.snapshot.measurements),
  });
  if (!proration.newPeriod && billNow.size > 0) {
    const usageFrom = { ...sub.usageFrom };
    for (const selected of current.charges) if (billNow.has(selected.charge.id)) usageFrom[selected.product.measurementId!] = t;
    changed.usageFrom = usageFrom;
  }
  if (proration.newPeriod) {
    // Another interval: the new plan's first period starts now, and is billed by this invoice.
    Object.assign(changed, {
      usageFrom: {},
      anchor: t,
      anchorPeriods: 1,
      periodsBilled: sub.periodsBilled + 1,
      currentPeriodStart: t,
      currentPeriodEnd: proration.periodEnd,
    });
  }
  return { effective, effectiveAt: t, at, next: changed, proration, ...shared };
}

/**
 * The cart for the new selection. With the same plan, what is not said stays: the add-ons chosen and the
 * quantities of adjustable charges (unless `quantity` sets them all). Another plan starts from its defaults.
 * The request's own `charges` come first, so refusals point at their indices.
 */
function cartFor(sub: Subscription, currentPlan: Plan, nextPlan: Plan, request: ChangeRequest): Omit<Cart, 'plan'> {
  const cart: Omit<Cart, 'plan'> = {};
  if (request.quantity !== undefined) cart.quantity = request.quantity;
  if (request.charges !== undefined) cart.charges = [...request.charges];
  if (request.addOns !== undefined) cart.addOns = [...request.addOns];
  if (nextPlan.id !== currentPlan.id) return cart;
  const has = new Set(sub.items.map((item) => item.chargeId));
  cart.addOns ??= nextPlan.charges.filter((c) => c.optional && has.has(c.id)).map((c) => c.id);
  if (request.quantity !== undefined) return cart;
  const named = new Set(request.charges?.map((c) => c.chargeId));
  const chosen = new Set(cart.addOns);
  for (const item of sub.items) {
    const charge = nextPlan.charges.find((c) => c.id === item.chargeId);
    if (!charge || named.has(charge.id) || !charge.quantity.adjustable || charge.type === 'metered') continue;
    if (charge.optional && !chosen.has(charge.id)) continue;
    (cart.charges ??= []).push({ chargeId: charge.id, quantity: item.quantity });
  }
  return cart;
}

interface UsageSoFar {
  /** By charge id: the quantity of [start, t). */
  quantities: ReadonlyMap<string, number>;
  /** By charge id: the start when later than currentPeriodStart (a change before this one billed what was before). */
  from: ReadonlyMap<string, string>;
}

/**
 * The metered usage of the current period so far, [currentPeriodStart or the measurement's usageFrom, t), by
 * charge id: what a change may bill (the interval changes, or a measurement is dropped or re-priced). None in
 * a trial (its usage is free) or without metered charges.
 */
async function usageSoFar(tx: Tx, entry: CatalogEntry, sub: Subscription, at: Date): Promise<UsageSoFar | null> {
  if (sub.status === 'trialing') return null;
  const charges = meteredChargesOf(sub, entry.planByRef.get(sub.planId), entry.snapshot);
  if (charges.length === 0) return null;
  const from = new Map<string, string>();
  for (const m of charges) {
    const start = sub.usageFrom[m.measurement.id];
    if (start !== undefined) from.set(m.charge.id, start);
  }
  const usage = await periodUsage(tx, [
    {
      subscriptionId: sub.id, start: sub.currentPeriodStart, end: at.toISOString(),
      charges: charges.map((m) => ({ chargeId: m.charge.id, measurement: m.measurement, start: from.get(m.charge.id) })),
    },
  ]);
  return { quantities: usage.get(sub.id) ?? new Map(), from };
}

function sameItems(a: readonly SubscriptionItem[], b: readonly SubscriptionItem[]): boolean {
  if (a.length !== b.length) return false;
  const quantities = new Map(a.map((item) => [item.chargeId, item.quantity]));
  return b.every((item) => quantities.get(item.chargeId) === item.quantity);
}

/**
 * The instant t: now, or a preview's prorationDate when it is at most 10 minutes old, not in the future and
 * inside the current period. Truncated to whole seconds. A period that has ended is being renewed: the
 * change waits for its renewal.
 */
function prorationInstant(sub: Subscription, prorationDate: string | undefined, now: Date): Date {
  const end = Date.parse(sub.currentPeriodEnd);
  if (prorationDate === undefined) {
    if (now.getTime() >= end) {
      throw conflict('subscription_renewal_due', 'The current period has ended and its renewal is being billed: change the subscription once it is renewed.', [
        { pointer: '/path/id', detail: `The period ended at ${sub.currentPeriodEnd}.` },
      ]);
    }
    return truncateToSecond(now);
  }
  const at = truncateToSecond(new Date(prorationDate));
  const age = now.getTime() - at.getTime();
  const refuse = (detail: string) =>
    new DomainError('unprocessable', 'proration_date_invalid', `prorationDate cannot be used: ${detail}`, [{ pointer: '/prorationDate', detail }]);
  if (age < 0) throw refuse('it is in the future.');
  if (age > PRORATION_DATE_MAX_AGE_MS) throw refuse('it is more than 10 minutes old; preview the change again.');
  if (at.getTime() < Date.parse(sub.currentPeriodStart) || at.getTime() >= end) throw refuse('it is outside the current period.');
  return at;
}
