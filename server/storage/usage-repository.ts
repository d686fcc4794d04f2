/**
 * Metered usage in SQL (SPEC.md section 9): recording events once per (measurement, id), and reading what
 * a period's quantity is computed from, for many subscriptions in one or two statements.
 */
import type { PeriodUsage, UsageEvent, UsageStats } from '../domain/usage.js';
import { LIVE_STATUSES, type Subscription } from './commerce-repository.js';
import type { Queryable } from './db.js';
import { iso, json } from './ids.js';

type Row = Record<string, unknown>;

export interface NewUsageEvent {
  measurementId: string;
  id: string;
  subscriptionId: string;
  value: number;
  /** ISO timestamp; null for the batch's `now` (sent once, not per event). */
  at: string | null;
  /** null: the event id. */
  uniqueKey: string | null;
}

/** What became of each event: stored now, stored before (or by a concurrent batch), or refused because its period was invoiced meanwhile. */
export type InsertOutcome = 'accepted' | 'duplicate' | 'closed';

const LIVE = LIVE_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Inserts the events in one statement and answers each one's outcome, in the order given. Within the
 * statement each subscription is locked FOR SHARE and its `current_period_start` read again: a renewal that
 * moves the period holds the row FOR UPDATE, so either it waits for these events (and bills them) or they
 * wait for it and see the new period, which refuses those of the period it invoiced. A measurement whose
 * usage an immediate change invoiced (`usage_from`) refuses its events dated before that change alike. Never an event in an
 * invoiced period. A subscription that stopped being live meanwhile takes nothing.
 *
 * Rows are inserted in key order, so that concurrent batches with overlapping ids wait for one another in
 * the same order and never deadlock; their `seq` (arrival, last_value's tie-break) is taken in the order
 * given. The events must not repeat a (measurement, id) pair among themselves. An event outside its
 * subscription's open period is refused (`closed`) unless it was stored before (`duplicate`: a retry).
 */
export async function insertUsageEvents(db: Queryable, events: readonly NewUsageEvent[], now: string): Promise<InsertOutcome[]> {
  if (events.length === 0) return [];
  // Measurements and subscriptions are sent once each and named by their position (a batch names a few of
  // each a thousand times); only the events not accepted come back (most batches: none).
  const measurements = new Map<string, number>();
  const subscriptions = new Map<string, number>();
  const position = (map: Map<string, number>, key: string) => {
    let at = map.get(key);
    if (at === undefined) map.set(key, (at = map.size + 1));
    return at;
  };
  const measurementAt = events.map((e) => position(measurements, e.measurementId));
  const subscriptionAt = events.map((e) => position(subscriptions, e.subscriptionId));
  const { rows } = await db.query<{ ord: number; outcome: InsertOutcome }>(
    `with input as (
       select ($1::text[])[t.m] as measurement_id, t.id, ($3::text[])[t.s] as subscription_id, t.value,
         coalesce(t.at, $7::timestamptz) as at, coalesce(t.unique_key, t.id) as unique_key, t.ord, nextval('usage_events_seq_seq') as seq
       from unnest($8::int[], $2::text[], $9::int[], $4::bigint[], $5::timestamptz[], $6::text[])
         with ordinality as t(m, id, s, value, at, unique_key, ord)
       order by t.ord
     ), live as (
       select s.id, s.current_period_start, s.usage_from from subscriptions s
       where s.id = any($3::text[]) and s.status in (${LIVE})
       order by s.id
       for share
     ), inserted as (
       insert into usage_events (measurement_id, id, subscription_id, value, at, unique_key, seq)
       select i.measurement_id, i.id, i.subscription_id, i.value, i.at, i.unique_key, i.seq
       from input i join live l on l.id = i.subscription_id
         and i.at >= coalesce((l.usage_from ->> i.measurement_id)::timestamptz, l.current_period_start)
       order by i.measurement_id, i.id
       on conflict (measurement_id, id) do nothing
       returning measurement_id, id
     )
     select i.ord, case
         when l.id is not null and i.at >= coalesce((l.usage_from ->> i.measurement_id)::timestamptz, l.current_period_start) then 'duplicate'
         when exists (select 1 from usage_events u where u.measurement_id = i.measurement_id and u.id = i.id) then 'duplicate'
         else 'closed'
       end as outcome
     from input i
     left join live l on l.id = i.subscription_id
     left join inserted n on n.measurement_id = i.measurement_id and n.id = i.id
     where n.id is null`,
    [
      [...measurements.keys()],
      events.map((e) => e.id),
      [...subscriptions.keys()],
      events.map((e) => e.value),
      events.map((e) => e.at),
      events.map((e) => e.uniqueKey),
      now,
      measurementAt,
      subscriptionAt,
    ],
  );
  const outcomes = new Array<InsertOutcome>(events.length).fill('accepted');
  for (const row of rows) outcomes[Number(row.ord) - 1] = row.outcome;
  return outcomes;
}

/** What recording usage needs to know of a subscription. */
export type UsageSubscription = Pick<Subscription, 'id' | 'customerId' | 'planId' | 'status' | 'items' | 'currentPeriodStart' | 'usageFrom'>;

/** The subscriptions named by id, and every live subscription of the customers named, in one query. */
export async function subscriptionsForUsage(db: Queryable, ids: readonly string[], customerIds: readonly string[]): Promise<UsageSubscription[]> {
  if (ids.length === 0 && customerIds.length === 0) return [];
  const { rows } = await db.query<Row>(
    // Two index scans (the primary key, subscriptions_customer), not one OR that would read the whole table.
    `select id, customer_id, plan_id, status, items, current_period_start, usage_from, created_at from subscriptions where id = any($1::text[])
     union
     select id, customer_id, plan_id, status, items, current_period_start, usage_from, created_at from subscriptions
     where customer_id = any($2::text[]) and status in (${LIVE})
     order by created_at, id`,
    [ids, customerIds],
  );
  return rows.map((r) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    planId: String(r.plan_id),
    status: String(r.status) as Subscription['status'],
    items: json<Subscription['items']>(r.items),
    currentPeriodStart: iso(r.current_period_start),
    usageFrom: r.usage_from == null ? {} : json<Record<string, string>>(r.usage_from),
  }));
}

export interface UsageRead {
  subscriptionId: string;
  measurementId: string;
  /** ISO timestamps: the period [start, end). */
  start: string;
  end: string;
  /** Read the carried value and the events (recurring measurements), or the period's statistics. */
  timeline: boolean;
}

/**
 * What each read's quantity is computed from, in the order given: one statement for all the statistics
 * (count, distinct keys, max, sum and the latest value, aggregated in SQL over the period index) and one for
 * all the timelines (the latest event before the period and the period's events). Recurring measurements
 * change rarely (a seat count), so their events are few; metered ones may have millions, never fetched.
 */
export async function readPeriodUsage(db: Queryable, reads: readonly UsageRead[]): Promise<PeriodUsage[]> {
  const result: PeriodUsage[] = new Array(reads.length);
  const stats = reads.flatMap((r, i) => (r.timeline ? [] : [i]));
  const timelines = reads.flatMap((r, i) => (r.timeline ? [i] : []));
  const params = (indexes: number[]) => [
    indexes.map((i) => reads[i]!.subscriptionId),
    indexes.map((i) => reads[i]!.measurementId),
    indexes.map((i) => reads[i]!.start),
    indexes.map((i) => reads[i]!.end),
  ];
  const requests = `unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) with ordinality as r(sub, meas, s, e, i)`;
  const ofRequest = `u.subscription_id = r.sub and u.measurement_id = r.meas`;
  if (stats.length > 0) {
    const { rows } = await db.query<Row>(
      `select r.i, a.n, a.uniq, a.max, a.sum, l.value as last
       from ${requests}
       cross join lateral (
         select count(*) as n, count(distinct u.unique_key) as uniq, coalesce(max(u.value), 0) as max, coalesce(sum(u.value), 0)::text as sum
         from usage_events u where ${ofRequest} and u.at >= r.s and u.at < r.e
       ) a
       left join lateral (
         select u.value from usage_events u where ${ofRequest} and u.at >= r.s and u.at < r.e
         order by u.at desc, u.seq desc limit 1
       ) l on true`,
      params(stats),
    );
    for (const row of rows) {
      const s: UsageStats = { count: Number(row.n), unique: Number(row.uniq), max: Number(row.max), sum: BigInt(String(row.sum)), last: Number(row.last ?? 0) };
      result[stats[Number(row.i) - 1]!] = { kind: 'stats', stats: s };
    }
  }
  if (timelines.length > 0) {
    const carried = new Map<number, number>();
    const events = new Map<number, UsageEvent[]>(timelines.map((i) => [i, []]));
    const { rows } = await db.query<Row>(
      `select r.i, u.value, u.at, u.seq, u.unique_key, u.before
       from ${requests}
       cross join lateral (
         (select u.value, u.at, u.seq, u.unique_key, true as before from usage_events u where ${ofRequest} and u.at < r.s
          order by u.at desc, u.seq desc limit 1)
         union all
         (select u.value, u.at, u.seq, u.unique_key, false from usage_events u where ${ofRequest} and u.at >= r.s and u.at < r.e)
       ) u`,
      params(timelines),
    );
    for (const row of rows) {
      const index = timelines[Number(row.i) - 1]!;
      if (row.before) carried.set(index, Number(row.value));
      else events.get(index)!.push({ value: Number(row.value), at: new Date(row.at as string).getTime(), uniqueKey: String(row.unique_key), seq: Number(row.seq) });
    }
    for (const index of timelines) result[index] = { kind: 'timeline', carried: carried.get(index) ?? 0, events: events.get(index)! };
  }
  return result;
}
