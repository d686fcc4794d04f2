/**
 * Cancel and uncancel (SPEC.md section 6; Upodi's cancel). At the period's end: the subscription runs to the
 * end of what was paid and the billing run ends it (a final invoice bills the ended period's usage). Now: it
 * ends at once and the usage up to now is invoiced at once. With `cancellation.refund: prorate` the unused
 * time of the paid period is credited by a credit note, refunded, after the cancellation commits (a process
 * that dies in between leaves the cancellation without its credit: the merchant issues it by hand).
 */
import type { CancellationReason } from './catalog-cache.js';
import type { CatalogCache } from './catalog-cache.js';
import type { PaymentCollector } from './collect-payment.js';
import { renewalStep, takeStep } from './renew.js';
import { conflict } from '../domain/errors.js';
import type { Db } from '../storage/db.js';
import { inSubscription, LIVE, saveWithEvents } from './subscription-tx.js';
import { findInvoice, type Invoice, type Subscription } from '../storage/commerce-repository.js';
import { CANCELLATION_CREDIT_REASON } from '../domain/credit-notes.js';
import { mulDivRound } from '../domain/money.js';
import { catalogLocaleOf, DEFAULT_LOCALE } from '../domain/translations.js';
import { wholeSeconds as seconds } from '../domain/proration.js';
import type { CreditNoteService } from './credit-invoice.js';

export interface CancelInput {
  at: 'period_end' | 'now';
  reason?: CancellationReason | undefined;
  comment?: string | undefined;
  /** The portal offered its retention coupon before this cancellation (it is not offered again). */
  offerDeclined?: boolean | undefined;
}

export async function cancelSubscription(
  db: Db,
  cache: CatalogCache,
  collector: PaymentCollector,
  id: string,
  input: CancelInput,
  creditNotes?: CreditNoteService,
) {
  const offered = (sub: Subscription) => sub.retentionOffered || input.offerDeclined === true;
  const cancellation = { ...(input.reason ? { reason: input.reason } : {}), ...(input.comment ? { comment: input.comment } : {}) };
  const allowed = input.at === 'now' ? LIVE : (['trialing', 'active', 'past_due'] as const);
  // The period a cancellation now cuts short, when it was a paid one (not a trial's, not a pause).
  let paidPeriod: { id: string; start: Date; end: Date } | null = null;
  const result = await inSubscription(db, cache, id, input.at === 'now' ? 'cancelled' : 'cancelled at the period end', allowed, async (ctx) => {
    const { sub, at } = ctx;
    if (input.at === 'period_end') {
      const next: Subscription = { ...sub, cancelAtPeriodEnd: true, cancelledAt: at, cancellation, pendingChange: null, retentionOffered: offered(sub) };
      return { subscription: await saveWithEvents(ctx, next, 'subscription.cancel_scheduled'), invoice: null };
    }
    if (sub.status === 'active' || sub.status === 'past_due') paidPeriod = { id: sub.id, start: new Date(sub.currentPeriodStart), end: new Date(sub.currentPeriodEnd) };
    const step = renewalStep(ctx.entry, { ...sub, cancelAtPeriodEnd: true, currentPeriodEnd: sub.status === 'paused' ? sub.currentPeriodEnd : at }, null);
    // The period ends now: a recurring value (seats) held until now bills its share of the whole period.
    const cut = sub.status === 'paused' ? {} : { periodEnd: new Date(sub.currentPeriodEnd) };
    return takeStep(ctx, { ...step, kind: 'cancel', billUsage: step.billUsage && sub.status !== 'paused', ...cut }, (after) => ({
      ...after,
      cancelledAt: at,
      endedAt: at,
      cancellation,
      cancelAtPeriodEnd: false,
      retentionOffered: offered(sub),
      currentPeriodEnd: sub.status === 'paused' ? sub.currentPeriodEnd : at,
    }));
  });
  const payments = result.invoice?.status === 'open' ? await collector.collect([result.invoice.id]) : [];
  const entry = await cache.cached();
  const credit = input.at === 'now' && entry.settings.cancellation.refund === 'prorate' && creditNotes
    && paidPeriod ? await creditUnusedTime(db, creditNotes, paidPeriod, new Date(result.subscription.endedAt!))
    : null;
  return { ...result, payments, creditNote: credit };
}

/**
 * `cancellation.refund: prorate`: a credit note for the unused time of the cancelled period, refunded to the
 * payment method. The invoice that billed the period is credited line by line, each recurring line of the
 * period by round(total x f), f = unused seconds / period seconds (SPEC section 6's proration fraction).
 */
async function creditUnusedTime(db: Db, creditNotes: CreditNoteService, period: { id: string; start: Date; end: Date }, at: Date) {
  const { rows } = await db.query<{ id: string; locale: string | null }>(
    `select i.id, c.locale from invoices i left join customers c on c.id = i.customer_id
     where i.subscription_id = $1 and i.status = 'paid' and i.kind in ('checkout', 'renewal') and i.period_start = $2
     order by i.id desc limit 1`,
    [period.id, period.start.toISOString()],
  );
  const invoice = rows[0] ? await findInvoice(db, rows[0].id) : null;
  if (!invoice) return null;
  const unused = seconds(period.end) - seconds(at);
  const whole = seconds(period.end) - seconds(period.start);
  if (unused <= 0 || whole <= 0) return null;
  const lines = invoice.lines
    .filter((l) => l.type === 'recurring' && l.periodStart === period.start.toISOString() && l.total > 0)
    .map((l) => ({ lineId: l.id, amount: mulDivRound(l.total, unused, whole) }))
    .filter((l) => l.amount > 0);
  if (lines.length === 0) return null;
  // The reason in the customer's language, as their invoice's lines are.
  const reason = CANCELLATION_CREDIT_REASON[catalogLocaleOf(rows[0]!.locale ?? '') ?? DEFAULT_LOCALE];
  return creditNotes.create(invoice.id, { lines, reason, refund: invoice.amountPaid > 0 });
}

export async function uncancelSubscription(db: Db, cache: CatalogCache, id: string): Promise<Subscription> {
  return inSubscription(db, cache, id, 'uncancelled', ['trialing', 'active', 'past_due'], async (ctx) => {
    if (!ctx.sub.cancelAtPeriodEnd) {
      throw conflict('subscription_status', `The subscription is ${ctx.sub.status} with no cancellation pending: there is nothing to undo.`, [
        { pointer: '/path/id', detail: 'no period-end cancellation is pending' },
      ]);
    }
    return saveWithEvents(ctx, { ...ctx.sub, cancelAtPeriodEnd: false, cancelledAt: null, cancellation: null }, 'subscription.updated');
  });
}

export type CancelResult = Awaited<ReturnType<typeof cancelSubscription>>;
export type { Invoice };
