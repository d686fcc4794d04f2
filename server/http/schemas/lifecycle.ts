import { z } from 'zod';
import { CANCELLATION_REASONS, type CancellationReason } from '../../app/catalog-cache.js';
import { Invoice } from './checkout.js';

const Instant = z.iso.datetime({ offset: true }).meta({ description: 'An ISO 8601 date-time.' });

export const CancelInput = z
  .object({
    at: z.enum(['period_end', 'now']).default('period_end').meta({ description: 'At the end of the paid period (default), or now.' }),
    reason: z.enum(CANCELLATION_REASONS as [CancellationReason, ...CancellationReason[]]).optional(),
    comment: z.string().trim().max(1000).optional(),
  })
  .strict()
  .meta({ id: 'CancelInput' });

export const PauseInput = z
  .object({
    at: z.enum(['period_end', 'now']).default('now'),
    resumesAt: Instant.optional().meta({ description: 'When the billing run resumes it; without it, it stays paused until resumed.' }),
  })
  .strict()
  .meta({ id: 'PauseInput' });

export const ExpireInput = z.object({ at: Instant }).strict().meta({ id: 'ExpireInput' });

export const CouponApplyInput = z.object({ code: z.string().trim().min(1).max(100) }).strict().meta({ id: 'CouponApplyInput' });

export const PayInput = z
  .object({ paymentMethod: z.string().min(1).max(255).optional().meta({ description: 'Charge this payment method instead of the saved one (this payment only).' }) })
  .strict()
  .meta({ id: 'PayInput' });

export const UpcomingInvoice = Invoice.omit({ id: true, number: true, attempts: true })
  .extend({ lines: z.array(Invoice.shape.lines.element.omit({ id: true })) })
  .meta({ id: 'UpcomingInvoice', description: 'The next invoice as the billing run would issue it now; not saved, so it has no id or number.' });

const count = z.number().int();
export const BillingRun = z
  .object({
    id: z.string(),
    trigger: z.enum(['schedule', 'api']),
    clock: z.string().meta({ description: 'The (test) clock the run billed up to.' }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    subscriptionsRenewed: count,
    invoicesIssued: count,
    paymentsSucceeded: count,
    paymentsFailed: count,
    subscriptionsCancelled: count,
    subscriptionsExpired: count,
    subscriptionsPastDue: count,
    subscriptionsUnpaid: count,
    subscriptionsPaused: count,
    subscriptionsResumed: count,
    trialsEnding: count,
  })
  .meta({ id: 'BillingRun' });

export const PaymentMethodInput = z
  .object({ paymentMethod: z.string().min(1).max(255).meta({ description: 'pm_card_visa and friends in test mode; a Stripe payment method (attached to the customer) otherwise.' }) })
  .strict()
  .meta({ id: 'PaymentMethodInput' });
