/**
 * The buyer's emails: one row per (event, template), made by the fan-out trigger of migration 0009 in the
 * event's transaction, or per sign-in code by `enqueueEmail` in the sign-in's. Claimed like webhook
 * deliveries (FOR UPDATE SKIP LOCKED, a lease ahead), rendered and sent by the delivery worker.
 */
import type { EmailTemplate } from '../domain/notifications.js';
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, strOrNull } from './ids.js';

type Row = Record<string, unknown>;

/** An email as rendered for its recipient (null until a pass rendered it), and what went wrong sending it. */
export interface RenderedEmail {
  recipient: string | null;
  locale: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  error: string | null;
}

export interface Email extends RenderedEmail {
  id: string;
  template: EmailTemplate;
  status: 'pending' | 'sent' | 'kept' | 'skipped' | 'failed';
  eventId: string | null;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
}

const toEmail = (r: Row): Email => ({
  id: String(r.id),
  template: String(r.template) as EmailTemplate,
  status: String(r.status) as Email['status'],
  eventId: strOrNull(r.event_id),
  recipient: strOrNull(r.recipient),
  locale: strOrNull(r.locale),
  subject: strOrNull(r.subject),
  text: strOrNull(r.text_body),
  html: strOrNull(r.html_body),
  error: strOrNull(r.error),
  attempts: Number(r.attempts),
  createdAt: iso(r.created_at),
  sentAt: isoOrNull(r.sent_at),
});

/** An email that no event sends (the portal's sign-in code), due at once; `key` makes it once only. */
export async function enqueueEmail(tx: Tx, e: { id: string; key: string; template: EmailTemplate; data: Record<string, unknown>; at: string }): Promise<void> {
  await tx.query(
    `insert into emails (id, key, template, data, status, next_attempt_at, created_at)
     values ($1, $2, $3, $4::jsonb, 'pending', $5, $5) on conflict (key) do nothing`,
    [e.id, e.key, e.template, JSON.stringify(e.data), e.at],
  );
}

export interface ClaimedEmail {
  id: string;
  template: EmailTemplate;
  attempt: number;
  /** When the email was made: its event's creation (the sign-in code's request for one without). */
  createdAt: string;
  data: Record<string, unknown>;
  event: { id: string; type: string; object: Record<string, unknown> } | null;
}

/** Claims due emails and pushes each a lease ahead, like `claimDeliveries`. */
export async function claimEmails(tx: Tx, now: string, leaseUntil: string, limit: number): Promise<ClaimedEmail[]> {
  const { rows } = await tx.query<Row>(
    `with due as (
       select id from emails where status = 'pending' and next_attempt_at <= $1
       order by next_attempt_at limit $3 for update skip locked
     )
     update emails m set next_attempt_at = $2, attempts = m.attempts + 1
     from due where m.id = due.id
     returning m.id, m.template, m.attempts, m.created_at, m.data, m.event_id,
       (select type from events where id = m.event_id) as event_type,
       (select data from events where id = m.event_id) as event_data`,
    [now, leaseUntil, limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    template: String(r.template) as EmailTemplate,
    attempt: Number(r.attempts),
    createdAt: iso(r.created_at),
    data: json<Record<string, unknown>>(r.data ?? {}),
    event: r.event_id == null ? null : { id: String(r.event_id), type: String(r.event_type), object: json<{ object: Record<string, unknown> }>(r.event_data).object },
  }));
}

export interface EmailOutcome extends RenderedEmail {
  status: 'sent' | 'kept' | 'skipped' | 'failed' | 'pending';
  retryAt: string | null;
  at: string;
  /** Forget the template's data (a sign-in code once it left by SMTP). */
  forgetData?: boolean;
}

export async function recordEmail(tx: Tx, id: string, o: EmailOutcome): Promise<void> {
  await tx.query(
    `update emails set status = $2, recipient = $3, locale = $4, subject = $5, text_body = $6, html_body = $7, error = $8,
       next_attempt_at = $9, sent_at = case when $2 in ('sent', 'kept') then $10::timestamptz else sent_at end,
       data = case when $11 then '{}'::jsonb else data end
     where id = $1 and status = 'pending'`,
    [id, o.status, o.recipient, o.locale, o.subject, o.text, o.html, o.error, o.retryAt, o.at, o.forgetData ?? false],
  );
}

/** The latest `limit`, newest first (the /dev/mail page). */
export async function listEmails(db: Queryable, limit: number): Promise<Email[]> {
  const { rows } = await db.query<Row>('select * from emails order by created_at desc, id collate "C" desc limit $1', [limit]);
  return rows.map(toEmail);
}

export async function findEmail(db: Queryable, id: string): Promise<Email | null> {
  const { rows } = await db.query<Row>('select * from emails where id = $1', [id]);
  return rows[0] ? toEmail(rows[0]) : null;
}

/** A customer's email address and language, for the emails about their things. */
export async function customerContact(db: Queryable, customerId: string): Promise<{ email: string; name: string; locale: string } | null> {
  const { rows } = await db.query<Row>('select email, name, locale from customers where id = $1', [customerId]);
  return rows[0] ? { email: String(rows[0].email), name: String(rows[0].name), locale: String(rows[0].locale) } : null;
}

/** The customer of a subscription (events about subscriptions carry customerId; this covers those that do not). */
export async function subscriptionCustomerId(db: Queryable, subscriptionId: string): Promise<string | null> {
  const { rows } = await db.query<Row>('select customer_id from subscriptions where id = $1', [subscriptionId]);
  return rows[0] ? String(rows[0].customer_id) : null;
}
