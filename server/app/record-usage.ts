/**
 * Record usage (POST /v1/usage, SPEC.md section 9): up to 1,000 events, each checked on its own (refusals
 * are values with codes), the accepted ones stored in one statement that re-checks each subscription's
 * period under a row lock. Three queries whatever the batch: the catalog (cached), the subscriptions, the
 * insert.
 */
import type { CatalogEntry } from './catalog-cache.js';
import { CatalogCache } from './catalog-cache.js';
import type { Measurement } from '../domain/catalog.js';
import { usageRefusal } from '../domain/usage.js';
import { LIVE_STATUSES } from '../storage/commerce-repository.js';
import type { Db } from '../storage/db.js';
import { insertUsageEvents, subscriptionsForUsage, type NewUsageEvent, type UsageSubscription as Subscription } from '../storage/usage-repository.js';
import { meteredChargesOf } from './usage.js';

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

export class UsageRecorder {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
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

    const result: UsageResult = { accepted: 0, duplicates: 0, rejected: [] };
    const refuse = (index: number, code: UsageRefusalCode, detail: string) => result.rejected.push({ index, code, detail });
    const rows: NewUsageEvent[] = [];
    const rowIndex: number[] = [];
    const closedDetail: string[] = [];
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
      closedDetail.push(
        !isLive(subscription)
          ? `Subscription ${subscription.id} is ${subscription.status}: its last period is invoiced.`
          : refusal === 'usage_period_closed'
            ? `${stamp()} lies before the current period of subscription ${subscription.id} (from ${subscription.currentPeriodStart}): that period is invoiced.`
            : `Subscription ${subscription.id} moved to a new period while this event was recorded: the period it lies in is invoiced.`,
      );
      rows.push({ measurementId: measurement.id, id: event.id, subscriptionId: subscription.id, value: event.value, at: event.timestamp === undefined ? null : stamp(), uniqueKey: event.uniqueKey ?? null });
      rowIndex.push(index);
    });

    const outcomes = await insertUsageEvents(this.db, rows, now.toISOString());
    outcomes.forEach((outcome, i) => {
      if (outcome === 'accepted') result.accepted += 1;
      else if (outcome === 'duplicate') result.duplicates += 1;
      else refuse(rowIndex[i]!, 'usage_period_closed', closedDetail[i]!);
    });
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }
}
