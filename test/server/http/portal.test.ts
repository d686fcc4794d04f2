import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { addInterval } from '../../../server/domain/periods.js';
import { problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, FRENCH_BUSINESS, testAppWith } from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { testDatabases } from '../../support/db.js';
import { advance, billingRun, eventTypes, getSubscription, invoicesOf, subscribe, type Subscribed } from '../../support/lifecycle.js';
import { aFamily, bearer, portalToken, recordCodes, resetPortal, setPortal } from '../../support/portal.js';

const HOUR_MS = 3_600_000;

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
    async function buyer(amount = 1000, cart: Record<string, unknown> = {}, paymentMethod?: string): Promise<Subscribed & { token: string; as: { Authorization: string } }> {
      const plan = await aFlatPlan(t, amount);
      const bought = await subscribe(t, { plan: plan.code, ...cart }, {}, paymentMethod);
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
        assert.equal((await request(t.app).get('/v1/portal/customer').set(as).set('Origin', 'http://shop.test')).status, 200);
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
          ['get', sub], ['get', `${sub}/upcoming-invoice`],
          ['post', `${sub}/cancel`, { at: 'now' }], ['post', `${sub}/uncancel`], ['post', `${sub}/pause`, {}], ['post', `${sub}/resume`],
          ['post', `${sub}/retention-offer/accept`],
          ['get', `/v1/portal/invoices/${b.invoice.id}`], ['get', `/v1/portal/invoices/${b.invoice.number}`],
        ];
        for (const [method, path, body] of tries) {
          const res = await call(method, path).set(a.as).send(body ?? {});
          assert.equal(res.status, 404, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
          assert.match(res.body.code, /^(subscription|invoice)_not_found$/);
        }
        problemOf(await request(t.app).post('/v1/portal/payment-methods').set(a.as).send({ paymentMethod: 'pm_card_visa', subscriptionId: b.subscription.id }), 404, 'subscription_not_found');
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

      it('when an email has no customer, then the answers are the same as for one that has (202, then 422 with tries left), and nothing is mailed', async () => {
        const { customer } = await buyer();
        const unknown = `nobody-${Date.now()}@example.test`;
        const [known, stranger] = [await signIn(customer.email), await signIn(unknown)];
        assert.deepEqual([stranger.status, stranger.body, stranger.text], [known.status, known.body, known.text]);
        assert.equal(codes.has(unknown), false);
        const a = await verify(customer.email, wrong(codes.get(customer.email)!));
        const b = await verify(unknown, '123456');
        assert.deepEqual({ ...b.body, detail: '' }, { ...a.body, detail: '' });
        assert.equal(problemOf(b, 422, 'sign_in_code_invalid').attemptsLeft, 4);
        for (let i = 0; i < 4; i++) await verify(unknown, '123456');
        problemOf(await verify(unknown, '123456'), 422, 'sign_in_code_expired');
      });

      it('when five wrong codes are tried, then the code is void: the right one is refused too; a new code works', async () => {
        const { customer } = await buyer();
        await signIn(customer.email);
        const code = codes.get(customer.email)!;
        for (let left = 4; left >= 1; left--) assert.equal(problemOf(await verify(customer.email, wrong(code)), 422, 'sign_in_code_invalid').attemptsLeft, left);
        problemOf(await verify(customer.email, wrong(code)), 422, 'sign_in_code_expired');
        problemOf(await verify(customer.email, code), 422, 'sign_in_code_expired');
        await signIn(customer.email);
        assert.equal((await verify(customer.email, codes.get(customer.email)!)).status, 200);
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
  });
}
