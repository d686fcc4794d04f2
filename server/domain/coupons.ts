/**
 * Coupons (SPEC.md section 3, the fynn coupon object plus Upodi's batch codes). Pure.
 * The domain refers to plans and products by id; the HTTP layer maps codes and numbers to ids.
 */
import { mulDivRound } from './money.js';

export type CouponType = 'percentage' | 'fixed_amount';
export type CouponFrequency = 'once' | 'limited' | 'lifetime';

export interface Coupon {
  id: string;
  code: string;
  name: string;
  type: CouponType;
  /** 0 < x < 100 with at most two decimals (e.g. 12.5); null for fixed_amount. */
  percentage: number | null;
  /** Minor units of `currency`; null for percentage. */
  fixedAmount: number | null;
  currency: string | null;
  frequency: CouponFrequency;
  /** Required (>= 1) for `limited`, else null. */
  numberOfPeriods: number | null;
  planIds: string[];
  productIds: string[];
  excludedPlanIds: string[];
  excludedProductIds: string[];
  expiresAt: string | null;
  maxRedemptions: number | null;
  maxRedemptionsPerCustomer: number | null;
  enabled: boolean;
  timesRedeemed: number;
  createdAt: string;
  updatedAt: string;
}

/** A single-use code generated for a coupon (`POST /v1/coupons/{id}/codes`). */
export interface CouponCode {
  id: string;
  couponId: string;
  code: string;
  redeemed: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation (SPEC.md section 3). Everything below is pure: the caller looks the code up in storage and
// hands the result in as a `CouponLookup`.
// ---------------------------------------------------------------------------------------------------------

/** Codes are matched case-insensitively: trim and upper-case before comparing or storing. */
export function normalizeCouponCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * What the caller found for the code the buyer typed:
 * - `none`: no code was given (no verdict in the quote);
 * - `not_found`: no coupon and no batch code matches (`coupon_not_found`);
 * - `found`: the coupon the code applies. `codeRedeemed` is true when the code is a single-use batch code
 *   that has already been redeemed (false for the coupon's own code). `customerRedemptions` is how often the
 *   buyer (known by id or email) has redeemed this coupon, or null when the buyer is not known yet.
 */
export type CouponLookup =
  | { status: 'none' }
  | { status: 'not_found'; code: string }
  | {
      status: 'found';
      code: string;
      coupon: Coupon;
      codeRedeemed: boolean;
      customerRedemptions: number | null;
    };

/** Stable reason codes, in the order the checks run. */
export const COUPON_REASONS = [
  'coupon_not_found',
  'coupon_disabled',
  'coupon_expired',
  'coupon_exhausted',
  'coupon_customer_limit',
  'coupon_currency_mismatch',
  'coupon_not_applicable',
] as const;
export type CouponReason = (typeof COUPON_REASONS)[number];

export type CouponCheck = { valid: true; coupon: Coupon } | { valid: false; reason: CouponReason };

/**
 * Eligible line: (plans and products both empty, or the plan is in plans, or the product is in products)
 * and the plan is not excluded and the product is not excluded.
 */
export function isLineEligible(coupon: Coupon, planId: string, productId: string): boolean {
  if (coupon.excludedPlanIds.includes(planId) || coupon.excludedProductIds.includes(productId)) return false;
  if (coupon.planIds.length === 0 && coupon.productIds.length === 0) return true;
  return coupon.planIds.includes(planId) || coupon.productIds.includes(productId);
}

export interface CouponCheckInput {
  lookup: CouponLookup;
  now: Date;
  /** The plan's currency. */
  currency: string;
  planId: string;
  /** Products of the cart's charges: the plan's, add-ons only when chosen, metered ones included. */
  productIds: readonly string[];
}

/**
 * The checks of SPEC.md section 3 in their order; the first failing one is the reason. A used single-use
 * batch code reports `coupon_exhausted`. `lookup.status` must not be `none`.
 */
export function checkCoupon(input: CouponCheckInput): CouponCheck {
  const { lookup } = input;
  if (lookup.status !== 'found') return { valid: false, reason: 'coupon_not_found' };
  const { coupon } = lookup;
  if (!coupon.enabled) return { valid: false, reason: 'coupon_disabled' };
  if (coupon.expiresAt !== null && Date.parse(coupon.expiresAt) <= input.now.getTime()) {
    return { valid: false, reason: 'coupon_expired' };
  }
  if (lookup.codeRedeemed || (coupon.maxRedemptions !== null && coupon.timesRedeemed >= coupon.maxRedemptions)) {
    return { valid: false, reason: 'coupon_exhausted' };
  }
  if (
    coupon.maxRedemptionsPerCustomer !== null &&
    lookup.customerRedemptions !== null &&
    lookup.customerRedemptions >= coupon.maxRedemptionsPerCustomer
  ) {
    return { valid: false, reason: 'coupon_customer_limit' };
  }
  if (coupon.type === 'fixed_amount' && coupon.currency !== input.currency) {
    return { valid: false, reason: 'coupon_currency_mismatch' };
  }
  let applicable = false;
  for (const productId of input.productIds) {
    if (isLineEligible(coupon, input.planId, productId)) {
      applicable = true;
      break;
    }
  }
  if (!applicable) return { valid: false, reason: 'coupon_not_applicable' };
  return { valid: true, coupon };
}

/**
 * A percentage with at most two decimals as an integer number of hundredths of a percent
 * (12.5 -> 1250, 33.33 -> 3333), so that no float ever multiplies money. Throws for anything else.
 */
export function percentageToHundredths(percentage: number): number {
  const hundredths = Math.round(percentage * 100);
  if (!(percentage > 0 && percentage < 100) || Math.abs(hundredths - percentage * 100) > 1e-6) {
    throw new RangeError(`percentage ${percentage} must be 0 < x < 100 with at most two decimals`);
  }
  return hundredths;
}

/**
 * The coupon's discount D on one invoice whose eligible base is B (>= 0):
 * percentage: round(B x p / 100) (p in hundredths: round(B x h / 10000)); fixed_amount: min(fixedAmount, B).
 * Never more than B, never below 0.
 */
export function couponDiscount(coupon: Coupon, base: number): number {
  if (base <= 0) return 0;
  if (coupon.type === 'percentage') {
    return Math.min(base, mulDivRound(base, percentageToHundredths(coupon.percentage ?? 0), 10_000));
  }
  return Math.max(0, Math.min(coupon.fixedAmount ?? 0, base));
}

/**
 * Which lines of one invoice a coupon discounts:
 * - `all`: every eligible line (the invoice bills a recurring period the coupon covers);
 * - `one_time_only`: only eligible one-time charges (a trial's signup invoice: it bills no period and uses none);
 * - `none`: the coupon does not cover this invoice.
 */
export type CouponCoverage = 'all' | 'one_time_only' | 'none';

/** True when the coupon covers recurring period `period` (1-based: the first billed period is 1). */
export function coversPeriod(coupon: Coupon, period: number): boolean {
  switch (coupon.frequency) {
    case 'once':
      return period === 1;
    case 'limited':
      return period >= 1 && period <= (coupon.numberOfPeriods ?? 1);
    case 'lifetime':
      return period >= 1;
  }
}

/**
 * Coverage of an invoice that bills recurring period `period`, or null when it bills none (the signup
 * invoice of a trial): that one gets its one-time charges discounted without using a period.
 */
export function couponCoverage(coupon: Coupon, period: number | null): CouponCoverage {
  if (period === null) return 'one_time_only';
  return coversPeriod(coupon, period) ? 'all' : 'none';
}
