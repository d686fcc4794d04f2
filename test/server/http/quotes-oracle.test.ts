/**
 * POST /v1/quotes against the independent oracle (test/support/oracle.ts), the way an outside checker would
 * test it. For each random world (test/support/oracle-world.ts), these are created through the admin API with
 * the secret key:
 * - the products, the plan and a coupon;
 * - the home country.
 * The cart is then priced with the publishable key. Every figure must equal the oracle's, or both must refuse
 * with the same code and pointers.
 *
 * The oracle works from what was sent, not from what is read back, so a field lost on the way into the
 * database or out of the caches shows as a disagreement. Worlds are fitted to what the admin API accepts:
 * - flat charges have quantity 1;
 * - coupons can't be created already redeemed, so only coupons that pass their checks, and unknown codes,
 *   are drawn.
 * ORACLE_HTTP_RUNS=<n> sets the number of worlds per database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { normalizeCouponCode } from '../../../server/domain/coupons.js';
import type { Db } from '../../../server/storage/db.js';
import { createPlan, createProduct } from '../../support/api.js';
import { testApp, type TestApp } from '../../support/app.js';
import { testDatabases, unique } from '../../support/db.js';
import { oracleQuote, type OracleInput } from '../../support/oracle.js';
import { build, world, type World } from '../../support/oracle-world.js';

const RUNS = Number(process.env.ORACLE_HTTP_RUNS ?? 40);
/** Product numbers the worlds' coupons may name (prod_0..prod_4; plans use prod_0..prod_3). */
const PRODUCTS = [0, 1, 2, 3, 4];

/** Worlds the admin API can create: no coupon, an unknown code, or a coupon that passes its own checks. */
const creatable = world.filter((w) => w.coupon === null || w.coupon.healthy || w.coupon.lookup === 'not_found');

/** Pointers down to the entry they blame: /charges/1/quantity and /charges/1/chargeId are both /charges/1. */
const entries = (pointers: readonly string[]) =>
  [...new Set(pointers.map((p) => p.split('/').slice(0, /^\/(charges|addOns)\//.test(p) ? 3 : 2).join('/')))].sort();

/** The admin API's rules for a charge's quantity (flat: 1, not adjustable), applied to the oracle's input too. */
function fitToApi(input: OracleInput): void {
  for (const plan of input.catalog.plans.values()) {
    for (const charge of plan.charges) {
      if (charge.pricing.model === 'flat') charge.quantity = { default: 1, min: Math.min(charge.quantity.min, 1), max: charge.quantity.max === null ? null : Math.max(charge.quantity.max, 1), adjustable: false };
    }
  }
}

for (const database of testDatabases()) {
  describe(`POST /v1/quotes against the oracle (${database.name})`, () => {
    let db: Db;
    let t: TestApp;
    let other: string;
    const products = new Map<string, { id: string; number: string }>();
    let homeCountry = '';
    let run = 0;
    let measurementId = '';

    before(async () => {
      db = await database.open();
      // Hundreds of quotes a minute from one key: more than the default rate limit allows.
      t = await testApp(db, { rateLimits: { quotes: 1e6, checkouts: 1e6, confirmations: 1e6 } });
      // Metered charges need a measured product; every product of the worlds gets this one (pricing ignores it).
      const measured = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: unique('usage'), unit: 'call', type: 'metered', aggregation: 'sum' });
      assert.equal(measured.status, 201, JSON.stringify(measured.body));
      measurementId = measured.body.id;
      for (const n of PRODUCTS) products.set(`prod_${n}`, await createProduct(t, { name: `Product ${n}`, taxGroup: 'standard' }));
      // A second plan for coupons limited to, or excluding, another plan.
      other = (await createPlan(t, { charges: [{ product: products.get('prod_0')!.id, type: 'recurring', pricing: { model: 'flat', amount: 100 } }] })).code;
    });
    after(async () => {
      if (database.name === 'postgres') await db.close();
    });

    /** Creates the world through the API; answers the quote and what the oracle expects of it. */
    async function priced(w: World) {
      const input = build(w);
      fitToApi(input);
      run += 1;
      const plan = input.catalog.plans.get('x')!;

      // Products carry the world's tax groups (each run its own, since a product's tax group is its own).
      const ids = new Map<string, string>();
      for (const product of input.catalog.products.values()) {
        const made = await createProduct(t, { name: product.name, taxGroup: product.taxGroup, measurementId });
        ids.set(product.id, made.id);
      }
      // Product ids as the API knows them (the coupon may name prod_4, made once before all runs).
      const productRef = (id: string) => ids.get(id) ?? products.get(id)!.id;
      const code = unique('x');
      const made = await request(t.app)
        .post('/v1/plans')
        .set(t.sk)
        .send({
          code,
          name: plan.name,
          currency: plan.currency,
          interval: plan.interval,
          trialDays: plan.trialDays,
          taxBehavior: plan.taxBehavior,
          status: plan.status,
          checkoutAllowed: plan.checkoutAllowed,
          charges: plan.charges.map((c) => ({ product: productRef(c.productId), type: c.type, pricing: c.pricing, quantity: c.quantity, optional: c.optional })),
        });
      assert.equal(made.status, 201, `plan not created: ${JSON.stringify(made.body)}`);
      plan.charges.forEach((c, i) => ids.set(c.id, made.body.charges[i].id));

      if (input.tax.homeCountry !== homeCountry) {
        const res = await request(t.app).put('/v1/settings').set(t.sk).send({ homeCountry: input.tax.homeCountry });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        homeCountry = input.tax.homeCountry;
      }

      // The coupon: created as drawn (never redeemed, so at most one redemption allowed is still open).
      const cart = structuredClone(input.cart);
      if (cart.couponCode !== undefined) {
        const typed = `Gen-${run}-${code.slice(-6)}`;
        cart.couponCode = typed;
        if (input.coupon.status === 'found') {
          // The coupon as the API can create it (never redeemed, so at most one redemption allowed is still
          // open); the oracle sees exactly this coupon.
          const drawn = input.coupon.coupon;
          const c = {
            ...drawn,
            fixedAmount: drawn.fixedAmount === 0 ? 1 : drawn.fixedAmount,
            expiresAt: drawn.expiresAt === null ? null : new Date(Date.now() + 365 * 86_400_000).toISOString(),
            maxRedemptions: drawn.maxRedemptions === null ? null : 1,
            maxRedemptionsPerCustomer: drawn.maxRedemptionsPerCustomer === null ? null : 1,
            timesRedeemed: 0,
          };
          const planRef = (id: string) => (id === 'plan_x' ? code : other);
          const res = await request(t.app)
            .post('/v1/coupons')
            .set(t.sk)
            .send({
              code: normalizeCouponCode(typed),
              name: 'Generated',
              type: c.type,
              percentage: c.percentage,
              fixedAmount: c.fixedAmount,
              currency: c.currency,
              frequency: c.frequency,
              numberOfPeriods: c.numberOfPeriods,
              plans: c.planIds.map(planRef),
              products: c.productIds.map(productRef),
              excludedPlans: c.excludedPlanIds.map(planRef),
              excludedProducts: c.excludedProductIds.map(productRef),
              expiresAt: c.expiresAt,
              maxRedemptions: c.maxRedemptions,
              maxRedemptionsPerCustomer: c.maxRedemptionsPerCustomer,
              enabled: true,
            });
          assert.equal(res.status, 201, `coupon not created: ${JSON.stringify(res.body)}`);
          const known = Boolean(cart.customer?.email || cart.customer?.id);
          input.coupon = {
            status: 'found',
            code: normalizeCouponCode(typed),
            codeRedeemed: false,
            customerRedemptions: c.maxRedemptionsPerCustomer !== null && known ? 0 : null,
            coupon: c,
          };
        } else {
          input.coupon = { status: 'not_found', code: normalizeCouponCode(typed) };
        }
        input.cart.couponCode = typed;
      }

      // The cart with the API's ids.
      if (cart.plan === 'x') cart.plan = code;
      if (cart.charges) cart.charges = cart.charges.map((c) => ({ ...c, chargeId: ids.get(c.chargeId) ?? c.chargeId }));
      if (cart.addOns) cart.addOns = cart.addOns.map((id) => ids.get(id) ?? id);

      input.now = new Date();
      const res = await request(t.app).post('/v1/quotes').set(t.pk).send(cart);
      // Back to the world's names: the API's ids and plan code become chg_<i>, prod_<n> and x again.
      let text = JSON.stringify(res.body);
      for (const [symbol, real] of ids) text = text.replaceAll(real, symbol);
      text = text.replaceAll(JSON.stringify(code), '"x"');
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, expected: oracleQuote(input), input, cart };
    }

    it('when random plans, coupons and buyers are created through the API and their carts priced, then every figure equals the oracle\'s, or both refuse alike', async () => {
      await fc.assert(
        fc.asyncProperty(creatable, async (w) => {
          const { status, body, expected, cart } = await priced(w);
          const where = `cart ${JSON.stringify(cart)} -> ${status} ${JSON.stringify(body)}`;
          if (!expected.ok) {
            assert.notEqual(status, 200, `the oracle refuses with ${expected.code}; ${where}`);
            assert.equal(body.code, expected.code, where);
            // The same entries are blamed. Within one entry with two faults (a charge listed twice with a
            // fractional quantity), the API's schema names the format fault and the oracle the duplicate.
            if (expected.pointers) assert.deepEqual(entries(((body.errors as { pointer: string }[]) ?? []).map((e) => e.pointer)), entries(expected.pointers), where);
            return;
          }
          assert.equal(status, 200, where);
          const quote = JSON.parse(JSON.stringify(expected.quote)) as Record<string, unknown>;
          // The trial's end is the server's now plus the trial; the oracle's now was taken just before.
          if (quote.trialEndsAt !== undefined) {
            const drift = Date.parse(String(body.trialEndsAt)) - Date.parse(String(quote.trialEndsAt));
            assert.ok(drift >= 0 && drift < 5000, `trialEndsAt ${body.trialEndsAt} vs ${quote.trialEndsAt}`);
            body.trialEndsAt = quote.trialEndsAt;
          }
          assert.deepEqual(body, quote, where);
        }),
        { numRuns: database.name === 'postgres' ? Math.ceil(RUNS / 2) : RUNS },
      );
    });
  });
}
