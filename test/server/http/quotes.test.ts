import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createPlan, createProduct, pointers, problemOf } from '../../support/api.js';
import { TEST_ORIGIN, testApp, type TestApp } from '../../support/app.js';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import { aFixedCouponInput, createCoupon, createFlatPlan, markCouponRedeemed, recordRedemption } from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';
import type { Db } from '../../../server/storage/db.js';

interface Totals {
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}
interface Line extends Totals {
  chargeId: string;
  productId: string;
  description: string;
  type: string;
  quantity: number;
  unitAmount?: number;
  trial?: true;
  taxRate: number;
}
interface Quote {
  plan: string;
  currency: string;
  lines: Line[];
  coupon?: { code: string; valid: boolean; reason?: string; discount: number };
  taxTreatment: string;
  taxBehavior: 'exclusive' | 'inclusive';
  dueToday: Totals;
  recurring: Totals & { interval: { unit: string; count: number } };
  trialEndsAt?: string;
  meteredCharges: { chargeId: string; description: string; pricing: unknown }[];
}

/** SPEC section 5 invariants: every figure >= 0, dueToday = the sums of the lines, line totals add up. */
function assertInvariants(q: Quote): void {
  const figures = (o: Totals) => [o.subtotal, o.discount, o.tax, o.total];
  for (const n of [...q.lines.flatMap(figures), ...figures(q.dueToday), ...figures(q.recurring), q.coupon?.discount ?? 0]) {
    assert.ok(Number.isSafeInteger(n) && n >= 0, `figure ${n} in ${JSON.stringify(q)}`);
  }
  const sum = (key: keyof Totals) => q.lines.reduce((s, l) => s + l[key], 0);
  assert.deepEqual(q.dueToday, { subtotal: sum('subtotal'), discount: sum('discount'), tax: sum('tax'), total: sum('total') });
  for (const l of q.lines) {
    assert.ok(l.discount <= l.subtotal, `line discount above subtotal: ${JSON.stringify(l)}`);
    assert.equal(l.total, q.taxBehavior === 'exclusive' ? l.subtotal - l.discount + l.tax : l.subtotal - l.discount, JSON.stringify(l));
  }
  for (const r of [q.dueToday, q.recurring]) {
    assert.equal(r.total, q.taxBehavior === 'exclusive' ? r.subtotal - r.discount + r.tax : r.subtotal - r.discount, JSON.stringify(r));
  }
  if (q.coupon) assert.equal(q.coupon.discount, q.dueToday.discount);
}

const MONTH = { unit: 'month', count: 1 };

for (const target of testDatabases()) {
  describe(`quotes API on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      t = await testApp(db);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const quoteRes = (body: unknown) => request(t.app).post('/v1/quotes').set(t.pk).send(body as object);
    /** A successful quote, its invariants checked. */
    async function quote(body: Record<string, unknown>): Promise<Quote> {
      const res = await quoteRes(body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assertInvariants(res.body as Quote);
      return res.body as Quote;
    }
    const recurringFlat = (product: { number: string }, amount: number) => ({ product: product.number, type: 'recurring', pricing: { model: 'flat', amount } });

    describe('golden carts, priced by hand', () => {
      it('when a per-seat plan is bought for 3 seats, then 3 x 12.00 = 36.00 plus 19 % German VAT (6.84)', async () => {
        const seat = await createProduct(t, { name: 'Seat' });
        const plan = await createPlan(t, { charges: [{ product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 1, min: 1, max: 50, adjustable: true } }] });
        const q = await quote({ plan: plan.code, quantity: 3 });
        assert.deepEqual(q, {
          plan: plan.code,
          currency: 'EUR',
          lines: [{ chargeId: plan.charges[0]!.id, productId: seat.id, description: 'Seat', type: 'recurring', quantity: 3, unitAmount: 1200, subtotal: 3600, discount: 0, taxRate: 1900, tax: 684, total: 4284 }],
          taxTreatment: 'domestic',
          taxBehavior: 'exclusive',
          dueToday: { subtotal: 3600, discount: 0, tax: 684, total: 4284 },
          recurring: { interval: MONTH, subtotal: 3600, discount: 0, tax: 684, total: 4284 },
          meteredCharges: [],
        });
        // Without a quantity, the default (1) applies.
        assert.equal((await quote({ plan: plan.code })).dueToday.subtotal, 1200);
      });

      it('when a graduated plan is bought at the first tier boundary and one unit past it, then the next tier (and its flat fee) starts only past it', async () => {
        const product = await createProduct(t);
        const tiers = [{ upTo: 10, unitAmount: 500, flatAmount: 1000 }, { upTo: 20, unitAmount: 400, flatAmount: 2000 }, { upTo: null, unitAmount: 300 }];
        const plan = await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'tiered', mode: 'graduated', tiers }, quantity: { default: 1, min: 0, adjustable: true } }] });
        // 10 units: 10 x 5.00 + 10.00 = 60.00; tax 11.40
        const atBoundary = await quote({ plan: plan.code, quantity: 10 });
        assert.deepEqual(atBoundary.dueToday, { subtotal: 6000, discount: 0, tax: 1140, total: 7140 });
        assert.equal(atBoundary.lines[0]!.quantity, 10);
        assert.equal('unitAmount' in atBoundary.lines[0]!, false);
        // 11 units: 60.00 + 1 x 4.00 + 20.00 = 84.00; tax 15.96
        const past = await quote({ plan: plan.code, quantity: 11 });
        assert.deepEqual(past.dueToday, { subtotal: 8400, discount: 0, tax: 1596, total: 9996 });
        // 21 units: 60.00 + (10 x 4.00 + 20.00) + 1 x 3.00 = 123.00; tax 23.37
        assert.deepEqual((await quote({ plan: plan.code, quantity: 21 })).dueToday, { subtotal: 12300, discount: 0, tax: 2337, total: 14637 });
        // 0 units: nothing, no flat fee
        assert.deepEqual((await quote({ plan: plan.code, quantity: 0 })).dueToday, { subtotal: 0, discount: 0, tax: 0, total: 0 });
      });

      it('when a plan has a setup fee and a 14-day trial, then today bills the setup fee only, the seats show as trial lines, and recurring is period 1', async () => {
        const seat = await createProduct(t, { name: 'Seat' });
        const setup = await createProduct(t, { name: 'Setup', type: 'charge' });
        const plan = await createPlan(t, {
          trialDays: 14,
          charges: [
            { product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1000 }, quantity: { default: 2, min: 1, max: 10, adjustable: true } },
            { product: setup.number, type: 'one_time', pricing: { model: 'flat', amount: 4999 } },
          ],
        });
        const before = Date.now();
        const q = await quote({ plan: plan.code });
        const afterMs = Date.now();
        assert.deepEqual(q.lines, [
          { chargeId: plan.charges[0]!.id, productId: seat.id, description: 'Seat', type: 'recurring', quantity: 2, unitAmount: 1000, trial: true, subtotal: 0, discount: 0, taxRate: 1900, tax: 0, total: 0 },
          // 49.99 x 19 % = 9.4981 -> 9.50
          { chargeId: plan.charges[1]!.id, productId: setup.id, description: 'Setup', type: 'one_time', quantity: 1, unitAmount: 4999, subtotal: 4999, discount: 0, taxRate: 1900, tax: 950, total: 5949 },
        ]);
        assert.deepEqual(q.dueToday, { subtotal: 4999, discount: 0, tax: 950, total: 5949 });
        // First paid period: 2 x 10.00 = 20.00 + 3.80 tax; no setup fee again.
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 2000, discount: 0, tax: 380, total: 2380 });
        const ends = Date.parse(q.trialEndsAt!);
        const fourteenDays = 14 * 24 * 3600 * 1000;
        assert.ok(ends >= before + fourteenDays && ends <= afterMs + fourteenDays, `trialEndsAt ${q.trialEndsAt}`);
      });

      it('when a plan has an add-on, then the add-on is priced only when chosen, with its own quantity', async () => {
        const base = await createProduct(t, { name: 'Base' });
        const extra = await createProduct(t, { name: 'Extra storage' });
        const plan = await createPlan(t, {
          charges: [
            recurringFlat(base, 2900),
            { product: extra.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 500 }, quantity: { default: 1, min: 1, max: 10, adjustable: true }, optional: true },
          ],
        });
        const addOn = plan.charges[1]!.id;
        const without = await quote({ plan: plan.code });
        assert.deepEqual(without.lines.map((l) => l.chargeId), [plan.charges[0]!.id]);
        assert.deepEqual(without.dueToday, { subtotal: 2900, discount: 0, tax: 551, total: 3451 });

        // 29.00 + 4 x 5.00 = 49.00; tax 9.31 allocated 5.51 / 3.80
        const withIt = await quote({ plan: plan.code, addOns: [addOn], charges: [{ chargeId: addOn, quantity: 4 }] });
        assert.deepEqual(
          withIt.lines.map((l) => [l.chargeId, l.description, l.quantity, l.subtotal, l.tax, l.total]),
          [
            [plan.charges[0]!.id, 'Base', 1, 2900, 551, 3451],
            [addOn, 'Extra storage', 4, 2000, 380, 2380],
          ],
        );
        assert.deepEqual(withIt.dueToday, { subtotal: 4900, discount: 0, tax: 931, total: 5831 });
        assert.deepEqual(withIt.recurring, { interval: MONTH, subtotal: 4900, discount: 0, tax: 931, total: 5831 });

        // Chosen without a quantity: its default (1).
        assert.equal((await quote({ plan: plan.code, addOns: [addOn] })).dueToday.subtotal, 3400);
      });

      it('when a plan has a metered charge, then it is listed in meteredCharges with its pricing, not in lines, and nothing is due for it', async () => {
        const measurement = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: unique('calls'), unit: 'call', type: 'metered', aggregation: 'sum' });
        assert.equal(measurement.status, 201, JSON.stringify(measurement.body));
        const base = await createProduct(t, { name: 'Base' });
        const calls = await createProduct(t, { name: 'API calls', measurementId: measurement.body.code });
        const pricing = { model: 'package', packageSize: 1000, amount: 50 };
        const plan = await createPlan(t, { charges: [recurringFlat(base, 1000), { product: calls.number, type: 'metered', pricing, quantity: { default: 0, min: 0 } }] });
        const q = await quote({ plan: plan.code });
        assert.deepEqual(q.lines.map((l) => l.chargeId), [plan.charges[0]!.id]);
        assert.deepEqual(q.meteredCharges, [{ chargeId: plan.charges[1]!.id, description: 'API calls', pricing }]);
        assert.deepEqual(q.dueToday, { subtotal: 1000, discount: 0, tax: 190, total: 1190 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 1000, discount: 0, tax: 190, total: 1190 });
      });

      it('when an inclusive plan is bought by a consumer in France, then OSS at 20 % is inside the price: 99.99 holds 16.665 -> 16.67 tax', async () => {
        const product = await createProduct(t);
        const plan = await createPlan(t, { taxBehavior: 'inclusive', charges: [recurringFlat(product, 9999)] });
        const q = await quote({ plan: plan.code, customer: { country: 'FR', type: 'individual' } });
        assert.equal(q.taxTreatment, 'oss');
        assert.equal(q.taxBehavior, 'inclusive');
        assert.deepEqual(
          q.lines.map((l) => [l.subtotal, l.discount, l.taxRate, l.tax, l.total]),
          [[9999, 0, 2000, 1667, 9999]],
        );
        assert.deepEqual(q.dueToday, { subtotal: 9999, discount: 0, tax: 1667, total: 9999 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 9999, discount: 0, tax: 1667, total: 9999 });
      });

      it('when a business in the Netherlands gives a valid VAT id, then reverse charge: rate 0, tax 0', async () => {
        const plan = await createFlatPlan(t, 5000);
        const q = await quote({ plan: plan.code, customer: { country: 'NL', type: 'business', vatId: 'NL004495445B01' } });
        assert.equal(q.taxTreatment, 'reverse_charge');
        assert.deepEqual(q.lines.map((l) => [l.subtotal, l.taxRate, l.tax, l.total]), [[5000, 0, 0, 5000]]);
        assert.deepEqual(q.dueToday, { subtotal: 5000, discount: 0, tax: 0, total: 5000 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 5000, discount: 0, tax: 0, total: 5000 });
        // Written with spaces and dots, it is the same id.
        assert.equal((await quote({ plan: plan.code, customer: { country: 'NL', type: 'business', vatId: 'nl 0044.95445 b01' } })).taxTreatment, 'reverse_charge');
      });

      it('when a consumer in the Netherlands gives a valid VAT id, then it is still OSS at 21 %', async () => {
        const plan = await createFlatPlan(t, 5000);
        const q = await quote({ plan: plan.code, customer: { country: 'NL', type: 'individual', vatId: 'NL004495445B01' } });
        assert.equal(q.taxTreatment, 'oss');
        assert.deepEqual(q.dueToday, { subtotal: 5000, discount: 0, tax: 1050, total: 6050 });
      });

      it('when the buyer is in the US, then outside scope: rate 0, tax 0', async () => {
        const plan = await createFlatPlan(t, 5000);
        const q = await quote({ plan: plan.code, customer: { country: 'US', type: 'business', vatId: 'whatever-is-not-checked' } });
        assert.equal(q.taxTreatment, 'outside_scope');
        assert.deepEqual(q.lines.map((l) => [l.taxRate, l.tax]), [[0, 0]]);
        assert.deepEqual(q.dueToday, { subtotal: 5000, discount: 0, tax: 0, total: 5000 });
      });

      it('when a German business buys a standard and a reduced product, then domestic 19 % and 7 %, each rounded half away from zero', async () => {
        const standard = await createProduct(t, { name: 'Software' });
        const reduced = await createProduct(t, { name: 'E-book', taxGroup: 'reduced' });
        const plan = await createPlan(t, { charges: [recurringFlat(standard, 2550), recurringFlat(reduced, 1050)] });
        const q = await quote({ plan: plan.code, customer: { country: 'DE', type: 'business', vatId: 'DE136695976' } });
        assert.equal(q.taxTreatment, 'domestic');
        // 25.50 x 19 % = 4.845 -> 4.85; 10.50 x 7 % = 0.735 -> 0.74
        assert.deepEqual(q.lines.map((l) => [l.subtotal, l.taxRate, l.tax, l.total]), [[2550, 1900, 485, 3035], [1050, 700, 74, 1124]]);
        assert.deepEqual(q.dueToday, { subtotal: 3600, discount: 0, tax: 559, total: 4159 });
        // Without a customer: an individual in the home country, the same figures.
        const anonymous = await quote({ plan: plan.code });
        assert.equal(anonymous.taxTreatment, 'domestic');
        assert.deepEqual(anonymous.dueToday, q.dueToday);
      });

      it('when a fixed coupon covers two lines, then it is allocated in proportion and the tax tie goes to the earlier line', async () => {
        const a = await createProduct(t);
        const b = await createProduct(t);
        const plan = await createPlan(t, { charges: [recurringFlat(a, 3000), recurringFlat(b, 1000)] });
        const coupon = await createCoupon(t, aFixedCouponInput({ fixedAmount: 1000 }));
        const q = await quote({ plan: plan.code, couponCode: coupon.code });
        // D = 10.00 over 30.00 / 10.00 -> 7.50 / 2.50; tax round(30.00 x 19 %) = 5.70 over 22.50 / 7.50
        // -> 4.275 / 1.425 -> floors 4.27 / 1.42, the remaining cent to the earlier line (equal remainders).
        assert.deepEqual(q.lines.map((l) => [l.subtotal, l.discount, l.tax, l.total]), [[3000, 750, 428, 2678], [1000, 250, 142, 892]]);
        assert.deepEqual(q.dueToday, { subtotal: 4000, discount: 1000, tax: 570, total: 3570 });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: true, discount: 1000, frequency: 'once' });
        // once: the renewal is not discounted.
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 4000, discount: 0, tax: 760, total: 4760 });
      });
    });

    describe('coupon verdicts', () => {
      // The plan every verdict is priced on: 100.00 a month, 19 % German VAT.
      let plan: { code: string; id: string };
      const undiscounted = { subtotal: 10000, discount: 0, tax: 1900, total: 11900 };
      before(async () => {
        plan = await createFlatPlan(t, 10000);
      });

      /** Asserts the quote succeeded, reports `reason` and is priced as if there were no coupon. */
      async function assertRefused(body: Record<string, unknown>, code: string, reason: string) {
        const q = await quote({ plan: plan.code, ...body });
        assert.deepEqual(q.coupon, { code, valid: false, reason, discount: 0 });
        assert.deepEqual(q.dueToday, undiscounted);
        assert.deepEqual(q.recurring, { interval: MONTH, ...undiscounted });
        assert.ok(q.lines.every((l) => l.discount === 0));
        const { coupon: _c, ...rest } = q;
        const { coupon: _n, ...plain } = await quote({ plan: plan.code, ...body, couponCode: undefined });
        assert.deepEqual(rest, plain);
      }

      it('when a coupon is valid, then it discounts today and the renewal: 25 % of 100.00', async () => {
        const coupon = await createCoupon(t, { percentage: 25 });
        const q = await quote({ plan: plan.code, couponCode: coupon.code.toLowerCase() });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: true, discount: 2500, frequency: 'lifetime' });
        assert.deepEqual(q.dueToday, { subtotal: 10000, discount: 2500, tax: 1425, total: 8925 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 10000, discount: 2500, tax: 1425, total: 8925 });
      });

      it('when the code is unknown, then coupon_not_found', async () => {
        const code = unique('nope');
        await assertRefused({ couponCode: code }, code.toUpperCase(), 'coupon_not_found');
      });

      it('when the coupon is disabled, then coupon_disabled', async () => {
        const coupon = await createCoupon(t, { enabled: false });
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_disabled');
      });

      it('when the coupon expired, then coupon_expired', async () => {
        const coupon = await createCoupon(t, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_expired');
      });

      it('when the coupon expires in the future, then it is valid', async () => {
        const coupon = await createCoupon(t, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
        assert.equal((await quote({ plan: plan.code, couponCode: coupon.code })).coupon?.valid, true);
      });

      it('when the coupon reached maxRedemptions, then coupon_exhausted; one below, valid', async () => {
        const coupon = await createCoupon(t, { maxRedemptions: 2 });
        await markCouponRedeemed(t, coupon.id, 1);
        assert.equal((await quote({ plan: plan.code, couponCode: coupon.code })).coupon?.valid, true);
        await markCouponRedeemed(t, coupon.id, 2);
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_exhausted');
      });

      it('when the customer (by email) used up maxRedemptionsPerCustomer, then coupon_customer_limit; another customer or an unknown buyer, valid', async () => {
        const coupon = await createCoupon(t, { maxRedemptionsPerCustomer: 1 });
        const email = `${unique('ada')}@example.com`;
        await recordRedemption(t, coupon.id, email);
        // An unknown buyer first: the code is then in the process's cache, and a known buyer's count is
        // still read from the database.
        assert.equal((await quote({ plan: plan.code, couponCode: coupon.code })).coupon?.valid, true);
        await assertRefused({ couponCode: coupon.code, customer: { email, country: 'DE', type: 'individual' } }, coupon.code, 'coupon_customer_limit');
        // Emails are matched case-insensitively.
        await assertRefused({ couponCode: coupon.code, customer: { email: email.toUpperCase(), country: 'DE', type: 'individual' } }, coupon.code, 'coupon_customer_limit');
        const other = await quote({ plan: plan.code, couponCode: coupon.code, customer: { email: `${unique('bob')}@example.com`, country: 'DE', type: 'individual' } });
        assert.equal(other.coupon?.valid, true);
        assert.equal((await quote({ plan: plan.code, couponCode: coupon.code })).coupon?.valid, true);
      });

      it('when a fixed USD coupon meets a EUR plan, then coupon_currency_mismatch', async () => {
        const coupon = await createCoupon(t, aFixedCouponInput({ currency: 'USD' }));
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_currency_mismatch');
      });

      it('when the coupon is limited to another plan, then coupon_not_applicable', async () => {
        const other = await createFlatPlan(t, 100);
        const coupon = await createCoupon(t, { plans: [other.code] });
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_not_applicable');
      });

      it('when the coupon excludes the only product of the plan, then coupon_not_applicable', async () => {
        const own = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { excludedProducts: [own.product.number] });
        const q = await quote({ plan: own.code, couponCode: coupon.code });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: false, reason: 'coupon_not_applicable', discount: 0 });
      });

      it('when the coupon is limited to an add-on product, then it is not applicable until the add-on is chosen, and then discounts only that line', async () => {
        const base = await createProduct(t);
        const extra = await createProduct(t);
        const own = await createPlan(t, { charges: [recurringFlat(base, 10000), { ...recurringFlat(extra, 2000), optional: true }] });
        const coupon = await createCoupon(t, { percentage: 50, products: [extra.number] });
        const without = await quote({ plan: own.code, couponCode: coupon.code });
        assert.deepEqual(without.coupon, { code: coupon.code, valid: false, reason: 'coupon_not_applicable', discount: 0 });
        const withIt = await quote({ plan: own.code, addOns: [own.charges[1]!.id], couponCode: coupon.code });
        assert.deepEqual(withIt.coupon, { code: coupon.code, valid: true, discount: 1000, frequency: 'lifetime' });
        // 100.00 + 19.00; 20.00 - 10.00 = 10.00 + 1.90
        assert.deepEqual(withIt.lines.map((l) => [l.subtotal, l.discount, l.tax, l.total]), [[10000, 0, 1900, 11900], [2000, 1000, 190, 1190]]);
      });

      it('when the only eligible charge of the cart is metered, then the coupon is valid with nothing to discount today', async () => {
        const measurement = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: unique('gb'), unit: 'GB', type: 'metered', aggregation: 'max' });
        assert.equal(measurement.status, 201, JSON.stringify(measurement.body));
        const base = await createProduct(t);
        const storage = await createProduct(t, { measurementId: measurement.body.id });
        const own = await createPlan(t, { charges: [recurringFlat(base, 10000), { product: storage.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: 10 }, quantity: { default: 0, min: 0 } }] });
        const coupon = await createCoupon(t, { products: [storage.number] });
        const q = await quote({ plan: own.code, couponCode: coupon.code });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: true, discount: 0, frequency: 'lifetime' });
        assert.deepEqual(q.dueToday, undiscounted);
        assert.equal(q.recurring.discount, 0);
      });

      it('when a coupon is disabled and expired, then the first check in the order wins: coupon_disabled', async () => {
        const coupon = await createCoupon(t, { enabled: false, expiresAt: '2020-01-01T00:00:00Z' });
        await assertRefused({ couponCode: coupon.code }, coupon.code, 'coupon_disabled');
      });

      it('when a coupon is expired and exhausted, then coupon_expired; exhausted in another currency, coupon_exhausted', async () => {
        const expired = await createCoupon(t, { expiresAt: '2020-01-01T00:00:00Z', maxRedemptions: 1 });
        await markCouponRedeemed(t, expired.id);
        await assertRefused({ couponCode: expired.code }, expired.code, 'coupon_expired');
        const exhausted = await createCoupon(t, aFixedCouponInput({ currency: 'USD', maxRedemptions: 1 }));
        await markCouponRedeemed(t, exhausted.id);
        await assertRefused({ couponCode: exhausted.code }, exhausted.code, 'coupon_exhausted');
      });

      it('when the coupon code is blank, then there is no verdict at all', async () => {
        const q = await quote({ plan: plan.code, couponCode: '  ' });
        assert.equal('coupon' in q, false);
        assert.deepEqual(q.dueToday, undiscounted);
      });
    });

    describe('coupon duration', () => {
      it('when a limited coupon (2 periods) meets a plan without trial, then today (period 1) and the renewal (period 2) are discounted', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'limited', numberOfPeriods: 2 });
        const q = await quote({ plan: plan.code, couponCode: coupon.code });
        assert.deepEqual(q.dueToday, { subtotal: 10000, discount: 1000, tax: 1710, total: 10710 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 10000, discount: 1000, tax: 1710, total: 10710 });
        // The verdict says how long it lasts, so a buyer can be told what the renewal costs once it ends.
        assert.deepEqual(q.coupon, { code: coupon.code, valid: true, discount: 1000, frequency: 'limited', numberOfPeriods: 2 });
      });

      it('when a limited coupon (1 period) meets a plan without trial, then only today is discounted', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'limited', numberOfPeriods: 1 });
        const q = await quote({ plan: plan.code, couponCode: coupon.code });
        assert.equal(q.dueToday.discount, 1000);
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 10000, discount: 0, tax: 1900, total: 11900 });
      });

      it('when a once coupon meets a plan without trial, then today is discounted and the renewal is not', async () => {
        const plan = await createFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'once' });
        const q = await quote({ plan: plan.code, couponCode: coupon.code });
        assert.deepEqual(q.dueToday, { subtotal: 10000, discount: 1000, tax: 1710, total: 10710 });
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 10000, discount: 0, tax: 1900, total: 11900 });
      });

      it('when a once coupon meets a trial plan with a setup fee, then it discounts the setup fee today and the first paid period', async () => {
        const seat = await createProduct(t);
        const setup = await createProduct(t, { type: 'charge' });
        const plan = await createPlan(t, { trialDays: 7, charges: [recurringFlat(seat, 10000), { product: setup.number, type: 'one_time', pricing: { model: 'flat', amount: 2000 } }] });
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'once' });
        const q = await quote({ plan: plan.code, couponCode: coupon.code });
        // Today: setup 20.00 - 2.00 = 18.00 + 3.42 tax; the trial line has nothing to discount.
        assert.deepEqual(q.lines.map((l) => [l.trial ?? false, l.subtotal, l.discount, l.tax, l.total]), [[true, 0, 0, 0, 0], [false, 2000, 200, 342, 2142]]);
        assert.deepEqual(q.dueToday, { subtotal: 2000, discount: 200, tax: 342, total: 2142 });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: true, discount: 200, frequency: 'once' });
        // Period 1 (the first renewal): 100.00 - 10.00 = 90.00 + 17.10 tax.
        assert.deepEqual(q.recurring, { interval: MONTH, subtotal: 10000, discount: 1000, tax: 1710, total: 10710 });
      });
    });

    describe('what the client sends', () => {
      it('when the body carries prices, totals, lines and dueToday, then they are ignored: the same quote as without them', async () => {
        const seat = await createProduct(t);
        const plan = await createPlan(t, { charges: [{ product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 1, min: 1, max: 50, adjustable: true } }] });
        const cart = { plan: plan.code, charges: [{ chargeId: plan.charges[0]!.id, quantity: 2 }] };
        const clean = await quoteRes(cart);
        assert.equal(clean.status, 200);
        const tampered = await quoteRes({
          ...cart,
          charges: [{ chargeId: plan.charges[0]!.id, quantity: 2, unitAmount: 1, subtotal: 1 }],
          unitAmount: 1,
          total: 1,
          currency: 'JPY',
          lines: [{ chargeId: plan.charges[0]!.id, subtotal: 1, total: 1 }],
          dueToday: { subtotal: 1, discount: 0, tax: 0, total: 1 },
        });
        assert.equal(tampered.status, 200, JSON.stringify(tampered.body));
        assert.equal(tampered.text, clean.text);
        assert.equal(clean.body.dueToday.subtotal, 2400);
      });

      it('when the same cart is quoted twice, then the JSON is byte-identical', async () => {
        const base = await createProduct(t);
        const extra = await createProduct(t);
        const plan = await createPlan(t, {
          charges: [
            { product: base.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 333 }, quantity: { default: 1, min: 1, max: 100, adjustable: true } },
            { product: extra.number, type: 'recurring', pricing: { model: 'flat', amount: 777 }, optional: true },
          ],
        });
        const coupon = await createCoupon(t, { percentage: 33.33 });
        const cart = { plan: plan.code, quantity: 7, addOns: [plan.charges[1]!.id], couponCode: coupon.code, customer: { country: 'FR', type: 'individual' } };
        const first = await quoteRes(cart);
        const second = await quoteRes(cart);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assertInvariants(first.body);
        assert.equal(second.text, first.text);
        // 7 x 3.33 + 7.77 = 31.08; 33.33 % = 10.358964 -> 10.36; 20.72 at 20 % = 4.144 -> 4.14
        assert.deepEqual(first.body.dueToday, { subtotal: 3108, discount: 1036, tax: 414, total: 2486 });
      });
    });

    describe('refusals', () => {
      let plan: { code: string; charges: { id: string }[] };
      before(async () => {
        const seat = await createProduct(t);
        const addOn = await createProduct(t);
        plan = await createPlan(t, {
          charges: [
            { product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1000 }, quantity: { default: 1, min: 1, max: 50, adjustable: true } },
            { product: addOn.number, type: 'recurring', pricing: { model: 'flat', amount: 500 }, optional: true },
          ],
        });
      });

      const invalid: [string, () => Record<string, unknown>, string][] = [
        ['quantity 2.5', () => ({ plan: plan.code, quantity: 2.5 }), '/quantity'],
        ['a negative quantity', () => ({ plan: plan.code, quantity: -1 }), '/quantity'],
        ['a quantity above the charge maximum (51 > 50)', () => ({ plan: plan.code, quantity: 51 }), '/quantity'],
        ['a quantity below the charge minimum (0 < 1)', () => ({ plan: plan.code, quantity: 0 }), '/quantity'],
        ['a charge quantity above its maximum', () => ({ plan: plan.code, charges: [{ chargeId: plan.charges[0]!.id, quantity: 51 }] }), '/charges/0/quantity'],
        ['an unknown chargeId', () => ({ plan: plan.code, charges: [{ chargeId: 'chg_nope', quantity: 1 }] }), '/charges/0/chargeId'],
        ['addOns naming a charge that is not optional', () => ({ plan: plan.code, addOns: [plan.charges[0]!.id] }), '/addOns/0'],
        ['an add-on quantity without choosing the add-on', () => ({ plan: plan.code, charges: [{ chargeId: plan.charges[1]!.id, quantity: 1 }] }), '/charges/0/chargeId'],
        ['a three-letter country', () => ({ plan: plan.code, customer: { country: 'DEU', type: 'individual' } }), '/customer/country'],
        ['a code that is no country (EU)', () => ({ plan: plan.code, customer: { country: 'EU', type: 'individual' } }), '/customer/country'],
        ['an unassigned code (AA)', () => ({ plan: plan.code, customer: { country: 'aa', type: 'individual' } }), '/customer/country'],
        ['an unknown customer type', () => ({ plan: plan.code, customer: { country: 'DE', type: 'company' } }), '/customer/type'],
        ['no plan', () => ({ quantity: 1 }), '/plan'],
        ['a charge listed twice', () => ({ plan: plan.code, charges: [{ chargeId: plan.charges[0]!.id, quantity: 1 }, { chargeId: plan.charges[0]!.id, quantity: 2 }] }), '/charges/1/chargeId'],
        ['an add-on listed twice', () => ({ plan: plan.code, addOns: [plan.charges[1]!.id, plan.charges[1]!.id] }), '/addOns/1'],
        ['an email that is no email', () => ({ plan: plan.code, customer: { email: 'not-an-email', country: 'DE', type: 'individual' } }), '/customer/email'],
      ];
      for (const [situation, body, pointer] of invalid) {
        it(`when the cart has ${situation}, then 400 validation_failed at ${pointer}`, async () => {
          const problem = problemOf(await quoteRes(body()), 400, 'validation_failed');
          assert.ok(pointers(problem).includes(pointer), `pointers ${JSON.stringify(pointers(problem))}`);
        });
      }

      it('when Greece is given by its VAT prefix EL (or Britain as UK), then 400 at /customer/country naming the right code, not an untaxed sale outside the EU', async () => {
        for (const [given, hint] of [['EL', /Greece is GR/], ['uk', /United Kingdom is GB/]] as const) {
          const problem = problemOf(await quoteRes({ plan: plan.code, customer: { country: given, type: 'individual' } }), 400, 'validation_failed');
          const errors = problem.errors ?? [];
          assert.match(errors.find((e) => e.pointer === '/customer/country')?.detail ?? '', hint, JSON.stringify(problem));
        }
        const greek = (await quoteRes({ plan: plan.code, customer: { country: 'gr', type: 'individual' } })).body;
        assert.deepEqual([greek.taxTreatment, greek.lines[0].taxRate], ['oss', 2400]);
      });

      it('when the plan is unknown, then 404 plan_not_found', async () => {
        problemOf(await quoteRes({ plan: unique('no-such-plan') }), 404, 'plan_not_found');
      });

      it('when the plan is a draft or closed to checkout, then 422 plan_not_available', async () => {
        const draft = await createFlatPlan(t, 1000, { status: 'draft' });
        problemOf(await quoteRes({ plan: draft.code }), 422, 'plan_not_available');
        const closed = await createFlatPlan(t, 1000, { checkoutAllowed: false });
        problemOf(await quoteRes({ plan: closed.code }), 422, 'plan_not_available');
      });

      it('when a quantity makes an amount pass 2^53, then 422 amount_out_of_range, never a 500', async () => {
        const product = await createProduct(t);
        const huge = await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 4_503_599_627_370_496 }, quantity: { default: 1, min: 1, adjustable: true } }] });
        assert.equal((await quoteRes({ plan: huge.code, quantity: 1 })).status, 200);
        problemOf(await quoteRes({ plan: huge.code, quantity: 2 }), 422, 'amount_out_of_range');
      });

      it('when the VAT id is invalid, then 422 vat_id_invalid at /customer/vatId (never silently dropped)', async () => {
        for (const customer of [
          { country: 'NL', type: 'business', vatId: 'NL123456789B01' },
          { country: 'FR', type: 'business', vatId: 'DE136695976' },
          { country: 'DE', type: 'business', vatId: 'DE123456789' },
          // too short to be anyone's: the tax rules refuse it, not a length check (400)
          { country: 'DE', type: 'business', vatId: 'D' },
          // nothing left once spaces and hyphens are dropped
          { country: 'DE', type: 'business', vatId: ' - ' },
        ]) {
          const problem = problemOf(await quoteRes({ plan: plan.code, customer }), 422, 'vat_id_invalid');
          assert.deepEqual(pointers(problem), ['/customer/vatId'], JSON.stringify(customer));
        }
      });

      it('when the country is typed in lower case, then it is read as the code (fr is FR: OSS at the French rate)', async () => {
        const upper = await quote({ plan: plan.code, customer: { country: 'FR', type: 'individual' } });
        assert.equal(upper.taxTreatment, 'oss');
        assert.deepEqual(await quote({ plan: plan.code, customer: { country: 'fr', type: 'individual' } }), upper);
      });

      it('when the VAT id is empty or blank, then it counts as not given: the quote equals the one without it', async () => {
        const without = await quote({ plan: plan.code, customer: { country: 'FR', type: 'business' } });
        assert.equal(without.taxTreatment, 'oss');
        for (const vatId of ['', '   ']) assert.deepEqual(await quote({ plan: plan.code, customer: { country: 'FR', type: 'business', vatId } }), without, JSON.stringify(vatId));
      });

      it('when a Greek business writes its VAT id with GR, then it is refused; with EL, reverse charge', async () => {
        const problem = problemOf(await quoteRes({ plan: plan.code, customer: { country: 'GR', type: 'business', vatId: 'GR094259216' } }), 422, 'vat_id_invalid');
        assert.deepEqual(pointers(problem), ['/customer/vatId']);
        const q = await quote({ plan: plan.code, customer: { country: 'GR', type: 'business', vatId: 'EL094259216' } });
        assert.equal(q.taxTreatment, 'reverse_charge');
        assert.equal(q.dueToday.tax, 0);
      });

      it('when a quote is asked without a key, then 401 unauthenticated', async () => {
        problemOf(await request(t.app).post('/v1/quotes').send({ plan: plan.code }), 401, 'unauthenticated');
      });
    });

    // Last: the test clock only moves forward, and the tests above compare with the system time.
    describe('with the test clock', () => {
      it('when the clock passes the expiresAt of a coupon, then quotes report coupon_expired, and a trial ends 14 days after the clock time', async () => {
        // An app with the test clock route, over the same database and keys.
        const clocked = createApp(buildDeps(db, { allowedOrigins: [TEST_ORIGIN], testClock: true }));
        const quoteHere = async (body: Record<string, unknown>) => {
          const res = await request(clocked).post('/v1/quotes').set(t.pk).send(body);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return res.body as Quote;
        };
        const plan = await createFlatPlan(t, 10000, { trialDays: 14 });
        const coupon = await createCoupon(t, { expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
        assert.equal((await quoteHere({ plan: plan.code, couponCode: coupon.code })).coupon?.valid, true);
        const advanced = await request(clocked).post('/v1/test-clock/advance').set(t.sk).send({ days: 2 });
        assert.equal(advanced.status, 200, JSON.stringify(advanced.body));
        const clockNow = Date.parse(advanced.body.now);
        const q = await quoteHere({ plan: plan.code, couponCode: coupon.code });
        assert.deepEqual(q.coupon, { code: coupon.code, valid: false, reason: 'coupon_expired', discount: 0 });
        const ends = Date.parse(q.trialEndsAt!);
        const fourteenDays = 14 * 86_400_000;
        assert.ok(ends >= clockNow + fourteenDays && ends < clockNow + fourteenDays + 60_000, `trialEndsAt ${q.trialEndsAt}, clock ${advanced.body.now}`);
      });
    });
  });
}
