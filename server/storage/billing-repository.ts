/**
 * SQL of the subscription's life: claiming due work, payment attempts, status changes. Every function takes
 * the transaction's handle; the use cases in server/app/ decide.
 */
import type { Queryable, Tx } from './db.js';
import { toCustomer, toSubscription, type Customer, type Invoice, type SavedPaymentMethod, type Subscription } from './commerce-repository.js';
import { iso } from './ids.js';

type Row = Record<string, unknown>;

// ------------------------------------------------------------------------------------ payment attempts

export interface Collectable {
  invoiceId: string;
  status: Invoice['status'];
  amountDue: number;
  currency: string;
  customerId: string;
  subscriptionId: string | null;
  paymentMethod: SavedPaymentMethod | null;
  /** The attempt to make: a pending one left by a run that was killed, or the next number. */
  number: number;
  resumed: boolean;
}

/**
 * Locks the invoices that can be charged (open, or uncollectible when `allowUncollectible`, with an amount
 * due) and writes one pending attempt for each, reusing an attempt still pending from a killed run: its
 * provider call carries the same idempotency key, so it charges at most once. Invoices another
 * transaction holds are skipped (their collector is at work).
 */
export async function startAttempts(tx: Tx, invoiceIds: readonly string[], at: string, allowUncollectible = false): Promise<Collectable[]> {
  if (invoiceIds.length === 0) return [];
  const { rows } = await tx.query<Row>(
    `select i.id, i.status, i.amount_due, i.currency, i.customer_id, i.subscription_id, s.default_payment_method,
       (select max(a.number) from invoice_attempts a where a.invoice_id = i.id) as last_number,
       (select a.number from invoice_attempts a where a.invoice_id = i.id and a.outcome = 'pending') as pending_number
     from invoices i left join subscriptions s on s.id = i.subscription_id
     where i.id = any($1::text[]) and i.amount_due > 0
       and (i.status = 'open' or ($2::boolean and i.status = 'uncollectible'))
     order by i.id
     for update of i skip locked`,
    [invoiceIds, allowUncollectible],
  );
  const out: Collectable[] = rows.map((r) => {
    const pending = r.pending_number == null ? null : Number(r.pending_number);
    return {
      invoiceId: String(r.id),
      status: String(r.status) as Invoice['status'],
      amountDue: Number(r.amount_due),
      currency: String(r.currency),
      customerId: String(r.customer_id),
      subscriptionId: r.subscription_id == null ? null : String(r.subscription_id),
      paymentMethod: r.default_payment_method == null ? null : (typeof r.default_payment_method === 'string' ? JSON.parse(r.default_payment_method) : r.default_payment_method) as SavedPaymentMethod,
      number: pending ?? Number(r.last_number ?? 0) + 1,
      resumed: pending !== null,
    };
  });
  const fresh = out.filter((c) => !c.resumed);
  if (fresh.length > 0) {
    await tx.query(
      `insert into invoice_attempts (invoice_id, number, at, amount, outcome)
       select t.invoice_id, t.number, $3, t.amount, 'pending' from unnest($1::text[], $2::int[], $4::bigint[]) as t(invoice_id, number, amount)`,
      [fresh.map((c) => c.invoiceId), fresh.map((c) => c.number), at, fresh.map((c) => c.amountDue)],
    );
  }
  return out;
}

/**
 * Records succeeded attempts and marks their invoices paid, in two statements for the whole batch. Only
 * attempts still pending count: a twin collector that got there first wins, and this one changes nothing.
 * Answers the ids of the invoices this call marked paid.
 */
export async function recordPayments(tx: Tx, paid: readonly { invoiceId: string; number: number; paymentId: string; amount: number }[], at: string): Promise<string[]> {
  if (paid.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>(
    `with a as (
       update invoice_attempts ia set outcome = 'succeeded', payment_id = t.payment_id
       from unnest($1::text[], $2::int[], $3::text[]) as t(invoice_id, number, payment_id)
       where ia.invoice_id = t.invoice_id and ia.number = t.number and ia.outcome = 'pending'
       returning ia.invoice_id, t.payment_id
     )
     update invoices i set status = 'paid', amount_paid = i.amount_paid + i.amount_due, paid_at = $4, payment_id = a.payment_id,
       next_attempt_at = null
     from a where i.id = a.invoice_id
     returning i.id`,
    [paid.map((p) => p.invoiceId), paid.map((p) => p.number), paid.map((p) => p.paymentId), at],
  );
  return rows.map((r) => r.id);
}

/** Records one declined attempt (if still pending); answers the declined attempts' count and the first one's time, or null. */
export async function recordDecline(tx: Tx, invoiceId: string, number: number, code: string): Promise<{ failures: number; firstFailure: Date } | null> {
  const { rowCount } = await tx.query(
    `update invoice_attempts set outcome = 'declined', code = $3 where invoice_id = $1 and number = $2 and outcome = 'pending'`,
    [invoiceId, number, code],
  );
  if (rowCount === 0) return null;
  const { rows } = await tx.query<{ failures: number; first: unknown }>(
    `select count(*)::int as failures, min(at) as first from invoice_attempts where invoice_id = $1 and outcome = 'declined'`,
    [invoiceId],
  );
  return { failures: Number(rows[0]!.failures), firstFailure: new Date(iso(rows[0]!.first)) };
}

export async function setInvoiceRetry(tx: Tx, invoiceId: string, nextAttemptAt: string | null): Promise<void> {
  await tx.query('update invoices set next_attempt_at = $2 where id = $1', [invoiceId, nextAttemptAt]);
}

/** Moves an invoice along SPEC section 6's transitions; answers false when it was not in one of `from`. */
export async function setInvoiceStatus(tx: Tx, invoiceId: string, from: readonly Invoice['status'][], to: Invoice['status'], at: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update invoices set status = $3, next_attempt_at = null, voided_at = case when $3 = 'void' then $4::timestamptz else voided_at end
     where id = $1 and status = any($2::text[])`,
    [invoiceId, from, to, at],
  );
  return rowCount > 0;
}

/** Open invoices whose retry is due, and attempts left pending by a killed run: what a billing run collects. */
export async function dueForCollection(db: Queryable, now: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `(select id from invoices where status = 'open' and next_attempt_at <= $1 order by next_attempt_at limit $2)
     union
     (select a.invoice_id from invoice_attempts a join invoices i on i.id = a.invoice_id
      where a.outcome = 'pending' and i.status in ('open', 'uncollectible') limit $2)`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** Open invoices of a subscription with an amount due: retried at once when its payment method changes. */
export async function openInvoicesOf(db: Queryable, subscriptionId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from invoices where subscription_id = $1 and status = 'open' and amount_due > amount_paid order by id`,
    [subscriptionId],
  );
  return rows.map((r) => r.id);
}

/** Whether nothing the subscription was invoiced is left unpaid (open or uncollectible with an amount due). */
export async function owesNothing(tx: Tx, subscriptionId: string): Promise<boolean> {
  const { rows } = await tx.query(
    `select 1 from invoices where subscription_id = $1 and status in ('open', 'uncollectible') and amount_due > amount_paid limit 1`,
    [subscriptionId],
  );
  return rows.length === 0;
}

// --------------------------------------------------------------------------------- subscriptions

/** Subscriptions' statuses, without a lock (what may change is then locked with lockSubscriptions). */
export async function subscriptionStatuses(tx: Tx, ids: readonly string[]): Promise<Map<string, Subscription['status']>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ id: string; status: Subscription['status'] }>('select id, status from subscriptions where id = any($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Locks subscriptions in id order (so two lockers never deadlock) and reads them whole. */
export async function lockSubscriptions(tx: Tx, ids: readonly string[]): Promise<Map<string, Subscription>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<Row>('select * from subscriptions where id = any($1::text[]) order by id for update', [ids]);
  return new Map(rows.map((r) => [String(r.id), toSubscription(r)]));
}

export async function lockSubscription(tx: Tx, id: string): Promise<Subscription | null> {
  const { rows } = await tx.query<Row>('select * from subscriptions where id = $1 for update', [id]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

export async function lockCustomer(tx: Tx, id: string): Promise<Customer> {
  const { rows } = await tx.query<Row>('select * from customers where id = $1 for update', [id]);
  if (!rows[0]) throw new Error(`customer ${id} vanished`);
  return toCustomer(rows[0]);
}

export async function customersByIds(tx: Tx, ids: readonly string[], lock = false): Promise<Map<string, Customer>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<Row>(`select * from customers where id = any($1::text[]) order by id ${lock ? 'for update' : ''}`, [ids]);
  return new Map(rows.map((r) => [String(r.id), toCustomer(r)]));
}

/** Adds to customers' balances (negative: credit used), one statement for the batch. */
export async function adjustBalances(tx: Tx, changes: ReadonlyMap<string, number>, at: string): Promise<void> {
  const entries = [...changes].filter(([, delta]) => delta !== 0);
  if (entries.length === 0) return;
  await tx.query(
    `update customers c set balance = c.balance + t.delta, updated_at = $3
     from unnest($1::text[], $2::bigint[]) as t(id, delta) where c.id = t.id`,
    [entries.map(([id]) => id), entries.map(([, d]) => d), at],
  );
}

/**
 * Writes a subscription's changed fields (everything the lifecycle changes), one statement for the batch.
 * Answers the rows as saved, unless `returning` is false (the billing run, which has them: nothing is read back).
 */
export async function saveSubscriptions(tx: Tx, subs: readonly Subscription[], at: string, returning = true): Promise<Subscription[]> {
  if (subs.length === 0) return [];
  // One JSON document for the batch (parsed once), its fields named as the columns.
  const rows = subs.map((s) => ({
    id: s.id, status: s.status, plan_id: s.planId, items: s.items, coupon_id: s.couponId, coupon_code: s.couponCode,
    coupon_first_period: s.couponFirstPeriod, periods_billed: s.periodsBilled, anchor: s.anchor, anchor_periods: s.anchorPeriods,
    cps: s.currentPeriodStart, cpe: s.currentPeriodEnd, trial_end: s.trialEnd, cape: s.cancelAtPeriodEnd, cancelled_at: s.cancelledAt,
    cancellation: s.cancellation, paused_at: s.pausedAt, resumes_at: s.resumesAt, expires_at: s.expiresAt, ended_at: s.endedAt,
    pending_change: s.pendingChange, usage_from: s.usageFrom, dpm: s.defaultPaymentMethod, retention_offered: s.retentionOffered, twe: s.trialWillEndSent,
  }));
  const { rows: saved } = await tx.query<Row>(
    `update subscriptions s set status = t.status, plan_id = t.plan_id, items = t.items, coupon_id = t.coupon_id,
       coupon_code = t.coupon_code, coupon_first_period = t.coupon_first_period, periods_billed = t.periods_billed,
       anchor = t.anchor, anchor_periods = t.anchor_periods, current_period_start = t.cps, current_period_end = t.cpe,
       trial_end = t.trial_end, cancel_at_period_end = t.cape, cancelled_at = t.cancelled_at, cancellation = t.cancellation,
       paused_at = t.paused_at, resumes_at = t.resumes_at, expires_at = t.expires_at, ended_at = t.ended_at,
       pending_change = t.pending_change, usage_from = t.usage_from, default_payment_method = t.dpm, retention_offered = t.retention_offered,
       trial_will_end_sent = t.twe, updated_at = $2
     from jsonb_to_recordset($1::jsonb) as t(id text, status text, plan_id text, items jsonb, coupon_id text, coupon_code text,
       coupon_first_period int, periods_billed int, anchor timestamptz, anchor_periods int, cps timestamptz, cpe timestamptz,
       trial_end timestamptz, cape boolean, cancelled_at timestamptz, cancellation jsonb, paused_at timestamptz, resumes_at timestamptz,
       expires_at timestamptz, ended_at timestamptz, pending_change jsonb, usage_from jsonb, dpm jsonb, retention_offered boolean, twe boolean)
     where s.id = t.id
     ${returning ? 'returning s.*' : ''}`,
    [JSON.stringify(rows), at],
  );
  return returning ? saved.map(toSubscription) : [];
}

