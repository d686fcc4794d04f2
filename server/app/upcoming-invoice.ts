/**
 * The upcoming invoice (SPEC.md section 6): the next invoice priced as of now, with the usage so far, the
 * coupon and the customer's balance, by the same step the billing run takes. Nothing is saved. At the same
 * clock it equals the invoice the run then issues. That is the renewal at the period's end, or, for a
 * subscription paused with `resumesAt` (or pausing at the period's end without usage to invoice then), the
 * resume's invoice at `resumesAt` (pause.ts's own step); paused without `resumesAt`, none comes.
 */
import type { Coupon } from '../domain/coupons.js';
import { notFound } from '../domain/errors.js';
import { findCustomer, findSubscription, type Customer, type NewInvoice } from '../storage/commerce-repository.js';
import { findCoupon } from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';
import { resumeStep } from './pause.js';
import { applyStep, meteredChargesOf, renewalStep, type RenewalStep } from './renew.js';
import { subscriptionNotFound } from './subscription-tx.js';
import { periodUsage } from './usage.js';
import { invoiceView } from './views.js';

export async function upcomingInvoice(db: Db, cache: CatalogCache, id: string) {
  const entry = await cache.get();
  const sub = await findSubscription(db, id);
  if (!sub) throw subscriptionNotFound(id);
  const none = (why: string) =>
    notFound('invoice_upcoming_none', `Subscription ${id} ${why}: no invoice is coming.`, [{ pointer: '/path/id', detail: `status is ${sub.status}` }]);
  const untilResumed = (when: string) => none(`${when} paused until resumed (it has no resumesAt)`);
  if (sub.status === 'paused' && sub.resumesAt === null) throw untilResumed('is');
  if (!['trialing', 'active', 'past_due', 'paused'].includes(sub.status)) throw none(`is ${sub.status}`);
  const customer = (await findCustomer(db, sub.customerId))!;
  const now = CatalogCache.now(entry);
  if (sub.status === 'paused') {
    const resumed = await priced(db, entry, resumeStep(entry, sub, new Date(sub.resumesAt!)), customer, now);
    if (resumed.invoice) return shown(resumed.step, resumed.invoice, now);
    // The resume ends it instead (it expires or is cancelled by then): nothing is invoiced.
    throw none(`is paused, and its resume at ${sub.resumesAt} invoices nothing (${resumed.step.kind})`);
  }
  const coupon = sub.couponId ? await findCoupon(db, sub.couponId) : null;
  const step = renewalStep(entry, sub, coupon);
  const result = await priced(db, entry, step, customer, now, coupon);
  if (result.invoice) return shown(step, result.invoice, now);
  if (step.kind !== 'pause') throw none(`is ${sub.status}${sub.cancelAtPeriodEnd ? ' and ends at its period end' : ''}`);
  // The run pauses it at the period's end with nothing to invoice: the next invoice is the resume's, if dated.
  if (result.subscription.resumesAt === null) throw untilResumed('pauses at its period end and stays');
  const resume = resumeStep(entry, result.subscription, new Date(result.subscription.resumesAt));
  const after = await priced(db, entry, resume, customer, now);
  if (after.invoice) return shown(resume, after.invoice, now);
  throw none(`is ${sub.status}`);
}

/**
 * The step's invoice as the run drafts it then: its usage so far, the coupon and the customer's balance.
 * `known`: the coupon already read for the step, used again when it is still the subscription's.
 */
async function priced(db: Db, entry: CatalogEntry, step: RenewalStep, customer: Customer, now: Date, known: Coupon | null = null) {
  const sub = step.subscription;
  const coupon = !sub.couponId ? null : known?.id === sub.couponId ? known : await findCoupon(db, sub.couponId);
  const usage = await periodUsage(db, [
    { subscriptionId: sub.id, start: step.ended.start.toISOString(), end: step.ended.end.toISOString(), charges: meteredChargesOf(entry, step) },
  ]);
  return { step, ...applyStep(entry, step, { customer, balance: customer.balance, coupon, usage: usage.get(sub.id) ?? null, at: now }) };
}

function shown(step: RenewalStep, invoice: NewInvoice, now: Date) {
  const { series: _s, id: _id, ...rest } = invoice;
  const { number: _n, id: _i, attempts: _a, ...view } = invoiceView({ ...rest, id: '', number: '', attempts: [] });
  // Dated when the run will issue it: at the period's end or the resume (or now, when that has passed).
  const issueAt = new Date(Math.max(now.getTime(), step.ended.end.getTime())).toISOString();
  // Not issued yet: a draft with no payment attempt scheduled (the run charges it when it issues it).
  return { ...view, status: 'draft' as const, nextAttemptAt: null, issuedAt: issueAt, dueAt: issueAt, lines: view.lines.map(({ id: _l, ...line }) => line) };
}
