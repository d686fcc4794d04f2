import type { InvoiceLine } from '../domain/quote.js';
import type { TaxBreakdownRow } from '../domain/invoices.js';
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, newId, strOrNull, toPage, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;

// ------------------------------------------------------------------------------------------ customers

export interface Address {
  line1?: string | undefined;
  line2?: string | undefined;
  postalCode?: string | undefined;
  city?: string | undefined;
  state?: string | undefined;
  country?: string | undefined;
}

export interface Customer {
  id: string;
  email: string;
  name: string;
  country: string;
  type: 'individual' | 'business';
  vatId: string | null;
  address: Address | null;
  /** Credit in minor units (from prorations), applied to the next invoices before payment. */
  balance: number;
  locale: string;
  /** The merchant's own id for the customer (its user or account id); unique when set. */
  refKey: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export const toCustomer = (r: Row): Customer => ({
  id: String(r.id),
  email: String(r.email),
  name: String(r.name),
  country: String(r.country),
  type: String(r.type) as Customer['type'],
  vatId: strOrNull(r.vat_id),
  address: r.address == null ? null : json<Address>(r.address),
  balance: Number(r.balance ?? 0),
  locale: String(r.locale ?? 'en'),
  refKey: strOrNull(r.ref_key),
  metadata: r.metadata == null ? {} : json(r.metadata),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});


export async function findCustomer(db: Queryable, id: string): Promise<Customer | null> {
  const { rows } = await db.query<Row>('select * from customers where id = $1', [id]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function pageOf<T extends { id: string }>(db: Queryable, sql: string, params: unknown[], page: PageRequest, map: (r: Row) => T): Promise<Page<T>> {
  const n = params.length;
  const { rows } = await db.query<Row>(
    `${sql} ${n ? 'and' : 'where'} ($${n + 1}::text is null or id > $${n + 1} collate "C") order by id collate "C" limit $${n + 2}`,
    [...params, page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(map), page.limit);
}

/** Customers in pages, optionally only those with that refKey and/or email. */
export const listCustomers = (db: Queryable, page: PageRequest, filter: { refKey?: string | undefined; email?: string | undefined } = {}) =>
  pageOf(db, 'select * from customers where ($1::text is null or ref_key = $1) and ($2::text is null or email = lower($2))',
    [filter.refKey ?? null, filter.email ?? null], page, toCustomer);

// -------------------------------------------------------------------------------------- subscriptions

export interface SubscriptionItem {
  chargeId: string;
  quantity: number;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'unpaid' | 'paused' | 'cancelled' | 'expired';
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'unpaid', 'paused'];

export interface SavedPaymentMethod {
  provider: string;
  id: string;
  brand?: string;
  last4?: string;
  /** The provider's customer the method is saved to (Stripe `cus_...`). */
  providerCustomerId?: string;
}

export interface PendingChange {
  /** Plan id. */
  plan: string;
  items: SubscriptionItem[];
  effectiveAt: string;
}

export interface Subscription {
  id: string;
  customerId: string;
  planId: string;
  familyKey: string;
  status: SubscriptionStatus;
  items: SubscriptionItem[];
  couponId: string | null;
  couponCode: string | null;
  /** The first recurring period the coupon covers (its periods count from its application). */
  couponFirstPeriod: number;
  periodsBilled: number;
  /** Period k since the anchor is [anchor + (k-1) x interval, anchor + k x interval). */
  anchor: string;
  /** The k of the current period (0 during a trial). */
  anchorPeriods: number;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  cancelledAt: string | null;
  cancellation: { reason?: string; comment?: string } | null;
  pausedAt: string | null;
  resumesAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  pendingChange: PendingChange | null;
  /**
   * measurementId -> ISO instant: the current period's usage of that measurement counts from there (its
   * usage before was invoiced by an immediate change that dropped or re-priced it). Empty at each new period.
   */
  usageFrom: Record<string, string>;
  defaultPaymentMethod: SavedPaymentMethod | null;
  retentionOffered: boolean;
  trialWillEndSent: boolean;
  checkoutId: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export const toSubscription = (r: Row): Subscription => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  planId: String(r.plan_id),
  familyKey: String(r.family_key),
  status: String(r.status) as Subscription['status'],
  items: json(r.items),
  couponId: strOrNull(r.coupon_id),
  couponCode: strOrNull(r.coupon_code),
  couponFirstPeriod: Number(r.coupon_first_period ?? 1),
  periodsBilled: Number(r.periods_billed),
  anchor: iso(r.anchor),
  anchorPeriods: Number(r.anchor_periods),
  currentPeriodStart: iso(r.current_period_start),
  currentPeriodEnd: iso(r.current_period_end),
  trialEnd: isoOrNull(r.trial_end),
  cancelAtPeriodEnd: Boolean(r.cancel_at_period_end),
  cancelledAt: isoOrNull(r.cancelled_at),
  cancellation: r.cancellation == null ? null : json(r.cancellation),
  pausedAt: isoOrNull(r.paused_at),
  resumesAt: isoOrNull(r.resumes_at),
  expiresAt: isoOrNull(r.expires_at),
  endedAt: isoOrNull(r.ended_at),
  pendingChange: r.pending_change == null ? null : json(r.pending_change),
  usageFrom: r.usage_from == null ? {} : json(r.usage_from),
  defaultPaymentMethod: r.default_payment_method == null ? null : json(r.default_payment_method),
  retentionOffered: Boolean(r.retention_offered),
  trialWillEndSent: Boolean(r.trial_will_end_sent),
  checkoutId: strOrNull(r.checkout_id),
  metadata: r.metadata == null ? {} : json(r.metadata),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});


export type NewSubscription = Pick<
  Subscription,
  'id' | 'planId' | 'familyKey' | 'status' | 'items' | 'couponId' | 'periodsBilled' | 'anchor' | 'anchorPeriods' |
  'currentPeriodStart' | 'currentPeriodEnd' | 'trialEnd' | 'checkoutId' | 'defaultPaymentMethod' | 'metadata'
>;

/**
 * Whom a checkout's subscription goes to: the customer with the buyer's email (made if new), the customer a
 * customer session names (`id`; the checkout carries its email), or the session's new customer (`refKey`:
 * made with the session's email unless a customer has that refKey by now). A new customer whose email
 * another customer has fails on `customers_email_key`.
 */
export type CustomerTarget = { by: 'email' } | { by: 'id'; id: string } | { by: 'refKey'; refKey: string };

const CONFLICT_ON: Record<CustomerTarget['by'], string> = { email: 'email', id: 'id', refKey: 'ref_key' };

/**
 * One round trip: creates or updates the customer (by `target`; the row stays locked) and creates its
 * subscription, both dated by the (test) clock's time of the subscription's start. The unique index refuses a
 * second live subscription in the family (constraint `subscriptions_one_live_per_family`). `created` tells
 * whether the customer is new.
 */
export async function createCustomerAndSubscription(
  tx: Tx,
  c: Pick<Customer, 'email' | 'name' | 'country' | 'type' | 'vatId' | 'address'> & { locale?: string | undefined },
  s: NewSubscription,
  target: CustomerTarget = { by: 'email' },
): Promise<{ customer: Customer; subscription: Subscription; created: boolean }> {
  const { rows } = await tx.query<{ customer: Row; subscription: Row; created: boolean }>(
    `with c as (
       insert into customers (id, email, name, country, type, vat_id, address, locale, ref_key, created_at, updated_at)
       values (coalesce($23::text, $1), $2, $3, $4, $5, $6, $7, coalesce($22, 'en'), $24, $15, $15)
       on conflict (${CONFLICT_ON[target.by]}) do update set name = excluded.name, country = excluded.country, type = excluded.type,
         vat_id = excluded.vat_id, address = coalesce(excluded.address, customers.address),
         locale = coalesce($22, customers.locale), updated_at = $15
       returning *, (xmax = 0) as created
     ), s as (
       insert into subscriptions (id, customer_id, plan_id, family_key, status, items, coupon_id, periods_billed,
         current_period_start, current_period_end, trial_end, checkout_id, created_at, updated_at, anchor, anchor_periods,
         default_payment_method, metadata)
       select $8, c.id, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $15, $15, $19, $20, $21, $25 from c
       returning *
     )
     select row_to_json(c) as customer, row_to_json(s) as subscription, c.created from c, s`,
    [
      newId('cus'), c.email.toLowerCase(), c.name, c.country, c.type, c.vatId, c.address ? JSON.stringify(c.address) : null,
      s.id, s.planId, s.familyKey, s.status, JSON.stringify(s.items), s.couponId, s.periodsBilled, s.currentPeriodStart, s.currentPeriodEnd,
      s.trialEnd, s.checkoutId, s.anchor, s.anchorPeriods, s.defaultPaymentMethod ? JSON.stringify(s.defaultPaymentMethod) : null,
      c.locale ?? null, target.by === 'id' ? target.id : null, target.by === 'refKey' ? target.refKey : null, JSON.stringify(s.metadata),
    ],
  );
  const row = rows[0]!;
  return { customer: toCustomer(json<Row>(row.customer)), subscription: toSubscription(json<Row>(row.subscription)), created: Boolean(row.created) };
}

/** The live subscription in a family of the customer with that email, id or refKey (a checkout's target). */
export async function liveSubscriptionIn(db: Queryable, who: { email: string } | { id: string } | { refKey: string }, familyKey: string): Promise<Subscription | null> {
  const [column, value] = 'email' in who ? ['c.email', who.email.toLowerCase()] : 'id' in who ? ['c.id', who.id] : ['c.ref_key', who.refKey];
  const { rows } = await db.query<Row>(
    `select s.* from subscriptions s join customers c on c.id = s.customer_id
     where ${column} = $1 and s.family_key = $2 and s.status in ('trialing', 'active', 'past_due', 'unpaid', 'paused')`,
    [value, familyKey],
  );
  return rows[0] ? toSubscription(rows[0]) : null;
}

export async function findSubscription(db: Queryable, id: string): Promise<Subscription | null> {
  const { rows } = await db.query<Row>('select * from subscriptions where id = $1', [id]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

export const listSubscriptions = (db: Queryable, page: PageRequest, filter: { customerId?: string | undefined; status?: string | undefined } = {}) =>
  pageOf(
    db,
    'select * from subscriptions where ($1::text is null or customer_id = $1) and ($2::text is null or status = $2)',
    [filter.customerId ?? null, filter.status ?? null],
    page,
    toSubscription,
  );

// ------------------------------------------------------------------------------------------- invoices

export interface InvoiceLineRecord extends InvoiceLine {
  id: string;
  periodStart: string | null;
  periodEnd: string | null;
  /** A line of a change of plan: credit for unused time (negative) or the rest of the period. */
  proration?: true;
}

export type InvoiceKind = 'checkout' | 'renewal' | 'proration' | 'final' | 'usage' | 'manual';

export interface InvoiceAttempt {
  at: string;
  outcome: 'pending' | 'succeeded' | 'declined';
  code?: string;
}

export interface Invoice {
  id: string;
  number: string;
  customerId: string;
  subscriptionId: string | null;
  kind: InvoiceKind;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  currency: string;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  /** Customer credit used on this invoice; `amountDue = total - balanceApplied`. */
  balanceApplied: number;
  amountDue: number;
  amountPaid: number;
  taxTreatment: string;
  taxBehavior: string;
  taxBreakdown: TaxBreakdownRow[];
  note: string | null;
  billTo: Record<string, unknown>;
  /** The seller's details (settings `seller`) as they were when the invoice was issued. */
  seller: Record<string, unknown> | null;
  periodStart: string | null;
  periodEnd: string | null;
  issuedAt: string;
  dueAt: string;
  paidAt: string | null;
  voidedAt: string | null;
  paymentId: string | null;
  attempts: InvoiceAttempt[];
  nextAttemptAt: string | null;
  lines: InvoiceLineRecord[];
}

const toLine = (r: Row): InvoiceLineRecord => ({
  id: String(r.id),
  chargeId: String(r.charge_id),
  productId: String(r.product_id),
  description: String(r.description),
  type: String(r.type) as InvoiceLine['type'],
  quantity: Number(r.quantity),
  ...(r.unit_amount == null ? {} : { unitAmount: Number(r.unit_amount) }),
  ...(r.trial ? { trial: true as const } : {}),
  subtotal: Number(r.subtotal),
  discount: Number(r.discount),
  taxRate: Number(r.tax_rate),
  tax: Number(r.tax),
  total: Number(r.total),
  periodStart: isoOrNull(r.period_start),
  periodEnd: isoOrNull(r.period_end),
  ...(r.proration ? { proration: true as const } : {}),
});

const toInvoice = (r: Row, lines: InvoiceLineRecord[], attempts: InvoiceAttempt[]): Invoice => ({
  id: String(r.id),
  number: String(r.number),
  customerId: String(r.customer_id),
  subscriptionId: strOrNull(r.subscription_id),
  kind: String(r.kind ?? 'checkout') as InvoiceKind,
  status: String(r.status) as Invoice['status'],
  currency: String(r.currency),
  subtotal: Number(r.subtotal),
  discount: Number(r.discount),
  tax: Number(r.tax),
  total: Number(r.total),
  balanceApplied: Number(r.balance_applied ?? 0),
  amountDue: Number(r.amount_due ?? r.total),
  amountPaid: Number(r.amount_paid ?? 0),
  taxTreatment: String(r.tax_treatment),
  taxBehavior: String(r.tax_behavior),
  taxBreakdown: json(r.tax_breakdown),
  note: strOrNull(r.note),
  billTo: json(r.bill_to),
  seller: r.seller == null ? null : json(r.seller),
  periodStart: isoOrNull(r.period_start),
  periodEnd: isoOrNull(r.period_end),
  issuedAt: iso(r.issued_at),
  dueAt: iso(r.due_at ?? r.issued_at),
  paidAt: isoOrNull(r.paid_at),
  voidedAt: isoOrNull(r.voided_at),
  paymentId: strOrNull(r.payment_id),
  attempts,
  nextAttemptAt: isoOrNull(r.next_attempt_at),
  lines,
});

/** An invoice to write: numbered from `series` (`INV-2026-`) as the transaction commits. */
export type NewInvoice = Omit<Invoice, 'number' | 'attempts'> & { series: string; number?: string };

/**
 * Writes invoices with their lines in one statement, however many: the billing run writes a batch at once.
 * Each gets its gapless number from its series when the transaction commits (migration 0004): read it
 * afterwards with invoiceNumber. The unique indexes refuse a second invoice for a subscription's period.
 */
export async function insertInvoices(tx: Tx, invoices: readonly NewInvoice[]): Promise<void> {
  if (invoices.length === 0) return;
  // Two JSON documents for the whole batch, each parsed once by PostgreSQL.
  const rows = invoices.map((x) => ({
    id: x.id, number: x.number ?? null, number_prefix: x.series, customer_id: x.customerId, subscription_id: x.subscriptionId, kind: x.kind,
    status: x.status, currency: x.currency, subtotal: x.subtotal, discount: x.discount, tax: x.tax, total: x.total,
    balance_applied: x.balanceApplied, amount_due: x.amountDue, amount_paid: x.amountPaid, tax_treatment: x.taxTreatment,
    tax_behavior: x.taxBehavior, tax_breakdown: x.taxBreakdown, note: x.note, bill_to: x.billTo, seller: x.seller,
    period_start: x.periodStart, period_end: x.periodEnd, issued_at: x.issuedAt, due_at: x.dueAt, paid_at: x.paidAt,
    payment_id: x.paymentId, next_attempt_at: x.nextAttemptAt,
  }));
  const lines = invoices.flatMap((inv) =>
    inv.lines.map((l, position) => ({
      id: l.id, invoice_id: inv.id, position, charge_id: l.chargeId, product_id: l.productId, description: l.description, type: l.type,
      quantity: l.quantity, unit_amount: l.unitAmount ?? null, trial: l.trial === true, subtotal: l.subtotal, discount: l.discount,
      tax_rate: l.taxRate, tax: l.tax, total: l.total, period_start: l.periodStart, period_end: l.periodEnd, proration: l.proration === true,
    })),
  );
  await tx.query(
    `with i as (
       insert into invoices (id, number, number_prefix, customer_id, subscription_id, kind, status, currency, subtotal, discount, tax, total,
         balance_applied, amount_due, amount_paid, tax_treatment, tax_behavior, tax_breakdown, note, bill_to, seller,
         period_start, period_end, issued_at, due_at, paid_at, payment_id, next_attempt_at)
       select * from jsonb_to_recordset($1::jsonb) as t(id text, number text, number_prefix text, customer_id text, subscription_id text,
         kind text, status text, currency text, subtotal bigint, discount bigint, tax bigint, total bigint, balance_applied bigint,
         amount_due bigint, amount_paid bigint, tax_treatment text, tax_behavior text, tax_breakdown jsonb, note text, bill_to jsonb,
         seller jsonb, period_start timestamptz, period_end timestamptz, issued_at timestamptz, due_at timestamptz, paid_at timestamptz,
         payment_id text, next_attempt_at timestamptz)
       returning id
     )
     insert into invoice_lines (id, invoice_id, position, charge_id, product_id, description, type, quantity, unit_amount, trial,
       subtotal, discount, tax_rate, tax, total, period_start, period_end, proration)
     select * from jsonb_to_recordset($2::jsonb) as t(id text, invoice_id text, position int, charge_id text, product_id text,
       description text, type text, quantity int, unit_amount bigint, trial boolean, subtotal bigint, discount bigint, tax_rate int,
       tax bigint, total bigint, period_start timestamptz, period_end timestamptz, proration boolean)
     where (select count(*) from i) = $3`,
    [JSON.stringify(rows), JSON.stringify(lines), invoices.length],
  );
}

/**
 * Numbers invoices now, in one statement, in their order: the series row stays locked until the transaction
 * ends, so call it last (the billing run does, just before its batch commits). Invoices numbered this way
 * skip the numbering at commit (migration 0004), and their events can carry the number as they are written.
 */
export async function numberInvoices(tx: Tx, invoices: NewInvoice[]): Promise<void> {
  const bySeries = new Map<string, NewInvoice[]>();
  for (const inv of invoices) {
    const list = bySeries.get(inv.series);
    if (list) list.push(inv);
    else bySeries.set(inv.series, [inv]);
  }
  for (const [series, list] of bySeries) {
    const { rows } = await tx.query<{ last_number: number }>(
      `insert into invoice_series (prefix, last_number) values ($1, $2)
       on conflict (prefix) do update set last_number = invoice_series.last_number + $2 returning last_number`,
      [series, list.length],
    );
    let n = Number(rows[0]!.last_number) - list.length;
    for (const inv of list) inv.number = `${series}${String(++n).padStart(6, '0')}`;
  }
}

/**
 * Writes the first invoice with its lines, completes the checkout and records the subscription's coupon.
 * The invoice gets its gapless number when the transaction commits: read it afterwards with invoiceNumber.
 */
export async function issueFirstInvoice(
  tx: Tx,
  inv: NewInvoice,
  done: { checkoutId: string; paymentId: string; at: string; couponId: string | null; couponCode: string | null; paymentMethod: SavedPaymentMethod | null },
): Promise<void> {
  await insertInvoices(tx, [inv]);
  await tx.query(
    `with co as (
       update checkouts set status = 'complete', payment_id = $1, customer_id = $2, subscription_id = $3, invoice_id = $4, completed_at = $5
       where id = $6
     )
     update subscriptions set coupon_id = $7, coupon_code = $8, default_payment_method = $9
     where id = $3 and ($7::text is not null or $9::jsonb is not null)`,
    [done.paymentId, inv.customerId, inv.subscriptionId, inv.id, done.at, done.checkoutId, done.couponId, done.couponCode,
      done.paymentMethod ? JSON.stringify(done.paymentMethod) : null],
  );
}

/** The number a committed invoice was given. */
export async function invoiceNumber(db: Queryable, id: string): Promise<string> {
  const { rows } = await db.query<{ number: string | null }>('select number from invoices where id = $1', [id]);
  const number = rows[0]?.number;
  if (!number) throw new Error(`invoice ${id} has no number: read it after the transaction that wrote it commits`);
  return number;
}

async function withLines(db: Queryable, rows: Row[]): Promise<Invoice[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const lines = await db.query<Row>('select * from invoice_lines where invoice_id = any($1::text[]) order by invoice_id, position', [ids]);
  const byInvoice = new Map<string, InvoiceLineRecord[]>();
  for (const r of lines.rows) {
    const list = byInvoice.get(String(r.invoice_id)) ?? [];
    list.push(toLine(r));
    byInvoice.set(String(r.invoice_id), list);
  }
  const attempts = await db.query<Row>('select * from invoice_attempts where invoice_id = any($1::text[]) order by invoice_id, number', [ids]);
  const attemptsOf = new Map<string, InvoiceAttempt[]>();
  for (const r of attempts.rows) {
    const list = attemptsOf.get(String(r.invoice_id)) ?? [];
    list.push({ at: iso(r.at), outcome: String(r.outcome) as InvoiceAttempt['outcome'], ...(r.code == null ? {} : { code: String(r.code) }) });
    attemptsOf.set(String(r.invoice_id), list);
  }
  return rows.map((r) => toInvoice(r, byInvoice.get(String(r.id)) ?? [], attemptsOf.get(String(r.id)) ?? []));
}

/** Every invoice of a customer, oldest first (a data-privacy export). */
export async function invoicesOf(db: Queryable, customerId: string): Promise<Invoice[]> {
  const { rows } = await db.query<Row>('select * from invoices where customer_id = $1 order by id collate "C"', [customerId]);
  return withLines(db, rows);
}

/** Invoices by id, with their lines and attempts, in three queries whatever their number. */
export async function findInvoicesByIds(db: Queryable, ids: readonly string[]): Promise<Invoice[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Row>('select * from invoices where id = any($1::text[]) order by id', [ids]);
  return withLines(db, rows);
}

export async function findInvoice(db: Queryable, id: string): Promise<Invoice | null> {
  const { rows } = await db.query<Row>('select * from invoices where id = $1 or number = $1', [id]);
  return (await withLines(db, rows))[0] ?? null;
}

export async function listInvoices(db: Queryable, page: PageRequest, filter: { customerId?: string | undefined; status?: string | undefined; subscriptionId?: string | undefined } = {}): Promise<Page<Invoice>> {
  const raw = await pageOf(
    db,
    `select * from invoices where ($1::text is null or customer_id = $1) and ($2::text is null or status = $2) and ($3::text is null or subscription_id = $3)`,
    [filter.customerId ?? null, filter.status ?? null, filter.subscriptionId ?? null],
    page,
    (r) => r as Row & { id: string },
  );
  return { ...raw, data: await withLines(db, raw.data) };
}
