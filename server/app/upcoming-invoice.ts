/**
 * The upcoming invoice (SPEC.md section 6): the next renewal priced as of now, with the usage so far, the
 * coupon and the customer's balance, by the same step the billing run takes. Nothing is saved. At the same
 * clock it equals the invoice the run then issues.
 */
import { notFound } from '../domain/errors.js';
import { findCustomer, findSubscription } from '../storage/commerce-repository.js';
import { findCoupon } from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import { CatalogCache } from './catalog-cache.js';
import { applyStep, meteredChargesOf, renewalStep } from './renew.js';
import { subscriptionNotFound } from './subscription-tx.js';
import { periodUsage } from './usage.js';
import { invoiceView } from './views.js';

export async function upcomingInvoice(db: Db, cache: CatalogCache, id: string) {
  const entry = await cache.get();
  const sub = await findSubscription(db, id);
  if (!sub) throw subscriptionNotFound(id);
  const none = () =>
    notFound('invoice_upcoming_none', `Subscription ${id} is ${sub.status}${sub.cancelAtPeriodEnd ? ' and ends at its period end' : ''}: no invoice is coming.`, [
      { pointer: '/path/id', detail: `status is ${sub.status}` },
    ]);
  if (!['trialing', 'active', 'past_due'].includes(sub.status)) throw none();
  const customer = (await findCustomer(db, sub.customerId))!;
  const coupon = sub.couponId ? await findCoupon(db, sub.couponId) : null;
  const step = renewalStep(entry, sub, coupon);
  const usage = await periodUsage(db, [
    { subscriptionId: sub.id, start: step.ended.start.toISOString(), end: step.ended.end.toISOString(), charges: meteredChargesOf(entry, step) },
  ]);
  const now = CatalogCache.now(entry);
  const { invoice } = applyStep(entry, step, { customer, balance: customer.balance, coupon, usage: usage.get(sub.id) ?? null, at: now });
  if (!invoice) throw none();
  const { series: _s, id: _id, ...rest } = invoice;
  const { number: _n, id: _i, attempts: _a, ...view } = invoiceView({ ...rest, id: '', number: '', attempts: [] });
  // Dated when the run will issue it: at the period's end (or now, when that has passed).
  const issueAt = new Date(Math.max(now.getTime(), step.ended.end.getTime())).toISOString();
  // Not issued yet: a draft with no payment attempt scheduled (the run charges it when it issues it).
  return { ...view, status: 'draft' as const, nextAttemptAt: null, issuedAt: issueAt, dueAt: issueAt, lines: view.lines.map(({ id: _l, ...line }) => line) };
}
