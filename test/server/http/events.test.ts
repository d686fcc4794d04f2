import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';

for (const target of testDatabases()) {
  describe(`events (the outbox) on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const eventsOf = async (objectId: string) => {
      const { rows } = await db.query<{ id: string }>('select id from events where object_id = $1 order by id', [objectId]);
      const out = [];
      for (const { id } of rows) {
        const res = await request(t.app).get(`/v1/events/${id}`).set(t.sk);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        out.push(res.body);
      }
      return out;
    };

    it('when a checkout completes, then its customer, subscription, checkout and invoice events are written, the invoice events carrying its number', async () => {
      const plan = await aFlatPlan(t, 2900);
      const checkout = await startCheckout(t, { plan: plan.code });
      const res = await confirm(t, checkout.id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const { customer, subscription, invoice } = res.body;

      assert.deepEqual((await eventsOf(customer.id)).map((e) => e.type), ['customer.created']);
      const subEvents = await eventsOf(subscription.id);
      assert.deepEqual(subEvents.map((e) => e.type), ['subscription.created']);
      assert.deepEqual(subEvents[0].data.object, subscription, 'the event shows the subscription as the API does');
      const invoiceEvents = await eventsOf(invoice.id);
      assert.deepEqual(invoiceEvents.map((e) => e.type), ['invoice.finalized', 'invoice.paid']);
      for (const event of invoiceEvents) assert.equal(event.data.object.number, invoice.number, 'numbered at commit, like the invoice');
      assert.deepEqual((await eventsOf(checkout.id)).map((e) => e.data.object.subscriptionId), [subscription.id]);
    });

    it('when the same buyer checks out in another family, then the customer gets customer.updated, not a second customer.created', async () => {
      const first = await aFlatPlan(t, 1000);
      const second = await aFlatPlan(t, 2000);
      const a = await confirm(t, (await startCheckout(t, { plan: first.code }, { email: 'twice@example.test' })).id);
      const b = await confirm(t, (await startCheckout(t, { plan: second.code }, { email: 'twice@example.test' })).id);
      assert.equal(a.body.customer.id, b.body.customer.id);
      assert.deepEqual((await eventsOf(a.body.customer.id)).map((e) => e.type), ['customer.created', 'customer.updated']);
    });

    it('when events are listed by type, then only that type comes, oldest first, in pages', async () => {
      const page = await request(t.app).get('/v1/events?type=invoice.paid&limit=1').set(t.sk);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.equal(page.body.data.length, 1);
      assert.equal(page.body.data[0].type, 'invoice.paid');
      assert.equal(page.body.hasMore, true);
      const next = await request(t.app).get(`/v1/events?type=invoice.paid&limit=1&startingAfter=${page.body.nextCursor}`).set(t.sk);
      assert.ok(next.body.data[0].id > page.body.data[0].id);
    });

    it('when the type is not an event type, then 400 at /query/type; an unknown id is 404 event_not_found', async () => {
      const bad = await request(t.app).get('/v1/events?type=invoice.nope').set(t.sk);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].pointer, '/query/type');
      const missing = await request(t.app).get('/v1/events/evt_nope').set(t.sk);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'event_not_found');
    });
  });
}
