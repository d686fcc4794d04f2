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
  createdAt: string;
  updatedAt: string;
}

const toCustomer = (r: Row): Customer => ({
  id: String(r.id),
  email: String(r.email),
  name: String(r.name),
  country: String(r.country),
  type: String(r.type) as Customer['type'],
  vatId: strOrNull(r.vat_id),
  address: r.address == null ? null : json<Address>(r.address),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});


export async function findCustomer(db: Queryable, id: string): Promise<Customer | null> {
  const { rows } = await db.query<Row>('select * from customers where id = $1', [id]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

async function pageOf<T extends { id: string }>(db: Queryable, sql: string, params: unknown[], page: PageRequest, map: (r: Row) => T): Promise<Page<T>> {
  const n = params.length;
  const { rows } = await db.query<Row>(
    `${sql} ${n ? 'and' : 'where'} ($${n + 1}::text is null or id > $${n + 1} collate "C") order by id collate "C" limit $${n + 2}`,
    [...params, page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(map), page.limit);
}

export const listCustomers = (db: Queryable, page: PageRequest) => pageOf(db, 'select * from customers', [], page, toCustomer);

// -------------------------------------------------------------------------------------- subscriptions

export interface SubscriptionItem {
  chargeId: string;
  quantity: number;
}

export interface Subscription {
  id: string;
  customerId: string;
  planId: string;
  familyKey: string;
  status: 'trialing' | 'active' | 'paused' | 'cancelled' | 'expired';
  items: SubscriptionItem[];
  couponId: string | null;
  periodsBilled: number;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  cancelledAt: string | null;
  checkoutId: string | null;
  createdAt: string;
  updatedAt: string;
}

const toSubscription = (r: Row): Subscription => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  planId: String(r.plan_id),
  familyKey: String(r.family_key),
  status: String(r.status) as Subscription['status'],
  items: json(r.items),
  couponId: strOrNull(r.coupon_id),
  periodsBilled: Number(r.periods_billed),
  currentPeriodStart: iso(r.current_period_start),
  currentPeriodEnd: iso(r.current_period_end),
  trialEnd: isoOrNull(r.trial_end),
  cancelAtPeriodEnd: Boolean(r.cancel_at_period_end),
  cancelledAt: isoOrNull(r.cancelled_at),
  checkoutId: strOrNull(r.checkout_id),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});


/**
 * One round trip: creates or updates the customer (by email; the row stays locked) and creates its
 * subscription, both dated by the (test) clock's time of the subscription's start. The unique index refuses a second live subscription in the family
 * (constraint `subscriptions_one_live_per_family`).
 */
export async function createCustomerAndSubscription(
  tx: Tx,
  c: Omit<Customer, 'id' | 'createdAt' | 'updatedAt'>,
  s: Omit<Subscription, 'customerId' | 'createdAt' | 'updatedAt' | 'cancelAtPeriodEnd' | 'cancelledAt'>,
): Promise<{ customer: Customer; subscription: Subscription }> {
  const { rows } = await tx.query<{ customer: Row; subscription: Row }>(
    `with c as (
       insert into customers (id, email, name, country, type, vat_id, address, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $15, $15)
       on conflict (email) do update set name = excluded.name, country = excluded.country, type = excluded.type,
         vat_id = excluded.vat_id, address = coalesce(excluded.address, customers.address), updated_at = $15
       returning *
     ), s as (
       insert into subscriptions (id, customer_id, plan_id, family_key, status, items, coupon_id, periods_billed,
         current_period_start, current_period_end, trial_end, checkout_id, created_at, updated_at)
       select $8, c.id, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $15, $15 from c
       returning *
     )
     select row_to_json(c) as customer, row_to_json(s) as subscription from c, s`,
    [
      newId('cus'), c.email.toLowerCase(), c.name, c.country, c.type, c.vatId, c.address ? JSON.stringify(c.address) : null,
      s.id, s.planId, s.familyKey, s.status, JSON.stringify(s.items), s.couponId, s.periodsBilled, s.currentPeriodStart, s.currentPeriodEnd,
      s.trialEnd, s.checkoutId,
    ],
  );
  const row = rows[0]!;
  return { customer: toCustomer(json<Row>(row.customer)), subscription: toSubscription(json<Row>(row.subscription)) };
}

export async function liveSubscriptionIn(db: Queryable, email: string, familyKey: string): Promise<Subscription | null> {
  const { rows } = await db.query<Row>(
    `select s.* from subscriptions s join customers c on c.id = s.customer_id
     where c.email = lower($1) and s.family_key = $2 and s.status in ('trialing', 'active', 'paused')`,
    [email, familyKey],
  );
  return rows[0] ? toSubscription(rows[0]) : null;
}

export async function findSubscription(db: Queryable, id: string): Promise<Subscription | null> {
  const { rows } = await db.query<Row>('select * from subscriptions where id = $1', [id]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

export const listSubscriptions = (db: Queryable, page: PageRequest, customerId?: string) =>
  customerId
    ? pageOf(db, 'select * from subscriptions where customer_id = $1', [customerId], page, toSubscription)
    : pageOf(db, 'select * from subscriptions', [], page, toSubscription);

// ------------------------------------------------------------------------------------------- invoices

export interface InvoiceLineRecord extends InvoiceLine {
  id: string;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface Invoice {
  id: string;
  number: string;
  customerId: string;
  subscriptionId: string | null;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  currency: string;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  taxTreatment: string;
  taxBehavior: string;
  taxBreakdown: TaxBreakdownRow[];
  note: string | null;
  billTo: Record<string, unknown>;
  periodStart: string | null;
  periodEnd: string | null;
  issuedAt: string;
  paidAt: string | null;
  paymentId: string | null;
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
});

const toInvoice = (r: Row, lines: InvoiceLineRecord[]): Invoice => ({
  id: String(r.id),
  number: String(r.number),
  customerId: String(r.customer_id),
  subscriptionId: strOrNull(r.subscription_id),
  status: String(r.status) as Invoice['status'],
  currency: String(r.currency),
  subtotal: Number(r.subtotal),
  discount: Number(r.discount),
  tax: Number(r.tax),
  total: Number(r.total),
  taxTreatment: String(r.tax_treatment),
  taxBehavior: String(r.tax_behavior),
  taxBreakdown: json(r.tax_breakdown),
  note: strOrNull(r.note),
  billTo: json(r.bill_to),
  periodStart: isoOrNull(r.period_start),
  periodEnd: isoOrNull(r.period_end),
  issuedAt: iso(r.issued_at),
  paidAt: isoOrNull(r.paid_at),
  paymentId: strOrNull(r.payment_id),
  lines,
});

/**
 * Writes the first invoice with its lines, completes the checkout and records the subscription's coupon, in
 * one statement. The invoice gets its gapless number from `series` when the transaction commits (see
 * migration 0004): read it afterwards with invoiceNumber.
 */
export async function issueFirstInvoice(
  tx: Tx,
  inv: Omit<Invoice, 'number'>,
  done: { checkoutId: string; paymentId: string; at: string; couponId: string | null },
  series: string,
): Promise<void> {
  const l = inv.lines;
  await tx.query(
    `with i as (
       insert into invoices (id, number_prefix, customer_id, subscription_id, status, currency, subtotal, discount, tax, total,
         tax_treatment, tax_behavior, tax_breakdown, note, bill_to, period_start, period_end, issued_at, paid_at, payment_id)
       values ($1, $21, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       returning id
     ), lines as (
       insert into invoice_lines (id, invoice_id, position, charge_id, product_id, description, type, quantity, unit_amount, trial,
         subtotal, discount, tax_rate, tax, total, period_start, period_end)
       select t.id, i.id, t.position, t.charge_id, t.product_id, t.description, t.type, t.quantity, t.unit_amount, t.trial,
         t.subtotal, t.discount, t.tax_rate, t.tax, t.total, t.period_start, t.period_end
       from i, unnest($22::text[], $23::int[], $24::text[], $25::text[], $26::text[], $27::text[], $28::int[], $29::bigint[], $30::boolean[],
         $31::bigint[], $32::bigint[], $33::int[], $34::bigint[], $35::bigint[], $36::timestamptz[], $37::timestamptz[])
         as t(id, position, charge_id, product_id, description, type, quantity, unit_amount, trial, subtotal, discount, tax_rate, tax, total, period_start, period_end)
     ), co as (
       update checkouts set status = 'complete', payment_id = $20, customer_id = $2, subscription_id = $3, invoice_id = $1, completed_at = $17
       where id = $38
     ), sub as (
       update subscriptions set coupon_id = $39 where id = $3 and $39::text is not null
     )
     select 1`,
    [
      inv.id, inv.customerId, inv.subscriptionId, inv.status, inv.currency, inv.subtotal, inv.discount, inv.tax, inv.total,
      inv.taxTreatment, inv.taxBehavior, JSON.stringify(inv.taxBreakdown), inv.note, JSON.stringify(inv.billTo), inv.periodStart, inv.periodEnd,
      inv.issuedAt, inv.paidAt, inv.paymentId, done.paymentId, series,
      l.map((x) => x.id), l.map((_, i) => i), l.map((x) => x.chargeId), l.map((x) => x.productId), l.map((x) => x.description),
      l.map((x) => x.type), l.map((x) => x.quantity), l.map((x) => x.unitAmount ?? null), l.map((x) => x.trial === true),
      l.map((x) => x.subtotal), l.map((x) => x.discount), l.map((x) => x.taxRate), l.map((x) => x.tax), l.map((x) => x.total),
      l.map((x) => x.periodStart), l.map((x) => x.periodEnd), done.checkoutId, done.couponId,
    ],
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
  return rows.map((r) => toInvoice(r, byInvoice.get(String(r.id)) ?? []));
}

export async function findInvoice(db: Queryable, id: string): Promise<Invoice | null> {
  const { rows } = await db.query<Row>('select * from invoices where id = $1 or number = $1', [id]);
  return (await withLines(db, rows))[0] ?? null;
}

export async function listInvoices(db: Queryable, page: PageRequest, customerId?: string): Promise<Page<Invoice>> {
  const raw = customerId
    ? await pageOf(db, 'select * from invoices where customer_id = $1', [customerId], page, (r) => r as Row & { id: string })
    : await pageOf(db, 'select * from invoices', [], page, (r) => r as Row & { id: string });
  return { ...raw, data: await withLines(db, raw.data) };
}
