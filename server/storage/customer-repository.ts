/**
 * Customers the merchant writes through the API (SPEC.md section 13), their customer sessions, and the
 * data-privacy reads and writes. The customer's row type and the checkout's upsert live in
 * commerce-repository.
 */
import { toCustomer, toSubscription, type Address, type Customer, type Subscription } from './commerce-repository.js';
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, strOrNull } from './ids.js';

type Row = Record<string, unknown>;

/** The fields the API sets on a customer; `undefined` leaves a field as it is on an update. */
export interface CustomerFields {
  email?: string | undefined;
  name?: string | undefined;
  country?: string | undefined;
  type?: Customer['type'] | undefined;
  vatId?: string | null | undefined;
  address?: Address | null | undefined;
  locale?: string | undefined;
  refKey?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Column and how its value is written, per field (a fixed list: nothing from a request names a column). */
const COLUMNS: { [K in keyof Required<CustomerFields>]: [column: string, write: (v: CustomerFields[K]) => unknown] } = {
  email: ['email', (v) => v!.toLowerCase()],
  name: ['name', (v) => v],
  country: ['country', (v) => v],
  type: ['type', (v) => v],
  vatId: ['vat_id', (v) => v],
  address: ['address', (v) => (v ? JSON.stringify(v) : null)],
  locale: ['locale', (v) => v],
  refKey: ['ref_key', (v) => v],
  metadata: ['metadata', (v) => JSON.stringify(v)],
};

function columnsOf(fields: CustomerFields): { columns: string[]; values: unknown[] } {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const [field, [column, write]] of Object.entries(COLUMNS) as [keyof CustomerFields, [string, (v: unknown) => unknown]][]) {
    if (fields[field] === undefined) continue;
    columns.push(column);
    values.push(write(fields[field]));
  }
  return { columns, values };
}

/** Inserts a customer; a taken email or refKey fails on `customers_email_key` / `customers_ref_key_key`. */
export async function insertCustomer(tx: Tx, id: string, fields: CustomerFields, at: string): Promise<Customer> {
  const { columns, values } = columnsOf(fields);
  const { rows } = await tx.query<Row>(
    `insert into customers (id, created_at, updated_at, ${columns.join(', ')})
     values ($1, $2, $2, ${columns.map((_, i) => `$${i + 3}`).join(', ')}) returning *`,
    [id, at, ...values],
  );
  return toCustomer(rows[0]!);
}

/** Updates the given fields (and `updated_at`); null when there is no such customer. */
export async function updateCustomer(tx: Tx, id: string, fields: CustomerFields, at: string): Promise<Customer | null> {
  const { columns, values } = columnsOf(fields);
  const { rows } = await tx.query<Row>(
    `update customers set updated_at = $2${columns.map((c, i) => `, ${c} = $${i + 3}`).join('')} where id = $1 returning *`,
    [id, at, ...values],
  );
  return rows[0] ? toCustomer(rows[0]) : null;
}

/** The customer, its row locked until the transaction ends (nothing subscribes it meanwhile). */
export async function lockCustomer(tx: Tx, id: string): Promise<Customer | null> {
  const { rows } = await tx.query<Row>('select * from customers where id = $1 for update', [id]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function findCustomerByRef(db: Queryable, refKey: string): Promise<Customer | null> {
  const { rows } = await db.query<Row>('select * from customers where ref_key = $1', [refKey]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function findCustomerByEmail(db: Queryable, email: string): Promise<Customer | null> {
  const { rows } = await db.query<Row>('select * from customers where email = lower($1)', [email]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function subscriptionsOf(db: Queryable, customerId: string): Promise<Subscription[]> {
  const { rows } = await db.query<Row>('select * from subscriptions where customer_id = $1 order by id collate "C"', [customerId]);
  return rows.map(toSubscription);
}

/** Sets a subscription's metadata; null when there is no such subscription. */
export async function setSubscriptionMetadata(tx: Tx, id: string, metadata: Record<string, string>, at: string): Promise<Subscription | null> {
  const { rows } = await tx.query<Row>('update subscriptions set metadata = $2, updated_at = $3 where id = $1 returning *', [id, JSON.stringify(metadata), at]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

// ---------------------------------------------------------------------------------------- data privacy

/** Checkouts the customer completed or started with its email, usage of its subscriptions, events about it. */
export async function customerRecords(db: Queryable, customer: Customer) {
  const checkouts = await db.query<Row>(
    `select id, status, cart, buyer, plan_id, amount_due, currency, client_reference_id, subscription_id, invoice_id, created_at, completed_at
     from checkouts where customer_id = $1 or buyer->>'email' = $2 order by id collate "C"`,
    [customer.id, customer.email],
  );
  const usage = await db.query<Row>(
    `select u.id, u.measurement_id, u.subscription_id, u.value, u.at, u.unique_key from usage_events u
     join subscriptions s on s.id = u.subscription_id where s.customer_id = $1 order by u.seq`,
    [customer.id],
  );
  const events = await db.query<Row>(
    `select e.id, e.type, e.created_at, e.data from events e
     where e.object_id = $1 or e.data->'object'->>'customerId' = $1 order by e.id collate "C"`,
    [customer.id],
  );
  return {
    checkouts: checkouts.rows.map((r) => ({
      id: String(r.id), status: String(r.status), cart: json(r.cart), buyer: json(r.buyer), planId: String(r.plan_id),
      amountDue: Number(r.amount_due), currency: String(r.currency), clientReferenceId: strOrNull(r.client_reference_id),
      subscriptionId: strOrNull(r.subscription_id), invoiceId: strOrNull(r.invoice_id), createdAt: iso(r.created_at), completedAt: isoOrNull(r.completed_at),
    })),
    usage: usage.rows.map((r) => ({
      id: String(r.id), measurementId: String(r.measurement_id), subscriptionId: String(r.subscription_id), value: Number(r.value), timestamp: iso(r.at), uniqueKey: String(r.unique_key),
    })),
    events: events.rows.map((r) => ({ id: String(r.id), type: String(r.type), createdAt: iso(r.created_at), data: json(r.data) })),
  };
}

/** Whether the customer has a live subscription; with the customer's row locked, none can start meanwhile. */
export async function hasLiveSubscription(tx: Tx, customerId: string, live: readonly string[]): Promise<boolean> {
  const { rows } = await tx.query('select 1 from subscriptions where customer_id = $1 and status = any($2::text[]) limit 1', [customerId, live]);
  return rows.length > 0;
}

/**
 * Replaces the personal data Billkit keeps beside the customer's row: the buyer on its checkouts, its email on
 * coupon redemptions (they count per email), the customer objects of its customer.* events (`view`: the
 * obfuscated customer as the API shows it), its subscriptions' metadata and its checkouts' client reference
 * (in the rows and in the events). Invoices keep their `billTo` as issued.
 */
export async function obfuscateTraces(tx: Tx, before: Customer, after: Customer, view: unknown): Promise<void> {
  await tx.query(
    `update checkouts set buyer = jsonb_build_object('email', $3::text, 'name', $4::text, 'country', buyer->'country', 'type', buyer->'type')
     where customer_id = $1 or buyer->>'email' = $2`,
    [before.id, before.email, after.email, after.name],
  );
  await tx.query('update coupon_redemptions set customer_email = $2 where customer_email = $1', [before.email, after.email]);
  await tx.query(`update events set data = jsonb_build_object('object', $2::jsonb) where object_id = $1 and type like 'customer.%'`, [before.id, JSON.stringify(view)]);
  // The merchant's own data about them: the subscriptions' metadata and the client reference, wherever shown.
  await tx.query(`update subscriptions set metadata = '{}' where customer_id = $1`, [before.id]);
  await tx.query(`update checkouts set client_reference_id = null where customer_id = $1`, [before.id]);
  await tx.query(
    `update events set data = case when type = 'checkout.completed' then jsonb_set(data, '{object,clientReferenceId}', 'null')
       else jsonb_set(data, '{object,metadata}', '{}') end
     where data->'object'->>'customerId' = $1 and (type = 'checkout.completed' or data->'object' ? 'metadata')`,
    [before.id],
  );
}

// ----------------------------------------------------------------------------------- customer sessions

export interface SessionPrefill {
  email?: string | undefined;
  name?: string | undefined;
  country?: string | undefined;
  type?: Customer['type'] | undefined;
  vatId?: string | undefined;
  address?: Address | undefined;
  locale?: string | undefined;
}

export interface CustomerSession {
  id: string;
  /** The existing customer it checks out as, or null for a new one with `refKey`. */
  customerId: string | null;
  refKey: string | null;
  prefill: SessionPrefill;
  expiresAt: string;
  createdAt: string;
  usedAt: string | null;
  checkoutId: string | null;
}

const toSession = (r: Row): CustomerSession => ({
  id: String(r.id),
  customerId: strOrNull(r.customer_id),
  refKey: strOrNull(r.ref_key),
  prefill: json(r.prefill),
  expiresAt: iso(r.expires_at),
  createdAt: iso(r.created_at),
  usedAt: isoOrNull(r.used_at),
  checkoutId: strOrNull(r.checkout_id),
});

export async function insertCustomerSession(db: Queryable, s: Omit<CustomerSession, 'usedAt' | 'checkoutId'>, secretHash: string): Promise<void> {
  await db.query(
    `insert into customer_sessions (id, secret_hash, customer_id, ref_key, prefill, expires_at, created_at) values ($1, $2, $3, $4, $5, $6, $7)`,
    [s.id, secretHash, s.customerId, s.refKey, JSON.stringify(s.prefill), s.expiresAt, s.createdAt],
  );
}

export async function findCustomerSessionByHash(db: Queryable, secretHash: string): Promise<CustomerSession | null> {
  const { rows } = await db.query<Row>('select * from customer_sessions where secret_hash = $1', [secretHash]);
  return rows[0] ? toSession(rows[0]) : null;
}

export async function findCustomerSession(db: Queryable, id: string): Promise<CustomerSession | null> {
  const { rows } = await db.query<Row>('select * from customer_sessions where id = $1', [id]);
  return rows[0] ? toSession(rows[0]) : null;
}

/**
 * Spends the session on this checkout, in the checkout's transaction. False when another checkout spent it
 * first (the conditional update holds under concurrency).
 */
export async function spendCustomerSession(tx: Tx, id: string, checkoutId: string, at: string): Promise<boolean> {
  const { rows } = await tx.query(
    `update customer_sessions set used_at = coalesce(used_at, $3), checkout_id = $2
     where id = $1 and (checkout_id is null or checkout_id = $2) returning id`,
    [id, checkoutId, at],
  );
  return rows.length > 0;
}
