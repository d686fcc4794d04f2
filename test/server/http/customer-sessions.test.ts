import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { pointers, problemOf } from '../../support/api.js';
import { TEST_ORIGIN } from '../../support/app.js';
import { aCheckoutInput, aFlatPlan, appOn, confirm, postCheckout, type Cart } from '../../support/checkout.js';
import { createCustomer, createSession, eventsAbout, postSession, type CustomerBody } from '../../support/customers.js';
import { testDatabases, unique } from '../../support/db.js';

const HEADER = 'Billkit-Customer-Session';

for (const target of testDatabases()) {
  describe(`customer sessions on ${target.name}`, () => {
    const env = appOn(target, { testClock: true });

    const get = (path: string) => request(env.t.app).get(path).set(env.t.sk);
    const prefill = (secret?: string) => {
      const req = request(env.t.app).get('/v1/customer-sessions/current').set(env.t.pk).set('Origin', TEST_ORIGIN);
      return secret === undefined ? req : req.set(HEADER, secret);
    };
    /** Starts a checkout with the session; the browser sends `buyer` (a fresh stranger unless given). */
    const startWith = (secret: string, cart: Cart, buyer: Record<string, unknown> = {}) =>
      postCheckout(env.t, { ...aCheckoutInput(cart, buyer), customerSession: secret });
    const checkOut = async (secret: string, cart: Cart, buyer: Record<string, unknown> = {}) => {
      const started = await startWith(secret, cart, buyer);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const done = await confirm(env.t, started.body.id);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return { checkoutId: started.body.id as string, ...(done.body as { customer: CustomerBody; subscription: { id: string; customerId: string } }) };
    };
    const subscriptionsOf = async (customerId: string) => (await get(`/v1/subscriptions?customerId=${customerId}`)).body.data as { id: string }[];

    describe('making one', () => {
      it('when a session is made for a customer, then a cus_sess_ secret expiring in 30 minutes comes back, and only its hash is stored', async () => {
        const customer = await createCustomer(env.t);
        const now = Date.parse((await request(env.t.app).post('/v1/test-clock/advance').set(env.t.sk).send({ seconds: 0 })).body.now);
        const res = await postSession(env.t, { customerId: customer.id });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.body.clientSecret, /^cus_sess_[\w-]{40,}$/);
        assert.equal(res.body.customerId, customer.id);
        assert.equal(res.body.refKey, customer.refKey);
        const lifetime = Date.parse(res.body.expiresAt) - now;
        assert.ok(Math.abs(lifetime - 30 * 60_000) < 60_000, `expires in ${lifetime} ms`);
        const { rows } = await env.db.query<Record<string, unknown>>('select * from customer_sessions where customer_id = $1', [customer.id]);
        assert.equal(rows.length, 1);
        assert.ok(!JSON.stringify(rows[0]).includes(res.body.clientSecret), 'the secret is not stored');
        assert.equal(rows[0]!.secret_hash, createHash('sha256').update(res.body.clientSecret).digest('hex'));
      });

      it("when a session names a customer by its refKey, then it is that customer's", async () => {
        const customer = await createCustomer(env.t);
        assert.equal((await createSession(env.t, { refKey: customer.refKey })).customerId, customer.id);
      });

      it('when the session is malformed or names no one it can, then 400, 404, 409 or 422 with pointers, and the publishable key may not make one', async () => {
        const customer = await createCustomer(env.t);
        assert.deepEqual(pointers(problemOf(await postSession(env.t, {}), 400, 'validation_failed')), ['/customerId']);
        problemOf(await postSession(env.t, { customerId: customer.id, refKey: 'both' }), 400, 'validation_failed');
        assert.deepEqual(pointers(problemOf(await postSession(env.t, { customerId: 'cus_nope' }), 404, 'customer_not_found')), ['/customerId']);
        assert.deepEqual(pointers(problemOf(await postSession(env.t, { refKey: unique('new') }), 400, 'validation_failed')), ['/email']);
        assert.deepEqual(pointers(problemOf(await postSession(env.t, { refKey: unique('new'), email: customer.email }), 409, 'customer_email_taken')), ['/email']);
        assert.deepEqual(pointers(problemOf(await postSession(env.t, { customerId: customer.id, email: 'else@example.test' }), 422, 'customer_email_mismatch')), ['/email']);
        problemOf(await request(env.t.app).post('/v1/customer-sessions').set(env.t.pk).send({ customerId: customer.id }), 403, 'secret_key_required');
      });
    });

    describe('prefill', () => {
      it("when the element reads the session with the publishable key, then it gets the customer's details with the email, and CORS lets the header through", async () => {
        const customer = await createCustomer(env.t, { name: 'Known Person', address: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' } });
        const { clientSecret } = await createSession(env.t, { customerId: customer.id, name: 'Known P.' });
        const res = await prefill(clientSecret);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(
          { email: res.body.email, name: res.body.name, country: res.body.country, address: res.body.address, customerId: res.body.customerId },
          { email: customer.email, name: 'Known P.', country: 'DE', address: customer.address, customerId: customer.id },
        );
        const preflight = await request(env.t.app).options('/v1/customer-sessions/current').set('Origin', TEST_ORIGIN)
          .set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', `authorization,${HEADER.toLowerCase()}`);
        assert.match(String(preflight.headers['access-control-allow-headers']), new RegExp(HEADER, 'i'));
      });

      it('when the secret is missing or unknown, then 400 or 401 customer_session_invalid', async () => {
        problemOf(await prefill(), 400, 'validation_failed');
        problemOf(await prefill('cus_sess_nope'), 401, 'customer_session_invalid');
      });
    });

    describe('checking out as the session’s customer', () => {
      it('when a session for customer A checks out with the email of customer B typed, then the subscription is A’s and B has none', async () => {
        const a = await createCustomer(env.t);
        const b = await createCustomer(env.t);
        const plan = await aFlatPlan(env.t, 1200);
        const { clientSecret } = await createSession(env.t, { customerId: a.id });
        const done = await checkOut(clientSecret, { plan: plan.code }, { email: b.email, name: 'Mallory' });
        assert.equal(done.customer.id, a.id);
        assert.equal(done.customer.email, a.email, 'the email stays fixed');
        assert.equal(done.subscription.customerId, a.id);
        assert.deepEqual(await subscriptionsOf(b.id), []);
        assert.deepEqual((await get(`/v1/customers/${b.id}`)).body, b, 'B is untouched');
        const events = await eventsAbout(env.t, env.db, done.checkoutId);
        assert.equal(events[0]!.data.object.customerId, a.id);
      });

      it('when a session for a new refKey checks out, then the customer is created at confirmation with that refKey and the session’s email', async () => {
        const refKey = unique('user');
        const email = `${unique('new')}@example.test`;
        const plan = await aFlatPlan(env.t, 900);
        const address = { line1: 'Rue 1', postalCode: '75001', city: 'Paris', country: 'FR' };
        const { clientSecret, customerId } = await createSession(env.t, { refKey, email, name: 'New User', address, locale: 'de' });
        assert.equal(customerId, null);
        problemOf(await get(`/v1/customers/by-ref/${refKey}`), 404, 'customer_not_found');
        const done = await checkOut(clientSecret, { plan: plan.code }, { email: 'typed@example.test', country: 'FR', address: undefined });
        assert.deepEqual([done.customer.refKey, done.customer.email], [refKey, email]);
        assert.deepEqual([done.customer.address, done.customer.locale], [address, 'de'], "what the form did not send comes from the session's prefill");
        assert.equal((await get(`/v1/customers/by-ref/${refKey}`)).body.id, done.customer.id);
        assert.deepEqual((await eventsAbout(env.t, env.db, done.customer.id)).map((e) => e.type), ['customer.created']);
        assert.equal((await get('/v1/customers?email=typed@example.test')).body.data.length, 0);
      });

      it('when a returning customer buys in another family with a session, then the session recognises them whatever email is typed', async () => {
        const customer = await createCustomer(env.t);
        const first = await aFlatPlan(env.t, 1000);
        const second = await aFlatPlan(env.t, 2000);
        const one = await checkOut((await createSession(env.t, { refKey: customer.refKey })).clientSecret, { plan: first.code });
        const two = await checkOut((await createSession(env.t, { refKey: customer.refKey })).clientSecret, { plan: second.code }, { email: `${unique('typo')}@example.test` });
        assert.deepEqual([one.customer.id, two.customer.id], [customer.id, customer.id]);
        assert.equal((await subscriptionsOf(customer.id)).length, 2);
      });

      it('when the session’s customer already has a live subscription in the family, then 409 subscription_exists, whatever email is typed', async () => {
        const customer = await createCustomer(env.t);
        const plan = await aFlatPlan(env.t, 1000);
        await checkOut((await createSession(env.t, { customerId: customer.id })).clientSecret, { plan: plan.code });
        const again = await createSession(env.t, { customerId: customer.id });
        problemOf(await startWith(again.clientSecret, { plan: plan.code }), 409, 'subscription_exists');
      });
    });

    describe('misuse', () => {
      it('when a session completed a checkout, then it cannot start another: 409 customer_session_used, and its prefill is refused too', async () => {
        const customer = await createCustomer(env.t);
        const { clientSecret } = await createSession(env.t, { customerId: customer.id });
        await checkOut(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code });
        problemOf(await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code }), 409, 'customer_session_used');
        problemOf(await prefill(clientSecret), 409, 'customer_session_used');
      });

      it('when two checkouts were started with one session, then only the first confirmed completes: the second is 409 customer_session_used and creates nothing', async () => {
        const customer = await createCustomer(env.t);
        const { clientSecret } = await createSession(env.t, { customerId: customer.id });
        const a = await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code });
        const b = await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code });
        assert.equal((await confirm(env.t, a.body.id)).status, 200);
        problemOf(await confirm(env.t, b.body.id), 409, 'customer_session_used');
        assert.equal((await subscriptionsOf(customer.id)).length, 1);
      });

      it('when two checkouts from one session are confirmed at once, then exactly one completes and the other is 409 customer_session_used', async () => {
        const refKey = unique('user');
        const { clientSecret } = await createSession(env.t, { refKey, email: `${unique('both')}@example.test` });
        const a = await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code });
        const b = await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 2000)).code });
        const answers = await Promise.all([confirm(env.t, a.body.id), confirm(env.t, b.body.id)]);
        assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409], JSON.stringify(answers.map((r) => r.body)));
        problemOf(answers.find((r) => r.status === 409)!, 409, 'customer_session_used');
        const customer = (await get(`/v1/customers/by-ref/${refKey}`)).body;
        assert.equal((await subscriptionsOf(customer.id)).length, 1);
      });

      it('when a session is 30 minutes old, then it has expired: 401 customer_session_invalid for the checkout and the prefill', async () => {
        const customer = await createCustomer(env.t);
        const { clientSecret } = await createSession(env.t, { customerId: customer.id });
        const plan = await aFlatPlan(env.t, 1000);
        assert.equal((await prefill(clientSecret)).status, 200);
        await request(env.t.app).post('/v1/test-clock/advance').set(env.t.sk).send({ seconds: 30 * 60 });
        assert.deepEqual(pointers(problemOf(await startWith(clientSecret, { plan: plan.code }), 401, 'customer_session_invalid')), ['/customerSession']);
        problemOf(await prefill(clientSecret), 401, 'customer_session_invalid');
      });

      it('when a session’s new customer’s email was taken before the confirmation, then 409 customer_email_taken and nothing is created', async () => {
        const email = `${unique('race')}@example.test`;
        const refKey = unique('user');
        const { clientSecret } = await createSession(env.t, { refKey, email });
        const started = await startWith(clientSecret, { plan: (await aFlatPlan(env.t, 1000)).code });
        await createCustomer(env.t, { email });
        problemOf(await confirm(env.t, started.body.id), 409, 'customer_email_taken');
        problemOf(await get(`/v1/customers/by-ref/${refKey}`), 404, 'customer_not_found');
      });
    });
  });
}
