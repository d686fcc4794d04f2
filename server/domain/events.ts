/**
 * The event types of the outbox (SPEC.md section 11). Every state change writes its events in the same
 * transaction as the change; webhooks and emails are delivered from there.
 */
export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'checkout.completed',
  'subscription.created',
  'subscription.updated',
  'subscription.trial_will_end',
  'subscription.renewed',
  'subscription.past_due',
  'subscription.paused',
  'subscription.resumed',
  'subscription.cancel_scheduled',
  'subscription.cancelled',
  'subscription.expired',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'credit_note.created',
  'portal.retention_offer_accepted',
  // An endpoint Billkit switched off (it answered 410, or failed for 5 days): delivered to the others.
  'webhook_endpoint.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: unknown): value is EventType =>
  typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);

/** An event as stored and delivered: `{id, type, createdAt, data: {object}}`. */
export interface BillingEvent<T = unknown> {
  id: string;
  type: EventType;
  createdAt: string;
  data: { object: T };
}

/** One event to write: the object as the API shows it (an id field names it). */
export interface NewEvent {
  type: EventType;
  object: { id: string; [key: string]: unknown } | { id: string };
}
