/**
 * Record usage (POST /v1/usage, SPEC.md section 9): up to 1,000 events, each checked on its own (refusals
 * are values with codes), the accepted ones stored in one statement that re-checks each subscription's
 * period under a row lock. Three queries whatever the batch: the catalog (cached), the subscriptions, the
 * insert.
 *
 * Events of `instant_metered` measurements are billed at once: in the insert's transaction, one invoice of
 * kind `usage` per subscription of the batch (a line per charge, its quantity the sum of the accepted
 * events' values), then charged off-session like a renewal. A duplicate is never billed again.
 */
import type { CatalogEntry } from './catalog-cache.js';
import { CatalogCache, catalogFor } from './catalog-cache.js';
import type { Charge, Measurement } from '../domain/catalog.js';
import { couponCoverage, type Coupon } from '../domain/coupons.js';
import type { NewEvent } from '../domain/events.js';
import { priceInvoice, type SelectedCharge } from '../domain/quote.js';
import { sum } from '../domain/money.js';
import { determineTax } from '../domain/tax.js';
import { usageRefusal } from '../domain/usage.js';
import { adjustBalances, customersByIds } from '../storage/billing-repository.js';
import { insertInvoices, LIVE_STATUSES, type NewInvoice } from '../storage/commerce-repository.js';
import { couponsOfSubscriptions } from '../storage/coupon-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { insertUsageEvents, subscriptionsForUsage, type NewUsageEvent, type UsageSubscription as Subscription } from '../storage/usage-repository.js';
import type { PaymentCollector } from './collect-payment.js';
import { draftInvoice } from './invoicing.js';
import { meteredChargesOf } from './usage.js';
import { invoiceView } from './views.js';

export interface UsageEventInput {
  id: string;
  /** The measurement's code. */
  measurement: string;
  subscriptionId?: string | undefined;
  customerId?: string | undefined;
  value: number;
  timestamp?: string | undefined;
  uniqueKey?: string | undefined;
}

export type UsageRefusalCode = 'subscription_not_found' | 'measurement_not_billed' | 'usage_period_closed' | 'usage_timestamp_in_future';

export interface UsageResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: UsageRefusalCode; detail: string }[];
}

const measurementsByCode = new WeakMap<CatalogEntry, Map<string, Measurement>>();

function measurementByCode(entry: CatalogEntry, code: string): Measurement | undefined {
  let byCode = measurementsByCode.get(entry);
  if (!byCode) {
    byCode = new Map([...entry.snapshot.measurements.values()].map((m) => [m.code, m]));
    measurementsByCode.set(entry, byCode);
  }
  return byCode.get(code);
}

const isLive = (s: Subscription) => (LIVE_STATUSES as readonly string[]).includes(s.status);

/** Why the insert refused an event as `usage_period_closed`, from what was read before it. */
function closedDetail(subscription: Subscription, measurementId: string, at: string): string {
  if (!isLive(subscription)) return `Subscription ${subscription.id} is ${subscription.status}: its last period is invoiced.`;
  if (Date.parse(at) < Date.parse(subscription.currentPeriodStart)) {
    return `${at} lies before the current period of subscription ${subscription.id} (from ${subscription.currentPeriodStart}): that period is invoiced.`;
  }
  const from = subscription.usageFrom[measurementId];
  if (from !== undefined && Date.parse(at) < Date.parse(from)) {
    return `${at} lies before ${from}, when a change of plan of subscription ${subscription.id} invoiced this measurement's usage so far.`;
  }
  return `Subscription ${subscription.id} moved to a new period while this event was recorded: the period it lies in is invoiced.`;
}

/** An accepted event of an instant_metered measurement: what its usage invoice bills. */
interface InstantUsage {
  subscription: Subscription;
  charges: Charge[];
  value: number;
}

export class UsageRecorder {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly collector: PaymentCollector,
  ) {}

  async record(events: readonly UsageEventInput[]): Promise<UsageResult> {
    const entry = await this.cache.cached();
    const now = CatalogCache.now(entry);
    const nowMs = now.getTime();
    const subscriptions = await subscriptionsForUsage(
      this.db,
      [...new Set(events.flatMap((e) => (e.subscriptionId ? [e.subscriptionId] : [])))],
      [...new Set(events.flatMap((e) => (e.customerId ? [e.customerId] : [])))],
    );
    const byId = new Map(subscriptions.map((s) => [s.id, s]));
    const byCustomer = new Map<string, Subscription[]>();
    for (const s of subscriptions) if (isLive(s)) byCustomer.set(s.customerId, [...(byCustomer.get(s.customerId) ?? []), s]);
    // The measurements each subscription bills, worked out once per subscription in the batch.
    const billed = new Map<Subscription, Set<string>>();
    const bills = (s: Subscription, measurement: Measurement) => {
      let ids = billed.get(s);
      if (!ids) {
        ids = new Set(meteredChargesOf(s, entry.planByRef.get(s.planId), entry.snapshot).map((m) => m.measurement.id));
        billed.set(s, ids);
      }
      return ids.has(measurement.id);
    };
    const chargesFor = (s: Subscription, measurement: Measurement) =>
      meteredChargesOf(s, entry.planByRef.get(s.planId), entry.snapshot).filter((m) => m.measurement.id === measurement.id).map((m) => m.charge);

    const result: UsageResult = { accepted: 0, duplicates: 0, rejected: [] };
    const refuse = (index: number, code: UsageRefusalCode, detail: string) => result.rejected.push({ index, code, detail });
    const rows: NewUsageEvent[] = [];
    const rowIndex: number[] = [];
    // Per row: the instant_metered charges it bills at once (none for other measurements, or in a trial:
    // usage in a trial is free).
    const instant: (InstantUsage | null)[] = [];
    const rowSubscription: Subscription[] = [];
    const seen = new Set<string>();
    events.forEach((event, index) => {
      const measurement = measurementByCode(entry, event.measurement);
      if (!measurement) return refuse(index, 'measurement_not_billed', `No measurement has the code ${event.measurement}.`);
      let subscription: Subscription | undefined;
      if (event.subscriptionId) {
        subscription = byId.get(event.subscriptionId);
        if (!subscription) return refuse(index, 'subscription_not_found', `No subscription ${event.subscriptionId}.`);
        if (!bills(subscription, measurement)) {
          return refuse(index, 'measurement_not_billed', `No charge of subscription ${subscription.id} uses the measurement ${measurement.code}.`);
        }
      } else {
        const billing = (byCustomer.get(event.customerId!) ?? []).filter((s) => bills(s, measurement));
        if (billing.length === 0) {
          return refuse(index, 'subscription_not_found', `Customer ${event.customerId} has no live subscription that bills the measurement ${measurement.code}.`);
        }
        if (billing.length > 1) {
          return refuse(index, 'subscription_not_found', `Customer ${event.customerId} has ${billing.length} live subscriptions that bill ${measurement.code}: name one by subscriptionId.`);
        }
        subscription = billing[0]!;
      }
      const at = event.timestamp === undefined ? nowMs : Date.parse(event.timestamp);
      const stamp = () => new Date(at).toISOString();
      const refusal = usageRefusal(at, Date.parse(subscription.currentPeriodStart), nowMs);
      if (refusal === 'usage_timestamp_in_future') {
        return refuse(index, refusal, `${stamp()} lies more than 5 minutes after Billkit's clock (${now.toISOString()}): send usage when it happens.`);
      }
      // A repeat within the batch is a duplicate of the first (the same id of the same measurement).
      const key = `${measurement.id}\u0000${event.id}`;
      if (seen.has(key)) {
        result.duplicates += 1;
        return;
      }
      seen.add(key);
      // Outside the open period (or a subscription no longer live) the insert refuses it, unless it was
      // stored before: then a retry is a duplicate, as it would have been a moment earlier.
      rowSubscription.push(subscription);
      instant.push(
        measurement.type === 'instant_metered' && subscription.status !== 'trialing'
          ? { subscription, charges: chargesFor(subscription, measurement), value: event.value }
          : null,
      );
      rows.push({ measurementId: measurement.id, id: event.id, subscriptionId: subscription.id, value: event.value, at: event.timestamp === undefined ? null : stamp(), uniqueKey: event.uniqueKey ?? null });
      rowIndex.push(index);
    });

    const at = now.toISOString();
    let outcomes;
    if (instant.every((i) => i === null)) outcomes = await insertUsageEvents(this.db, rows, at);
    else {
      const done = await this.db.transaction(async (tx) => {
        const stored = await insertUsageEvents(tx, rows, at);
        const billed = instant.filter((usage, i): usage is InstantUsage => usage !== null && stored[i] === 'accepted');
        return { stored, open: await this.#bill(tx, entry, billed, now) };
      });
      outcomes = done.stored;
      await this.collector.collect(done.open);
    }
    outcomes.forEach((outcome, i) => {
      if (outcome === 'accepted') result.accepted += 1;
      else if (outcome === 'duplicate') result.duplicates += 1;
      else refuse(rowIndex[i]!, 'usage_period_closed', closedDetail(rowSubscription[i]!, rows[i]!.measurementId, rows[i]!.at ?? at));
    });
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }

  /**
   * Issues one usage invoice per subscription for its accepted instant events (the customer's balance
   * applied, taxed by the customer's details now, the coupon when it covers the current period), with their
   * events. Answers the ids of those
   * left open: they are charged after the commit, outside any row lock.
   */
  async #bill(tx: Tx, entry: CatalogEntry, billed: readonly InstantUsage[], now: Date): Promise<string[]> {
    if (billed.length === 0) return [];
    const bySubscription = new Map<string, { subscription: Subscription; quantities: Map<string, number> }>();
    for (const { subscription, charges, value } of billed) {
      const entryOf = bySubscription.get(subscription.id) ?? { subscription, quantities: new Map<string, number>() };
      // Refused (amount_out_of_range, the whole batch rolled back) rather than rounded past 2^53.
      for (const charge of charges) entryOf.quantities.set(charge.id, sum([entryOf.quantities.get(charge.id) ?? 0, value]));
      bySubscription.set(subscription.id, entryOf);
    }
    const customers = await customersByIds(tx, [...new Set([...bySubscription.values()].map((b) => b.subscription.customerId))], true);
    // Read under the FOR SHARE lock the insert took: the coupon as the subscription has it now.
    const coupons = await couponsOfSubscriptions(tx, [...bySubscription.keys()]);
    const balances = new Map([...customers.values()].map((c) => [c.id, c.balance]));
    const at = now.toISOString();
    const invoices: NewInvoice[] = [];
    for (const { subscription, quantities } of bySubscription.values()) {
      const plan = entry.planByRef.get(subscription.planId)!;
      const customer = customers.get(subscription.customerId)!;
      const selection: SelectedCharge[] = plan.charges
        .filter((charge) => quantities.has(charge.id))
        .map((charge) => ({ charge, product: catalogFor(entry, customer.locale).products.get(charge.productId)!, quantity: 0 }));
      const tax = determineTax(entry.tax, { country: customer.country, type: customer.type, vatId: customer.vatId });
      const priced = priceInvoice({ plan, selection, ...usageCoupon(coupons.get(subscription.id)), includeOneTime: false, trial: false, tax, meteredUsage: quantities });
      const invoice = draftInvoice({
        kind: 'usage',
        customer,
        subscriptionId: subscription.id,
        currency: plan.currency,
        taxTreatment: tax.treatment,
        taxBehavior: plan.taxBehavior,
        lines: priced.lines.map((line) => ({ ...line, periodStart: at, periodEnd: at })),
        totals: priced,
        periodStart: at,
        periodEnd: at,
        at: now,
        settings: entry.settings,
        balance: balances.get(customer.id)!,
      });
      balances.set(customer.id, balances.get(customer.id)! - invoice.balanceApplied);
      invoices.push(invoice);
    }
    await insertInvoices(tx, invoices);
    await adjustBalances(tx, new Map([...customers.keys()].map((id) => [id, balances.get(id)! - customers.get(id)!.balance])), at);
    const events: NewEvent[] = invoices.flatMap((invoice) => {
      const { series: _series, ...issued } = invoice;
      const view = invoiceView({ ...issued, number: '', attempts: [] });
      return [{ type: 'invoice.finalized' as const, object: view }, ...(invoice.status === 'paid' ? [{ type: 'invoice.paid' as const, object: view }] : [])];
    });
    await recordEvents(tx, events, at);
    return invoices.filter((invoice) => invoice.status === 'open').map((invoice) => invoice.id);
  }
}

/**
 * The coupon of an instant usage invoice: as on any invoice of the subscription, when it covers the current
 * period (its eligible lines discounted, the invoice using none of its periods). A fixed amount off is not
 * given here: "per invoice" would give it once per usage batch, an amount set by how the merchant batches
 * its calls (see server/domain/README.md).
 */
function usageCoupon(held: { coupon: Coupon; currentPeriod: number } | undefined): { coupon: Coupon | null; coverage: 'all' | 'none' } {
  if (!held || held.coupon.type !== 'percentage') return { coupon: null, coverage: 'none' };
  return couponCoverage(held.coupon, held.currentPeriod) === 'all' ? { coupon: held.coupon, coverage: 'all' } : { coupon: null, coverage: 'none' };
}
