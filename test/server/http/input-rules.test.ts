/**
 * The rules every route shares for what it accepts (schemas/common.ts, applied in validate.ts): text without
 * NUL or lone surrogates anywhere (body, path, query, names of fields), nesting at most MAX_DEPTH, whole
 * numbers within their columns, dates from 1970 to 9999. Each case here was a 500 before (issue 20).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { inputFaults } from '../../../server/http/validate.js';
import { INT4_MAX, LATEST, MAX_DEPTH } from '../../../server/http/schemas/common.js';
import type { Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aCheckoutInput, aFlatPlan, rowCounts, testAppWith } from '../../support/checkout.js';
import { aCouponInput, createCoupon } from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';

describe('inputFaults', () => {
  const cases: { name: string; value: unknown; expected: string[] }[] = [
    { name: 'when text is plain or holds a whole surrogate pair, then nothing', value: { a: 'Zoë 😀', b: ['x', 1, null, true] }, expected: [] },
    { name: 'when a value holds NUL, then its pointer', value: { a: { b: ['ok', 'x\u0000'] } }, expected: ['/a/b/1'] },
    { name: 'when a value holds a lone high surrogate, then its pointer', value: { name: 'ab\ud800' }, expected: ['/name'] },
    { name: 'when a value holds a lone low surrogate, then its pointer', value: { name: '\udc00ab' }, expected: ['/name'] },
    { name: 'when the pair is the wrong way round, then its pointer', value: ['\udc00\ud800'], expected: ['/0'] },
    { name: 'when a field name holds NUL, then its pointer, with U+FFFD in its place', value: { 'a\u0000b': 1 }, expected: ['/a\ufffdb'] },
    { name: 'when a field name holds a lone surrogate, then its pointer, with U+FFFD in its place', value: { '\ud800😀': 1 }, expected: ['/\ufffd😀'] },
    { name: `when arrays nest ${MAX_DEPTH} deep, then nothing`, value: nested(MAX_DEPTH), expected: [] },
    { name: `when arrays nest ${MAX_DEPTH + 1} deep, then the pointer where it goes too deep`, value: nested(MAX_DEPTH + 1), expected: ['/0'.repeat(MAX_DEPTH)] },
    { name: 'when a thousand values hold NUL, then only the first ten are listed', value: Array.from({ length: 1000 }, () => '\u0000'), expected: Array.from({ length: 10 }, (_, i) => `/${i}`) },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(pointers({ errors: inputFaults(c.value) }), c.expected);
    });

  it('when nesting is 20,000 levels deep, then it answers without overflowing the stack', () => {
    assert.equal(inputFaults(JSON.parse('['.repeat(20_000) + ']'.repeat(20_000))).length, 1);
  });
});

function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

for (const target of testDatabases()) {
  describe(`what every route accepts, on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let plan: string;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { testClock: true });
      plan = (await aFlatPlan(t, 1000)).code;
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const post = (path: string, body: unknown, key = t.sk) => request(t.app).post(path).set(key).send(body as object);
    /** A 400 validation_failed naming exactly these pointers. */
    const refused = (res: request.Response, ...expected: string[]) => {
      const body = problemOf(res, 400, 'validation_failed');
      assert.deepEqual(pointers(body), expected, JSON.stringify(body));
      return body;
    };

    describe('text: no NUL (PostgreSQL 22021 before)', () => {
      it('when a quote names a coupon code with NUL, then 400 at /couponCode', async () => {
        refused(await post('/v1/quotes', { plan, couponCode: 'a\u0000b' }, t.pk), '/couponCode');
      });
      it('when a product family is named with NUL, then 400 at /name', async () => {
        const body = refused(await post('/v1/product-families', { code: unique('f'), name: 'a\u0000b' }), '/name');
        assert.match(body.errors![0]!.detail, /NUL/);
      });
      it('when a plan code in the path is %00, then 400 at /path/code', async () => {
        refused(await request(t.app).get('/v1/plans/%00').set(t.sk), '/path/code');
      });
      it('when a checkout id in the path holds %00, then 400 at /path/id', async () => {
        refused(await post('/v1/checkouts/a%00b/confirm', { paymentMethod: 'pm_card_visa' }, t.pk), '/path/id');
      });
      it('when startingAfter is %00, then 400 at /query/startingAfter', async () => {
        refused(await request(t.app).get('/v1/invoices?startingAfter=%00').set(t.sk), '/query/startingAfter');
      });
      it('when customerId is %00, then 400 at /query/customerId', async () => {
        refused(await request(t.app).get('/v1/subscriptions?customerId=x%00').set(t.sk), '/query/customerId');
      });
      it('when a field the schema does not know holds NUL, then 400 there too', async () => {
        refused(await post('/v1/quotes', { plan, note: '\u0000' }, t.pk), '/note');
      });
    });

    describe('text: no lone surrogates (jsonb 22P05 before, or U+FFFD stored silently)', () => {
      it("when a checkout's customer name is a lone surrogate, then 400 at /customer/name and no row is written", async () => {
        const before = await rowCounts(db);
        const body = refused(await post('/v1/checkouts', aCheckoutInput({ plan }, { name: '\ud800' }), t.pk), '/customer/name');
        assert.match(body.errors![0]!.detail, /lone surrogate \(U\+D800\)/);
        assert.deepEqual(await rowCounts(db), before);
      });
      it("when a checkout's coupon code is a lone surrogate, then 400 at /couponCode", async () => {
        refused(await post('/v1/checkouts', aCheckoutInput({ plan, couponCode: '\ud800' }), t.pk), '/couponCode');
      });
      it('when a family name ends in a lone surrogate, then 400 rather than stored as U+FFFD', async () => {
        refused(await post('/v1/product-families', { code: unique('f'), name: 'Family\udfff' }), '/name');
      });
      it('when a name holds a whole surrogate pair, then it is stored as sent', async () => {
        const res = await post('/v1/product-families', { code: unique('f'), name: 'Family 😀' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.name, 'Family 😀');
      });
    });

    describe('nesting (a stack overflow hashing the body for Idempotency-Key before)', () => {
      it('when a checkout with an Idempotency-Key carries 20,000 levels of arrays, then 400 at the depth limit', async () => {
        const body = JSON.stringify(aCheckoutInput({ plan })).replace(/}$/, `,"extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
        const res = await request(t.app).post('/v1/checkouts').set(t.pk).set('Idempotency-Key', unique('deep')).type('application/json').send(body);
        refused(res, '/extra' + '/0'.repeat(MAX_DEPTH - 1));
      });
    });

    describe('whole numbers within their columns', () => {
      it(`when maxRedemptions is ${INT4_MAX + 1}, then 400 at /maxRedemptions`, async () => {
        refused(await post('/v1/coupons', aCouponInput({ maxRedemptions: INT4_MAX + 1, maxRedemptionsPerCustomer: 2 ** 53 - 1 })), '/maxRedemptions', '/maxRedemptionsPerCustomer');
      });
      it(`when maxRedemptions is ${INT4_MAX}, then the coupon is created`, async () => {
        const res = await post('/v1/coupons', aCouponInput({ maxRedemptions: INT4_MAX, maxRedemptionsPerCustomer: INT4_MAX }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.maxRedemptions, INT4_MAX);
      });
      it('when a PATCH raises maxRedemptions past the column, then 400 at /maxRedemptions', async () => {
        const coupon = await createCoupon(t);
        refused(await request(t.app).patch(`/v1/coupons/${coupon.id}`).set(t.sk).send({ maxRedemptions: 2 ** 40 }), '/maxRedemptions');
      });
    });

    describe('dates from 1970 to 9999', () => {
      for (const expiresAt of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59-23:59'])
        it(`when a coupon expires at ${expiresAt}, then 400 at /expiresAt`, async () => {
          const body = refused(await post('/v1/coupons', aCouponInput({ expiresAt })), '/expiresAt');
          assert.match(body.errors![0]!.detail, /1970-01-01 to 9999-12-31/);
        });
      for (const expiresAt of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])
        it(`when a coupon expires at ${expiresAt}, then it is created`, async () => {
          const res = await post('/v1/coupons', aCouponInput({ expiresAt }));
          assert.equal(res.status, 201, JSON.stringify(res.body));
          assert.equal(res.body.expiresAt, new Date(expiresAt).toISOString());
        });
      it('when the test clock would pass the end of 9999, then 400 at /days, and it may still move up to it', async () => {
        await t.deps.settings.advanceClock(LATEST - 86_400_000 - Date.now());
        try {
          refused(await post('/v1/test-clock/advance', { days: 2 }), '/days');
          const res = await post('/v1/test-clock/advance', { seconds: 3600 });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.match(res.body.now, /^9999-12-31T/);
        } finally {
          // Back to the real time for the other tests on this database.
          await db.query(`update settings set data = data - 'clockOffsetMs' where id = 1`);
          t.deps.catalogCache.invalidate();
        }
      });
    });

    describe('paths Express cannot decode', () => {
      it('when a path segment is not UTF-8 (%ff), then 400 bad_request as problem+json', async () => {
        problemOf(await request(t.app).get('/v1/plans/%ff').set(t.sk), 400, 'bad_request');
      });
      it('when a checkout id is a broken escape (%E0%A4%A), then 400 bad_request', async () => {
        problemOf(await post('/v1/checkouts/%E0%A4%A/confirm', { paymentMethod: 'pm_card_visa' }, t.pk), 400, 'bad_request');
      });
    });
  });
}
