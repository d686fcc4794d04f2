import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import { createProduct, pointers, problemOf } from '../../support/api.js';
import { testApp, type TestApp } from '../../support/app.js';
import {
  aCouponInput, aFixedCouponInput, couponsChanged, createCoupon, createFlatPlan, markCodeRedeemed, markCouponRedeemed, type CouponView,
} from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';
import type { Db } from '../../../server/storage/db.js';

for (const target of testDatabases()) {
  describe(`coupons API on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      t = await testApp(db);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const post = (path: string, body: unknown) => request(t.app).post(path).set(t.sk).send(body as object);
    const get = (path: string) => request(t.app).get(path).set(t.sk);
    const patch = (path: string, body: unknown) => request(t.app).patch(path).set(t.sk).send(body as object);
    const del = (path: string) => request(t.app).delete(path).set(t.sk);
    /** A quote for `plan` with `couponCode`, with the publishable key. */
    const quoteWith = (plan: string, couponCode: string) => request(t.app).post('/v1/quotes').set(t.pk).send({ plan, couponCode });

    describe('creating', () => {
      it('when a percentage coupon names plans by code and products by number, then it answers codes and ids both', async () => {
        const plan = await createFlatPlan(t, 1000);
        const product = await createProduct(t);
        const excluded = await createProduct(t);
        const code = unique('save');
        const res = await post('/v1/coupons', aCouponInput({ code, percentage: 12.5, plans: [plan.code], products: [product.number], excludedProducts: [excluded.number] }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const coupon = res.body as CouponView;
        assert.match(coupon.id, /^coupon_/);
        assert.equal(coupon.code, code.toUpperCase());
        assert.equal(coupon.type, 'percentage');
        assert.equal(coupon.percentage, 12.5);
        assert.equal(coupon.fixedAmount, null);
        assert.equal(coupon.currency, null);
        assert.deepEqual([coupon.plans, coupon.planIds], [[plan.code], [plan.id]]);
        assert.deepEqual([coupon.products, coupon.productIds], [[product.number], [product.id]]);
        assert.deepEqual([coupon.excludedProducts, coupon.excludedProductIds], [[excluded.number], [excluded.id]]);
        assert.deepEqual([coupon.excludedPlans, coupon.excludedPlanIds], [[], []]);
        assert.equal(coupon.enabled, true);
        assert.equal(coupon.redeemed, false);
        assert.equal(coupon.timesRedeemed, 0);
        assert.equal(coupon.frequency, 'lifetime');
        assert.equal(coupon.numberOfPeriods, null);
        assert.ok(!Number.isNaN(Date.parse(coupon.createdAt)));
      });

      it('when a fixed_amount coupon names plans and products by id, then it answers codes and ids both', async () => {
        const plan = await createFlatPlan(t, 1000);
        const excludedPlan = await createFlatPlan(t, 1000);
        const product = await createProduct(t);
        const res = await post(
          '/v1/coupons',
          aFixedCouponInput({ fixedAmount: 1999, currency: 'USD', frequency: 'limited', numberOfPeriods: 3, plans: [plan.id], products: [product.id], excludedPlans: [excludedPlan.id], maxRedemptions: 10, maxRedemptionsPerCustomer: 1, expiresAt: '2099-01-01T00:00:00Z' }),
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const coupon = res.body as CouponView;
        assert.equal(coupon.type, 'fixed_amount');
        assert.equal(coupon.fixedAmount, 1999);
        assert.equal(coupon.currency, 'USD');
        assert.equal(coupon.percentage, null);
        assert.equal(coupon.frequency, 'limited');
        assert.equal(coupon.numberOfPeriods, 3);
        assert.deepEqual([coupon.plans, coupon.planIds], [[plan.code], [plan.id]]);
        assert.deepEqual([coupon.products, coupon.productIds], [[product.number], [product.id]]);
        assert.deepEqual([coupon.excludedPlans, coupon.excludedPlanIds], [[excludedPlan.code], [excludedPlan.id]]);
        assert.equal(coupon.maxRedemptions, 10);
        assert.equal(coupon.maxRedemptionsPerCustomer, 1);
        assert.equal(coupon.expiresAt, '2099-01-01T00:00:00.000Z');
      });
    });

    describe('refusing invalid coupons', () => {
      const refusals: [string, () => Promise<Record<string, unknown>>, string][] = [
        ['percentage 0', async () => aCouponInput({ percentage: 0 }), '/percentage'],
        ['percentage 100', async () => aCouponInput({ percentage: 100 }), '/percentage'],
        ['percentage 12.345 (three decimals)', async () => aCouponInput({ percentage: 12.345 }), '/percentage'],
        ['a negative percentage', async () => aCouponInput({ percentage: -5 }), '/percentage'],
        ['no percentage on a percentage coupon', async () => aCouponInput({ percentage: undefined }), '/percentage'],
        ['a fixed amount without currency', async () => aFixedCouponInput({ currency: undefined }), '/currency'],
        ['a fixed amount without fixedAmount', async () => aFixedCouponInput({ fixedAmount: undefined }), '/fixedAmount'],
        ['a fractional fixed amount', async () => aFixedCouponInput({ fixedAmount: 4.99 }), '/fixedAmount'],
        ['a lower-case currency', async () => aFixedCouponInput({ currency: 'eur' }), '/currency'],
        ['limited without numberOfPeriods', async () => aCouponInput({ frequency: 'limited' }), '/numberOfPeriods'],
        ['once with numberOfPeriods', async () => aCouponInput({ frequency: 'once', numberOfPeriods: 2 }), '/numberOfPeriods'],
        ['an unknown plan in plans', async () => aCouponInput({ plans: ['no-such-plan'] }), '/plans/0'],
        ['an unknown plan in excludedPlans, after a known one', async () => aCouponInput({ excludedPlans: [(await createFlatPlan(t, 100)).code, 'no-such-plan'] }), '/excludedPlans/1'],
        ['an unknown product in products', async () => aCouponInput({ products: ['NO-SUCH-PRODUCT'] }), '/products/0'],
        ['an unknown product in excludedProducts', async () => aCouponInput({ excludedProducts: ['NO-SUCH-PRODUCT'] }), '/excludedProducts/0'],
        ['a code with a space', async () => aCouponInput({ code: 'TEN OFF' }), '/code'],
        ['an expiresAt that is no date', async () => aCouponInput({ expiresAt: 'tomorrow' }), '/expiresAt'],
        ['maxRedemptions 0', async () => aCouponInput({ maxRedemptions: 0 }), '/maxRedemptions'],
      ];
      for (const [situation, body, pointer] of refusals) {
        it(`when a coupon has ${situation}, then it is refused with 400 validation_failed at ${pointer}`, async () => {
          const problem = problemOf(await post('/v1/coupons', await body()), 400, 'validation_failed');
          assert.ok(pointers(problem).includes(pointer), `pointers ${JSON.stringify(pointers(problem))}`);
        });
      }

      it('when a coupon code is taken, then the second coupon is refused with 409 coupon_code_taken at /code', async () => {
        const code = unique('dup');
        await createCoupon(t, { code });
        const problem = problemOf(await post('/v1/coupons', aCouponInput({ code })), 409, 'coupon_code_taken');
        assert.deepEqual(pointers(problem), ['/code']);
      });

      it('when a coupon code differs from a taken one only in case (save10 vs SAVE10), then it is refused with 409 coupon_code_taken', async () => {
        const code = unique('save10').toLowerCase();
        await createCoupon(t, { code });
        problemOf(await post('/v1/coupons', aCouponInput({ code: code.toUpperCase() })), 409, 'coupon_code_taken');
      });

      it('when a coupon code equals a generated batch code, then it is refused with 409 coupon_code_taken', async () => {
        const coupon = await createCoupon(t);
        const codes = await post(`/v1/coupons/${coupon.id}/codes`, { count: 1 });
        assert.equal(codes.status, 201, JSON.stringify(codes.body));
        problemOf(await post('/v1/coupons', aCouponInput({ code: codes.body.data[0].code.toLowerCase() })), 409, 'coupon_code_taken');
      });
    });

    describe('reading', () => {
      it('when a coupon is fetched by id, by code and by its code in lower case, then each answers the same coupon', async () => {
        const code = unique('GET');
        const created = await createCoupon(t, { code });
        for (const ref of [created.id, code.toUpperCase(), code.toLowerCase()]) {
          const res = await get(`/v1/coupons/${ref}`);
          assert.equal(res.status, 200, `${ref}: ${JSON.stringify(res.body)}`);
          assert.deepEqual(res.body, created);
        }
      });

      it('when a coupon is unknown, then 404 coupon_not_found', async () => {
        problemOf(await get('/v1/coupons/NO-SUCH-COUPON'), 404, 'coupon_not_found');
      });

      it('when coupons are listed with a limit, then the pages walk every coupon once with hasMore and nextCursor', async () => {
        const created = [await createCoupon(t), await createCoupon(t), await createCoupon(t)].map((c) => c.id);
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res: request.Response = await get('/v1/coupons').query({ limit: 2, ...(cursor ? { startingAfter: cursor } : {}) });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.ok(res.body.data.length <= 2);
          seen.push(...res.body.data.map((c: CouponView) => c.id));
          assert.equal(res.body.hasMore, res.body.nextCursor !== null);
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor && pages < 1000);
        assert.equal(new Set(seen).size, seen.length);
        for (const id of created) assert.ok(seen.includes(id), `${id} not listed`);
        assert.ok(pages >= 2);
      });

      it('when a listed coupon is limited to a plan, then the list shows the plan code and id like GET does', async () => {
        const plan = await createFlatPlan(t, 100);
        const created = await createCoupon(t, { plans: [plan.code] });
        let found: CouponView | undefined;
        let cursor: string | null = null;
        do {
          const res: request.Response = await get('/v1/coupons').query({ limit: 100, ...(cursor ? { startingAfter: cursor } : {}) });
          assert.equal(res.status, 200);
          found = (res.body.data as CouponView[]).find((c) => c.id === created.id);
          cursor = res.body.nextCursor;
        } while (!found && cursor);
        assert.deepEqual(found, created);
      });
    });

    describe('editing and deleting', () => {
      it('when an unredeemed coupon is edited, then the change is stored and quotes use it (the old code no longer works)', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 10 });
        const newCode = unique('renamed');
        const res = await patch(`/v1/coupons/${coupon.id}`, { name: 'Twenty off', percentage: 20, code: newCode });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.name, 'Twenty off');
        assert.equal(res.body.percentage, 20);
        assert.equal(res.body.code, newCode.toUpperCase());
        assert.equal(res.body.createdAt, coupon.createdAt);
        assert.deepEqual((await get(`/v1/coupons/${coupon.id}`)).body, res.body);

        const quote = await quoteWith(plan.code, newCode);
        assert.equal(quote.status, 200, JSON.stringify(quote.body));
        // 20 % of 100.00 = 20.00
        assert.deepEqual(quote.body.coupon, { code: newCode.toUpperCase(), valid: true, discount: 2000, frequency: 'lifetime' });
        const old = await quoteWith(plan.code, coupon.code);
        assert.equal(old.body.coupon.reason, 'coupon_not_found');
      });

      it('when an unredeemed coupon is only renamed, then the fields the PATCH does not name keep their values', async () => {
        const plan = await createFlatPlan(t, 1000);
        const product = await createProduct(t);
        const coupon = await createCoupon(t, { plans: [plan.code], excludedProducts: [product.number], enabled: false });
        const res = await patch(`/v1/coupons/${coupon.id}`, { name: 'Renamed' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { updatedAt: _a, ...after } = res.body as CouponView;
        const { updatedAt: _b, ...before } = coupon;
        assert.deepEqual(after, { ...before, name: 'Renamed' });
      });

      it('when an edit takes the code of another coupon, then 409 coupon_code_taken and the coupon keeps its code', async () => {
        const taken = await createCoupon(t);
        const coupon = await createCoupon(t);
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { code: taken.code.toLowerCase() }), 409, 'coupon_code_taken');
        assert.equal((await get(`/v1/coupons/${coupon.id}`)).body.code, coupon.code);
      });

      it('when an edit would leave the coupon invalid, then it is refused with 400 at the field', async () => {
        const coupon = await createCoupon(t);
        const problem = problemOf(await patch(`/v1/coupons/${coupon.id}`, { frequency: 'limited' }), 400, 'validation_failed');
        assert.deepEqual(pointers(problem), ['/numberOfPeriods']);
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { percentage: 100 }), 400, 'validation_failed');
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { plans: ['no-such-plan'] }), 400, 'validation_failed');
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { timesRedeemed: 0 }), 400, 'validation_failed');
        assert.deepEqual((await get(`/v1/coupons/${coupon.id}`)).body, coupon);
      });

      it('when a coupon was redeemed, then editing its name and deleting it are refused with 409 coupon_redeemed, and nothing changed', async () => {
        const coupon = await createCoupon(t);
        await markCouponRedeemed(t, coupon.id);
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { name: 'Changed' }), 409, 'coupon_redeemed');
        problemOf(await patch(`/v1/coupons/${coupon.id}`, { name: 'Changed', enabled: false }), 409, 'coupon_redeemed');
        problemOf(await del(`/v1/coupons/${coupon.id}`), 409, 'coupon_redeemed');
        const now = await get(`/v1/coupons/${coupon.id}`);
        assert.equal(now.status, 200);
        assert.equal(now.body.name, coupon.name);
        assert.equal(now.body.enabled, true);
        assert.equal(now.body.redeemed, true);
        assert.equal(now.body.timesRedeemed, 1);
      });

      it('when a redeemed coupon is disabled, then it works and quotes report coupon_disabled', async () => {
        const plan = await createFlatPlan(t, 1000);
        const coupon = await createCoupon(t);
        await markCouponRedeemed(t, coupon.id);
        const res = await patch(`/v1/coupons/${coupon.id}`, { enabled: false });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.enabled, false);
        assert.equal(res.body.redeemed, true);
        assert.equal((await get(`/v1/coupons/${coupon.id}`)).body.enabled, false);
        const quote = await quoteWith(plan.code, coupon.code);
        assert.equal(quote.body.coupon.reason, 'coupon_disabled');

        const enabled = await patch(`/v1/coupons/${coupon.id}`, { enabled: true });
        assert.equal(enabled.status, 200);
        assert.equal(enabled.body.enabled, true);
      });

      it('when an unredeemed coupon is deleted, then 204 without a body, then 404 for GET, DELETE and quotes', async () => {
        const plan = await createFlatPlan(t, 1000);
        const coupon = await createCoupon(t);
        const res = await del(`/v1/coupons/${coupon.id}`);
        assert.equal(res.status, 204);
        assert.equal(res.text, '');
        problemOf(await get(`/v1/coupons/${coupon.id}`), 404, 'coupon_not_found');
        problemOf(await del(`/v1/coupons/${coupon.id}`), 404, 'coupon_not_found');
        assert.equal((await quoteWith(plan.code, coupon.code)).body.coupon.reason, 'coupon_not_found');
      });

      it('when a deleted coupon had batch codes, then its code and its batch codes are free for a new coupon', async () => {
        const coupon = await createCoupon(t);
        const codes = await post(`/v1/coupons/${coupon.id}/codes`, { count: 1 });
        assert.equal(codes.status, 201);
        assert.equal((await del(`/v1/coupons/${coupon.id}`)).status, 204);
        assert.equal((await post('/v1/coupons', aCouponInput({ code: coupon.code }))).status, 201);
        assert.equal((await post('/v1/coupons', aCouponInput({ code: codes.body.data[0].code }))).status, 201);
      });
    });

    describe('batch codes', () => {
      it('when 5 codes with prefix vip are generated, then they are distinct, start with VIP- and each prices a quote, typed in any case', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 25 });
        const res = await post(`/v1/coupons/${coupon.id}/codes`, { count: 5, prefix: 'vip' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const codes = res.body.data as { id: string; couponId: string; code: string; redeemed: boolean; redeemedAt: string | null }[];
        assert.equal(codes.length, 5);
        assert.equal(new Set(codes.map((c) => c.code)).size, 5);
        for (const c of codes) {
          assert.match(c.code, /^VIP-[A-Z0-9]+$/);
          assert.notEqual(c.code, 'VIP-');
          assert.equal(c.couponId, coupon.id);
          assert.equal(c.redeemed, false);
          assert.equal(c.redeemedAt, null);
        }
        for (const [i, c] of codes.entries()) {
          const typed = i % 2 === 0 ? c.code.toLowerCase() : c.code;
          const quote = await quoteWith(plan.code, typed);
          assert.equal(quote.status, 200, JSON.stringify(quote.body));
          // 25 % of 100.00 = 25.00; tax 19 % of 75.00 = 14.25; total 89.25
          assert.deepEqual(quote.body.coupon, { code: c.code, valid: true, discount: 2500, frequency: 'lifetime' });
          assert.deepEqual(quote.body.dueToday, { subtotal: 10000, discount: 2500, tax: 1425, total: 8925 });
        }
        const listed = await get(`/v1/coupons/${coupon.id}/codes`).query({ limit: 100 });
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.data.map((c: { code: string }) => c.code).sort(), codes.map((c) => c.code).sort());
        // The coupon's own code still works beside them.
        assert.equal((await quoteWith(plan.code, coupon.code)).body.coupon.valid, true);
      });

      it('when the prefix already ends in a dash or an underscore (WALK-, walk_), then the codes read WALK-... with one separator, not WALK--...', async () => {
        const coupon = await createCoupon(t);
        for (const prefix of ['WALK-', 'walk_', 'walk--']) {
          const res = await post(`/v1/coupons/${coupon.id}/codes`, { count: 2, prefix });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          for (const c of res.body.data as { code: string }[]) assert.match(c.code, /^WALK[-_][A-Z0-9]+$/, `${prefix}: ${c.code}`);
        }
      });

      it('when a batch code was already redeemed, then a quote reports coupon_exhausted for it, and the other codes still work', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t);
        const res = await post(`/v1/coupons/${coupon.id}/codes`, { count: 2 });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const [used, fresh] = res.body.data as { code: string }[];
        await markCodeRedeemed(t, used!.code);
        const quote = await quoteWith(plan.code, used!.code.toLowerCase());
        assert.equal(quote.status, 200, JSON.stringify(quote.body));
        assert.deepEqual(quote.body.coupon, { code: used!.code, valid: false, reason: 'coupon_exhausted', discount: 0 });
        assert.deepEqual(quote.body.dueToday, { subtotal: 10000, discount: 0, tax: 1900, total: 11900 });
        assert.equal((await quoteWith(plan.code, fresh!.code)).body.coupon.valid, true);
        assert.equal((await quoteWith(plan.code, coupon.code)).body.coupon.valid, true);
        const listed = await get(`/v1/coupons/${coupon.id}/codes`);
        const usedRow = listed.body.data.find((c: { code: string }) => c.code === used!.code);
        assert.equal(usedRow.redeemed, true);
        assert.ok(!Number.isNaN(Date.parse(usedRow.redeemedAt)));
      });

      for (const count of [0, 1001, 2.5]) {
        it(`when ${count} codes are asked for, then it is refused with 400 at /count`, async () => {
          const coupon = await createCoupon(t);
          assert.deepEqual(pointers(problemOf(await post(`/v1/coupons/${coupon.id}/codes`, { count }), 400, 'validation_failed')), ['/count']);
        });
      }

      it('when codes are asked for an unknown coupon, then 404 coupon_not_found', async () => {
        problemOf(await post('/v1/coupons/NO-SUCH-COUPON/codes', { count: 1 }), 404, 'coupon_not_found');
      });
    });

    describe('another process', () => {
      it('when another process creates or disables a coupon, then quotes here see it once the change is announced', async () => {
        const plan = await createFlatPlan(t, 10000);
        const other = createApp(buildDeps(db, { allowedOrigins: [] }));
        const code = unique('later');
        // An unknown code is remembered as unknown ...
        assert.equal((await quoteWith(plan.code, code)).body.coupon.reason, 'coupon_not_found');
        // ... until another process creates it.
        let heard = couponsChanged(t);
        const created = await request(other).post('/v1/coupons').set(t.sk).send(aCouponInput({ code }));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        await heard;
        assert.deepEqual((await quoteWith(plan.code, code)).body.coupon, { code: code.toUpperCase(), valid: true, discount: 1000, frequency: 'lifetime' });
        heard = couponsChanged(t);
        assert.equal((await request(other).patch(`/v1/coupons/${created.body.id}`).set(t.sk).send({ enabled: false })).status, 200);
        await heard;
        assert.equal((await quoteWith(plan.code, code)).body.coupon.reason, 'coupon_disabled');
      });
    });

    describe('keys', () => {
      it('when a publishable key calls the coupon routes, then each is refused with 403 secret_key_required', async () => {
        const coupon = await createCoupon(t);
        const pk = t.pk;
        const calls = [
          request(t.app).post('/v1/coupons').set(pk).send(aCouponInput()),
          request(t.app).get('/v1/coupons').set(pk),
          request(t.app).get(`/v1/coupons/${coupon.id}`).set(pk),
          request(t.app).patch(`/v1/coupons/${coupon.id}`).set(pk).send({ enabled: false }),
          request(t.app).delete(`/v1/coupons/${coupon.id}`).set(pk),
          request(t.app).post(`/v1/coupons/${coupon.id}/codes`).set(pk).send({ count: 1 }),
          request(t.app).get(`/v1/coupons/${coupon.id}/codes`).set(pk),
        ];
        for (const call of calls) problemOf(await call, 403, 'secret_key_required');
        assert.deepEqual((await get(`/v1/coupons/${coupon.id}`)).body, coupon);
      });

      it('when no key is sent, then 401 unauthenticated', async () => {
        problemOf(await request(t.app).get('/v1/coupons'), 401, 'unauthenticated');
      });
    });
  });
}
