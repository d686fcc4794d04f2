/**
 * Metered usage (SPEC.md section 9): how a period's events become the quantity a metered charge bills. Pure.
 *
 * Time is in milliseconds since the epoch. A period is `[start, end)`: an event at `start` counts, one at
 * `end` belongs to the next period.
 *
 * - `metered` resets each period: the period's events,
 *   aggregated by the measurement's aggregation. Every aggregation but `count_unique` and `last_value` needs
 *   only the period's count, sum and max, and those three plus the distinct keys and the latest value are
 *   what storage reads for it in SQL (`UsageStats`), so a billing run of thousands never fetches events.
 * - `recurring` carries its last value into later periods until a new event: the value held before the
 *   period (`carried`) and the period's events. `prorated: false` bills the value held at the period's end;
 *   `true` bills round(sum of value x seconds it held / period seconds).
 */
import type { Aggregation, Measurement } from './catalog.js';
import { DomainError } from './errors.js';
import { roundHalfAwayFromZero, toSafeAmount } from './money.js';

export interface UsageEvent {
  value: number;
  /** The event's timestamp, ms since the epoch. */
  at: number;
  /** count_unique counts these (the event id when none was given). */
  uniqueKey: string;
  /** Arrival order: of two events at the same instant the later arrival is the later one. */
  seq: number;
}

export interface Period {
  start: number;
  end: number;
}

/** What every aggregation of a `metered` period is computed from. */
export interface UsageStats {
  count: number;
  /** Distinct unique keys. */
  unique: number;
  /** Values are integers >= 0, so a period without events has max 0. */
  max: number;
  /** May pass 2^53 before it is checked: kept as a bigint. */
  sum: bigint;
  /** The value of the latest event (by timestamp, then arrival); 0 without events. */
  last: number;
}

export const NO_USAGE: UsageStats = { count: 0, unique: 0, max: 0, sum: 0n, last: 0 };

const inPeriod = (event: UsageEvent, period: Period) => event.at >= period.start && event.at < period.end;

/** Later by timestamp, then by arrival. */
const isLater = (a: UsageEvent, b: UsageEvent) => a.at > b.at || (a.at === b.at && a.seq > b.seq);

/** The statistics of the events (all of them: the caller picks the period's). */
export function usageStats(events: readonly UsageEvent[]): UsageStats {
  if (events.length === 0) return NO_USAGE;
  const keys = new Set<string>();
  let max = 0;
  let sum = 0n;
  let latest = events[0]!;
  for (const event of events) {
    keys.add(event.uniqueKey);
    if (event.value > max) max = event.value;
    sum += BigInt(event.value);
    if (isLater(event, latest)) latest = event;
  }
  return { count: events.length, unique: keys.size, max, sum, last: latest.value };
}

/** The period's quantity under `aggregation`, from its statistics. No events: 0. */
export function aggregate(aggregation: Aggregation, stats: UsageStats): number {
  switch (aggregation) {
    case 'count':
      return stats.count;
    case 'count_unique':
      return stats.unique;
    case 'max':
      return stats.max;
    case 'sum':
      return quantityOf(stats.sum);
    case 'last_value':
      return stats.last;
    case 'average':
      return stats.count === 0 ? 0 : quantityOf(roundHalfAwayFromZero(stats.sum, BigInt(stats.count)));
  }
}

/** A quantity beyond 2^53 cannot be priced exactly: refused, never rounded. */
function quantityOf(value: bigint): number {
  try {
    return toSafeAmount(value);
  } catch {
    throw new DomainError('unprocessable', 'usage_out_of_range', `the period's usage ${value} exceeds the largest safe integer`);
  }
}

/**
 * The quantity a recurring measurement bills for `period`: `carried` is the value it held when the period
 * began (the latest event before it; 0 when there was none), `events` the period's events in any order.
 * Instants are truncated to whole seconds, as the proration of plan changes does; an event that the next
 * one replaces within the same second holds for 0 seconds.
 */
export function recurringQuantity(prorated: boolean, carried: number, events: readonly UsageEvent[], period: Period): number {
  const sorted = events.filter((e) => inPeriod(e, period)).sort((a, b) => a.at - b.at || a.seq - b.seq);
  if (!prorated) return sorted.length === 0 ? carried : sorted[sorted.length - 1]!.value;
  const second = (ms: number) => BigInt(Math.floor(ms / 1000));
  const start = second(period.start);
  const end = second(period.end);
  const length = end - start;
  if (length <= 0n) return sorted.length === 0 ? carried : sorted[sorted.length - 1]!.value;
  let held = BigInt(carried);
  let since = start;
  let weighted = 0n;
  for (const event of sorted) {
    const at = second(event.at);
    weighted += held * (at - since);
    held = BigInt(event.value);
    since = at;
  }
  weighted += held * (end - since);
  return quantityOf(roundHalfAwayFromZero(weighted, length));
}

/** What storage read for one measurement of one subscription's period. */
export type PeriodUsage =
  | { kind: 'stats'; stats: UsageStats }
  | { kind: 'timeline'; carried: number; events: readonly UsageEvent[] };

/** Whether a measurement's period is read as a timeline (recurring: the carried value and the events). */
export const isTimeline = (measurement: Measurement) => measurement.type === 'recurring';

/**
 * The quantity a period's invoice bills for one measurement, from what storage read for it. An
 * `instant_metered` measurement's events are each billed at once, on a usage invoice of their own: the
 * period's invoice bills none of them again (0).
 */
export function billedQuantity(measurement: Measurement, usage: PeriodUsage, period: Period): number {
  if (measurement.type === 'instant_metered') return 0;
  if (usage.kind === 'timeline') return recurringQuantity(measurement.prorated, usage.carried, usage.events, period);
  return aggregate(measurement.aggregation, usage.stats);
}

/** The whole rule from events: what storage computes in SQL must equal this (the property tests check). */
export function periodQuantity(measurement: Measurement, events: readonly UsageEvent[], period: Period): number {
  if (isTimeline(measurement)) {
    let before: UsageEvent | null = null;
    for (const event of events) if (event.at < period.start && (before === null || isLater(event, before))) before = event;
    return recurringQuantity(measurement.prorated, before?.value ?? 0, events, period);
  }
  return aggregate(measurement.aggregation, usageStats(events.filter((e) => inPeriod(e, period))));
}

/** How far past the clock an event's timestamp may lie (clock skew between the merchant and Billkit). */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export type UsageRefusal = 'usage_period_closed' | 'usage_timestamp_in_future';

/**
 * Whether an event at `at` may still be recorded for a subscription whose current (not yet invoiced)
 * period starts at `periodStart`, at the time `now`: null when it may.
 */
export function usageRefusal(at: number, periodStart: number, now: number): UsageRefusal | null {
  if (at < periodStart) return 'usage_period_closed';
  if (at > now + FUTURE_TOLERANCE_MS) return 'usage_timestamp_in_future';
  return null;
}
