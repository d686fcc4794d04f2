import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { pointers, problemOf } from '../../support/api.js';
import { aFlatPlan, appOn, confirm, postCheckout, aCheckoutInput } from '../../support/checkout.js';
import { aCustomerInput, createCustomer, eventsAbout, type CustomerBody } from '../../support/customers.js';
import { testDatabases, unique } from '../../support/db.js';

for (const target of testDatabases()) {
  describe(`customer API on ${target.name}`, () => {
    const env = appOn(target);

    const get = (path: string) => request(env.t.app).get(path).set(env.t.sk);
    const patch = (path: string, body: Record<string, unknown>) => request(env.t.app).patch(path).set(env.t.sk).send(body);
    /** A completed checkout's customer, subscription and invoice. */
    const subscribed = async (buyer: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
      const plan = await aFlatPlan(env.t, 1500);
      const started = await postCheckout(env.t, { ...aCheckoutInput({ plan: plan.code }, buyer), ...extra });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const done = await confirm(env.t, started.body.id);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return { checkoutId: started.body.id as string, ...(done.body as { customer: CustomerBody; subscription: { id: string; metadata: Record<string, string> }; invoice: { id: string; billTo: Record<string, unknown> } }) };
    };

    describe('create, read, find', () => {
      it('when a customer is created with a refKey and metadata, then 201 shows them with balance 0 and locale en, and GET, by-ref and the filtered lists answer the same', async () => {
        const input = aCustomerInput({ metadata: { plan: 'team', seats: '5' }, locale: 'de' });
        const res = await request(env.t.app).post('/v1/customers').set(env.t.sk).send(input);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const customer = res.body as CustomerBody;
        assert.match(customer.id, /^cus_/);
        assert.deepEqual(
          { email: customer.email, refKey: customer.refKey, metadata: customer.metadata, balance: customer.balance, locale: customer.locale, type: customer.type },
          { email: input.email, refKey: input.refKey, metadata: { plan: 'team', seats: '5' }, balance: 0, locale: 'de', type: 'individual' },
        );
        assert.deepEqual((await get(`/v1/customers/${customer.id}`)).body, customer);
        assert.deepEqual((await get(`/v1/customers/by-ref/${encodeURIComponent(input.refKey)}`)).body, customer);
        assert.deepEqual((await get(`/v1/customers?refKey=${encodeURIComponent(input.refKey)}`)).body.data, [customer]);
        assert.deepEqual((await get(`/v1/customers?email=${encodeURIComponent(input.email.toUpperCase())}`)).body.data, [customer]);
        assert.deepEqual((await get(`/v1/customers?refKey=${encodeURIComponent(input.refKey)}&email=other@example.test`)).body.data, []);
      });

      it('when a customer is created, then customer.created carries it as the API shows it, in the same transaction', async () => {
        const customer = await createCustomer(env.t);
        const events = await eventsAbout(env.t, env.db, customer.id);
        assert.deepEqual(events.map((e) => e.type), ['customer.created']);
        assert.deepEqual(events[0]!.data.object, customer);
      });

      it('when the refKey or the email is taken, then 409 ref_key_taken at /refKey or customer_email_taken at /email, and nothing is written', async () => {
        const first = await createCustomer(env.t);
        const refKey = problemOf(await request(env.t.app).post('/v1/customers').set(env.t.sk).send(aCustomerInput({ refKey: first.refKey })), 409, 'ref_key_taken');
        assert.deepEqual(pointers(refKey), ['/refKey']);
        const email = problemOf(await request(env.t.app).post('/v1/customers').set(env.t.sk).send(aCustomerInput({ email: first.email })), 409, 'customer_email_taken');
        assert.deepEqual(pointers(email), ['/email']);
        assert.equal((await get(`/v1/customers?email=${encodeURIComponent(first.email)}`)).body.data.length, 1);
      });

      it('when two customers have no refKey, then both exist (the refKey is unique only when set)', async () => {
        const a = await createCustomer(env.t, { refKey: undefined });
        const b = await createCustomer(env.t, { refKey: null });
        assert.equal(a.refKey, null);
        assert.equal(b.refKey, null);
      });

      it('when the customer, the refKey or the route key is wrong, then 404 customer_not_found at the path, or 403 for the publishable key', async () => {
        assert.deepEqual(pointers(problemOf(await get('/v1/customers/cus_nope'), 404, 'customer_not_found')), ['/path/id']);
        assert.deepEqual(pointers(problemOf(await get('/v1/customers/by-ref/nobody'), 404, 'customer_not_found')), ['/path/refKey']);
        problemOf(await patch('/v1/customers/cus_nope', { name: 'X' }), 404, 'customer_not_found');
        problemOf(await get('/v1/customers/cus_nope/export'), 404, 'customer_not_found');
        problemOf(await request(env.t.app).post('/v1/customers/cus_nope/obfuscate').set(env.t.sk), 404, 'customer_not_found');
        problemOf(await request(env.t.app).post('/v1/customers').set(env.t.pk).send(aCustomerInput()), 403, 'secret_key_required');
        problemOf(await request(env.t.app).get('/v1/customers').set(env.t.pk), 403, 'secret_key_required');
      });
    });

    describe('metadata limits', () => {
      const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      const atTheLimits = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(40, 'k'), 'v'.repeat(500)]));

      it('when metadata has 50 keys of 40 characters with values of 500, then it is kept whole', async () => {
        const customer = await createCustomer(env.t, { metadata: atTheLimits });
        assert.deepEqual(customer.metadata, atTheLimits);
      });

      it('when metadata is past a limit, then 400 validation_failed with a pointer at the map or the key, on create, patch and subscriptions alike', async () => {
        const longKey = 'k'.repeat(41);
        const cases: [Record<string, unknown>, string[]][] = [
          [tooMany, ['/metadata']],
          [{ [longKey]: 'v' }, [`/metadata/${longKey}`]],
          [{ note: 'v'.repeat(501) }, ['/metadata/note']],
          [{ count: 5 }, ['/metadata/count']],
          [{ nested: { a: 'b' } }, ['/metadata/nested']],
        ];
        const customer = await createCustomer(env.t);
        const { subscription } = await subscribed();
        for (const [metadata, expected] of cases) {
          const label = JSON.stringify(metadata).slice(0, 60);
          assert.deepEqual(pointers(problemOf(await request(env.t.app).post('/v1/customers').set(env.t.sk).send(aCustomerInput({ metadata })), 400, 'validation_failed')), expected, label);
          assert.deepEqual(pointers(problemOf(await patch(`/v1/customers/${customer.id}`, { metadata }), 400, 'validation_failed')), expected, label);
          assert.deepEqual(pointers(problemOf(await patch(`/v1/subscriptions/${subscription.id}`, { metadata }), 400, 'validation_failed')), expected, label);
        }
        assert.deepEqual((await get(`/v1/customers/${customer.id}`)).body.metadata, { plan: 'team' });
      });
    });

    describe('update', () => {
      it('when a customer is patched, then only the given fields change, metadata is replaced whole, null clears the refKey, and customer.updated carries the result', async () => {
        const customer = await createCustomer(env.t, { metadata: { a: '1', b: '2' } });
        const res = await patch(`/v1/customers/${customer.id}`, { name: 'Grace B. Hopper', metadata: { c: '3' }, refKey: null, locale: 'de', vatId: ' ' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const updated = res.body as CustomerBody;
        assert.deepEqual(
          { name: updated.name, metadata: updated.metadata, refKey: updated.refKey, locale: updated.locale, email: updated.email, country: updated.country, vatId: updated.vatId },
          { name: 'Grace B. Hopper', metadata: { c: '3' }, refKey: null, locale: 'de', email: customer.email, country: 'DE', vatId: null },
        );
        const events = await eventsAbout(env.t, env.db, customer.id);
        assert.deepEqual(events.map((e) => e.type), ['customer.created', 'customer.updated']);
        assert.deepEqual(events[1]!.data.object, updated);
        problemOf(await get(`/v1/customers/by-ref/${customer.refKey}`), 404, 'customer_not_found');
      });

      it('when a VAT ID is not one of the EU country it would have, then 422 vat_id_invalid at /vatId; a valid one is stored normalized, a tax ID outside the EU unchecked', async () => {
        problemOf(await request(env.t.app).post('/v1/customers').set(env.t.sk).send(aCustomerInput({ country: 'FR', type: 'business', vatId: 'FR00000000000' })), 422, 'vat_id_invalid');
        const fr = await createCustomer(env.t, { country: 'FR', type: 'business', vatId: 'FR 40 303 265 045' });
        assert.equal(fr.vatId, 'FR40303265045');
        assert.deepEqual(pointers(problemOf(await patch(`/v1/customers/${fr.id}`, { country: 'DE' }), 422, 'vat_id_invalid')), ['/vatId']);
        assert.equal((await patch(`/v1/customers/${fr.id}`, { country: 'DE', vatId: null })).status, 200);
        const us = await createCustomer(env.t, { country: 'US', type: 'business', vatId: 'EIN 12-3456789' });
        assert.equal(us.vatId, 'EIN123456789');
      });

      it("when a customer is given another's refKey or email, then 409 and it is unchanged", async () => {
        const a = await createCustomer(env.t);
        const b = await createCustomer(env.t);
        problemOf(await patch(`/v1/customers/${b.id}`, { refKey: a.refKey }), 409, 'ref_key_taken');
        problemOf(await patch(`/v1/customers/${b.id}`, { email: a.email }), 409, 'customer_email_taken');
        assert.deepEqual((await get(`/v1/customers/${b.id}`)).body, b);
      });
    });

    describe('client reference and subscription metadata', () => {
      it('when a checkout carries a clientReferenceId, then the subscription metadata and checkout.completed carry it, unverified', async () => {
        const { subscription, checkoutId } = await subscribed({}, { clientReferenceId: 'user_42' });
        assert.deepEqual(subscription.metadata, { clientReferenceId: 'user_42' });
        const events = await eventsAbout(env.t, env.db, checkoutId);
        assert.deepEqual(events.map((e) => [e.type, e.data.object.clientReferenceId]), [['checkout.completed', 'user_42']]);
        assert.deepEqual((await get(`/v1/subscriptions/${subscription.id}`)).body.metadata, { clientReferenceId: 'user_42' });
      });

      it('when a checkout carries none, then the metadata is empty and checkout.completed says null', async () => {
        const { subscription, checkoutId } = await subscribed();
        assert.deepEqual(subscription.metadata, {});
        assert.equal((await eventsAbout(env.t, env.db, checkoutId))[0]!.data.object.clientReferenceId, null);
      });

      it("when the merchant patches a subscription's metadata, then it is replaced and subscription.updated carries the subscription; an unknown one is 404", async () => {
        const { subscription } = await subscribed({}, { clientReferenceId: 'user_7' });
        const res = await patch(`/v1/subscriptions/${subscription.id}`, { metadata: { account: 'acme' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.metadata, { account: 'acme' });
        const events = await eventsAbout(env.t, env.db, subscription.id);
        assert.deepEqual(events.map((e) => e.type), ['subscription.created', 'subscription.updated']);
        assert.deepEqual(events[1]!.data.object, res.body);
        problemOf(await patch('/v1/subscriptions/sub_nope', { metadata: {} }), 404, 'subscription_not_found');
      });
    });

    describe('data privacy', () => {
      it("when a customer is exported, then the customer, its subscriptions, invoices, checkouts and the events about them come, and nothing of another customer's", async () => {
        const { customer, subscription, invoice, checkoutId } = await subscribed({}, { clientReferenceId: 'ref-export' });
        const other = await subscribed();
        // Stored as POST /v1/usage stores it (the flat plans bill no measurement, so the route would refuse it).
        const measurement = (await request(env.t.app).post('/v1/measurements').set(env.t.sk).send({ code: unique('calls'), unit: 'call', type: 'metered', aggregation: 'sum' })).body;
        for (const [id, sub] of [['u1', subscription.id], ['u2', other.subscription.id]])
          await env.db.query(`insert into usage_events (measurement_id, id, subscription_id, value, at, unique_key) values ($1, $2, $3, 7, now(), $2)`, [measurement.id, id, sub]);
        const res = await get(`/v1/customers/${customer.id}/export`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const out = res.body;
        assert.deepEqual(out.customer, (await get(`/v1/customers/${customer.id}`)).body);
        assert.deepEqual(out.subscriptions.map((s: { id: string }) => s.id), [subscription.id]);
        assert.deepEqual(out.invoices.map((i: { id: string }) => i.id), [invoice.id]);
        assert.equal(out.invoices[0].lines.length, 1);
        assert.deepEqual(out.checkouts.map((c: { id: string; clientReferenceId: string }) => [c.id, c.clientReferenceId]), [[checkoutId, 'ref-export']]);
        assert.deepEqual(out.usage.map((u: { id: string; subscriptionId: string; value: number }) => [u.id, u.subscriptionId, u.value]), [['u1', subscription.id, 7]]);
        const types = out.events.map((e: { type: string }) => e.type).sort();
        assert.deepEqual(types, ['checkout.completed', 'customer.created', 'invoice.finalized', 'invoice.paid', 'subscription.created']);
        const ids = JSON.stringify(out);
        for (const foreign of [other.customer.id, other.subscription.id, other.invoice.id, other.checkoutId]) assert.ok(!ids.includes(foreign), `${foreign} leaked into the export`);
      });

      it('when a customer with a live subscription is obfuscated, then 409 customer_live and nothing changes', async () => {
        const { customer } = await subscribed();
        problemOf(await request(env.t.app).post(`/v1/customers/${customer.id}/obfuscate`).set(env.t.sk), 409, 'customer_live');
        assert.deepEqual((await get(`/v1/customers/${customer.id}`)).body, customer);
      });

      for (const status of ['trialing', 'past_due', 'unpaid', 'paused']) {
        it(`when the subscription is ${status}, then it is live: 409 customer_live`, async () => {
          const { customer, subscription } = await subscribed();
          await env.db.query('update subscriptions set status = $2 where id = $1', [subscription.id, status]);
          problemOf(await request(env.t.app).post(`/v1/customers/${customer.id}/obfuscate`).set(env.t.sk), 409, 'customer_live');
        });
      }

      it('when a customer whose subscriptions ended is obfuscated, then name, email, address, VAT ID, metadata and refKey are placeholders, its issued invoice is untouched, and customer.updated says so', async () => {
        const email = `${unique('gdpr')}@example.test`;
        const { customer, subscription, invoice, checkoutId } = await subscribed({ email, name: 'Forget Me' }, { clientReferenceId: 'user-forget-me' });
        const refKey = unique('user');
        await patch(`/v1/customers/${customer.id}`, { refKey, metadata: { crm: 'x' } });
        const cancelled = await request(env.t.app).post(`/v1/subscriptions/${subscription.id}/cancel`).set(env.t.sk).send({ at: 'now' });
        assert.equal(cancelled.body.status ?? cancelled.body.subscription?.status, 'cancelled', JSON.stringify(cancelled.body));

        const res = await request(env.t.app).post(`/v1/customers/${customer.id}/obfuscate`).set(env.t.sk);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const gone = res.body as CustomerBody;
        assert.deepEqual(
          { name: gone.name, email: gone.email, address: gone.address, vatId: gone.vatId, metadata: gone.metadata, refKey: gone.refKey, id: gone.id, country: gone.country },
          { name: 'Obfuscated customer', email: `obfuscated+${customer.id}@obfuscated.invalid`, address: null, vatId: null, metadata: {}, refKey: null, id: customer.id, country: 'DE' },
        );
        const kept = (await get(`/v1/invoices/${invoice.id}`)).body;
        assert.deepEqual(kept.billTo, invoice.billTo, 'an issued invoice keeps its buyer');
        assert.equal(kept.billTo.name, 'Forget Me');

        const out = JSON.stringify((await get(`/v1/customers/${customer.id}/export`)).body.customer);
        assert.ok(!out.includes(email) && !out.includes('Forget Me'));
        const events = await eventsAbout(env.t, env.db, customer.id);
        assert.equal(events.at(-1)!.type, 'customer.updated');
        assert.deepEqual(events.at(-1)!.data.object, gone);
        for (const event of events) assert.ok(!JSON.stringify(event).includes(email), `${event.type} still names the email`);
        const { rows } = await env.db.query<{ buyer: Record<string, unknown> }>('select buyer from checkouts where id = $1', [checkoutId]);
        assert.equal(rows[0]!.buyer.email, gone.email, "the checkout's buyer is obfuscated too");
        assert.equal((await get(`/v1/customers?email=${encodeURIComponent(email)}`)).body.data.length, 0);
        assert.deepEqual((await get(`/v1/subscriptions/${subscription.id}`)).body.metadata, {}, "the subscription's metadata is the merchant's data about them too");
        const about = JSON.stringify([...(await eventsAbout(env.t, env.db, subscription.id)), ...(await eventsAbout(env.t, env.db, checkoutId))]);
        assert.ok(!about.includes('user-forget-me'), 'no event still carries the client reference');
        problemOf(await get(`/v1/customers/by-ref/${refKey}`), 404, 'customer_not_found');
      });
    });
  });
}
