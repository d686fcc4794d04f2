import { z } from 'zod';
import { EVENT_TYPES } from '../../domain/events.js';

const EventTypeOrAll = z.enum(['*', ...EVENT_TYPES]);

const EventFilter = z
  .array(EventTypeOrAll)
  .min(1, 'Name at least one event type, or ["*"] for all.')
  .max(EVENT_TYPES.length)
  .refine((types) => !types.includes('*') || types.length === 1, '"*" takes every type: give it alone.')
  .refine((types) => new Set(types).size === types.length, 'Name each type once.')
  .meta({ description: 'The event types sent to this endpoint, or ["*"] for every type (those added later too).' });

const Url = z.url({ protocol: /^https?$/, error: 'An http or https URL.' }).max(2048).meta({ description: 'Live mode: https only, to a public address.', example: 'https://example.com/billkit/webhooks' });

export const EndpointInput = z.object({
  url: Url,
  events: EventFilter,
  enabled: z.boolean().default(true),
  description: z.string().trim().max(500).nullable().optional(),
});

export const EndpointPatch = z
  .object({ url: Url, events: EventFilter, enabled: z.boolean(), description: z.string().trim().max(500).nullable() })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'Change at least one field.');

export const Endpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(EventTypeOrAll),
    enabled: z.boolean(),
    description: z.string().nullable(),
    disabledReason: z.enum(['gone', 'failing']).nullable().meta({ description: 'Why Billkit disabled it: it answered 410 (gone), or failed for 5 days (failing).' }),
    failingSince: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const EndpointWithSecret = Endpoint.extend({
  secret: z.string().meta({ description: 'The signing secret (whsec_...): shown here only, at creation and on rotation.' }),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const Attempt = z.object({
  number: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseExcerpt: z.string().nullable().meta({ description: 'The first 500 characters of the answer.' }),
  error: z.string().nullable().meta({ description: 'What went wrong before an answer came (timeout, refused address, connection).' }),
});

export const Delivery = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(Attempt),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

export const RedeliverInput = z.object({ endpointId: z.string().min(1).max(255).optional().meta({ description: 'Only to this endpoint; by default to every enabled endpoint that takes the event.' }) });

export const RotateInput = z.object({
  previousValidHours: z.number().int().min(0).max(72).default(24).meta({ description: 'How long the old secret keeps signing beside the new one (a second signature in webhook-signature); 0 ends it at once.' }),
});
