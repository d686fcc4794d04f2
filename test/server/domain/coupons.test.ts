import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Coupon } from '../../../server/domain/coupons.js';
import {
  checkCoupon, couponCoverage, couponDiscount, coversPeriod, isLineEligible, normalizeCouponCode,
  percentageToHundredths, type CouponLookup,
} from '../../../server/domain/coupons.js';
import { aCoupon } from '../../support/builders.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');

function found(coupon: Coupon, extra: { codeRedeemed?: boolean; customerRedemptions?: number | null } = {}): CouponLookup {
  return {
    status: 'found',
    code: coupon.code,
    coupon,
    codeRedeemed: extra.codeRedeemed ?? false,
    customerRedemptions: extra.customerRedemptions === undefined ? 0 : extra.customerRedemptions,
  };
}

function check(lookup: CouponLookup, productIds = ['prod_seat'], currency = 'EUR') {
  return checkCoupon({ lookup, now: NOW, currency, planId: 'plan_pro', productIds });
}

describe('coupons: normalizeCouponCode', () => {
  const cases: [string, string][] = [['save10', 'SAVE10'], ['  Save10 ', 'SAVE10'], ['SAVE10', 'SAVE10']];
  for (const [input, expected] of cases) {
    it(`when the code is "${input}", then it matches as "${expected}"`, () => assert.equal(normalizeCouponCode(input), expected));
  }
});

describe('coupons: line eligibility', () => {
  const cases: { situation: string; coupon: Partial<Coupon>; plan: string; product: string; eligible: boolean }[] = [
    { situation: 'plans and products are empty', coupon: {}, plan: 'plan_a', product: 'prod_a', eligible: true },
    { situation: 'the plan is listed', coupon: { planIds: ['plan_a'] }, plan: 'plan_a', product: 'prod_x', eligible: true },
    { situation: 'another plan is listed', coupon: { planIds: ['plan_b'] }, plan: 'plan_a', product: 'prod_a', eligible: false },
    { situation: 'the product is listed', coupon: { planIds: ['plan_b'], productIds: ['prod_a'] }, plan: 'plan_a', product: 'prod_a', eligible: true },
    { situation: 'the product is excluded', coupon: { excludedProductIds: ['prod_a'] }, plan: 'plan_a', product: 'prod_a', eligible: false },
    { situation: 'the plan is excluded', coupon: { excludedPlanIds: ['plan_a'] }, plan: 'plan_a', product: 'prod_a', eligible: false },
    {
      situation: 'the product is listed but the plan is excluded',
      coupon: { productIds: ['prod_a'], excludedPlanIds: ['plan_a'] },
      plan: 'plan_a',
      product: 'prod_a',
      eligible: false,
    },
    {
      situation: 'the plan is listed but the product is excluded',
      coupon: { planIds: ['plan_a'], excludedProductIds: ['prod_a'] },
      plan: 'plan_a',
      product: 'prod_a',
      eligible: false,
    },
  ];
  for (const { situation, coupon, plan, product, eligible } of cases) {
    it(`when ${situation}, then the line is ${eligible ? 'eligible' : 'not eligible'}`, () => {
      assert.equal(isLineEligible(aCoupon(coupon), plan, product), eligible);
    });
  }
});

describe('coupons: checks in order', () => {
  const expired = '2026-06-01T12:00:00.000Z'; // == now: expired
  const cases: { situation: string; lookup: CouponLookup; productIds?: string[]; currency?: string; reason: string | null }[] = [
    { situation: 'the code is unknown', lookup: { status: 'not_found', code: 'NOPE' }, reason: 'coupon_not_found' },
    { situation: 'the coupon is disabled', lookup: found(aCoupon({ enabled: false })), reason: 'coupon_disabled' },
    {
      situation: 'the coupon is disabled and expired',
      lookup: found(aCoupon({ enabled: false, expiresAt: expired })),
      reason: 'coupon_disabled',
    },
    { situation: 'expiresAt equals now', lookup: found(aCoupon({ expiresAt: expired })), reason: 'coupon_expired' },
    { situation: 'expiresAt is one ms after now', lookup: found(aCoupon({ expiresAt: '2026-06-01T12:00:00.001Z' })), reason: null },
    {
      situation: 'the coupon is expired and exhausted',
      lookup: found(aCoupon({ expiresAt: expired, maxRedemptions: 1, timesRedeemed: 1 })),
      reason: 'coupon_expired',
    },
    { situation: 'timesRedeemed reached maxRedemptions', lookup: found(aCoupon({ maxRedemptions: 3, timesRedeemed: 3 })), reason: 'coupon_exhausted' },
    { situation: 'one redemption is left', lookup: found(aCoupon({ maxRedemptions: 3, timesRedeemed: 2 })), reason: null },
    { situation: 'a single-use batch code was used', lookup: found(aCoupon(), { codeRedeemed: true }), reason: 'coupon_exhausted' },
    {
      situation: 'the coupon is exhausted and the customer is at the limit',
      lookup: found(aCoupon({ maxRedemptions: 1, timesRedeemed: 1, maxRedemptionsPerCustomer: 1 }), { customerRedemptions: 1 }),
      reason: 'coupon_exhausted',
    },
    {
      situation: 'the customer is at the per-customer limit',
      lookup: found(aCoupon({ maxRedemptionsPerCustomer: 1 }), { customerRedemptions: 1 }),
      reason: 'coupon_customer_limit',
    },
    {
      situation: 'the customer is not known yet',
      lookup: found(aCoupon({ maxRedemptionsPerCustomer: 1 }), { customerRedemptions: null }),
      reason: null,
    },
    {
      situation: 'the customer is at the limit and the fixed amount is in another currency',
      lookup: found(aCoupon({ type: 'fixed_amount', currency: 'USD', maxRedemptionsPerCustomer: 1 }), { customerRedemptions: 1 }),
      reason: 'coupon_customer_limit',
    },
    {
      situation: 'a fixed amount is in another currency',
      lookup: found(aCoupon({ type: 'fixed_amount', currency: 'USD' })),
      reason: 'coupon_currency_mismatch',
    },
    {
      situation: 'a percentage coupon meets another currency',
      lookup: found(aCoupon({ type: 'percentage' })),
      currency: 'JPY',
      reason: null,
    },
    {
      situation: 'the currency differs and no line is eligible',
      lookup: found(aCoupon({ type: 'fixed_amount', currency: 'USD', planIds: ['plan_other'] })),
      reason: 'coupon_currency_mismatch',
    },
    {
      situation: 'no charge in the cart is eligible',
      lookup: found(aCoupon({ productIds: ['prod_other'], planIds: ['plan_other'] })),
      reason: 'coupon_not_applicable',
    },
    {
      situation: 'only a metered or add-on product of the cart is eligible',
      lookup: found(aCoupon({ productIds: ['prod_usage'] })),
      productIds: ['prod_seat', 'prod_usage'],
      reason: null,
    },
  ];
  for (const { situation, lookup, productIds, currency, reason } of cases) {
    it(`when ${situation}, then ${reason ?? 'the coupon is valid'}`, () => {
      const result = check(lookup, productIds, currency);
      if (reason === null) assert.equal(result.valid, true);
      else assert.deepEqual(result, { valid: false, reason });
    });
  }
});

describe('coupons: amount', () => {
  const cases: { situation: string; coupon: Partial<Coupon>; base: number; expected: number }[] = [
    { situation: '10 % of 1000', coupon: { percentage: 10 }, base: 1000, expected: 100 },
    // 999 x 12.5 % = 124.875 -> 125
    { situation: '12.5 % of 999', coupon: { percentage: 12.5 }, base: 999, expected: 125 },
    // 1000 x 33.33 % = 333.3 -> 333
    { situation: '33.33 % of 1000', coupon: { percentage: 33.33 }, base: 1000, expected: 333 },
    // 5 x 10 % = 0.5 -> 1 (half away from zero)
    { situation: '10 % of 5 (half rounds up)', coupon: { percentage: 10 }, base: 5, expected: 1 },
    // 99.99 % of 1 = 0.9999 -> 1, never above the base
    { situation: '99.99 % of 1', coupon: { percentage: 99.99 }, base: 1, expected: 1 },
    { situation: 'a fixed amount below its base', coupon: { type: 'fixed_amount', fixedAmount: 500 }, base: 2000, expected: 500 },
    { situation: 'a fixed amount larger than its base', coupon: { type: 'fixed_amount', fixedAmount: 5000 }, base: 2000, expected: 2000 },
    { situation: 'the base is zero', coupon: { type: 'fixed_amount', fixedAmount: 500 }, base: 0, expected: 0 },
  ];
  for (const { situation, coupon, base, expected } of cases) {
    it(`when ${situation}, then the discount is ${expected}`, () => assert.equal(couponDiscount(aCoupon(coupon), base), expected));
  }
  const percentages: [number, number | null][] = [[12.5, 1250], [33.33, 3333], [0.01, 1], [99.99, 9999], [12.345, null], [0, null], [100, null]];
  for (const [percentage, hundredths] of percentages) {
    it(`when the percentage is ${percentage}, then ${hundredths === null ? 'it is refused' : `it is ${hundredths} hundredths`}`, () => {
      if (hundredths === null) assert.throws(() => percentageToHundredths(percentage), RangeError);
      else assert.equal(percentageToHundredths(percentage), hundredths);
    });
  }
});

describe('coupons: duration', () => {
  const cases: { situation: string; coupon: Partial<Coupon>; period: number | null; coverage: string }[] = [
    { situation: 'once on period 1', coupon: { frequency: 'once' }, period: 1, coverage: 'all' },
    { situation: 'once on period 2', coupon: { frequency: 'once' }, period: 2, coverage: 'none' },
    { situation: 'limited 3 on period 3', coupon: { frequency: 'limited', numberOfPeriods: 3 }, period: 3, coverage: 'all' },
    { situation: 'limited 3 on period 4', coupon: { frequency: 'limited', numberOfPeriods: 3 }, period: 4, coverage: 'none' },
    { situation: 'lifetime on period 120', coupon: { frequency: 'lifetime' }, period: 120, coverage: 'all' },
    { situation: 'once on a trial signup invoice (no period)', coupon: { frequency: 'once' }, period: null, coverage: 'one_time_only' },
    {
      situation: 'limited 1 on a trial signup invoice',
      coupon: { frequency: 'limited', numberOfPeriods: 1 },
      period: null,
      coverage: 'one_time_only',
    },
  ];
  for (const { situation, coupon, period, coverage } of cases) {
    it(`when ${situation}, then the coverage is ${coverage}`, () => assert.equal(couponCoverage(aCoupon(coupon), period), coverage));
  }
  it('when a trial used no period, then a once coupon still covers period 1', () => {
    assert.equal(coversPeriod(aCoupon({ frequency: 'once' }), 1), true);
  });
});
