/**
 * Webhook delivery across processes on PostgreSQL (SPEC section 11): two processes' passes over one
 * database deliver each event once per endpoint, and a BFF process killed with SIGKILL during a burst of
 * checkouts, then started again, loses no event.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { generateKey } from '../../../server/app/keys.js';
import type { Db } from '../../../server/storage/db.js';
import { openPostgres } from '../../../server/storage/postgres.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { bffProcess } from '../../support/crash.js';
import { freshPostgres, withSearchPath } from '../../support/db.js';
import { createEndpoint, startReceiver, type Receiver } from '../../support/webhooks.js';

const url = process.env.DATABASE_URL;

const count = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

describe(
  url ? 'webhook delivery across processes on PostgreSQL' : 'webhook delivery across processes: skipped, DATABASE_URL is not set',
  { skip: !url },
  () => {
    let dbA: Db;
    let dbB: Db;
    let schema: string;
    let a: TestApp;
    let b: TestApp;
    let receiver: Receiver;
    const keys = { secret: generateKey('secret'), publishable: generateKey('publishable') };

    before(async () => {
      dbA = await freshPostgres(url!, { max: 10 });
      schema = (await dbA.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
      dbB = await openPostgres(withSearchPath(url!, schema), { max: 10 });
      a = await testAppWith(dbA, { testClock: true }, keys);
      b = await testAppWith(dbB, { testClock: true }, keys);
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver?.close();
      await dbB?.close();
      await dbA?.close();
    });
    beforeEach(async () => {
      await dbA.query('update webhook_endpoints set enabled = false');
      receiver.received.length = 0;
    });

    it('when two processes run delivery passes at once, then each event reaches each endpoint exactly once', async () => {
      const one = await createEndpoint(a, { url: receiver.url, events: ['checkout.completed', 'invoice.paid'] });
      const two = await createEndpoint(a, { url: `${receiver.url}/two`, events: ['*'] });
      const plan = await aFlatPlan(a, 1500);
      for (let i = 0; i < 30; i++) {
        const t = i % 2 ? a : b;
        assert.equal((await confirm(t, (await startCheckout(t, { plan: plan.code })).id)).status, 200);
      }
      const passes = await Promise.all([a, b, a, b].map((t) => t.deps.webhookDelivery.runOnce()));
      const expected = await count(dbA, 'select count(*)::int as n from webhook_deliveries where endpoint_id = any($1::text[])', [[one.id, two.id]]);
      assert.equal(expected, 30 * 2 + 30 * 5);
      assert.equal(passes.reduce((n, p) => n + p.attempted, 0), expected, 'no delivery was attempted twice');
      for (const [endpoint, path] of [[one, '/hooks'], [two, '/hooks/two']] as const) {
        const ids = receiver.received.filter((r) => r.path === path).map((r) => String(r.headers['webhook-id']));
        const due = (await dbA.query<{ event_id: string }>('select event_id from webhook_deliveries where endpoint_id = $1 order by event_id', [endpoint.id])).rows.map((r) => r.event_id);
        assert.deepEqual([...ids].sort(), due, `each event once at ${path}`);
      }
      assert.equal(await count(dbA, `select count(*)::int as n from webhook_deliveries where status <> 'delivered' and endpoint_id = any($1::text[])`, [[one.id, two.id]]), 0);
      assert.equal(await count(dbA, `select count(*)::int as n from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = any($1::text[])`, [[one.id, two.id]]), expected);
    });

    it('when a BFF process is killed with SIGKILL during a burst of 200 checkouts and started again, then every checkout.completed arrives (none lost)', async () => {
      const endpoint = await createEndpoint(a, { url: receiver.url, events: ['checkout.completed'] });
      const plan = await aFlatPlan(a, 990);
      const bff = await bffProcess(withSearchPath(url!, schema), keys);
      const post = (path: string, body: unknown, key?: string) => bff.post(path, body, key);
      await bff.start();
      try {
        let answered = 0;
        let killed = false;
        const checkoutOnce = async (i: number) => {
          try {
            const started = await post('/v1/checkouts', { plan: plan.code, customer: { email: `burst-${i}@example.test`, name: 'Burst', country: 'DE', type: 'individual' } });
            if (started.status !== 201) return;
            await post(`/v1/checkouts/${String(started.body.id)}/confirm`, { paymentMethod: 'pm_card_visa' });
            if (++answered === 80 && !killed) {
              killed = true;
              void bff.kill();
            }
          } catch {
            // The process died under this request.
          }
        };
        const burst = async (from: number, to: number) => {
          const queue = Array.from({ length: to - from }, (_, k) => from + k);
          await Promise.all(Array.from({ length: 10 }, async () => { for (let i = queue.shift(); i !== undefined; i = queue.shift()) await checkoutOnce(i); }));
        };
        await burst(0, 120);
        assert.ok(killed, 'the process was killed mid-burst');
        await bff.kill();
        await bff.start();
        await burst(120, 200);
        // What the dead process had claimed is leased for a minute of Billkit's clock.
        assert.equal((await post('/v1/test-clock/advance', { seconds: 61 }, keys.secret)).status, 200);
        for (let i = 0; i < 50 && (await count(dbA, `select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and status = 'pending'`, [endpoint.id])) > 0; i++) {
          assert.equal((await post('/v1/delivery-runs', {}, keys.secret)).status, 200);
        }
        const completed = (await dbA.query<{ id: string }>(`select id from events where type = 'checkout.completed' and id in (select event_id from webhook_deliveries where endpoint_id = $1)`, [endpoint.id])).rows.map((r) => r.id);
        assert.ok(completed.length >= 150, `most checkouts completed (${completed.length})`);
        const arrived = new Set(receiver.verified(endpoint.secret).map((e) => e.id));
        assert.deepEqual(completed.filter((id) => !arrived.has(id)), [], 'every completed checkout was delivered');
        assert.match(bff.output(), new RegExp(`Mail \\(test mode\\) http://localhost:${new URL(bff.base).port}/dev/mail`), 'without SMTP in test mode the banner names /dev/mail');
        const duplicates = receiver.received.length - arrived.size;
        assert.ok(duplicates <= 50, `duplicates only from the crash (${duplicates})`);
      } finally {
        await bff.stop();
      }
    });
  },
);
