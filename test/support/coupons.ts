/**
 * Builders and helpers for coupon and quote HTTP tests: a valid coupon body (override what the test is
 * about), creating coupons and simple plans through the API, and the few SQL shortcuts that stand in for a
 * checkout's redemption (checkouts write these rows; coupon tests only need their effect).
 */
import request from 'supertest';
import type { TestApp } from './app.js';
import { createPlan, createProduct } from './api.js';
import { unique } from './db.js';
import { announce } from '../../server/storage/db.js';

export interface CouponView {
  id: string;
  code: string;
  name: string;
  type: 'percentage' | 'fixed_amount';
  percentage: number | null;
  fixedAmount: number | null;
  currency: string | null;
  frequency: 'once' | 'limited' | 'lifetime';
  numberOfPeriods: number | null;
  plans: string[];
  planIds: string[];
  products: string[];
  productIds: string[];
  excludedPlans: string[];
  excludedPlanIds: string[];
  excludedProducts: string[];
  excludedProductIds: string[];
  expiresAt: string | null;
  maxRedemptions: number | null;
  maxRedemptionsPerCustomer: number | null;
  enabled: boolean;
  redeemed: boolean;
  timesRedeemed: number;
  createdAt: string;
  updatedAt: string;
}

/** A valid coupon body: 10 % off, lifetime, on everything, with a unique code. */
export function aCouponInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { code: unique('SAVE'), name: 'Ten off', type: 'percentage', percentage: 10, frequency: 'lifetime', ...overrides };
}

/** A fixed_amount coupon body (EUR 5.00 once) unless overridden. */
export function aFixedCouponInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  // percentage: undefined is dropped by JSON.stringify, so the body has no percentage.
  return aCouponInput({ type: 'fixed_amount', percentage: undefined, fixedAmount: 500, currency: 'EUR', frequency: 'once', ...overrides });
}

export async function createCoupon(t: TestApp, overrides: Record<string, unknown> = {}): Promise<CouponView> {
  const res = await request(t.app).post('/v1/coupons').set(t.sk).send(aCouponInput(overrides));
  if (res.status !== 201) throw new Error(`coupon not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CouponView;
}

export interface PlanView {
  id: string;
  code: string;
  charges: { id: string; productId: string }[];
}

/** An active EUR plan with one flat recurring charge of `amount` (product taxGroup standard). */
export async function createFlatPlan(t: TestApp, amount: number, overrides: Record<string, unknown> = {}): Promise<PlanView & { product: { id: string; number: string } }> {
  const product = await createProduct(t);
  const plan = (await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount } }], ...overrides })) as PlanView;
  return { ...plan, product };
}

// ------------------------------------------------------------------ stand-ins for a checkout's redemption
// Quotes read coupons from an in-process cache that a redemption invalidates by announcing 'coupons'
// (LISTEN/NOTIFY). These stand-ins write the same rows a redemption writes and announce the change the same
// way, then wait until this app's caches have heard it, so the next quote sees it (no sleeping).

/** Resolves once this app's caches were told that coupons changed. Call it before making the change. */
export function couponsChanged(t: TestApp, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error('the coupon change was not announced to the caches'));
    }, timeoutMs);
    t.deps.catalogCache.onChange((topic) => {
      if (done || (topic !== 'coupons' && topic !== '*')) return;
      done = true;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function changeCoupons(t: TestApp, sql: string, params: unknown[], what: string): Promise<void> {
  const heard = couponsChanged(t);
  const rowCount = await t.deps.db.transaction(async (tx) => {
    const { rowCount } = await tx.query(sql, params);
    await announce(tx, 'coupons');
    return rowCount;
  });
  if (rowCount !== 1) throw new Error(`no ${what}`);
  await heard;
}

/** Marks a coupon as redeemed `times` times, as paid checkouts would. */
export async function markCouponRedeemed(t: TestApp, couponId: string, times = 1): Promise<void> {
  await changeCoupons(t, 'update coupons set times_redeemed = $2 where id = $1', [couponId, times], `coupon ${couponId}`);
}

/** Marks a single-use batch code as used. */
export async function markCodeRedeemed(t: TestApp, code: string): Promise<void> {
  await changeCoupons(t, 'update coupon_codes set redeemed_at = now() where code = $1', [code], `code ${code}`);
}

/** Records that the customer with this email redeemed the coupon once, through the coupon's own code. */
export async function recordRedemption(t: TestApp, couponId: string, email: string): Promise<void> {
  const { rows } = await t.deps.db.query<{ id: string }>('select id from coupon_codes where coupon_id = $1 and not single_use', [couponId]);
  if (rows.length !== 1) throw new Error(`coupon ${couponId} has ${rows.length} own codes`);
  await t.deps.db.query(
    `insert into coupon_redemptions (id, coupon_id, code_id, customer_id, customer_email, checkout_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [unique('red'), couponId, rows[0]!.id, unique('cus'), email.toLowerCase(), unique('chk')],
  );
}
