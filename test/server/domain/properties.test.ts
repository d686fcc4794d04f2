import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Charge, Plan, Pricing, Product, Tier } from '../../../server/domain/catalog.js';
import { couponDiscount, type Coupon, type CouponLookup } from '../../../server/domain/coupons.js';
import { allocate, mulDivRound, roundHalfAwayFromZero } from '../../../server/domain/money.js';
import { priceCharge } from '../../../server/domain/pricing.js';
import { priceCart, type Cart, type InvoiceTotals, type Quote } from '../../../server/domain/quote.js';
import { defaultTaxSettings } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from '../../support/builders.js';

const RUNS = 300;
const NOW = new Date('2026-03-01T10:00:00.000Z');
const amount = fc.integer({ min: 0, max: 1_000_000 });

// ------------------------------------------------------------------------------------------ generators

const tiers: fc.Arbitrary<Tier[]> = fc
  .tuple(
    fc.array(fc.record({ step: fc.integer({ min: 1, max: 20 }), unitAmount: amount, flatAmount: amount }), { maxLength: 3 }),
    fc.record({ unitAmount: amount, flatAmount: amount }),
  )
  .map(([bounded, open]) => {
    let upTo = 0;
    const result: Tier[] = bounded.map(({ step, unitAmount, flatAmount }) => ({ upTo: (upTo += step), unitAmount, flatAmount }));
    result.push({ upTo: null, ...open });
    return result;
  });

const pricing: fc.Arbitrary<Pricing> = fc.oneof(
  amount.map((a): Pricing => ({ model: 'flat', amount: a })),
  amount.map((a): Pricing => ({ model: 'per_unit', unitAmount: a })),
  fc.tuple(fc.constantFrom('graduated' as const, 'volume' as const), tiers).map(([mode, t]): Pricing => ({ model: 'tiered', mode, tiers: t })),
  fc.tuple(fc.integer({ min: 1, max: 50 }), amount).map(([packageSize, a]): Pricing => ({ model: 'package', packageSize, amount: a })),
);

const chargeSpec = fc.record({
  type: fc.constantFrom('recurring' as const, 'one_time' as const, 'metered' as const),
  pricing,
  min: fc.integer({ min: 0, max: 3 }),
  span: fc.option(fc.integer({ min: 0, max: 30 })),
  adjustable: fc.boolean(),
  optional: fc.boolean(),
  taxGroup: fc.constantFrom('standard' as const, 'reduced' as const),
  // buyer's choices for this charge
  chosen: fc.boolean(),
  pick: fc.nat({ max: 1000 }),
  override: fc.boolean(),
});

const world = fc.record({
  currency: fc.constantFrom('EUR', 'USD', 'JPY', 'KWD'),
  taxBehavior: fc.constantFrom('exclusive' as const, 'inclusive' as const),
  trialDays: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
  charges: fc.array(chargeSpec, { minLength: 1, maxLength: 5 }),
  sharedProducts: fc.boolean(),
  coupon: fc.option(
    fc.record({
      type: fc.constantFrom('percentage' as const, 'fixed_amount' as const),
      hundredths: fc.integer({ min: 1, max: 9999 }),
      fixedAmount: amount,
      sameCurrency: fc.constantFrom(true, true, true, false),
      frequency: fc.constantFrom('once' as const, 'limited' as const, 'lifetime' as const),
      numberOfPeriods: fc.integer({ min: 1, max: 3 }),
      products: fc.array(fc.nat({ max: 4 }), { maxLength: 2 }),
      excludedProducts: fc.array(fc.nat({ max: 4 }), { maxLength: 1 }),
      planListed: fc.boolean(),
      planExcluded: fc.constantFrom(false, false, false, true),
      enabled: fc.constantFrom(true, true, true, false),
    }),
  ),
  customer: fc.option(
    fc.constantFrom(
      { country: 'DE', type: 'individual' as const },
      { country: 'FR', type: 'individual' as const },
      { country: 'GR', type: 'business' as const },
      { country: 'FR', type: 'business' as const, vatId: 'FR40303265045' },
      { country: 'US', type: 'business' as const },
    ),
  ),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): { plan: Plan; products: Product[]; cart: Cart; coupon: CouponLookup } {
  const products: Product[] = [];
  const charges: Charge[] = w.charges.map((spec, i) => {
    const productId = w.sharedProducts ? `prod_${i % 2}` : `prod_${i}`;
    if (!products.some((p) => p.id === productId)) products.push(aProduct({ id: productId, taxGroup: spec.taxGroup }));
    const max = spec.span === null ? null : spec.min + spec.span;
    const defaultQuantity = spec.min + (spec.pick % ((spec.span ?? 5) + 1));
    return aCharge({
      id: `chg_${i}`,
      productId,
      type: spec.type,
      pricing: spec.pricing,
      quantity: { default: spec.type === 'metered' ? 0 : defaultQuantity, min: spec.type === 'metered' ? 0 : spec.min, max, adjustable: spec.adjustable },
      optional: spec.optional,
    });
  });
  const plan = aPlan({ id: 'plan_x', code: 'x', currency: w.currency, taxBehavior: w.taxBehavior, trialDays: w.trialDays, charges });
  const cart: Cart = { plan: 'x', addOns: [], charges: [] };
  w.charges.forEach((spec, i) => {
    const charge = charges[i]!;
    if (charge.optional && !spec.chosen) return;
    if (charge.optional) cart.addOns!.push(charge.id);
    if (spec.override && charge.quantity.adjustable && charge.type !== 'metered') {
      const room = (charge.quantity.max ?? charge.quantity.min + 40) - charge.quantity.min;
      cart.charges!.push({ chargeId: charge.id, quantity: charge.quantity.min + ((spec.pick * 7) % (room + 1)) });
    }
  });
  if (w.customer !== null) cart.customer = w.customer;
  let coupon: CouponLookup = { status: 'none' };
  if (w.coupon !== null) {
    const c = w.coupon;
    const value: Coupon = aCoupon({
      type: c.type,
      percentage: c.type === 'percentage' ? c.hundredths / 100 : null,
      fixedAmount: c.type === 'fixed_amount' ? c.fixedAmount : null,
      currency: c.type === 'fixed_amount' ? (c.sameCurrency ? w.currency : 'CHF') : null,
      frequency: c.frequency,
      numberOfPeriods: c.frequency === 'limited' ? c.numberOfPeriods : null,
      productIds: c.products.map((n) => `prod_${n}`),
      excludedProductIds: c.excludedProducts.map((n) => `prod_${n}`),
      planIds: c.planListed ? ['plan_x'] : [],
      excludedPlanIds: c.planExcluded ? ['plan_x'] : [],
      enabled: c.enabled,
    });
    coupon = { status: 'found', code: 'GEN', coupon: value, codeRedeemed: false, customerRedemptions: 0 };
  }
  return { plan, products, cart, coupon };
}

function priceWorld(w: World): Quote {
  const { plan, products, cart, coupon } = build(w);
  return priceCart({ catalog: aCatalog({ plans: [plan], products }), cart, coupon, tax: defaultTaxSettings(), now: NOW });
}

const totalsOf = (t: InvoiceTotals) => [t.subtotal, t.discount, t.tax, t.total];

// ----------------------------------------------------------------------------------------- properties

describe('properties: money', () => {
  it('when any total is allocated over any bases, then the shares sum to it and zero bases get nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 8 }).filter((b) => b.some((x) => x > 0)),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (bases, total) => {
          const shares = allocate(total, bases);
          assert.equal(shares.reduce((a, b) => a + b, 0), total);
          const sum = bases.reduce((a, b) => a + b, 0);
          shares.forEach((share, i) => {
            assert.ok(share >= 0);
            if (bases[i] === 0) assert.equal(share, 0);
            // each share is the floor of its exact proportion or one more
            const exact = (BigInt(total) * BigInt(bases[i]!)) / BigInt(sum);
            assert.ok(BigInt(share) === exact || BigInt(share) === exact + 1n);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('when any amount is multiplied and divided, then mulDivRound equals the BigInt rule, on both sides of 2^53', () => {
    // Numbers near the safe limit, so that the number path and its BigInt fallback both run.
    const big = fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 2 ** 52, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(big, fc.integer({ min: 0, max: 2 ** 31 }), fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), (amount, multiplier, divisor) => {
        const exact = roundHalfAwayFromZero(BigInt(amount) * BigInt(multiplier), BigInt(divisor));
        if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < -BigInt(Number.MAX_SAFE_INTEGER)) {
          assert.throws(() => mulDivRound(amount, multiplier, divisor), /exceeds the largest safe integer/);
        } else {
          assert.equal(mulDivRound(amount, multiplier, divisor), Number(exact));
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });
  it('when tiers price any quantity, then graduated and volume amounts equal their BigInt sums, or are refused past 2^53', () => {
    const huge = fc.oneof(amount, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const bigTiers: fc.Arbitrary<Tier[]> = fc
      .tuple(fc.array(fc.record({ step: fc.integer({ min: 1, max: 2 ** 40 }), unitAmount: huge, flatAmount: huge }), { maxLength: 3 }), fc.record({ unitAmount: huge, flatAmount: huge }))
      .map(([bounded, open]) => {
        let upTo = 0;
        const result: Tier[] = bounded.map(({ step, unitAmount, flatAmount }) => ({ upTo: (upTo += step), unitAmount, flatAmount }));
        result.push({ upTo: null, ...open });
        return result;
      });
    fc.assert(
      fc.property(bigTiers, fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 45 })), (t, q) => {
        let graduated = 0n;
        let below = 0;
        for (const tier of t) {
          const upper = tier.upTo === null ? q : Math.min(q, tier.upTo);
          if (upper <= below) break;
          graduated += BigInt(tier.unitAmount) * BigInt(upper - below) + BigInt(tier.flatAmount);
          below = upper;
        }
        const tier = t.find((x) => x.upTo === null || q <= x.upTo)!;
        const volume = BigInt(tier.unitAmount) * BigInt(q) + BigInt(tier.flatAmount);
        for (const [mode, expected] of [['graduated', graduated], ['volume', volume]] as const) {
          const p: Pricing = { model: 'tiered', mode, tiers: t };
          if (expected > BigInt(Number.MAX_SAFE_INTEGER)) assert.throws(() => priceCharge(p, q), /exceeds the largest safe integer/);
          else assert.equal(priceCharge(p, q), Number(expected));
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });
  it('when a coupon meets any base, then its discount is between 0 and the base', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        amount,
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (hundredths, fixedAmount, base) => {
          for (const coupon of [
            aCoupon({ type: 'percentage', percentage: hundredths / 100 }),
            aCoupon({ type: 'fixed_amount', fixedAmount }),
          ]) {
            const d = couponDiscount(coupon, base);
            assert.ok(d >= 0 && d <= base);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('when the quantity grows, then a graduated or per-unit price never falls', () => {
    fc.assert(
      fc.property(pricing, fc.integer({ min: 0, max: 200 }), (p, q) => {
        if (p.model === 'tiered' && p.mode === 'volume') return; // volume pricing may fall at a tier boundary
        if (p.model === 'flat') return;
        assert.ok(priceCharge(p, q + 1) >= priceCharge(p, q));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties: quotes over random catalogs and carts', () => {
  it('when any cart is priced, then every figure is >= 0 and each line adds up', () => {
    fc.assert(
      fc.property(world, (w) => {
        const q = priceWorld(w);
        for (const line of q.lines) {
          for (const value of [line.quantity, line.subtotal, line.discount, line.taxRate, line.tax, line.total]) {
            assert.ok(Number.isSafeInteger(value) && value >= 0, `line figure ${value}`);
          }
          assert.ok(line.discount <= line.subtotal, 'a discount never exceeds its line');
          const expected = q.taxBehavior === 'exclusive' ? line.subtotal - line.discount + line.tax : line.subtotal - line.discount;
          assert.equal(line.total, expected);
          if (q.taxBehavior === 'inclusive') assert.ok(line.tax <= line.total);
        }
        for (const value of [...totalsOf(q.dueToday), ...totalsOf(q.recurring)]) {
          assert.ok(Number.isSafeInteger(value) && value >= 0, `total figure ${value}`);
        }
        assert.ok(q.recurring.discount <= q.recurring.subtotal);
      }),
      { numRuns: RUNS },
    );
  });
  it('when any cart is priced, then the lines sum to dueToday and the verdict discount is dueToday\'s', () => {
    fc.assert(
      fc.property(world, (w) => {
        const q = priceWorld(w);
        const sums = [0, 0, 0, 0];
        for (const line of q.lines) {
          sums[0] += line.subtotal;
          sums[1] += line.discount;
          sums[2] += line.tax;
          sums[3] += line.total;
        }
        assert.deepEqual(totalsOf(q.dueToday), sums);
        if (q.coupon) assert.equal(q.coupon.discount, q.dueToday.discount);
        if (q.coupon && !q.coupon.valid) assert.equal(q.dueToday.discount + q.recurring.discount, 0);
      }),
      { numRuns: RUNS },
    );
  });
  it('when the same cart is priced twice, then the quotes are equal', () => {
    fc.assert(
      fc.property(world, (w) => {
        assert.deepEqual(priceWorld(w), priceWorld(w));
      }),
      { numRuns: RUNS },
    );
  });
  it('when a trial plan is priced, then no recurring line bills anything today', () => {
    fc.assert(
      fc.property(world, (w) => {
        const q = priceWorld(w);
        for (const line of q.lines) {
          if (line.type === 'one_time') assert.equal(line.trial, undefined);
          else if (w.trialDays > 0) assert.deepEqual([line.trial, line.subtotal, line.total], [true, 0, 0]);
          assert.notEqual(line.type, 'metered');
        }
      }),
      { numRuns: RUNS },
    );
  });
});
