/**
 * Reading metered usage (SPEC.md section 9): the quantity each metered charge bills for a period, batched
 * for the billing run (`periodUsage`), and a subscription's usage so far (GET /v1/subscriptions/{id}/usage).
 */
import type { CatalogSnapshot, Charge, Measurement, Plan } from '../domain/catalog.js';
import { DomainError } from '../domain/errors.js';
import { mulDivRound } from '../domain/money.js';
import { wholeSeconds } from '../domain/proration.js';
import { priceCharge } from '../domain/pricing.js';
import { billedQuantity, isTimeline } from '../domain/usage.js';
import { findSubscription, type Subscription } from '../storage/commerce-repository.js';
import type { Queryable } from '../storage/db.js';
import { readPeriodUsage, type UsageRead } from '../storage/usage-repository.js';
import { CatalogCache, catalogFor } from './catalog-cache.js';

export interface PeriodUsageRequest {
  subscriptionId: string;
  /** ISO timestamps: the period [start, end). */
  start: string;
  end: string;
  /** `start`: where a charge's usage counts from when later than the period's start (the subscription's usageFrom). */
  charges: readonly { chargeId: string; measurement: Measurement; start?: string | undefined }[];
}

/**
 * subscriptionId -> chargeId -> the quantity the period's invoice bills (every requested charge present; 0
 * without usage), for any number of subscriptions in at most two queries. One request per subscription (a
 * later one for the same subscription replaces the earlier's answer). Call it inside the transaction that
 * holds the subscriptions FOR UPDATE: recording usage locks them FOR SHARE, so every event committed before
 * the lock is counted and none can be added to the period afterwards.
 */
export async function periodUsage(db: Queryable, requests: readonly PeriodUsageRequest[]): Promise<Map<string, Map<string, number>>> {
  const reads: UsageRead[] = [];
  // Per request, the read of each measurement (two charges on one measurement share it).
  const readOf: Map<string, number>[] = requests.map((request) => {
    const indexes = new Map<string, number>();
    for (const { measurement, start } of request.charges) {
      if (indexes.has(measurement.id) || measurement.type === 'instant_metered') continue;
      indexes.set(measurement.id, reads.length);
      reads.push({ subscriptionId: request.subscriptionId, measurementId: measurement.id, start: start ?? request.start, end: request.end, timeline: isTimeline(measurement) });
    }
    return indexes;
  });
  const read = await readPeriodUsage(db, reads);
  const result = new Map<string, Map<string, number>>();
  requests.forEach((request, r) => {
    const end = Date.parse(request.end);
    const quantities = new Map<string, number>();
    for (const { chargeId, measurement, start } of request.charges) {
      const index = readOf[r]!.get(measurement.id);
      quantities.set(chargeId, index === undefined ? 0 : billedQuantity(measurement, read[index]!, { start: Date.parse(start ?? request.start), end }));
    }
    result.set(request.subscriptionId, quantities);
  });
  return result;
}

export interface MeteredCharge {
  charge: Charge;
  measurement: Measurement;
}

const meteredByPlan = new WeakMap<Plan, Map<string, MeteredCharge>>();

/** The plan's metered charges with their measurements, by charge id (worked out once per catalog version). */
function meteredChargesOfPlan(plan: Plan, snapshot: CatalogSnapshot): Map<string, MeteredCharge> {
  let metered = meteredByPlan.get(plan);
  if (!metered) {
    metered = new Map();
    for (const charge of plan.charges) {
      if (charge.type !== 'metered') continue;
      const measurementId = snapshot.products.get(charge.productId)?.measurementId;
      const measurement = measurementId ? snapshot.measurements.get(measurementId) : undefined;
      if (measurement) metered.set(charge.id, { charge, measurement });
    }
    meteredByPlan.set(plan, metered);
  }
  return metered;
}

/** The metered charges a subscription bills: its plan's, those among its items (an add-on only when chosen), in plan order. */
export function meteredChargesOf(subscription: Pick<Subscription, 'items'>, plan: Plan | undefined, snapshot: CatalogSnapshot): MeteredCharge[] {
  if (!plan) return [];
  const metered = meteredChargesOfPlan(plan, snapshot);
  if (metered.size === 0) return [];
  const chosen = new Set(subscription.items.map((item) => item.chargeId));
  return [...metered.values()].filter((m) => chosen.has(m.charge.id));
}

/**
 * GET /v1/subscriptions/{id}/usage: per metered charge, the current period, the quantity so far and its price now.
 * `locale`: the language products and units are named in (the portal's: the customer's); the default's when not given.
 */
export async function currentUsage(db: Queryable, cache: CatalogCache, subscriptionId: string, locale?: string | null) {
  const subscription = await findSubscription(db, subscriptionId);
  if (!subscription) {
    throw new DomainError('not_found', 'subscription_not_found', `No subscription ${subscriptionId}.`, [{ pointer: '/path/id', detail: 'Unknown subscription.' }]);
  }
  const entry = await cache.cached();
  const plan = entry.planByRef.get(subscription.planId);
  // Names from the catalog in the language asked for; the rules (the cached metered charges) from the default's.
  const catalog = catalogFor(entry, locale);
  const metered = meteredChargesOf(subscription, plan, entry.snapshot);
  const start = subscription.currentPeriodStart;
  const end = subscription.currentPeriodEnd;
  // A measurement whose usage an immediate change invoiced counts from then (usageFrom).
  const startOf = (m: MeteredCharge) => subscription.usageFrom[m.measurement.id] ?? start;
  const quantities = (await periodUsage(db, [{ subscriptionId, start, end, charges: metered.map((m) => ({ chargeId: m.charge.id, measurement: m.measurement, start: startOf(m) })) }])).get(subscriptionId)!;
  // A recurring value counted from a change bills its share of the period, as the renewal will.
  const second = (iso: string) => wholeSeconds(new Date(iso));
  const heldShare = (m: MeteredCharge, amount: number) => {
    const from = subscription.usageFrom[m.measurement.id];
    if (m.measurement.type !== 'recurring' || from === undefined) return amount;
    const period = second(end) - second(start);
    return period > 0 ? mulDivRound(amount, Math.max(0, second(end) - second(from)), period) : amount;
  };
  // Usage in a trial is free (SPEC section 6): shown, priced at 0.
  const trial = subscription.status === 'trialing';
  return {
    subscriptionId,
    status: subscription.status,
    currency: plan?.currency ?? null,
    asOf: CatalogCache.now(entry).toISOString(),
    charges: metered.map((m) => {
      const { charge, measurement: rules } = m;
      const quantity = quantities.get(charge.id)!;
      const product = catalog.products.get(charge.productId);
      const measurement = catalog.measurements.get(rules.id) ?? rules;
      return {
        chargeId: charge.id,
        productId: charge.productId,
        productNumber: product?.number ?? '',
        description: product?.name ?? '',
        measurement: { code: measurement.code, unit: measurement.unit, type: measurement.type, aggregation: measurement.aggregation, prorated: measurement.prorated },
        periodStart: startOf(m),
        periodEnd: end,
        quantity,
        pricing: charge.pricing,
        amount: trial || measurement.type === 'instant_metered' ? 0 : heldShare(m, priceCharge(charge.pricing, quantity)),
        free: trial,
      };
    }),
  };
}

export type UsageView = Awaited<ReturnType<typeof currentUsage>>;
