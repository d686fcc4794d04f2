/**
 * Webhooks and emails (SPEC.md section 11): the retry schedule, which endpoint takes which event, and which
 * email an event sends. Pure: the workers in server/jobs and the use cases in server/app apply it.
 */
import type { EventType } from './events.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The waits before each retry of a webhook, after the first attempt (Standard Webhooks' usual table). */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** An answer must come within this long to count. */
export const WEBHOOK_TIMEOUT_MS = 10 * SECOND;

/** An endpoint that has failed every attempt for this long is disabled. */
export const ENDPOINT_FAILING_LIMIT_MS = 5 * DAY;

/**
 * A claimed delivery or email is due again after this lease: a process killed while sending leaves it to the
 * next pass (at least once). Longer than the timeout, so a slow answer is not sent twice.
 */
export const CLAIM_LEASE_MS = 60 * SECOND;

/** Emails are retried on the same table of delays; after the last, the email is marked failed. */
export const EMAIL_RETRY_DELAYS_MS = WEBHOOK_RETRY_DELAYS_MS;

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: Date }
  | { kind: 'failed' };

/** What follows attempt number `attempts` (1 is the first) that failed at `at`. */
export function afterFailure(attempts: number, at: Date, delays: readonly number[] = WEBHOOK_RETRY_DELAYS_MS): Outcome {
  const delay = delays[attempts - 1];
  return delay === undefined ? { kind: 'failed' } : { kind: 'retry', at: new Date(at.getTime() + delay) };
}

/** 2xx counts as delivered; anything else (or no answer) is a failure. */
export const isDelivered = (status: number | null) => status !== null && status >= 200 && status < 300;

/** Why an endpoint is switched off after a failed attempt, or null when it stays on. */
export function disableReason(status: number | null, failingSince: Date, at: Date): 'gone' | 'failing' | null {
  if (status === 410) return 'gone';
  return at.getTime() - failingSince.getTime() >= ENDPOINT_FAILING_LIMIT_MS ? 'failing' : null;
}

export type EndpointFilter = readonly (EventType | '*')[];

export const takesEvent = (filter: EndpointFilter, type: EventType) => filter.includes('*') || filter.includes(type);

/** The buyer's emails. `sign_in_code` comes from the portal's sign-in, not from an event. */
export const EMAIL_TEMPLATES = ['receipt', 'payment_failed', 'trial_ending', 'cancellation_confirmed', 'sign_in_code'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Which email an event sends (the same table as the fan-out trigger of migration 0009). */
export const EMAIL_FOR_EVENT: Partial<Record<EventType, EmailTemplate>> = {
  'invoice.paid': 'receipt',
  'invoice.payment_failed': 'payment_failed',
  'subscription.trial_will_end': 'trial_ending',
  'subscription.cancelled': 'cancellation_confirmed',
};

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];
export const toLocale = (value: unknown): Locale => (value === 'de' ? 'de' : 'en');

/** At most this many characters of an answer are kept with its attempt. */
export const EXCERPT_LENGTH = 500;
export const excerpt = (text: string) => (text.length > EXCERPT_LENGTH ? text.slice(0, EXCERPT_LENGTH) : text);
