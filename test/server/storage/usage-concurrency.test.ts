/**
 * Usage under concurrency (SPEC section 9), on PostgreSQL (PGlite is one connection and cannot contend):
 * two BFF processes' worth of state over one fresh schema, real HTTP over loopback.
 * - 100 batches with overlapping ids at once: each event stored once, every answer adds up.
 * - A renewal holding the subscription FOR UPDATE while it moves the period: a batch sent meanwhile waits
 *   for it, then refuses the events of the period it invoiced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unique } from '../../support/db.js';
import { twoProcesses, type Process } from '../../support/processes.js';
import { aMeteredPlan, createMeasurement, subscribe, type MeasurementView } from '../../support/usage.js';

const url = process.env.DATABASE_URL;

async function postUsage(p: Process, events: unknown[]): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${p.base}/v1/usage`, { method: 'POST', headers: { ...p.t.sk, 'Content-Type': 'application/json' }, body: JSON.stringify({ events }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe(
  url ? 'usage under concurrency on PostgreSQL, two BFF processes over one database' : 'usage under concurrency: skipped, DATABASE_URL is not set',
  { skip: !url },
  () => {
    let bff: Awaited<ReturnType<typeof twoProcesses>> | undefined;
    let calls: MeasurementView;
    let planCode: string;
    before(async () => {
      bff = await twoProcesses(url!);
      const { a } = bff;
      calls = await createMeasurement(a.t, { aggregation: 'sum' });
      planCode = (await aMeteredPlan(a.t, [calls])).code;
    });
    after(() => bff?.close());

    it('when 100 batches with overlapping ids arrive at once, then each event is stored once and accepted once', async (ctx) => {
      const { a, b } = bff!;
      const { subscription } = await subscribe(a.t, planCode);
      const prefix = unique('evt');
      // Batch i sends ids i*5 .. i*5+99 (value = the id's number): each id is in up to 20 batches, in
      // different orders (odd batches reversed), over both processes.
      const batches = Array.from({ length: 100 }, (_, i) => {
        const events = Array.from({ length: 100 }, (_, k) => ({ id: `${prefix}-${i * 5 + k}`, measurement: calls.code, subscriptionId: subscription.id, value: i * 5 + k }));
        return i % 2 === 1 ? events.reverse() : events;
      });
      const distinct = 99 * 5 + 100;
      const started = performance.now();
      const answers = await Promise.all(batches.map((events, i) => postUsage(i % 2 === 0 ? a : b, events)));
      ctx.diagnostic(`100 batches of 100 (${distinct} distinct ids) answered in ${Math.round(performance.now() - started)} ms`);

      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const accepted = answers.reduce((n, x) => n + x.body.accepted, 0);
      const duplicates = answers.reduce((n, x) => n + x.body.duplicates, 0);
      assert.deepEqual([accepted, duplicates, answers.flatMap((x) => x.body.rejected).length], [distinct, 100 * 100 - distinct, 0]);
      const { rows } = await a.db.query<{ n: number; total: string }>('select count(*)::int as n, sum(value)::text as total from usage_events where subscription_id = $1', [subscription.id]);
      assert.deepEqual([Number(rows[0]!.n), Number(rows[0]!.total)], [distinct, (distinct * (distinct - 1)) / 2]);
    });

    it('when a renewal holds the subscription while it closes the period, then a batch sent meanwhile waits and refuses the closed period', async () => {
      const { a, b } = bff!;
      const { subscription } = await subscribe(a.t, planCode);
      // The old period's first instant, and a new period from the next millisecond (a renewal moves it by a
      // whole interval; how far does not matter here). The second event is dated by the clock, in the new one.
      const inOldPeriod = subscription.currentPeriodStart;
      const newStart = new Date(Date.parse(subscription.currentPeriodStart) + 1).toISOString();
      let answer: Promise<{ status: number; body: Record<string, any> }> | undefined;
      await b.db.transaction(async (tx) => {
        await tx.query('select id from subscriptions where id = $1 for update', [subscription.id]);
        answer = postUsage(a, [
          { id: unique('evt'), measurement: calls.code, subscriptionId: subscription.id, value: 5, timestamp: inOldPeriod },
          { id: unique('evt'), measurement: calls.code, subscriptionId: subscription.id, value: 7 },
        ]);
        // The batch's insert waits for this lock (seen in pg_stat_activity), while the period moves on.
        for (let waited = 0; ; waited++) {
          const { rows } = await a.db.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into usage_events%'`,
          );
          if (Number(rows[0]!.n) > 0) break;
          assert.ok(waited < 5000, 'the usage insert never waited for the renewal');
          await new Promise((resolve) => setImmediate(resolve));
        }
        await tx.query('update subscriptions set current_period_start = $2 where id = $1', [subscription.id, newStart]);
      });
      const { status, body } = await answer!;
      assert.equal(status, 200);
      assert.equal(body.accepted, 1, JSON.stringify(body));
      assert.deepEqual(body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[0, 'usage_period_closed']]);
      const { rows } = await a.db.query<{ value: string }>('select value from usage_events where subscription_id = $1', [subscription.id]);
      assert.deepEqual(rows.map((r) => Number(r.value)), [7]);
    });
  },
);
