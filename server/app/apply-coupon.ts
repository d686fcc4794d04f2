/**
 * Apply a coupon to a live subscription (SPEC.md section 6): every check of section 3 in its order, the
 * redemption recorded under the same limits as a checkout's, and the coupon's periods counted from the next
 * invoice that bills a period. A coupon already on the subscription is replaced.
 */
import { checkCoupon, normalizeCouponCode } from '../domain/coupons.js';
import { conflict, DomainError } from '../domain/errors.js';
import { recordEvents } from '../storage/event-repository.js';
import { subscriptionView } from './views.js';
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

/**
 * `retentionOffer`: the portal's retention offer (SPEC.md section 12), accepted: refused (409
 * `retention_offer_unavailable`) when the subscription has a coupon or had the offer, checked under the row
 * lock; the offer is marked as made and `portal.retention_offer_accepted` written with the change.
 */
export async function applyCoupon(db: Db, cache: CatalogCache, coupons: CouponCache, id: string, input: { code: string }, retentionOffer = false): Promise<Subscription> {
  const code = normalizeCouponCode(input.code);
  const result = await inSubscription(db, cache, id, 'given a coupon', ['trialing', 'active', 'past_due', 'unpaid', 'paused'], async (ctx) => {
    const { tx, sub, entry, now, at } = ctx;
    if (retentionOffer && (sub.couponId !== null || sub.retentionOffered)) {
      throw conflict('retention_offer_unavailable', sub.couponId !== null ? 'The subscription already has a coupon.' : 'The subscription has had the retention offer already.', [
        { pointer: '/path/id', detail: sub.couponId !== null ? 'has a coupon' : 'offer already made' },
      ]);
    }
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
    const next = { ...sub, couponId: check.coupon.id, couponCode: code, couponFirstPeriod: sub.periodsBilled + 1, retentionOffered: sub.retentionOffered || retentionOffer };
    const saved = await saveWithEvents(ctx, next, 'subscription.updated');
    if (retentionOffer) await recordEvents(tx, [{ type: 'portal.retention_offer_accepted', object: subscriptionView(saved, ctx.planCode) }], at);
    return saved;
  });
  coupons.invalidate();
  return result;
}
