/**
 * Pause and resume (SPEC.md section 6; Upodi's hold and resume). A paused subscription is issued no
 * invoices. Pausing now invoices the usage up to now; pausing at the period's end lets the billing run do it
 * then. Resuming starts a new period from now (the anchor moves), invoiced and charged at once; a paused
 * subscription with `resumesAt` is resumed by the billing run at that time.
 */
import { conflict, unprocessable } from '../domain/errors.js';
import { addInterval } from '../domain/periods.js';
import type { Db } from '../storage/db.js';
import type { Subscription } from '../storage/commerce-repository.js';
import type { CatalogCache, CatalogEntry } from './catalog-cache.js';
import type { CollectOutcome, PaymentCollector } from './collect-payment.js';
import { renewalStep, takeStep, type RenewalStep } from './renew.js';
import { inSubscription, saveWithEvents } from './subscription-tx.js';

export interface PauseInput {
  at: 'period_end' | 'now';
  resumesAt?: string | undefined;
  /**
   * The portal's limit (settings `portal.pause.maxPeriods`): the pause ends at most this many of the plan's
   * intervals after it begins (later: 422 `pause_too_long`); without `resumesAt` it resumes then.
   */
  maxPeriods?: number | undefined;
}

export async function pauseSubscription(db: Db, cache: CatalogCache, collector: PaymentCollector, id: string, input: PauseInput) {
  const result = await inSubscription(db, cache, id, 'paused', ['trialing', 'active'], async (ctx) => {
    const { sub, at, now } = ctx;
    const pauseAt = input.at === 'now' ? now : new Date(sub.currentPeriodEnd);
    if (input.resumesAt !== undefined && new Date(input.resumesAt) <= pauseAt) {
      throw unprocessable('resumes_before_pause', 'resumesAt must be after the pause begins.', [
        { pointer: '/resumesAt', detail: `the pause begins at ${pauseAt.toISOString()}` },
      ]);
    }
    const limit = input.maxPeriods === undefined ? null : addInterval(pauseAt, ctx.entry.planByRef.get(sub.planId)!.interval, input.maxPeriods);
    if (limit && input.resumesAt !== undefined && new Date(input.resumesAt) > limit) {
      throw unprocessable('pause_too_long', `A pause lasts at most ${input.maxPeriods} period${input.maxPeriods === 1 ? '' : 's'}: resume by ${limit.toISOString()}.`, [
        { pointer: '/resumesAt', detail: `at most ${limit.toISOString()}` },
      ]);
    }
    const resumesAt = input.resumesAt ?? limit?.toISOString() ?? null;
    if (input.at === 'period_end') {
      const next: Subscription = { ...sub, pausedAt: sub.currentPeriodEnd, resumesAt };
      return { subscription: await saveWithEvents(ctx, next, 'subscription.updated'), invoice: null };
    }
    const step = renewalStep(ctx.entry, { ...sub, pausedAt: at, currentPeriodEnd: at, cancelAtPeriodEnd: false, expiresAt: null, pendingChange: null }, null);
    // The usage up to now is billed; a recurring value (seats) held until now bills its share of the whole period.
    return takeStep(ctx, { ...step, kind: 'pause', periodEnd: new Date(sub.currentPeriodEnd) }, (after) => ({ ...after, pausedAt: at, resumesAt, expiresAt: sub.expiresAt, cancelAtPeriodEnd: sub.cancelAtPeriodEnd }));
  });
  const payments = result.invoice?.status === 'open' ? await collector.collect([result.invoice.id]) : [];
  return { ...result, payments };
}

/**
 * Resumes a paused subscription (or drops a pause scheduled for the period's end). `automatic`: the billing
 * run's resume at `resumesAt`, which starts the new period at that time rather than now.
 */
export async function resumeSubscription(
  db: Db,
  cache: CatalogCache,
  collector: PaymentCollector,
  id: string,
  options: { automatic?: boolean } = {},
): Promise<{ subscription: Subscription; invoice: { id: string; status: string } | null; payments: CollectOutcome[] }> {
  const result = await inSubscription(db, cache, id, 'resumed', options.automatic ? ['paused'] : ['paused', 'trialing', 'active'], async (ctx) => {
    const { sub } = ctx;
    if (sub.status !== 'paused') {
      if (sub.pausedAt === null) {
        throw conflict('subscription_status', `The subscription is ${sub.status} and not paused: there is nothing to resume.`, [
          { pointer: '/path/id', detail: `status is ${sub.status}` },
        ]);
      }
      return { subscription: await saveWithEvents(ctx, { ...sub, pausedAt: null, resumesAt: null }, 'subscription.updated'), invoice: null };
    }
    const start = options.automatic && sub.resumesAt ? new Date(sub.resumesAt) : ctx.now;
    return takeStep(ctx, resumeStep(ctx.entry, sub, start), (after) => after, 'subscription.resumed');
  });
  const payments = result.invoice?.status === 'open' ? await collector.collect([result.invoice.id]) : [];
  return { ...result, payments };
}

/**
 * The step a paused subscription takes when it resumes at `start`: shared by the resume (now, or the run's at
 * `resumesAt`) and the upcoming invoice of a subscription paused with `resumesAt`, which previews it.
 */
export function resumeStep(entry: CatalogEntry, sub: Subscription, start: Date): RenewalStep {
  const startIso = start.toISOString();
  // The new period starts at the resume: anchor = start, and the step bills period 1 after it.
  const resumed: Subscription = {
    ...sub,
    status: 'active',
    anchor: startIso,
    anchorPeriods: 0,
    currentPeriodEnd: startIso,
    pausedAt: null,
    resumesAt: null,
    trialEnd: sub.trialEnd,
  };
  // The step's ended "period" [pause, resume) is the paused time, free: the pause invoiced the usage before
  // it. A recurring value set before or during the pause carries into the new period from the resume.
  return { ...renewalStep(entry, resumed, null), billUsage: false };
}
