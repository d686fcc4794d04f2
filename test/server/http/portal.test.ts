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
  });
}
