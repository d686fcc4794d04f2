/**
 * Cancel and uncancel (SPEC.md section 6; Upodi's cancel). At the period's end: the subscription runs to the
 * end of what was paid and the billing run ends it (a final invoice bills the ended period's usage). Now: it
 * ends at once and the usage up to now is invoiced at once. A credit for the unused time (settings
 * `cancellation.refund: prorate`) is a credit note: see the domain README for where that stands.
 */
import type { CancellationReason } from './catalog-cache.js';
import type { CatalogCache } from './catalog-cache.js';
import type { PaymentCollector } from './collect-payment.js';
import { renewalStep, takeStep } from './renew.js';
import { conflict } from '../domain/errors.js';
import type { Db } from '../storage/db.js';
import { inSubscription, LIVE, saveWithEvents } from './subscription-tx.js';
import type { Invoice, Subscription } from '../storage/commerce-repository.js';

export interface CancelInput {
  at: 'period_end' | 'now';
  reason?: CancellationReason | undefined;
  comment?: string | undefined;
}

export async function cancelSubscription(db: Db, cache: CatalogCache, collector: PaymentCollector, id: string, input: CancelInput) {
  const cancellation = { ...(input.reason ? { reason: input.reason } : {}), ...(input.comment ? { comment: input.comment } : {}) };
  const allowed = input.at === 'now' ? LIVE : (['trialing', 'active', 'past_due'] as const);
  const result = await inSubscription(db, cache, id, input.at === 'now' ? 'cancelled' : 'cancelled at the period end', allowed, async (ctx) => {
    const { sub, at } = ctx;
    if (input.at === 'period_end') {
      const next: Subscription = { ...sub, cancelAtPeriodEnd: true, cancelledAt: at, cancellation, pendingChange: null };
      return { subscription: await saveWithEvents(ctx, next, 'subscription.cancel_scheduled'), invoice: null };
    }
    const step = renewalStep(ctx.entry, { ...sub, cancelAtPeriodEnd: true, currentPeriodEnd: sub.status === 'paused' ? sub.currentPeriodEnd : at }, null);
    return takeStep(ctx, { ...step, kind: 'cancel', billUsage: step.billUsage && sub.status !== 'paused' }, (after) => ({
      ...after,
      cancelledAt: at,
      endedAt: at,
      cancellation,
      cancelAtPeriodEnd: false,
      currentPeriodEnd: sub.status === 'paused' ? sub.currentPeriodEnd : at,
    }));
  });
  const payments = result.invoice?.status === 'open' ? await collector.collect([result.invoice.id]) : [];
  return { ...result, payments };
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
