import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { addInterval } from '../../../server/domain/periods.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, aSeatsPlan, FRENCH_BUSINESS, testAppWith, type BuyerInput } from '../../support/checkout.js';
import { A_SELLER, pdfText } from '../../support/documents.js';
import { createCoupon } from '../../support/coupons.js';
import { sharedPglite, testDatabases, unique } from '../../support/db.js';
import { startStripeStandIn, type StripeStandIn } from '../../support/stripe-stand-in.js';
import { StripePaymentProvider } from '../../../server/payments/stripe-provider.js';
import { advance, billingRun, eventTypes, getSubscription, invoicesOf, subscribe, type Subscribed } from '../../support/lifecycle.js';
import { aFamily, bearer, portalToken, recordCodes, resetPortal, setPortal } from '../../support/portal.js';

const HOUR_MS = 3_600_000;

const bytes = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

for (const target of testDatabases()) {
  describe(`the customer portal on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { testClock: true });
    });
    beforeEach(() => resetPortal(t));
    after(async () => {
      await resetPortal(t);
      if (target.name === 'postgres') await db.close();
    });

    /** A buyer with a monthly subscription at `amount` and a portal session of their own. */
    async function buyer(amount = 1000, cart: Record<string, unknown> = {}, paymentMethod?: string, who: Partial<BuyerInput> = {}): Promise<Subscribed & { token: string; as: { Authorization: string } }> {
      const plan = await aFlatPlan(t, amount);
      const bought = await subscribe(t, { plan: plan.code, ...cart }, who, paymentMethod);
      const token = await portalToken(t, bought.customer.id);
      return { ...bought, token, as: bearer(token) };
    }

    describe('portal sessions', () => {
      it('when the merchant opens a session, then it answers a ps_ token, the hosted page with the token in its fragment, and an expiry an hour on; only the hash is stored', async () => {
        const { customer } = await buyer();
        const res = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId: customer.id, returnUrl: 'https://shop.test/account', locale: 'de' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.body.token, /^ps_[A-Za-z0-9_-]{40,}$/);
        assert.ok(res.body.url.endsWith(`/portal#session=${res.body.token}`), res.body.url);
        const { rows } = await db.query<{ token_hash: string; created_at: Date; expires_at: Date }>('select token_hash, created_at, expires_at from portal_sessions where customer_id = $1', [customer.id]);
        assert.equal(new Date(rows.at(-1)!.expires_at).getTime() - new Date(rows.at(-1)!.created_at).getTime(), HOUR_MS);
        assert.equal(res.body.expiresAt, new Date(rows.at(-1)!.expires_at).toISOString());
        const stored = JSON.stringify((await db.query('select * from portal_sessions')).rows);
        assert.ok(!stored.includes(res.body.token.slice(3)), 'the token is not stored');
        const config = await request(t.app).get('/v1/portal/configuration').set(bearer(res.body.token));
        assert.equal(config.status, 200, JSON.stringify(config.body));
        assert.deepEqual(config.body.session, { locale: 'de', returnUrl: 'https://shop.test/account', flow: null, expiresAt: res.body.expiresAt });
      });

      it('when the merchant names the customer by its refKey (its own user id), then the session is that customer\'s; an unknown refKey is 404, both or neither a 400 at /customerId', async () => {
        const { customer } = await buyer();
        const refKey = `user-${customer.id}`;
        const patched = await request(t.app).patch(`/v1/customers/${customer.id}`).set(t.sk).send({ refKey });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        const res = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerRefKey: refKey });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const me = await request(t.app).get('/v1/portal/customer').set(bearer(res.body.token));
        assert.equal(me.body.id, customer.id);
        const unknown = problemOf(await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerRefKey: 'user-nobody' }), 404, 'customer_not_found');
        assert.deepEqual(unknown.errors?.map((e) => e.pointer), ['/customerRefKey']);
        for (const body of [{}, { customerId: customer.id, customerRefKey: refKey }]) {
          const refused = problemOf(await request(t.app).post('/v1/portal-sessions').set(t.sk).send(body), 400, 'validation_failed');
          assert.deepEqual(refused.errors?.map((e) => e.pointer), ['/customerId']);
        }
      });

      it('when the customer is unknown, or the flow names another customer\'s subscription, then 404; a publishable key or a portal token may not open one (403)', async () => {
        const a = await buyer();
        const b = await buyer();
        problemOf(await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId: 'cus_nobody' }), 404, 'customer_not_found');
        const other = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId: a.customer.id, flow: { type: 'cancel', subscriptionId: b.subscription.id } });
        assert.deepEqual(problemOf(other, 404, 'subscription_not_found').errors?.map((e) => e.pointer), ['/flow/subscriptionId']);
        problemOf(await request(t.app).post('/v1/portal-sessions').set(t.pk).send({ customerId: a.customer.id }), 403, 'secret_key_required');
        problemOf(await request(t.app).post('/v1/portal-sessions').set(a.as).send({ customerId: a.customer.id }), 403, 'portal_session_not_allowed');
        const flow = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId: a.customer.id, flow: { type: 'cancel', subscriptionId: a.subscription.id } });
        const config = await request(t.app).get('/v1/portal/configuration').set(bearer(flow.body.token));
        assert.deepEqual(config.body.session.flow, { type: 'cancel', subscriptionId: a.subscription.id });
      });

      it('when the portal has opened the deep link (DELETE /v1/portal/session/flow), then the session carries it no more: a reload, another tab or another BFF process lands on the home; other sessions keep theirs', async () => {
        const a = await buyer();
        const opened = await portalToken(t, a.customer.id, { flow: { type: 'switch_plan', subscriptionId: a.subscription.id } });
        const other = await portalToken(t, a.customer.id, { flow: { type: 'cancel', subscriptionId: a.subscription.id } });
        const flowOf = async (token: string) => (await request(t.app).get('/v1/portal/configuration').set(bearer(token))).body.session.flow;
        assert.deepEqual(await flowOf(opened), { type: 'switch_plan', subscriptionId: a.subscription.id }, 'reading the configuration does not use it up');
        assert.deepEqual(await flowOf(opened), { type: 'switch_plan', subscriptionId: a.subscription.id });
        const done = await request(t.app).delete('/v1/portal/session/flow').set(bearer(opened));
        assert.equal(done.status, 204, JSON.stringify(done.body));
        assert.equal(await flowOf(opened), null);
        assert.equal((await request(t.app).delete('/v1/portal/session/flow').set(bearer(opened))).status, 204, 'again: nothing left to open');
        assert.deepEqual(await flowOf(other), { type: 'cancel', subscriptionId: a.subscription.id });
        problemOf(await request(t.app).delete('/v1/portal/session/flow').set(t.sk), 403, 'portal_session_required');
      });

      it('when an hour passes on the test clock, then the token is refused with 401 portal_session_expired; a minute before, it works', async () => {
        const { as } = await buyer();
        await advance(t, { seconds: 3540 });
        assert.equal((await request(t.app).get('/v1/portal/customer').set(as)).status, 200);
        await advance(t, { seconds: 60 });
        problemOf(await request(t.app).get('/v1/portal/customer').set(as), 401, 'portal_session_expired');
      });

      it('when the buyer signs out, then the token is refused with 401 portal_session_revoked, and other sessions of the customer still work', async () => {
        const { as, customer } = await buyer();
        const other = bearer(await portalToken(t, customer.id));
        assert.equal((await request(t.app).post('/v1/portal/sign-out').set(as)).status, 204);
        problemOf(await request(t.app).get('/v1/portal/customer').set(as), 401, 'portal_session_revoked');
        problemOf(await request(t.app).post('/v1/portal/sign-out').set(as), 401, 'portal_session_revoked');
        assert.equal((await request(t.app).get('/v1/portal/customer').set(other)).status, 200);
      });

      it('when a token is unknown, then 401; a key that is not a portal token on a portal route is 403 portal_session_required', async () => {
        problemOf(await request(t.app).get('/v1/portal/customer').set(bearer('ps_notatoken')), 401, 'unauthenticated');
        problemOf(await request(t.app).get('/v1/portal/customer').set(bearer('garbage')), 401, 'unauthenticated');
        problemOf(await request(t.app).get('/v1/portal/customer'), 401, 'unauthenticated');
        problemOf(await request(t.app).get('/v1/portal/customer').set(t.sk), 403, 'portal_session_required');
        problemOf(await request(t.app).get('/v1/portal/customer').set(t.pk), 403, 'portal_session_required');
      });

      it('when a portal token comes from an origin that is not allowed, then 403 origin_not_allowed', async () => {
        const { as } = await buyer();
        problemOf(await request(t.app).get('/v1/portal/customer').set(as).set('Origin', 'https://evil.test'), 403, 'origin_not_allowed');
        const allowed = await request(t.app).get('/v1/portal/customer').set(as).set('Origin', 'http://shop.test');
        assert.deepEqual([allowed.status, allowed.headers['access-control-allow-origin']], [200, 'http://shop.test']);
        const preflight = await request(t.app).options('/v1/portal/subscriptions/x/cancel').set('Origin', 'http://shop.test').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');
        assert.equal(preflight.headers['access-control-allow-origin'], 'http://shop.test');
      });
    });

    describe('every route', () => {
      /** The operations of the OpenAPI document with their path filled in and their security scheme. */
      async function operations(): Promise<{ method: string; path: string; scheme: string | null }[]> {
        const doc = (await request(t.app).get('/openapi.json')).body as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };
        return Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => ({ method, path: path.replace(/\{\w+\}/g, 'x'), scheme: Object.keys(op.security?.[0] ?? {})[0] ?? null })),
        );
      }
      const call = (method: string, path: string) => (request(t.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path);

      it('when a portal token calls any route that is not a portal route, then 403 portal_session_not_allowed', async () => {
        const { as } = await buyer();
        const others = (await operations()).filter((op) => op.scheme !== null && op.scheme !== 'portalSession');
        assert.ok(others.length > 40, `${others.length} operations`);
        for (const op of others) {
          const res = await call(op.method, op.path).set(as).send({});
          assert.equal(res.body.code, 'portal_session_not_allowed', `${op.method} ${op.path}: ${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.status, 403);
        }
      });

      it('when a portal route is called with an expired token, then 401; with the secret key, then 403', async () => {
        const { as } = await buyer();
        const portalOps = (await operations()).filter((op) => op.scheme === 'portalSession');
        assert.ok(portalOps.length >= 16, `${portalOps.length} portal operations`);
        for (const op of portalOps) problemOf(await call(op.method, op.path).set(t.sk).send({}), 403, 'portal_session_required');
        await advance(t, { seconds: 3601 });
        for (const op of portalOps) problemOf(await call(op.method, op.path).set(as).send({}), 401, 'portal_session_expired');
      });

      it("when a buyer names another customer's subscription or invoice on any portal route, then 404 and the other customer's things are unchanged", async () => {
        const a = await buyer();
        const b = await buyer(2000);
        await setPortal(t, { cancellation: { mode: 'choose' } });
        const sub = `/v1/portal/subscriptions/${b.subscription.id}`;
        const tries: [string, string, Record<string, unknown>?][] = [
          ['get', sub], ['get', `${sub}/upcoming-invoice`], ['post', `${sub}/change`, { plan: a.subscription.planCode, preview: true }],
          ['post', `${sub}/cancel`, { at: 'now' }], ['post', `${sub}/uncancel`], ['post', `${sub}/pause`, {}], ['post', `${sub}/resume`],
          ['post', `${sub}/retention-offer/accept`],
          ['get', `/v1/portal/invoices/${b.invoice.id}`], ['get', `/v1/portal/invoices/${b.invoice.number}`],
        ];
        for (const [method, path, body] of tries) {
          const res = await call(method, path).set(a.as).send(body ?? {});
          assert.equal(res.status, 404, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
          assert.match(res.body.code, /^(subscription|invoice)_not_found$/);
        }
        const someoneElses = problemOf(await request(t.app).post('/v1/portal/payment-methods').set(a.as).send({ paymentMethod: 'pm_card_visa', subscriptionId: b.subscription.id }), 404, 'subscription_not_found');
        // The id came in the body, so the pointer is at the body's field, not at a path segment the route does not have.
        assert.deepEqual(pointers(someoneElses), ['/subscriptionId']);
        const list = await request(t.app).get('/v1/portal/subscriptions').set(a.as);
        assert.deepEqual(list.body.data.map((s: { id: string }) => s.id), [a.subscription.id]);
        const invoices = await request(t.app).get('/v1/portal/invoices').set(a.as);
        assert.deepEqual(invoices.body.data.map((i: { id: string }) => i.id), [a.invoice.id]);
        const untouched = await getSubscription(t, b.subscription.id);
        assert.deepEqual([untouched.status, untouched.cancelAtPeriodEnd, untouched.pausedAt, untouched.updatedAt], ['active', false, null, b.subscription.updatedAt]);
        assert.deepEqual(await eventTypes(db, b.subscription.id), ['subscription.created']);
      });
    });

    describe('sign-in by email', () => {
      let codes: Map<string, string>;
      before(() => {
        codes = recordCodes(t);
      });
      const signIn = (email: string) => request(t.app).post('/v1/portal/sign-in').set(t.pk).send({ email });
      const verify = (email: string, code: string) => request(t.app).post('/v1/portal/sign-in/verify').set(t.pk).send({ email, code });
      const wrong = (code: string) => (code === '000000' ? '000001' : '000000');
      const attemptsLeft = (res: request.Response) => (problemOf(res, 422, 'sign_in_code_invalid') as unknown as { attemptsLeft: number }).attemptsLeft;

      it('when a customer asks for a code, then 202 and a 6-digit code is mailed; it opens a session for that customer, once', async () => {
        const { customer } = await buyer();
        const res = await signIn(customer.email.toUpperCase());
        assert.equal(res.status, 202);
        assert.deepEqual(res.body, {});
        const code = codes.get(customer.email)!;
        assert.match(code, /^\d{6}$/);
        const stored = JSON.stringify((await db.query('select * from portal_sign_in_codes where email = $1', [customer.email])).rows);
        assert.ok(!stored.includes(`"${code}"`), 'the code is stored hashed');
        const ok = await verify(customer.email, code);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.match(ok.body.token, /^ps_/);
        const me = await request(t.app).get('/v1/portal/customer').set(bearer(ok.body.token));
        assert.equal(me.body.id, customer.id);
        problemOf(await verify(customer.email, code), 422, 'sign_in_code_expired');
      });

      it("when the code is mailed, then the email outbox has it in the customer's language and /dev/mail shows it in test mode; an unknown email gets no mail", async () => {
        const { customer } = await buyer(1000, {}, undefined, { locale: 'de' });
        const unknown = `nobody-${Date.now()}@example.test`;
        await signIn(customer.email);
        await signIn(unknown);
        const { rows } = await db.query<{ id: string; recipient: string | null; data: unknown }>(`select id, recipient, data from emails where template = 'sign_in_code' and data->>'email' in ($1, $2)`, [customer.email, unknown]);
        assert.equal(rows.length, 1);
        await t.deps.emailDelivery.runOnce();
        const page = await request(t.app).get(`/dev/mail/${rows[0]!.id}`);
        assert.equal(page.status, 200);
        assert.ok(page.text.includes(codes.get(customer.email)!), 'the code is on the page');
        const { rows: sent } = await db.query<{ locale: string; recipient: string }>('select locale, recipient from emails where id = $1', [rows[0]!.id]);
        assert.deepEqual(sent[0], { locale: 'de', recipient: customer.email });
      });

      it('when an email has no customer, then the answers are the same as for one that has (202, then 422 with tries left), and nothing is mailed', async () => {
        const { customer } = await buyer();
        const unknown = `nobody-${Date.now()}@example.test`;
        const [known, stranger] = [await signIn(customer.email), await signIn(unknown)];
        assert.deepEqual([stranger.status, stranger.body, stranger.text], [known.status, known.body, known.text]);
        assert.equal(codes.has(unknown), false);
        const a = await verify(customer.email, wrong(codes.get(customer.email)!));
        const b = await verify(unknown, '123456');
        assert.deepEqual({ ...b.body, detail: '' }, { ...a.body, detail: '' });
        assert.equal(attemptsLeft(b), 4);
        for (let i = 0; i < 4; i++) await verify(unknown, '123456');
        problemOf(await verify(unknown, '123456'), 422, 'sign_in_code_expired');
      });

      it('when five wrong codes are tried, then the code is void: the right one is refused too; a new code works', async () => {
        const { customer } = await buyer();
        await signIn(customer.email);
        const code = codes.get(customer.email)!;
        for (let left = 4; left >= 1; left--) assert.equal(attemptsLeft(await verify(customer.email, wrong(code))), left);
        problemOf(await verify(customer.email, wrong(code)), 422, 'sign_in_code_expired');
        problemOf(await verify(customer.email, code), 422, 'sign_in_code_expired');
        await signIn(customer.email);
        assert.equal((await verify(customer.email, codes.get(customer.email)!)).status, 200);
      });

      it('when ten wrong codes arrive at once, then exactly four are told the tries left and the code is void (the row lock counts every try)', async () => {
        const { customer } = await buyer();
        await signIn(customer.email);
        const code = codes.get(customer.email)!;
        const answers = await Promise.all(Array.from({ length: 10 }, () => verify(customer.email, wrong(code))));
        const left = answers.filter((r) => r.body.code === 'sign_in_code_invalid').map((r) => r.body.attemptsLeft).sort();
        assert.deepEqual(left, [1, 2, 3, 4]);
        assert.equal(answers.filter((r) => r.body.code === 'sign_in_code_expired').length, 6);
        problemOf(await verify(customer.email, code), 422, 'sign_in_code_expired');
      });

      it('when 10 minutes pass on the test clock, then the code is refused; a minute before, it works; a newer code voids the older one', async () => {
        const { customer } = await buyer();
        await signIn(customer.email);
        const first = codes.get(customer.email)!;
        await advance(t, { seconds: 600 });
        problemOf(await verify(customer.email, first), 422, 'sign_in_code_expired');
        await signIn(customer.email);
        const second = codes.get(customer.email)!;
        await signIn(customer.email);
        const third = codes.get(customer.email)!;
        if (second !== third) problemOf(await verify(customer.email, second), 422, 'sign_in_code_invalid');
        await advance(t, { seconds: 540 });
        assert.equal((await verify(customer.email, third)).status, 200);
      });

      it('when a code or email is malformed, then 400; a portal token may not sign in (403)', async () => {
        const { as } = await buyer();
        problemOf(await verify('a@example.test', '12345'), 400, 'validation_failed');
        problemOf(await signIn('not-an-email'), 400, 'validation_failed');
        problemOf(await request(t.app).post('/v1/portal/sign-in').set(as).send({ email: 'a@example.test' }), 403, 'portal_session_not_allowed');
      });

      it('when one email asks for more codes than the limit, then 429 with Retry-After, whether or not a customer has it; a client address is limited across emails', async () => {
        const limited = await testAppWith(db, { testClock: true, rateLimits: { quotes: 1000, checkouts: 1000, confirmations: 1000, signInCodes: 2, signIns: 6 } });
        const ask = (email: string) => request(limited.app).post('/v1/portal/sign-in').set(limited.pk).send({ email });
        const { customer } = await buyer();
        const unknown = `nobody-${Date.now()}@example.test`;
        for (const email of [customer.email, unknown]) {
          assert.equal((await ask(email)).status, 202);
          assert.equal((await ask(email.toUpperCase())).status, 202);
          const res = await ask(email);
          problemOf(res, 429, 'rate_limited');
          assert.ok(Number(res.headers['retry-after']) > 0);
        }
        // Six from this address so far (four answered, two refused): the address's limit holds for any email and for verifying.
        problemOf(await ask(`third-${Date.now()}@example.test`), 429, 'rate_limited');
        problemOf(await request(limited.app).post('/v1/portal/sign-in/verify').set(limited.pk).send({ email: unknown, code: '123456' }), 429, 'rate_limited');
      });
    });

    describe('billing details', () => {
      it('when the buyer changes name and address, then the customer has them and customer.updated is written', async () => {
        const { as, customer } = await buyer();
        const address = { line1: 'Neue Strasse 2', postalCode: '80331', city: 'München', country: 'DE' };
        const res = await request(t.app).patch('/v1/portal/customer').set(as).send({ name: 'Ada King', address, locale: 'de' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.name, res.body.address, res.body.locale, res.body.email], ['Ada King', address, 'de', customer.email]);
        assert.deepEqual(await eventTypes(db, customer.id), ['customer.created', 'customer.updated']);
        assert.equal((await request(t.app).get('/v1/portal/customer').set(as)).body.name, 'Ada King');
      });

      it('when the buyer becomes a French business with a valid VAT ID, then the next invoice is reverse charged; an invalid VAT ID is 422 vat_id_invalid at /vatId and changes nothing', async () => {
        const { as, subscription } = await buyer(1000);
        const before = await request(t.app).get(`/v1/portal/subscriptions/${subscription.id}/upcoming-invoice`).set(as);
        assert.equal(before.body.tax, 190);
        const refused = await request(t.app).patch('/v1/portal/customer').set(as).send({ country: 'FR', type: 'business', vatId: 'FR00000000000' });
        assert.deepEqual(problemOf(refused, 422, 'vat_id_invalid').errors?.map((e) => e.pointer), ['/vatId']);
        assert.equal((await request(t.app).get('/v1/portal/customer').set(as)).body.country, 'DE');
        const res = await request(t.app).patch('/v1/portal/customer').set(as).send({ country: FRENCH_BUSINESS.country, type: 'business', vatId: 'fr 40 303265045', name: FRENCH_BUSINESS.name });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.vatId, 'FR40303265045');
        const after = await request(t.app).get(`/v1/portal/subscriptions/${subscription.id}/upcoming-invoice`).set(as);
        assert.deepEqual([after.body.taxTreatment, after.body.tax, after.body.total], ['reverse_charge', 0, 1000]);
        const cleared = await request(t.app).patch('/v1/portal/customer').set(as).send({ vatId: null, type: 'individual' });
        assert.deepEqual([cleared.body.vatId, (await request(t.app).get(`/v1/portal/subscriptions/${subscription.id}/upcoming-invoice`).set(as)).body.taxTreatment], [null, 'oss']);
      });

      it("when the buyer takes another customer's email, then 409 customer_email_taken; with billing details off, then 403 portal_feature_disabled", async () => {
        const a = await buyer();
        const b = await buyer();
        problemOf(await request(t.app).patch('/v1/portal/customer').set(a.as).send({ email: b.customer.email }), 409, 'customer_email_taken');
        await setPortal(t, { features: { billingDetails: false } });
        problemOf(await request(t.app).patch('/v1/portal/customer').set(a.as).send({ name: 'X' }), 403, 'portal_feature_disabled');
        assert.equal((await request(t.app).get('/v1/portal/customer').set(a.as)).status, 200, 'reading stays allowed');
      });
    });

    describe('subscriptions', () => {
      it('when the buyer lists them, then each has its plan, the next invoice priced now and the usage of its period so far', async () => {
        const { as, subscription } = await buyer(2900);
        const res = await request(t.app).get('/v1/portal/subscriptions').set(as);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const [sub] = res.body.data;
        assert.equal(sub.id, subscription.id);
        assert.equal(sub.plan.code, subscription.planCode);
        assert.equal(sub.plan.charges[0].pricing.amount, 2900);
        assert.deepEqual([sub.upcomingInvoice.total, sub.upcomingInvoice.periodStart], [3451, subscription.currentPeriodEnd]);
        assert.deepEqual(sub.usage.charges, []);
        const one = await request(t.app).get(`/v1/portal/subscriptions/${subscription.id}`).set(as);
        // The usage's asOf is the one moment that differs between the two reads.
        const still = (s: Record<string, any>) => ({ ...s, usage: { ...s.usage, asOf: null } });
        assert.deepEqual(still(one.body), still(sub));
      });

      it('when a metered charge has usage this period, then the portal shows the quantity so far', async () => {
        const code = `calls-${Date.now()}`;
        const measurement = await request(t.app).post('/v1/measurements').set(t.sk).send({ code, unit: 'call', type: 'metered', aggregation: 'sum', prorated: false });
        const usage = await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-${code}`, name: 'API calls', taxGroup: 'standard', measurementId: measurement.body.id });
        const base = await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-base-${code}`, name: 'Base', taxGroup: 'standard' });
        const plan = await request(t.app).post('/v1/plans').set(t.sk).send({
          code: `metered-${code}`, name: 'Metered', currency: 'EUR', interval: { unit: 'month', count: 1 }, status: 'active', checkoutAllowed: true, trialDays: 0, taxBehavior: 'exclusive',
          charges: [
            { product: base.body.number, type: 'recurring', pricing: { model: 'flat', amount: 1000 } },
            { product: usage.body.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: 2 } },
          ],
        });
        assert.equal(plan.status, 201, JSON.stringify(plan.body));
        const bought = await subscribe(t, { plan: plan.body.code });
        const recorded = await request(t.app).post('/v1/usage').set(t.sk).send({ events: [
          { id: `${code}-1`, measurement: code, subscriptionId: bought.subscription.id, value: 120 },
          { id: `${code}-2`, measurement: code, subscriptionId: bought.subscription.id, value: 30 },
        ] });
        assert.equal(recorded.body.accepted, 2, JSON.stringify(recorded.body));
        const token = await portalToken(t, bought.customer.id);
        const res = await request(t.app).get(`/v1/portal/subscriptions/${bought.subscription.id}`).set(bearer(token));
        const [charge] = res.body.usage.charges;
        assert.deepEqual([charge.chargeId, charge.measurement.code, charge.periodStart, charge.quantity, charge.amount], [plan.body.charges[1].id, code, bought.subscription.currentPeriodStart, 150, 300]);
        const metered = res.body.upcomingInvoice.lines.find((l: { chargeId: string }) => l.chargeId === plan.body.charges[1].id);
        assert.equal(metered.subtotal, 300);
      });
    });

    describe('cancel and the retention offer', () => {
      it('when the mode is period_end, then the buyer cancels at the period end with a configured reason, and may undo it; now is 422 cancellation_mode_not_allowed', async () => {
        const { as, subscription } = await buyer();
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/cancel`).set(as).send({ at: 'now' }), 422, 'cancellation_mode_not_allowed');
        const res = await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/cancel`).set(as).send({ reason: 'too_expensive', comment: 'Cheaper elsewhere' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.status, res.body.cancelAtPeriodEnd, res.body.cancellation, res.body.upcomingInvoice], ['active', true, { reason: 'too_expensive', comment: 'Cheaper elsewhere' }, null]);
        const undone = await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/uncancel`).set(as);
        assert.deepEqual([undone.status, undone.body.cancelAtPeriodEnd], [200, false]);
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/uncancel`).set(as), 409, 'subscription_status');
        assert.deepEqual(await eventTypes(db, subscription.id), ['subscription.created', 'subscription.cancel_scheduled', 'subscription.updated']);
      });

      it('when the mode is now, then the buyer cancels at once; choose lets them pick; a reason the merchant does not list is 422; cancel off is 403', async () => {
        await setPortal(t, { cancellation: { mode: 'now', reasons: ['unused', 'other'] } });
        const a = await buyer();
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${a.subscription.id}/cancel`).set(a.as).send({ reason: 'too_expensive' }), 422, 'cancellation_reason_not_allowed');
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${a.subscription.id}/cancel`).set(a.as).send({ at: 'period_end' }), 422, 'cancellation_mode_not_allowed');
        const now = await request(t.app).post(`/v1/portal/subscriptions/${a.subscription.id}/cancel`).set(a.as).send({ reason: 'unused' });
        assert.deepEqual([now.status, now.body.status], [200, 'cancelled']);
        await setPortal(t, { cancellation: { mode: 'choose' } });
        const b = await buyer();
        const later = await request(t.app).post(`/v1/portal/subscriptions/${b.subscription.id}/cancel`).set(b.as).send({});
        assert.deepEqual([later.body.status, later.body.cancelAtPeriodEnd], ['active', true]);
        await setPortal(t, { features: { cancel: false } });
        const c = await buyer();
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${c.subscription.id}/cancel`).set(c.as).send({}), 403, 'portal_feature_disabled');
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${b.subscription.id}/uncancel`).set(b.as), 403, 'portal_feature_disabled');
      });

      it('when a retention coupon is set, then the configuration offers it with its wording, accepting applies it from the next invoice and writes portal.retention_offer_accepted, and it is offered once', async () => {
        const coupon = await createCoupon(t, { percentage: 20, frequency: 'limited', numberOfPeriods: 3 });
        await setPortal(t, { cancellation: { retentionCoupon: coupon.code } });
        const { as, subscription } = await buyer(10000);
        const config = await request(t.app).get('/v1/portal/configuration').set(as);
        assert.deepEqual(config.body.retentionOffer, { couponCode: coupon.code, name: coupon.name, type: 'percentage', percentage: 20, fixedAmount: null, currency: null, frequency: 'limited', numberOfPeriods: 3 });
        assert.equal(config.body.subscriptions[0].retentionOffer, true);
        const res = await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/retention-offer/accept`).set(as);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.couponCode, res.body.status, res.body.cancelAtPeriodEnd], [coupon.code, 'active', false]);
        assert.equal(res.body.upcomingInvoice.discount, 2000);
        assert.deepEqual(await eventTypes(db, subscription.id), ['subscription.created', 'subscription.updated', 'portal.retention_offer_accepted']);
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/retention-offer/accept`).set(as), 409, 'retention_offer_unavailable');
        assert.equal((await request(t.app).get('/v1/portal/configuration').set(as)).body.subscriptions[0].retentionOffer, false);
        await advance(t, { days: 32 });
        await billingRun(t);
        const renewal = (await invoicesOf(t, subscription.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(renewal.discount, 2000);
      });

      it('when the offer is accepted twice at once, then it is applied once: one 200, one 409', async () => {
        const coupon = await createCoupon(t, { percentage: 15, frequency: 'once' });
        await setPortal(t, { cancellation: { retentionCoupon: coupon.code } });
        const { as, subscription } = await buyer();
        const path = `/v1/portal/subscriptions/${subscription.id}/retention-offer/accept`;
        const answers = await Promise.all([request(t.app).post(path).set(as), request(t.app).post(path).set(as)]);
        assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
        assert.equal((await eventTypes(db, subscription.id)).filter((e) => e === 'portal.retention_offer_accepted').length, 1);
      });

      it('when the buyer cancels while the offer is open, then the offer counts as declined: after undoing, it is not offered again', async () => {
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'once' });
        await setPortal(t, { cancellation: { retentionCoupon: coupon.code } });
        const { as, subscription } = await buyer();
        await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/cancel`).set(as).send({ reason: 'unused' });
        await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/uncancel`).set(as);
        assert.equal((await request(t.app).get('/v1/portal/configuration').set(as)).body.subscriptions[0].retentionOffer, false);
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/retention-offer/accept`).set(as), 409, 'retention_offer_unavailable');
        assert.equal((await getSubscription(t, subscription.id)).couponCode, null);
      });

      it('when no retention coupon is set, then accepting is 403 portal_feature_disabled and the configuration has no offer', async () => {
        const { as, subscription } = await buyer();
        assert.equal((await request(t.app).get('/v1/portal/configuration').set(as)).body.retentionOffer, null);
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/retention-offer/accept`).set(as), 403, 'portal_feature_disabled');
      });
    });

    describe('pause and resume', () => {
      it('when pausing is off, then pause and resume are 403 portal_feature_disabled', async () => {
        await setPortal(t, { pause: { enabled: false } });
        const { as, subscription } = await buyer();
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/pause`).set(as).send({}), 403, 'portal_feature_disabled');
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/resume`).set(as), 403, 'portal_feature_disabled');
        assert.equal((await request(t.app).get('/v1/portal/configuration').set(as)).body.features.pause, false);
      });

      it('when pauses last at most 2 periods, then a longer one is 422 pause_too_long, one without an end resumes after 2 periods, and the buyer can resume earlier', async () => {
        await setPortal(t, { pause: { enabled: true, maxPeriods: 2 } });
        const { as, subscription } = await buyer();
        const now = new Date((await request(t.app).post('/v1/test-clock/advance').set(t.sk).send({ seconds: 1 })).body.now);
        const tooLong = addInterval(now, { unit: 'month', count: 1 }, 3).toISOString();
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/pause`).set(as).send({ resumesAt: tooLong }), 422, 'pause_too_long');
        const paused = await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/pause`).set(as).send({});
        assert.equal(paused.status, 200, JSON.stringify(paused.body));
        assert.equal(paused.body.status, 'paused');
        const limit = addInterval(new Date(paused.body.pausedAt), { unit: 'month', count: 1 }, 2).toISOString();
        assert.equal(paused.body.resumesAt, limit);
        // The subscription view shows the next invoice: the resume's, dated when the pause ends.
        const view = await request(t.app).get(`/v1/portal/subscriptions/${subscription.id}`).set(as);
        assert.equal(view.status, 200, JSON.stringify(view.body));
        assert.deepEqual([view.body.upcomingInvoice?.kind, view.body.upcomingInvoice?.issuedAt, view.body.upcomingInvoice?.periodStart], ['renewal', limit, limit]);
        const config = await request(t.app).get('/v1/portal/configuration').set(as);
        assert.deepEqual([config.body.subscriptions[0].pause, config.body.subscriptions[0].resume, config.body.pause.maxPeriods], [false, true, 2]);
        const resumed = await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/resume`).set(as);
        assert.deepEqual([resumed.status, resumed.body.status], [200, 'active']);
      });

      it('when the subscription is paused, then the configuration offers no plan switch or quantity change, as the change route refuses them (409 subscription_status); resumed, it offers them again', async () => {
        await setPortal(t, { pause: { enabled: true } });
        const { plans } = await aFamily(t, [1000, 2000]);
        const bought = await subscribe(t, { plan: plans[0]!.code });
        const subscription = bought.subscription;
        const as = bearer(await portalToken(t, bought.customer.id));
        const rights = async () => {
          const sub = (await request(t.app).get('/v1/portal/configuration').set(as)).body.subscriptions[0];
          return [sub.switchPlanTo.length > 0, sub.changeQuantity];
        };
        const before = await rights();
        assert.equal(before[0], true, 'the live subscription can switch plans');
        assert.equal((await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/pause`).set(as).send({})).body.status, 'paused');
        assert.deepEqual(await rights(), [false, false]);
        problemOf(await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/change`).set(as).send({ plan: plans[1]!.code, preview: true }), 409, 'subscription_status');
        await request(t.app).post(`/v1/portal/subscriptions/${subscription.id}/resume`).set(as);
        assert.deepEqual(await rights(), before);
      });
    });

    describe('invoices', () => {
      it("when the buyer lists invoices, then they are theirs, newest first, paged, and each can be read by id or number; invoices off is 403", async () => {
        const { customer, subscription, invoice } = await buyer();
        await advance(t, { days: 32 });
        await billingRun(t);
        const as = bearer(await portalToken(t, customer.id));
        const page = await request(t.app).get('/v1/portal/invoices?limit=1').set(as);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.deepEqual([page.body.data.length, page.body.hasMore, page.body.data[0].kind, page.body.data[0].subscriptionId], [1, true, 'renewal', subscription.id]);
        const next = await request(t.app).get(`/v1/portal/invoices?limit=1&startingAfter=${page.body.nextCursor}`).set(as);
        assert.deepEqual([next.body.data[0].id, next.body.hasMore], [invoice.id, false]);
        // The merchant's own list stays oldest first.
        const merchant = await request(t.app).get(`/v1/invoices?customerId=${customer.id}`).set(t.sk);
        assert.deepEqual([merchant.status, merchant.body.data[0]?.id], [200, invoice.id]);
        const one = await request(t.app).get(`/v1/portal/invoices/${invoice.number}`).set(as);
        assert.deepEqual([one.status, one.body.id], [200, invoice.id]);
        await setPortal(t, { features: { invoices: false } });
        problemOf(await request(t.app).get('/v1/portal/invoices').set(as), 403, 'portal_feature_disabled');
      });

      it("when the buyer downloads an invoice's PDF, then it is the invoice in their language; another customer's is 404", async () => {
        await request(t.app).put('/v1/settings').set(t.sk).send({ seller: A_SELLER }).expect(200);
        const { as, invoice } = await buyer(1000, {}, undefined, { locale: 'de' });
        const other = await buyer();
        const pdf = await request(t.app).get(`/v1/portal/invoices/${invoice.id}/pdf`).set(as).buffer(true).parse(bytes);
        assert.equal(pdf.status, 200);
        assert.equal(pdf.headers['content-type'], 'application/pdf');
        const text = pdfText(pdf.body);
        for (const field of ['Rechnung', invoice.number, A_SELLER.name]) assert.ok(text.includes(field), field);
        problemOf(await request(t.app).get(`/v1/portal/invoices/${other.invoice.id}/pdf`).set(as), 404, 'invoice_not_found');
        await setPortal(t, { features: { invoices: false } });
        problemOf(await request(t.app).get(`/v1/portal/invoices/${invoice.id}/pdf`).set(as), 403, 'portal_feature_disabled');
      });
    });

    describe('payment methods', () => {
      it('when the buyer asks to set up a payment method with the test provider, then the form needs no client secret', async () => {
        const { as } = await buyer();
        const res = await request(t.app).post('/v1/portal/payment-methods/setup').set(as);
        assert.deepEqual([res.status, res.body], [200, { provider: 'test' }]);
      });

      it('when a trial ends past_due on a failing card and the buyer gives a new one, then the open invoice is paid at once and the subscription is active', async () => {
        const plan = await aFlatPlan(t, 2000, { trialDays: 14 });
        const bought = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
        await advance(t, { days: 15 });
        await billingRun(t);
        assert.equal((await getSubscription(t, bought.subscription.id)).status, 'past_due');
        const as = bearer(await portalToken(t, bought.customer.id));
        problemOf(await request(t.app).post('/v1/portal/payment-methods').set(as).send({}), 400, 'validation_failed');
        const res = await request(t.app).post('/v1/portal/payment-methods').set(as).send({ paymentMethod: 'pm_card_visa' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.payments.map((p: { outcome: string }) => p.outcome), ['paid']);
        assert.deepEqual([res.body.subscriptions[0].status, res.body.subscriptions[0].defaultPaymentMethod.id], ['active', 'pm_card_visa']);
        const renewal = (await invoicesOf(t, bought.subscription.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(renewal.status, 'paid');
      });

      it('when the buyer paid with a card and replaces it, then their subscriptions show its brand and last 4 (what <billkit-payment-method> shows), never the provider customer', async () => {
        const { as } = await buyer(1000, {}, 'pm_card_visa');
        const method = async () => (await request(t.app).get('/v1/portal/subscriptions').set(as)).body.data[0].defaultPaymentMethod;
        assert.deepEqual(await method(), { provider: 'test', id: 'pm_card_visa', brand: 'visa', last4: '4242' });
        const res = await request(t.app).post('/v1/portal/payment-methods').set(as).send({ paymentMethod: 'pm_card_chargeCustomerFail' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.payments, []);
        assert.deepEqual(await method(), { provider: 'test', id: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341' });
      });

      it('when the new card declines (4000 0000 0000 0002), then saving it is 402 payment_declined, as a SetupIntent refuses it, and the card on file stays', async () => {
        const { as } = await buyer(1000, {}, 'pm_card_visa');
        const res = await request(t.app).post('/v1/portal/payment-methods').set(as).send({ paymentMethod: 'pm_card_chargeDeclined' });
        problemOf(res, 402, 'payment_declined');
        const method = (await request(t.app).get('/v1/portal/subscriptions').set(as)).body.data[0].defaultPaymentMethod;
        assert.equal(method.last4, '4242');
      });

      it('when the payment method feature is off, then both routes are 403', async () => {
        await setPortal(t, { features: { paymentMethod: false } });
        const { as } = await buyer();
        problemOf(await request(t.app).post('/v1/portal/payment-methods/setup').set(as), 403, 'portal_feature_disabled');
        problemOf(await request(t.app).post('/v1/portal/payment-methods').set(as).send({ paymentMethod: 'pm_card_visa' }), 403, 'portal_feature_disabled');
      });
    });

    describe('switching plan', () => {
      it('when the buyer previews an upgrade in the family and confirms it with the prorationDate, then the invoice charged is the preview to the cent', async () => {
        const { plans } = await aFamily(t, [1000, 3000]);
        const bought = await subscribe(t, { plan: plans[0]!.code });
        await advance(t, { days: 10 });
        const as = bearer(await portalToken(t, bought.customer.id));
        const path = `/v1/portal/subscriptions/${bought.subscription.id}/change`;
        const preview = await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, preview: true });
        assert.equal(preview.status, 200, JSON.stringify(preview.body));
        assert.equal(preview.body.effective, 'now');
        assert.ok(preview.body.invoice.total > 0);
        assert.equal((await getSubscription(t, bought.subscription.id)).planCode, plans[0]!.code, 'a preview saves nothing');
        await advance(t, { seconds: 30 });
        const done = await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, prorationDate: preview.body.prorationDate });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(done.body.subscription.planCode, plans[1]!.code);
        for (const field of ['subtotal', 'tax', 'total', 'amountDue'] as const) assert.equal(done.body.invoice[field], preview.body.invoice[field], field);
        assert.equal(done.body.invoice.status, 'paid');
      });

      it('when a preview is more than 10 minutes old, then its prorationDate is refused with 422 proration_date_invalid and nothing is charged; a new preview confirms', async () => {
        const { plans } = await aFamily(t, [1000, 3000]);
        const bought = await subscribe(t, { plan: plans[0]!.code });
        await advance(t, { days: 10 });
        const as = bearer(await portalToken(t, bought.customer.id));
        const path = `/v1/portal/subscriptions/${bought.subscription.id}/change`;
        const stale = await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, preview: true });
        await advance(t, { seconds: 11 * 60 });
        problemOf(await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, prorationDate: stale.body.prorationDate }), 422, 'proration_date_invalid');
        assert.equal((await getSubscription(t, bought.subscription.id)).planCode, plans[0]!.code);
        const fresh = await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, preview: true });
        const done = await request(t.app).post(path).set(as).send({ plan: plans[1]!.code, prorationDate: fresh.body.prorationDate });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(done.body.invoice.amountDue, fresh.body.invoice.amountDue);
      });

      it("when the plan is outside the family or the merchant's list, then 422 plan_switch_not_allowed (previews too); switching off is 403; quantities need the quantity feature", async () => {
        const { plans } = await aFamily(t, [1000, 2000, 3000]);
        const outsider = await aFlatPlan(t, 500);
        const bought = await subscribe(t, { plan: plans[0]!.code });
        const as = bearer(await portalToken(t, bought.customer.id));
        const change = (body: Record<string, unknown>) => request(t.app).post(`/v1/portal/subscriptions/${bought.subscription.id}/change`).set(as).send(body);
        problemOf(await change({ plan: outsider.code, preview: true }), 422, 'plan_switch_not_allowed');
        await setPortal(t, { switchPlan: { allowed: [{ from: plans[0]!.code, to: [plans[2]!.code] }] } });
        const refused = problemOf(await change({ plan: plans[1]!.code, preview: true }), 422, 'plan_switch_not_allowed');
        assert.deepEqual(refused.errors?.map((e) => e.pointer), ['/plan']);
        assert.equal((await change({ plan: plans[2]!.code, preview: true })).status, 200);
        await setPortal(t, { features: { switchPlan: false } });
        problemOf(await change({ plan: plans[2]!.code, preview: true }), 403, 'portal_feature_disabled');
        await setPortal(t, { features: { quantity: false } });
        problemOf(await change({ quantity: 2, preview: true }), 403, 'portal_feature_disabled');
        assert.equal((await getSubscription(t, bought.subscription.id)).planCode, plans[0]!.code);
        assert.deepEqual(await eventTypes(db, bought.subscription.id), ['subscription.created']);
      });

      it('when a seats subscription changes its quantity through the portal, then it is changed as through the secret API', async () => {
        const plan = await aSeatsPlan(t);
        const bought = await subscribe(t, { plan: plan.code, quantity: 2 });
        const as = bearer(await portalToken(t, bought.customer.id));
        const config = await request(t.app).get('/v1/portal/configuration').set(as);
        assert.equal(config.body.subscriptions[0].changeQuantity, true);
        const res = await request(t.app).post(`/v1/portal/subscriptions/${bought.subscription.id}/change`).set(as).send({ quantity: 3 });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.subscription.items.find((i: { chargeId: string }) => i.chargeId === plan.charges[0]!.id).quantity, 3);
      });
    });

    describe('configuration', () => {
      it('when a subscriber of the middle plan reads the configuration, then its plans come in the shop\'s order (the catalog\'s), not the current plan first', async () => {
        const { plans } = await aFamily(t, [1000, 2000, 3000]);
        const bought = await subscribe(t, { plan: plans[1]!.code });
        const as = bearer(await portalToken(t, bought.customer.id));
        const shop = (await request(t.app).get('/v1/catalog').set(t.pk)).body.plans.map((p: { code: string }) => p.code).filter((c: string) => plans.some((p) => p.code === c));
        assert.equal(shop.length, 3);
        const config = await request(t.app).get('/v1/portal/configuration').set(as);
        assert.deepEqual(config.body.plans.map((p: { code: string }) => p.code), shop);
      });

      it('when switching is by family, then each subscription may switch to the other plans of its family; a list narrows it; switching off empties it', async () => {
        const { plans } = await aFamily(t, [1000, 2000, 3000]);
        const [basic, team, pro] = plans as [typeof plans[0], typeof plans[0], typeof plans[0]];
        const bought = await subscribe(t, { plan: basic.code });
        const as = bearer(await portalToken(t, bought.customer.id));
        const switchTo = async () => (await request(t.app).get('/v1/portal/configuration').set(as)).body.subscriptions[0].switchPlanTo.sort();
        assert.deepEqual(await switchTo(), [team.code, pro.code].sort());
        const config = await request(t.app).get('/v1/portal/configuration').set(as);
        assert.deepEqual(config.body.plans.map((p: { code: string }) => p.code).sort(), [basic.code, team.code, pro.code].sort());
        assert.deepEqual([config.body.cancellation.mode, config.body.cancellation.refund, config.body.downgrades], ['period_end', 'none', 'period_end']);
        assert.equal(config.body.customer.id, bought.customer.id);
        await setPortal(t, {}, { cancellation: { refund: 'prorate' } });
        assert.equal((await request(t.app).get('/v1/portal/configuration').set(as)).body.cancellation.refund, 'prorate', 'the flow can say a cancellation now credits the unused time');
        await setPortal(t, {}, { cancellation: { refund: 'none' } });
        await setPortal(t, { switchPlan: { allowed: [{ from: basic.code, to: [pro.code] }] } });
        assert.deepEqual(await switchTo(), [pro.code]);
        await setPortal(t, { features: { switchPlan: false } });
        assert.deepEqual(await switchTo(), []);
      });

      it("when the settings name the seller, then the configuration names the merchant by it (what \"Back to …\" says); without a seller, null", async () => {
        const { as } = await buyer();
        const merchantName = async () => (await request(t.app).get('/v1/portal/configuration').set(as)).body.merchantName;
        await t.deps.db.query(`update settings set data = data - 'seller' where id = 1`);
        t.deps.catalogCache.invalidate();
        assert.equal(await merchantName(), null);
        const res = await request(t.app).put('/v1/settings').set(t.sk).send({ seller: A_SELLER });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(await merchantName(), A_SELLER.name);
        await t.deps.db.query(`update settings set data = data - 'seller' where id = 1`);
        t.deps.catalogCache.invalidate();
      });
    });
  });
}

describe('the portal with Stripe (against a local stand-in of the Stripe API)', () => {
  let standIn: StripeStandIn;
  let t: TestApp;
  before(async () => {
    standIn = await startStripeStandIn();
    const provider = new StripePaymentProvider({ secretKey: 'sk_test_x', publishableKey: 'pk_test_stripe', maxNetworkRetries: 0, ...standIn.sdkOptions });
    t = await testAppWith(await sharedPglite(), { payments: provider });
  });
  after(() => standIn.close());

  it("when the buyer sets up a payment method, then the form gets Stripe's publishable key and a SetupIntent's client secret, one per session", async () => {
    const id = `cus_${unique('stripe')}`;
    await t.deps.db.query(`insert into customers (id, email, name, country, type) values ($1, $2, 'Ada', 'DE', 'individual')`, [id, `${id}@example.test`]);
    const session = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId: id });
    const as = bearer(session.body.token);
    const res = await request(t.app).post('/v1/portal/payment-methods/setup').set(as);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const intents = standIn.list('setup_intent').filter((i) => String((i.metadata as Record<string, string>).checkoutId).startsWith('portal_pss_'));
    assert.equal(intents.length, 1);
    assert.deepEqual(res.body, { provider: 'stripe', publishableKey: 'pk_test_stripe', clientSecret: intents[0]!.client_secret });
    const again = await request(t.app).post('/v1/portal/payment-methods/setup').set(as);
    assert.equal(again.body.clientSecret, res.body.clientSecret);
  });
});
