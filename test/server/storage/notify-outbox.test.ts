/**
 * The fan-out of migration 0009: what each event makes in its own transaction (deliveries for the endpoints
 * that take it, the buyer's email for the types that have one), nothing for a transaction rolled back, and
 * the delivery worker woken by the commit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { EVENT_TYPES } from '../../../server/domain/events.js';
import { EMAIL_FOR_EVENT } from '../../../server/domain/notifications.js';
import { DeliveryWorker } from '../../../server/jobs/delivery-worker.js';
import type { Db } from '../../../server/storage/db.js';
import { recordEvents } from '../../../server/storage/event-repository.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout } from '../../support/checkout.js';
import { testDatabases, unique } from '../../support/db.js';
import { createEndpoint, webhookSuite, type Receiver } from '../../support/webhooks.js';

for (const target of testDatabases()) {
  describe(`the outbox's fan-out on ${target.name}`, () => {
    const suite = webhookSuite(target);
    let db: Db;
    let t: TestApp;
    let receiver: Receiver;
    before(() => void ({ db, t, receiver } = suite));

    it('when each event type is written, then every endpoint taking it gets a delivery, others none, and the types with an email get exactly theirs', async () => {
      const all = await createEndpoint(t, { url: receiver.url, events: ['*'] });
      const some = await createEndpoint(t, { url: receiver.url, events: ['invoice.paid', 'subscription.cancelled'] });
      const off = await createEndpoint(t, { url: receiver.url, events: ['*'], enabled: false });
      const objectId = unique('obj');
      const ids = await db.transaction((tx) => recordEvents(tx, EVENT_TYPES.map((type) => ({ type, object: { id: objectId } })), new Date().toISOString()));
      const { rows } = await db.query<{ event_id: string; endpoint_id: string }>('select event_id, endpoint_id from webhook_deliveries where event_id = any($1::text[])', [ids]);
      const to = (endpoint: string) => rows.filter((r) => r.endpoint_id === endpoint).map((r) => EVENT_TYPES[ids.indexOf(r.event_id)]).sort();
      assert.deepEqual(to(all.id), [...EVENT_TYPES].sort());
      assert.deepEqual(to(some.id), ['invoice.paid', 'subscription.cancelled']);
      assert.deepEqual(to(off.id), []);
      const emails = await db.query<{ event_id: string; template: string }>('select event_id, template from emails where event_id = any($1::text[])', [ids]);
      const made = Object.fromEntries(emails.rows.map((r) => [EVENT_TYPES[ids.indexOf(r.event_id)], r.template]));
      assert.deepEqual(made, EMAIL_FOR_EVENT, 'the trigger and the domain name the same emails');
    });

    it('when the transaction that wrote the event rolls back, then no delivery and no email exist', async () => {
      await createEndpoint(t, { url: receiver.url });
      const objectId = unique('obj');
      await assert.rejects(
        db.transaction(async (tx) => {
          await recordEvents(tx, [{ type: 'invoice.paid', object: { id: objectId } }], new Date().toISOString());
          throw new Error('the change failed');
        }),
      );
      const counts = await db.query<{ d: number; e: number }>(
        `select (select count(*)::int from webhook_deliveries d join events ev on ev.id = d.event_id where ev.object_id = $1) as d,
                (select count(*)::int from emails m join events ev on ev.id = m.event_id where ev.object_id = $1) as e`,
        [objectId],
      );
      assert.deepEqual([Number(counts.rows[0]!.d), Number(counts.rows[0]!.e)], [0, 0]);
    });

    it('when the delivery worker runs, then a commit wakes it and the event arrives without a pass being asked for; stop() waits for the pass in flight', async () => {
      const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
      const worker = new DeliveryWorker(db, t.deps.webhookDelivery, t.deps.emailDelivery, { intervalMs: 60_000 });
      await worker.start();
      try {
        const arrived = new Promise<void>((resolve) => (receiver.onRequest = () => resolve()));
        const plan = await aFlatPlan(t, 1200);
        assert.equal((await confirm(t, (await startCheckout(t, { plan: plan.code })).id)).status, 200);
        let guard: NodeJS.Timeout | undefined;
        await Promise.race([arrived, new Promise((_, reject) => (guard = setTimeout(() => reject(new Error('the worker was not woken by the commit')), 10_000)))]);
        clearTimeout(guard);
      } finally {
        receiver.onRequest = undefined;
        await worker.stop();
      }
      assert.equal(receiver.verified(endpoint.secret)[0]!.type, 'checkout.completed');
    });
  });
}
