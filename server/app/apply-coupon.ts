/**
 * Apply a coupon to a live subscription (SPEC.md section 6): every check of section 3 in its order, the
 * redemption recorded under the same limits as a checkout's, and the coupon's periods counted from the next
 * invoice that bills a period. A coupon already on the subscription is replaced.
 */
import { checkCoupon, normalizeCouponCode } from '../domain/coupons.js';
import { DomainError } from '../domain/errors.js';
import { selectionOf } from '../domain/renewal.js';
import { findCustomer, type Subscription } from '../storage/commerce-repository.js';
import { customerRedemptions, findByCode, redeemCoupon } from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import { newId } from '../storage/ids.js';
import type { CatalogCache } from './catalog-cache.js';
import type { CouponCache } from './quotes.js';
import { inSubscription, saveWithEvents } from './subscription-tx.js';

const refused = (reason: string, detail: string) =>
  new DomainError('unprocessable', reason, `The coupon cannot be applied: ${detail}`, [{ pointer: '/code', detail: reason }]);

export async function applyCoupon(db: Db, cache: CatalogCache, coupons: CouponCache, id: string, input: { code: string }): Promise<Subscription> {
  const code = normalizeCouponCode(input.code);
  const result = await inSubscription(db, cache, id, 'given a coupon', ['trialing', 'active', 'past_due', 'unpaid', 'paused'], async (ctx) => {
    const { tx, sub, entry, now, at } = ctx;
    const customer = (await findCustomer(tx, sub.customerId))!;
    const plan = entry.planByRef.get(sub.planId)!;
    const found = await findByCode(tx, code);
    const lookup = found
      ? { status: 'found' as const, code, coupon: found.coupon, codeRedeemed: found.codeRedeemed, customerRedemptions: await customerRedemptions(tx, found.coupon.id, customer) }
      : { status: 'not_found' as const, code };
    const productIds = selectionOf(entry.snapshot, plan, sub.items).map((s) => s.product.id);
    const check = checkCoupon({ lookup, now, currency: plan.currency, planId: plan.id, productIds });
    if (!check.valid) throw refused(check.reason, `${code} is ${check.reason.replace('coupon_', '').replaceAll('_', ' ')}.`);
    const reason = await redeemCoupon(tx, { couponId: check.coupon.id, code, customerId: customer.id, customerEmail: customer.email, checkoutId: newId('subcpn'), at });
    if (reason) throw refused(reason, `${code} can no longer be redeemed.`);
    return saveWithEvents(
      ctx,
      { ...sub, couponId: check.coupon.id, couponCode: code, couponFirstPeriod: sub.periodsBilled + 1 },
      'subscription.updated',
    );
  });
  coupons.invalidate();
  return result;
}
