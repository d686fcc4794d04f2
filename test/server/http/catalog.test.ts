import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import { aPlanInput, createPlan, createProduct, pointers, problemOf } from '../../support/api.js';
import { testApp, type TestApp } from '../../support/app.js';
import { testDatabases, unique } from '../../support/db.js';
import type { Db } from '../../../server/storage/db.js';

for (const target of testDatabases()) {
  describe(`catalog API on ${target.name}`, () => {
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

    describe('creating', () => {
      it('when a plan is created with every pricing model, then it answers the charges in order with ids and product numbers', async () => {
        const seat = await createProduct(t);
        const setup = await createProduct(t, { type: 'charge' });
        const storage = await createProduct(t);
        const pack = await createProduct(t);
        const volume = await createProduct(t);
        const res = await post(
          '/v1/plans',
          aPlanInput({
            trialDays: 14,
            charges: [
              { product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 3, min: 1, max: 50, adjustable: true } },
              { product: setup.id, type: 'one_time', pricing: { model: 'flat', amount: 19900 } },
              { product: storage.number, type: 'recurring', pricing: { model: 'tiered', mode: 'graduated', tiers: [{ upTo: 10, unitAmount: 0 }, { upTo: null, unitAmount: 5 }] }, quantity: { default: 10, min: 0 } },
              { product: pack.number, type: 'recurring', pricing: { model: 'package', packageSize: 5, amount: 1000 }, quantity: { default: 5, min: 0 }, optional: true },
              { product: volume.number, type: 'recurring', pricing: { model: 'tiered', mode: 'volume', tiers: [{ upTo: 100, unitAmount: 10, flatAmount: 500 }, { upTo: null, unitAmount: 8, flatAmount: 0 }] } },
            ],
          }),
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.body.id, /^plan_/);
        assert.deepEqual(
          res.body.charges.map((c: { productId: string; productNumber: string; type: string }) => [c.productId, c.productNumber, c.type]),
          [
            [seat.id, seat.number, 'recurring'],
            [setup.id, setup.number, 'one_time'],
            [storage.id, storage.number, 'recurring'],
            [pack.id, pack.number, 'recurring'],
            [volume.id, volume.number, 'recurring'],
          ],
        );
        assert.deepEqual(res.body.charges[0].quantity, { default: 3, min: 1, max: 50, adjustable: true });
        assert.equal(res.body.charges[3].optional, true);
        assert.deepEqual(res.body.charges[4].pricing.tiers[0], { upTo: 100, unitAmount: 10, flatAmount: 500 });
        for (const c of res.body.charges) assert.match(c.id, /^chg_/);

        const got = await request(t.app).get(`/v1/plans/${res.body.code}`).set(t.sk);
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, res.body);
      });

      it('when a family, measurement and metered plan are created, then the plan refers to them', async () => {
        const family = await post('/v1/product-families', { code: unique('fam'), name: 'Cloud' });
        assert.equal(family.status, 201);
        const measurement = await post('/v1/measurements', { code: unique('calls'), unit: 'call', type: 'metered', aggregation: 'sum' });
        assert.equal(measurement.status, 201);
        assert.equal(measurement.body.prorated, false);
        const product = await createProduct(t, { measurementId: measurement.body.code, familyId: family.body.code });
        assert.equal((product as unknown as { measurementId: string }).measurementId, measurement.body.id);
        const plan = await post('/v1/plans', aPlanInput({ familyId: family.body.code, charges: [{ product: product.number, type: 'metered', pricing: { model: 'package', packageSize: 1000, amount: 50 }, quantity: { default: 0, min: 0 } }] }));
        assert.equal(plan.status, 201, JSON.stringify(plan.body));
        assert.equal(plan.body.familyId, family.body.id);
      });
    });

    describe('refusing invalid shapes', () => {
      const refusals: [string, () => Promise<Record<string, unknown>>, number, string, string][] = [
        ['tiers not ascending', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'tiered', mode: 'graduated', tiers: [{ upTo: 10, unitAmount: 5 }, { upTo: 10, unitAmount: 4 }, { upTo: null, unitAmount: 3 }] } }] }), 400, 'validation_failed', '/charges/0/pricing/tiers/1/upTo'],
        ['tiers without a final open tier', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'tiered', mode: 'volume', tiers: [{ upTo: 10, unitAmount: 5 }, { upTo: 20, unitAmount: 4 }] } }] }), 400, 'validation_failed', '/charges/0/pricing/tiers/1/upTo'],
        ['an unknown product', async () => aPlanInput({ charges: [{ product: 'NO-SUCH-PRODUCT', type: 'recurring', pricing: { model: 'flat', amount: 100 } }] }), 400, 'validation_failed', '/charges/0/product'],
        ['an archived product', async () => aPlanInput({ charges: [{ product: (await createProduct(t, { archived: true })).number, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] }), 400, 'validation_failed', '/charges/0/product'],
        ['quantities with min > max', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 100 }, quantity: { min: 5, max: 2, default: 5 } }] }), 400, 'validation_failed', '/charges/0/quantity/max'],
        ['a negative amount', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: -1 } }] }), 400, 'validation_failed', '/charges/0/pricing/unitAmount'],
        ['a fractional amount', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'flat', amount: 9.99 } }] }), 400, 'validation_failed', '/charges/0/pricing/amount'],
        ['an unknown currency', async () => aPlanInput({ currency: 'XYZ', charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] }), 400, 'validation_failed', '/currency'],
        ['a lower-case currency', async () => aPlanInput({ currency: 'eur', charges: [{ product: (await createProduct(t)).number, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] }), 400, 'validation_failed', '/currency'],
        ['no charges', async () => aPlanInput({ charges: [] }), 400, 'validation_failed', '/charges'],
        ['a metered charge on a product without a measurement', async () => aPlanInput({ charges: [{ product: (await createProduct(t)).number, type: 'metered', pricing: { model: 'per_unit', unitAmount: 1 }, quantity: { default: 0, min: 0 } }] }), 400, 'validation_failed', '/charges/0/product'],
      ];
      for (const [situation, body, status, code, pointer] of refusals) {
        it(`when a plan has ${situation}, then it is refused with ${status} ${code} at ${pointer}`, async () => {
          const res = await post('/v1/plans', await body());
          const problem = problemOf(res, status, code);
          assert.ok(pointers(problem).includes(pointer), `pointers ${JSON.stringify(pointers(problem))}`);
        });
      }

      it('when a plan code is taken, then the second plan is refused with 409 plan_code_taken', async () => {
        const product = await createProduct(t);
        const body = aPlanInput({ charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] });
        assert.equal((await post('/v1/plans', body)).status, 201);
        const problem = problemOf(await post('/v1/plans', body), 409, 'plan_code_taken');
        assert.deepEqual(pointers(problem), ['/code']);
      });

      it('when a product number is taken, then the second product is refused with 409 product_number_taken', async () => {
        const product = await createProduct(t);
        problemOf(await post('/v1/products', { number: product.number, name: 'Again' }), 409, 'product_number_taken');
      });

      it('when a recurring or instant_metered measurement does not use last_value, then it is refused at /aggregation', async () => {
        for (const type of ['recurring', 'instant_metered']) {
          const problem = problemOf(await post('/v1/measurements', { code: unique('m'), unit: 'seat', type, aggregation: 'sum' }), 400, 'validation_failed');
          assert.deepEqual(pointers(problem), ['/aggregation']);
        }
        assert.equal((await post('/v1/measurements', { code: unique('m'), unit: 'seat', type: 'recurring', aggregation: 'last_value' })).status, 201);
      });

      it('when a product number is one character, then it is refused at /number', async () => {
        assert.deepEqual(pointers(problemOf(await post('/v1/products', { number: 'X', name: 'Short' }), 400, 'validation_failed')), ['/number']);
      });
    });

    describe('the public catalog', () => {
      it('when a plan is created, then GET /v1/catalog shows it at once; a draft plan and a plan without checkout do not show', async () => {
        const product = await createProduct(t, { description: 'A seat' });
        const charge = { product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 500 } };
        const live = await createPlan(t, { charges: [charge] });
        const draft = await createPlan(t, { status: 'draft', charges: [charge] });
        const hidden = await createPlan(t, { checkoutAllowed: false, charges: [charge] });
        const res = await request(t.app).get('/v1/catalog').set(t.pk);
        assert.equal(res.status, 200);
        const codes = res.body.plans.map((p: { code: string }) => p.code);
        assert.ok(codes.includes(live.code));
        assert.ok(!codes.includes(draft.code));
        assert.ok(!codes.includes(hidden.code));
        const shown = res.body.plans.find((p: { code: string }) => p.code === live.code);
        assert.equal(shown.charges[0].productName, 'Seat');
        assert.equal(shown.charges[0].productDescription, 'A seat');
        assert.equal(shown.charges[0].productNumber, product.number);
        assert.equal('internalName' in shown.charges[0], false);

        const activated = await request(t.app).patch(`/v1/plans/${draft.code}`).set(t.sk).send({ status: 'active' });
        assert.equal(activated.status, 200);
        const again = await request(t.app).get('/v1/catalog').set(t.pk);
        assert.ok(again.body.plans.some((p: { code: string }) => p.code === draft.code));
      });

      it('when another process writes the catalog, then this process serves the new catalog at once', async () => {
        const other = createApp(buildDeps(db, { allowedOrigins: [] }));
        const before = await request(t.app).get('/v1/catalog').set(t.pk);
        const product = await createProduct({ ...t, app: other });
        const plan = await createPlan({ ...t, app: other }, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 700 } }] });
        const after = await request(t.app).get('/v1/catalog').set(t.pk);
        assert.notEqual(after.headers.etag, before.headers.etag);
        assert.ok(after.body.plans.some((p: { code: string }) => p.code === plan.code));
      });

      it('when If-None-Match carries the current ETag, then the answer is 304 without a body', async () => {
        const first = await request(t.app).get('/v1/catalog').set(t.pk);
        assert.match(first.headers.etag, /^"/);
        const second = await request(t.app).get('/v1/catalog').set(t.pk).set('If-None-Match', first.headers.etag);
        assert.equal(second.status, 304);
        assert.equal(second.text, '');
        const stale = await request(t.app).get('/v1/catalog').set(t.pk).set('If-None-Match', '"stale"');
        assert.equal(stale.status, 200);
      });
    });

    describe('lists', () => {
      it('when plans are listed with a limit, then the pages walk every plan once with hasMore and nextCursor', async () => {
        const product = await createProduct(t);
        for (let i = 0; i < 3; i++) await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] });
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res: request.Response = await request(t.app).get('/v1/plans').query({ limit: 2, ...(cursor ? { startingAfter: cursor } : {}) }).set(t.sk);
          assert.equal(res.status, 200);
          assert.ok(res.body.data.length <= 2);
          seen.push(...res.body.data.map((p: { id: string }) => p.id));
          assert.equal(res.body.hasMore, res.body.nextCursor !== null);
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor && pages < 1000);
        assert.equal(new Set(seen).size, seen.length);
        assert.ok(seen.length >= 3);
      });

      it('when limit is out of 1..100, then it is refused at /query/limit', async () => {
        for (const limit of ['0', '101', 'x']) {
          const problem = problemOf(await request(t.app).get('/v1/products').query({ limit }).set(t.sk), 400, 'validation_failed');
          assert.deepEqual(pointers(problem), ['/query/limit']);
        }
      });
    });

    describe('errors and keys', () => {
      it('when the route is unknown, then 404 route_not_found as problem+json', async () => {
        problemOf(await request(t.app).get('/v1/nothing-here').set(t.sk), 404, 'route_not_found');
      });
      it('when the JSON is malformed, then 400 malformed_json', async () => {
        problemOf(await request(t.app).post('/v1/products').set(t.sk).set('Content-Type', 'application/json').send('{"number":'), 400, 'malformed_json');
      });
      it('when the body is not JSON (plain text, a form), then 415 unsupported_media_type naming the type sent', async () => {
        const text = problemOf(await request(t.app).post('/v1/products').set(t.sk).set('Content-Type', 'text/plain').send('number=1'), 415, 'unsupported_media_type');
        assert.deepEqual(text.errors, [{ pointer: '', detail: 'Got text/plain.' }]);
        problemOf(await request(t.app).post('/v1/products').set(t.sk).type('form').send({ number: '1' }), 415, 'unsupported_media_type');
        // JSON with a charset or a +json type is read as usual; no body at all is a missing object (400).
        problemOf(await request(t.app).post('/v1/products').set(t.sk).set('Content-Type', 'application/json; charset=utf-8').send('{}'), 400, 'validation_failed');
        problemOf(await request(t.app).post('/v1/products').set(t.sk).set('Content-Type', 'application/merge-patch+json').send('{}'), 400, 'validation_failed');
        problemOf(await request(t.app).post('/v1/products').set(t.sk), 400, 'validation_failed');
      });
      it('when the body is over 100 kB, then 413 payload_too_large', async () => {
        problemOf(await post('/v1/products', { number: 'BIG-1', name: 'x'.repeat(110_000) }), 413, 'payload_too_large');
      });
      it('when the key is missing or wrong, then 401 unauthenticated', async () => {
        problemOf(await request(t.app).get('/v1/plans'), 401, 'unauthenticated');
        problemOf(await request(t.app).get('/v1/plans').set('Authorization', 'Bearer sk_test_notarealkeynotarealkey'), 401, 'unauthenticated');
        problemOf(await request(t.app).get('/v1/catalog').set('Authorization', 'Basic abc'), 401, 'unauthenticated');
      });
      it('when a publishable key calls a secret route, then 403 secret_key_required', async () => {
        problemOf(await request(t.app).get('/v1/plans').set(t.pk), 403, 'secret_key_required');
        problemOf(await request(t.app).post('/v1/plans').set(t.pk).send(aPlanInput()), 403, 'secret_key_required');
      });
      it('when a publishable key comes from an origin not allowed, then 403 origin_not_allowed; from an allowed one, CORS headers', async () => {
        problemOf(await request(t.app).get('/v1/catalog').set(t.pk).set('Origin', 'http://evil.test'), 403, 'origin_not_allowed');
        const ok = await request(t.app).get('/v1/catalog').set(t.pk).set('Origin', 'http://shop.test');
        assert.equal(ok.status, 200);
        assert.equal(ok.headers['access-control-allow-origin'], 'http://shop.test');
      });
      it('when a plan is unknown, then 404 plan_not_found', async () => {
        problemOf(await request(t.app).get('/v1/plans/no-such-plan').set(t.sk), 404, 'plan_not_found');
      });
      it('when a plan that left draft is set back to draft, then 409', async () => {
        const product = await createProduct(t);
        const plan = await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 1 } }] });
        problemOf(await request(t.app).patch(`/v1/plans/${plan.code}`).set(t.sk).send({ status: 'draft' }), 409, 'plan_status_invalid');
      });
      it('when a PATCH names a field that cannot change, then 400 at that field', async () => {
        const product = await createProduct(t);
        const plan = await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 1 } }] });
        const problem = problemOf(await request(t.app).patch(`/v1/plans/${plan.code}`).set(t.sk).send({ currency: 'USD' }), 400, 'validation_failed');
        assert.ok(problem.errors?.length);
      });
    });
  });
}
