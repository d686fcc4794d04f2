/**
 * Webhook endpoints, their deliveries (one per endpoint and event, made by the fan-out trigger of migration
 * 0009) and each attempt. Deliveries are claimed with FOR UPDATE SKIP LOCKED, so the workers of several
 * processes share them, and pushed a lease ahead as they are claimed (a killed sender leaves them due).
 */
import type { EndpointFilter } from '../domain/notifications.js';
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, strOrNull, toPage, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: EndpointFilter;
  enabled: boolean;
  description: string | null;
  disabledReason: 'gone' | 'failing' | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

const toEndpoint = (r: Row): EndpointWithSecret => ({
  id: String(r.id),
  url: String(r.url),
  events: json<EndpointFilter>(r.events),
  enabled: Boolean(r.enabled),
  description: strOrNull(r.description),
  disabledReason: strOrNull(r.disabled_reason) as WebhookEndpoint['disabledReason'],
  failingSince: isoOrNull(r.failing_since),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  secret: String(r.secret),
});

export async function insertEndpoint(tx: Tx, e: EndpointWithSecret): Promise<EndpointWithSecret> {
  const { rows } = await tx.query<Row>(
    `insert into webhook_endpoints (id, url, events, enabled, description, secret, created_at, updated_at)
     values ($1, $2, $3::jsonb, $4, $5, $6, $7, $7) returning *`,
    [e.id, e.url, JSON.stringify(e.events), e.enabled, e.description, e.secret, e.createdAt],
  );
  return toEndpoint(rows[0]!);
}

export async function findEndpoint(db: Queryable, id: string): Promise<EndpointWithSecret | null> {
  const { rows } = await db.query<Row>('select * from webhook_endpoints where id = $1', [id]);
  return rows[0] ? toEndpoint(rows[0]) : null;
}

export async function listEndpoints(db: Queryable, page: PageRequest): Promise<Page<EndpointWithSecret>> {
  const { rows } = await db.query<Row>(
    `select * from webhook_endpoints where ($1::text is null or id > $1 collate "C") order by id collate "C" limit $2`,
    [page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(toEndpoint), page.limit);
}

export interface EndpointChange {
  url?: string | undefined;
  events?: EndpointFilter | undefined;
  enabled?: boolean | undefined;
  description?: string | null | undefined;
}

/** Changes what is given; enabling clears why Billkit disabled it and its run of failures. */
export async function updateEndpoint(tx: Tx, id: string, change: EndpointChange, at: string): Promise<EndpointWithSecret | null> {
  const { rows } = await tx.query<Row>(
    `update webhook_endpoints set
       url = coalesce($2, url),
       events = coalesce($3::jsonb, events),
       enabled = coalesce($4, enabled),
       description = case when $5::boolean then $6 else description end,
       disabled_reason = case when $4 then null else disabled_reason end,
       failing_since = case when $4 then null else failing_since end,
       updated_at = $7
     where id = $1 returning *`,
    [
      id,
      change.url ?? null,
      change.events ? JSON.stringify(change.events) : null,
      change.enabled ?? null,
      change.description !== undefined,
      change.description ?? null,
      at,
    ],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

/** A new signing secret; the current one keeps signing beside it until `previousUntil` (null: not at all). */
export async function rotateSecret(tx: Tx, id: string, secret: string, previousUntil: string | null, at: string): Promise<EndpointWithSecret | null> {
  const { rows } = await tx.query<Row>(
    `update webhook_endpoints set previous_secret = case when $3::timestamptz is null then null else secret end,
       previous_secret_expires_at = $3, secret = $2, updated_at = $4
     where id = $1 returning *`,
    [id, secret, previousUntil, at],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

export async function deleteEndpoint(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from webhook_endpoints where id = $1', [id]);
  return rowCount > 0;
}

// ------------------------------------------------------------------------------------------ deliveries

export interface Attempt {
  number: number;
  at: string;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Attempt[];
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

const toAttempt = (a: Row): Attempt => ({
  number: Number(a.number),
  at: iso(a.at),
  statusCode: a.status_code == null ? null : Number(a.status_code),
  durationMs: Number(a.duration_ms),
  responseExcerpt: strOrNull(a.response_excerpt),
  error: strOrNull(a.error),
});

const toDelivery = (r: Row): Delivery => ({
  id: String(r.id),
  endpointId: String(r.endpoint_id),
  eventId: String(r.event_id),
  eventType: String(r.event_type),
  status: String(r.status) as Delivery['status'],
  attempts: json<Row[]>(r.attempt_list ?? '[]').map(toAttempt),
  nextAttemptAt: r.status === 'pending' ? isoOrNull(r.next_attempt_at) : null,
  deliveredAt: isoOrNull(r.delivered_at),
  createdAt: iso(r.created_at),
});

const DELIVERY_SELECT = `
  select d.*, ev.type as event_type,
    coalesce((select jsonb_agg(to_jsonb(a) order by a.number) from webhook_attempts a where a.delivery_id = d.id), '[]'::jsonb) as attempt_list
  from webhook_deliveries d join events ev on ev.id = d.event_id`;

/** An endpoint's deliveries, newest event first; the cursor is the last delivery's event id. */
export async function listDeliveries(db: Queryable, endpointId: string, page: PageRequest & { eventId?: string | undefined }): Promise<Page<Delivery>> {
  const { rows } = await db.query<Row>(
    `${DELIVERY_SELECT}
     where d.endpoint_id = $1 and ($2::text is null or d.event_id < $2 collate "C") and ($3::text is null or d.event_id = $3)
     order by d.event_id collate "C" desc limit $4`,
    [endpointId, page.startingAfter ?? null, page.eventId ?? null, page.limit + 1],
  );
  const deliveries = rows.map(toDelivery);
  const hasMore = deliveries.length > page.limit;
  const data = hasMore ? deliveries.slice(0, page.limit) : deliveries;
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.eventId : null };
}

/**
 * Makes the event due now for each enabled endpoint that takes its type (or the one named): a new delivery,
 * or the existing one back to pending (its attempts kept and counted on).
 */
export async function redeliver(tx: Tx, eventId: string, at: string, endpointId: string | null): Promise<Delivery[]> {
  const { rows } = await tx.query<{ id: string }>(
    `insert into webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, created_at)
     select 'whd_' || substr(ev.id, 5) || substr(md5(e.id), 1, 16), e.id, ev.id, 'pending', $2, $2
     from events ev join webhook_endpoints e on e.enabled and (e.events ? '*' or e.events ? ev.type)
     where ev.id = $1 and ($3::text is null or e.id = $3)
     on conflict (endpoint_id, event_id) do update set status = 'pending', next_attempt_at = $2, delivered_at = null
     returning id`,
    [eventId, at, endpointId],
  );
  if (rows.length === 0) return [];
  const found = await tx.query<Row>(`${DELIVERY_SELECT} where d.id = any($1::text[]) order by d.endpoint_id collate "C"`, [rows.map((r) => r.id)]);
  return found.rows.map(toDelivery);
}

/** What a worker needs to send one delivery. */
export interface ClaimedDelivery {
  id: string;
  attempt: number;
  /** `secrets`: the current one, then the previous one while it still signs after a rotation. */
  endpoint: { id: string; url: string; secrets: string[]; failingSince: string | null };
  /** `createdAt`: when the event was recorded, on Billkit's clock (a delivery's latency counts from it). */
  event: { id: string; type: string; body: string; createdAt: string };
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints and pushes each a lease ahead (`leaseUntil`), in
 * one statement: two processes never claim the same row, and one killed after this leaves it due again.
 */
export async function claimDeliveries(tx: Tx, now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
  const { rows } = await tx.query<Row>(
    `with due as (
       select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled
       where d.status = 'pending' and d.next_attempt_at <= $1
       order by d.next_attempt_at limit $3
       for update of d skip locked
     )
     update webhook_deliveries d set next_attempt_at = $2, attempts = d.attempts + 1
     from due, webhook_endpoints e, events ev
     where d.id = due.id and e.id = d.endpoint_id and ev.id = d.event_id
     returning d.id, d.attempts, e.id as endpoint_id, e.url, e.secret, e.failing_since,
       case when e.previous_secret_expires_at > $1 then e.previous_secret end as previous_secret,
       ev.id as event_id, ev.type, ev.created_at as event_created_at, ev.data`,
    [now, leaseUntil, limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    attempt: Number(r.attempts),
    endpoint: { id: String(r.endpoint_id), url: String(r.url), secrets: [String(r.secret), ...(r.previous_secret ? [String(r.previous_secret)] : [])], failingSince: isoOrNull(r.failing_since) },
    // The body is the event as GET /v1/events/{id} shows it.
    event: { id: String(r.event_id), type: String(r.type), createdAt: iso(r.event_created_at), body: JSON.stringify({ id: r.event_id, type: r.type, createdAt: iso(r.event_created_at), data: json(r.data) }) },
  }));
}

export interface AttemptRecord extends Attempt {
  deliveryId: string;
}

/**
 * Records an attempt and what follows: delivered, due again at `retryAt`, or failed. The attempt's number
 * makes a second recording of the same attempt (a pass re-run after a crash) a no-op.
 */
export async function recordAttempt(tx: Tx, a: AttemptRecord, next: { status: 'delivered' | 'pending' | 'failed'; retryAt: string | null }): Promise<void> {
  await tx.query(
    `insert into webhook_attempts (delivery_id, number, at, status_code, duration_ms, response_excerpt, error)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (delivery_id, number) do nothing`,
    [a.deliveryId, a.number, a.at, a.statusCode, a.durationMs, a.responseExcerpt, a.error],
  );
  await tx.query(
    `update webhook_deliveries set status = $2, next_attempt_at = $3, delivered_at = case when $2 = 'delivered' then $4::timestamptz else delivered_at end
     where id = $1 and status = 'pending'`,
    [a.deliveryId, next.status, next.retryAt, a.at],
  );
}

/**
 * Records successful attempts in bulk: their rows, their deliveries delivered, and their endpoints' runs of
 * failures ended. As with `recordAttempt`, a second recording of the same attempt changes nothing.
 */
export async function recordDelivered(tx: Tx, attempts: (AttemptRecord & { endpointId: string })[]): Promise<void> {
  if (attempts.length === 0) return;
  await tx.query(
    `insert into webhook_attempts (delivery_id, number, at, status_code, duration_ms, response_excerpt, error)
     select * from unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[])
     on conflict (delivery_id, number) do nothing`,
    [
      attempts.map((a) => a.deliveryId), attempts.map((a) => a.number), attempts.map((a) => a.at), attempts.map((a) => a.statusCode),
      attempts.map((a) => a.durationMs), attempts.map((a) => a.responseExcerpt), attempts.map((a) => a.error),
    ],
  );
  await tx.query(
    `update webhook_deliveries d set status = 'delivered', next_attempt_at = null, delivered_at = t.at
     from unnest($1::text[], $2::timestamptz[]) as t(id, at) where d.id = t.id and d.status = 'pending'`,
    [attempts.map((a) => a.deliveryId), attempts.map((a) => a.at)],
  );
  await tx.query('update webhook_endpoints set failing_since = null where id = any($1::text[]) and failing_since is not null', [[...new Set(attempts.map((a) => a.endpointId))]]);
}

/** An endpoint failed at `at`: starts its run of failures if none is running; answers when the run began. */
export async function endpointFailed(tx: Tx, endpointId: string, at: string): Promise<string | null> {
  const { rows } = await tx.query<Row>(
    'update webhook_endpoints set failing_since = coalesce(failing_since, $2) where id = $1 returning failing_since',
    [endpointId, at],
  );
  return rows[0] ? iso(rows[0].failing_since) : null;
}

/** Switches an endpoint off; true when this call did it (and so writes the event and the log line). */
export async function disableEndpoint(tx: Tx, endpointId: string, reason: 'gone' | 'failing', at: string): Promise<EndpointWithSecret | null> {
  const { rows } = await tx.query<Row>(
    `update webhook_endpoints set enabled = false, disabled_reason = $2, updated_at = $3 where id = $1 and enabled returning *`,
    [endpointId, reason, at],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}
