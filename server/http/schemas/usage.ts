import { z } from 'zod';
import { Id } from './common.js';
import { Pricing } from './catalog.js';

/** A timestamp in ISO 8601 with a time zone (Z or an offset). */
const Timestamp = z.iso.datetime({ offset: true, message: 'A timestamp is ISO 8601 with a time zone, like 2026-03-01T12:00:00Z.' });

export const UsageEventInput = z
  .object({
    id: Id.meta({ description: 'Makes the event idempotent per measurement: a repeat is counted in duplicates and stored once.' }),
    measurement: z.string().min(1).max(255).meta({ description: "The measurement's code." }),
    subscriptionId: Id.optional(),
    customerId: Id.optional().meta({ description: "Instead of subscriptionId: the customer's live subscription that bills the measurement." }),
    value: z.number().int('A value is an integer.').min(0, 'A value is >= 0.').max(Number.MAX_SAFE_INTEGER).default(1),
    timestamp: Timestamp.optional().meta({ description: "When it happened; Billkit's clock when absent. At most 5 minutes ahead of the clock." }),
    uniqueKey: z.string().min(1).max(255).optional().meta({ description: 'What count_unique counts; the event id when absent.' }),
  })
  .superRefine((e, ctx) => {
    if ((e.subscriptionId === undefined) === (e.customerId === undefined)) {
      ctx.addIssue({ code: 'custom', path: [e.subscriptionId === undefined ? 'subscriptionId' : 'customerId'], message: 'Give either subscriptionId or customerId, not both, not neither.' });
    }
  })
  .meta({ id: 'UsageEventInput' });

export const UsageInput = z.object({ events: z.array(UsageEventInput).min(1).max(1000) });

export const UsageResult = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(
      z.object({
        index: z.number().int(),
        code: z.enum(['subscription_not_found', 'measurement_not_billed', 'usage_period_closed', 'usage_timestamp_in_future']),
        detail: z.string(),
      }),
    ),
  })
  .meta({ id: 'UsageResult', description: 'Each event accepted, a duplicate of one stored before, or refused on its own.' });

export const SubscriptionUsage = z
  .object({
    subscriptionId: z.string(),
    status: z.string(),
    currency: z.string().nullable(),
    asOf: z.string().meta({ description: "Billkit's clock when this was read." }),
    charges: z.array(
      z.object({
        chargeId: z.string(),
        productId: z.string(),
        productNumber: z.string(),
        description: z.string(),
        measurement: z.object({ code: z.string(), unit: z.string(), type: z.string(), aggregation: z.string(), prorated: z.boolean() }),
        periodStart: z.string(),
        periodEnd: z.string(),
        quantity: z.number().int().meta({ description: 'The period so far, aggregated as its invoice will bill it.' }),
        pricing: Pricing,
        amount: z.number().int().meta({ description: 'The quantity priced now, before discounts and tax (0 in a trial: usage in a trial is free).' }),
        free: z.boolean().meta({ description: 'True in a trial.' }),
      }),
    ),
  })
  .meta({ id: 'SubscriptionUsage' });
