/**
 * periodUsage, the renewal's batched read of metered usage, against the domain's rule from events
 * (periodQuantity): what SQL aggregates must be what the pure function computes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { periodUsage } from '../../../server/app/usage.js';
import type { Measurement } from '../../../server/domain/catalog.js';
import { periodQuantity, type UsageEvent } from '../../../server/domain/usage.js';
import type { Db, Queryable } from '../../../server/storage/db.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { createMeasurement, subscribe, type MeasurementView } from '../../support/usage.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const PERIOD = { start: T0, end: T0 + 31 * DAY };
const iso = (ms: number) => new Date(ms).toISOString();

/** Counts the statements sent through it. */
function counting(db: Queryable): Queryable & { count: number } {
  const wrapped: Queryable & { count: number } = {
    count: 0,
    query: ((sql: string, params?: readonly unknown[]) => (wrapped.count++, db.query(sql, params))) as Queryable['query'],
  };
  return wrapped;
}

for (const target of testDatabases()) {
  describe(`periodUsage on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let subs: string[];
    const m: Record<string, MeasurementView> = {};
    before(async () => {
      db = await target.open();
      t = await testAppWith(db);
      for (const aggregation of ['count', 'count_unique', 'max', 'sum', 'last_value', 'average'] as const) m[aggregation] = await createMeasurement(t, { aggregation });
      m.seats = await createMeasurement(t, { type: 'recurring', aggregation: 'last_value' });
      m.proratedSeats = await createMeasurement(t, { type: 'recurring', aggregation: 'last_value', prorated: true });
      m.instant = await createMeasurement(t, { type: 'instant_metered', aggregation: 'last_value' });
      const plan = await aFlatPlan(t, 1000);
      subs = [(await subscribe(t, plan.code)).subscription.id, (await subscribe(t, plan.code)).subscription.id];
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    /** Stores events directly (the API refuses timestamps outside the open period; the renewal reads any period). */
    const store = async (rows: { subscriptionId: string; measurementId: string; event: UsageEvent }[]) => {
      await db.query('delete from usage_events where subscription_id = any($1::text[])', [subs]);
      if (rows.length === 0) return;
      await db.query(
        `insert into usage_events (measurement_id, id, subscription_id, value, at, unique_key, seq)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[], $7::bigint[])`,
        [
          rows.map((r) => r.measurementId),
          rows.map((_, i) => `evt_${i}`),
          rows.map((r) => r.subscriptionId),
          rows.map((r) => r.event.value),
          rows.map((r) => iso(r.event.at)),
          rows.map((r) => r.event.uniqueKey),
          rows.map((r) => r.event.seq),
        ],
      );
    };
    const charges = (names: string[]) => names.map((name) => ({ chargeId: `chg_${name}`, measurement: m[name] as Measurement }));

    it('when a subscription has no usage, then every requested charge is present with 0', async () => {
      await store([]);
      const result = await periodUsage(db, [{ subscriptionId: subs[0]!, start: iso(PERIOD.start), end: iso(PERIOD.end), charges: charges(Object.keys(m)) }]);
      assert.deepEqual([...result.get(subs[0]!)!.entries()], Object.keys(m).map((name) => [`chg_${name}`, 0]));
    });

    it('when two charges use one measurement and an instant_metered one has events, then both share the quantity and the instant one bills 0', async () => {
      const at = T0 + DAY;
      await store([
        { subscriptionId: subs[0]!, measurementId: m.sum!.id, event: { value: 7, at, uniqueKey: 'a', seq: 1 } },
        { subscriptionId: subs[0]!, measurementId: m.instant!.id, event: { value: 9, at, uniqueKey: 'b', seq: 2 } },
      ]);
      const result = await periodUsage(db, [
        { subscriptionId: subs[0]!, start: iso(PERIOD.start), end: iso(PERIOD.end), charges: [...charges(['sum', 'instant']), { chargeId: 'chg_sum_again', measurement: m.sum as Measurement }] },
      ]);
      assert.deepEqual(Object.fromEntries(result.get(subs[0]!)!), { chg_sum: 7, chg_instant: 0, chg_sum_again: 7 });
    });

    it('when two events share the latest timestamp, then last_value takes the later arrival, and a recurring value carried in does too', async () => {
      const at = T0 + 5 * DAY;
      const before = T0 - DAY;
      await store([
        { subscriptionId: subs[0]!, measurementId: m.last_value!.id, event: { value: 2, at, uniqueKey: 'a', seq: 2 } },
        { subscriptionId: subs[0]!, measurementId: m.last_value!.id, event: { value: 1, at, uniqueKey: 'b', seq: 1 } },
        { subscriptionId: subs[0]!, measurementId: m.seats!.id, event: { value: 4, at: before, uniqueKey: 'c', seq: 4 } },
        { subscriptionId: subs[0]!, measurementId: m.seats!.id, event: { value: 3, at: before, uniqueKey: 'd', seq: 3 } },
      ]);
      const result = await periodUsage(db, [{ subscriptionId: subs[0]!, start: iso(PERIOD.start), end: iso(PERIOD.end), charges: charges(['last_value', 'seats']) }]);
      assert.deepEqual(Object.fromEntries(result.get(subs[0]!)!), { chg_last_value: 2, chg_seats: 4 });
    });

    it('when many subscriptions and measurements are asked for at once, then it takes at most two queries', async () => {
      await store([]);
      const spy = counting(db);
      const requests = subs.map((subscriptionId) => ({ subscriptionId, start: iso(PERIOD.start), end: iso(PERIOD.end), charges: charges(Object.keys(m)) }));
      const result = await periodUsage(spy, requests);
      assert.equal(spy.count, 2);
      assert.equal(result.size, 2);
    });

    it('when random events of every aggregation and type are stored, then each quantity equals the domain rule over the same events', async () => {
      const names = Object.keys(m);
      const anEvent = fc.record({
        sub: fc.integer({ min: 0, max: 1 }),
        name: fc.constantFrom(...names),
        value: fc.integer({ min: 0, max: 1_000 }),
        // Before, inside and after the period, often at the same instants (ties), at its edges too.
        at: fc.oneof(
          fc.constantFrom(T0 - DAY, PERIOD.start, T0 + DAY, T0 + 10 * DAY, PERIOD.end - 1, PERIOD.end, PERIOD.end + DAY),
          fc.integer({ min: T0 - 40 * DAY, max: T0 + 40 * DAY }),
        ),
        key: fc.constantFrom('k1', 'k2', 'k3'),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(anEvent, { minLength: 30, maxLength: 80, size: "max" }), async (generated) => {
          const rows = generated.map((e, seq) => ({ subscriptionId: subs[e.sub]!, measurementId: m[e.name]!.id, name: e.name, event: { value: e.value, at: e.at, uniqueKey: e.key, seq: seq + 1 } }));
          await store(rows);
          const result = await periodUsage(db, subs.map((subscriptionId) => ({ subscriptionId, start: iso(PERIOD.start), end: iso(PERIOD.end), charges: charges(names) })));
          for (const [s, subscriptionId] of subs.entries()) {
            for (const name of names) {
              const events = rows.filter((r) => r.subscriptionId === subs[s] && r.name === name).map((r) => r.event);
              const expected = name === 'instant' ? 0 : periodQuantity(m[name] as Measurement, events, PERIOD);
              assert.equal(result.get(subscriptionId)!.get(`chg_${name}`), expected, `${name} of subscription ${s}`);
            }
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}
