/**
 * The billing run's exactly-once, proven on PostgreSQL the way production runs it: two BFF processes' worth
 * of state over one database running at once, and a process killed with SIGKILL half-way and run again.
 * Each due subscription gets one renewal invoice, charged once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { generateKey } from '../../../server/app/keys.js';
import type { OffSessionChargeInput, PaymentOutcome } from '../../../server/payments/provider.js';
import { TestPaymentProvider } from '../../../server/payments/test-provider.js';
import type { Db } from '../../../server/storage/db.js';
import { openPostgres } from '../../../server/storage/postgres.js';
import { testAppWith } from '../../support/checkout.js';
import { aMeteredPlan, assertEachRenewedOnce, seedDueSubscriptions, type SeededPlan } from '../../support/billing-seed.js';
import { freshPostgres, withSearchPath } from '../../support/db.js';

const url = process.env.DATABASE_URL;

/** The test provider, counting the off-session charges it was asked for, by idempotency key. */
class CountingProvider extends TestPaymentProvider {
  readonly keys = new Map<string, number>();
  override async chargeOffSession(input: OffSessionChargeInput): Promise<PaymentOutcome> {
    this.keys.set(input.idempotencyKey, (this.keys.get(input.idempotencyKey) ?? 0) + 1);
    return super.chargeOffSession(input);
  }
}

const one = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

describe(
  url ? 'the billing run under concurrency on PostgreSQL' : 'the billing run under concurrency: skipped, DATABASE_URL is not set (PGlite is one connection and cannot contend)',
  { skip: !url },
  () => {
    let dbA: Db;
    let dbB: Db;
    let schemaUrl: string;
    let plan: SeededPlan;
    const providerA = new CountingProvider();
    const providerB = new CountingProvider();
    let a: Awaited<ReturnType<typeof testAppWith>>;
    let b: Awaited<ReturnType<typeof testAppWith>>;

    before(async () => {
      dbA = await freshPostgres(url!, { max: 10 });
      const schema = (await dbA.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
      schemaUrl = withSearchPath(url!, schema);
      dbB = await openPostgres(schemaUrl, { max: 10 });
      const keys = { secret: generateKey('secret'), publishable: generateKey('publishable') };
      a = await testAppWith(dbA, { payments: providerA }, keys);
      b = await testAppWith(dbB, { payments: providerB }, keys);
      plan = await aMeteredPlan(a);
    });
    after(async () => {
      await dbB?.close();
      await dbA?.close();
    });

    it('when two processes run the billing run at once over 2,000 due subscriptions, then each is invoiced once and charged once', async () => {
      await seedDueSubscriptions(dbA, plan, 2000, 'twin');
      a.deps.catalogCache.invalidate();
      b.deps.catalogCache.invalidate();
      const [ra, rb] = await Promise.all([a.deps.billingRuns.run('api', { batchSize: 100 }), b.deps.billingRuns.run('api', { batchSize: 100 })]);
      assert.equal(ra.subscriptionsRenewed + rb.subscriptionsRenewed, 2000, `${ra.subscriptionsRenewed} + ${rb.subscriptionsRenewed}`);
      assert.ok(ra.subscriptionsRenewed > 0 && rb.subscriptionsRenewed > 0, 'both processes took part');
      await assertEachRenewedOnce(dbA, 'twin', 2000);
      // A key sent twice (a twin resuming the other's pending attempt) is still one payment: the provider's idempotency.
      const keys = new Set([...providerA.keys.keys(), ...providerB.keys.keys()]);
      assert.equal(keys.size, 2000, 'one idempotency key per invoice');
      const renewal = (await dbA.query<{ total: string; subtotal: string }>(`select total::text, subtotal::text from invoices where subscription_id = 'sub_twin-1' and kind = 'renewal'`)).rows[0]!;
      assert.deepEqual([Number(renewal.subtotal), Number(renewal.total)], [2950, 3511], 'the flat charge and 10 metered units at 5, with 19 % VAT');
    });

    it('when a process is killed with SIGKILL half-way through a run and the run is run again, then each subscription is still invoiced once and charged once', async () => {
      await seedDueSubscriptions(dbA, plan, 2000, 'killed');
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/billing-child.ts', schemaUrl, '25'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let finished = false;
      void exited.then(() => (finished = true));
      // Wait (on the database, not the clock) until the child has written a part of the renewals, then kill it.
      for (;;) {
        const issued = await one(dbA, `select count(*)::int as n from invoices where kind = 'renewal' and subscription_id like 'sub_killed-%'`);
        if (issued >= 300 || finished) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      child.kill('SIGKILL');
      await exited;
      const before = await one(dbA, `select count(*)::int as n from invoices where kind = 'renewal' and subscription_id like 'sub_killed-%'`);
      assert.ok(before < 2000, `the child was killed half-way (${before} of 2000 invoiced)`);
      await a.deps.billingRuns.run('api', { batchSize: 200 });
      await assertEachRenewedOnce(dbA, 'killed', 2000);
    });
  },
);
