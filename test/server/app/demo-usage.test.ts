import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { seedDemo, seedDemoUsage } from '../../../server/seed/demo.js';
import type { Db } from '../../../server/storage/db.js';
import type { TestApp } from '../../support/app.js';
import { testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';

for (const target of testDatabases()) {
  describe(`the demo's usage on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      await seedDemo(db);
      t = await testAppWith(db);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });
    const events = async (id: string) => Number((await db.query<{ n: number }>('select count(*)::int as n from usage_events where subscription_id = $1', [id])).rows[0]!.n);

    it('when the demo starts twice in one period, then its metered subscriber has the same three API call events, priced in its usage', async () => {
      const first = await seedDemoUsage(t.deps);
      const second = await seedDemoUsage(t.deps);
      assert.ok(first);
      assert.equal(second, first);
      assert.equal(await events(first), 3);
      const usage = (await request(t.app).get(`/v1/subscriptions/${first}/usage`).set(t.sk)).body;
      // 1,200 + 3,400 + 800 calls = 5,400: six packages of 1,000 at 0.50.
      assert.deepEqual(usage.charges.map((c: { quantity: number; amount: number; measurement: { code: string } }) => [c.measurement.code, c.quantity, c.amount]), [['api_calls', 5400, 300]]);
    });

    it('when the demo starts again in a later period, then that period gets its own few calls', async () => {
      const id = (await seedDemoUsage(t.deps))!;
      await db.query(`update subscriptions set current_period_start = now() where id = $1`, [id]);
      assert.equal(await seedDemoUsage(t.deps), id);
      assert.equal(await events(id), 6);
    });
  });
}
