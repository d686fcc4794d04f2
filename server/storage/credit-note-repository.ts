/**
 * Credit notes (migration 0008). What is left to credit is read under the invoice's row lock and written
 * back with check constraints (`invoices_credit_at_most_total`, `invoice_lines_credit_at_most_total`,
 * `invoices_refund_at_most_paid`): two credit notes at once on one invoice queue on the lock, and neither
 * can ever give back more than was billed or refund more than was paid.
 */
import type { CreditableLine, CreditNoteFigures, CreditNoteLine } from '../domain/credit-notes.js';
import type { TaxBreakdownRow } from '../domain/invoices.js';
import { findInvoice, pageOf, type Invoice } from './commerce-repository.js';
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, strOrNull, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;

export interface CreditNoteRefund {
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  /** The provider's refund reference once it was made. */
  id?: string;
  /** Why it failed (the provider's code), when it did. */
  code?: string;
}

export interface CreditNote {
  id: string;
  number: string;
  invoiceId: string;
  customerId: string;
  currency: string;
  lines: CreditNoteLine[];
  subtotal: number;
  tax: number;
  total: number;
  taxBreakdown: TaxBreakdownRow[];
  reason: string;
  refund: CreditNoteRefund | null;
  issuedAt: string;
}

export type NewCreditNote = Omit<CreditNote, 'number' | 'lines'> & CreditNoteFigures & { series: string };

/** Locks the invoice (by id or number) and answers it with what earlier credit notes gave back per line and refunded. */
export async function lockInvoiceForCredit(
  tx: Tx,
  idOrNumber: string,
): Promise<{ invoice: Invoice; lines: CreditableLine[]; refunded: number; paymentPending: boolean } | null> {
  const { rows } = await tx.query<{ id: string; amount_refunded: string; payment_pending: boolean }>(
    `select id, amount_refunded,
       exists (select 1 from invoice_attempts a where a.invoice_id = invoices.id and a.outcome = 'pending') as payment_pending
     from invoices where id = $1 or number = $1 for update`,
    [idOrNumber],
  );
  if (!rows[0]) return null;
  const invoice = (await findInvoice(tx, rows[0].id))!;
  const credited = await tx.query<{ invoice_line_id: string; total: string; tax: string }>(
    `select l.invoice_line_id, sum(l.total) as total, sum(l.tax) as tax
     from credit_note_lines l join credit_notes c on c.id = l.credit_note_id
     where c.invoice_id = $1 group by l.invoice_line_id`,
    [invoice.id],
  );
  const byLine = new Map(credited.rows.map((r) => [r.invoice_line_id, { total: Number(r.total), tax: Number(r.tax) }]));
  const lines = invoice.lines.map((line) => ({
    id: line.id,
    description: line.description,
    quantity: line.quantity,
    taxRate: line.taxRate,
    total: line.total,
    tax: line.tax,
    creditedTotal: byLine.get(line.id)?.total ?? 0,
    creditedTax: byLine.get(line.id)?.tax ?? 0,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
  }));
  return { invoice, lines, refunded: Number(rows[0].amount_refunded), paymentPending: Boolean(rows[0].payment_pending) };
}

/**
 * Writes the credit note with its lines and adds it to what was credited (and refunded) on the invoice and
 * its lines, in one statement; `prePayment` is taken off the invoice's amount due (an open or uncollectible
 * invoice's credit). Numbered from `series` when the transaction commits.
 */
export async function insertCreditNote(tx: Tx, cn: NewCreditNote, prePayment = 0): Promise<void> {
  const lines = cn.lines;
  await tx.query(
    `with c as (
       insert into credit_notes (id, number_prefix, invoice_id, customer_id, currency, subtotal, tax, total, tax_breakdown, reason, refund, issued_at, pre_payment)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $24)
       returning id
     ), l as (
       insert into credit_note_lines (credit_note_id, position, invoice_line_id, description, quantity, amount, tax_rate, tax, total, period_start, period_end)
       select c.id, t.* from c, unnest($13::int[], $14::text[], $15::text[], $16::int[], $17::bigint[], $18::int[], $19::bigint[], $20::bigint[],
         $21::timestamptz[], $22::timestamptz[]) as t
     ), il as (
       update invoice_lines set amount_credited = amount_credited + t.total
       from unnest($14::text[], $20::bigint[]) as t(id, total) where invoice_lines.id = t.id
     )
     update invoices set amount_credited = amount_credited + $8, amount_refunded = amount_refunded + $23, amount_due = amount_due - $24
     where id = $3`,
    [
      cn.id, cn.series, cn.invoiceId, cn.customerId, cn.currency, cn.subtotal, cn.tax, cn.total, JSON.stringify(cn.taxBreakdown), cn.reason,
      cn.refund ? JSON.stringify(cn.refund) : null, cn.issuedAt,
      lines.map((_, i) => i), lines.map((l) => l.invoiceLineId), lines.map((l) => l.description), lines.map((l) => l.quantity),
      lines.map((l) => l.amount), lines.map((l) => l.taxRate), lines.map((l) => l.tax), lines.map((l) => l.total),
      lines.map((l) => l.periodStart), lines.map((l) => l.periodEnd), cn.refund?.amount ?? 0, prePayment,
    ],
  );
}

/** An open or uncollectible invoice whose credit notes took all that was due is paid by them (nothing charged, no retry). */
export async function settleByCredit(tx: Tx, invoiceId: string, at: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update invoices set status = 'paid', paid_at = $2, next_attempt_at = null
     where id = $1 and status in ('open', 'uncollectible') and amount_due <= amount_paid`,
    [invoiceId, at],
  );
  return rowCount > 0;
}

/** Records the provider's answer to a credit note's refund. */
export async function recordRefund(db: Queryable, id: string, refund: CreditNoteRefund): Promise<void> {
  await db.query('update credit_notes set refund = $2 where id = $1', [id, JSON.stringify(refund)]);
}

const toLine = (r: Row): CreditNoteLine => ({
  invoiceLineId: String(r.invoice_line_id),
  description: String(r.description),
  quantity: Number(r.quantity),
  amount: Number(r.amount),
  taxRate: Number(r.tax_rate),
  tax: Number(r.tax),
  total: Number(r.total),
  periodStart: isoOrNull(r.period_start),
  periodEnd: isoOrNull(r.period_end),
});

const toCreditNote = (r: Row, lines: CreditNoteLine[]): CreditNote => ({
  id: String(r.id),
  number: String(r.number),
  invoiceId: String(r.invoice_id),
  customerId: String(r.customer_id),
  currency: String(r.currency),
  lines,
  subtotal: Number(r.subtotal),
  tax: Number(r.tax),
  total: Number(r.total),
  taxBreakdown: json(r.tax_breakdown),
  reason: String(r.reason),
  refund: r.refund == null ? null : json(r.refund),
  issuedAt: iso(r.issued_at),
});

async function withLines(db: Queryable, rows: Row[]): Promise<CreditNote[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const lines = await db.query<Row>('select * from credit_note_lines where credit_note_id = any($1::text[]) order by credit_note_id, position', [ids]);
  const byNote = new Map<string, CreditNoteLine[]>();
  for (const r of lines.rows) byNote.set(String(r.credit_note_id), [...(byNote.get(String(r.credit_note_id)) ?? []), toLine(r)]);
  return rows.map((r) => toCreditNote(r, byNote.get(String(r.id)) ?? []));
}

export async function findCreditNote(db: Queryable, idOrNumber: string): Promise<CreditNote | null> {
  const { rows } = await db.query<Row>('select * from credit_notes where id = $1 or number = $1', [idOrNumber]);
  return (await withLines(db, rows))[0] ?? null;
}

export async function listCreditNotes(db: Queryable, page: PageRequest, invoiceId?: string): Promise<Page<CreditNote>> {
  const raw = invoiceId
    ? await pageOf(db, 'select * from credit_notes where invoice_id = $1', [invoiceId], page, (r) => r as Row & { id: string })
    : await pageOf(db, 'select * from credit_notes', [], page, (r) => r as Row & { id: string });
  return { ...raw, data: await withLines(db, raw.data) };
}

/** What of the credit note was taken off its invoice's amount due (0 when the invoice was paid already). */
export const creditNotePrePayment = async (db: Queryable, id: string): Promise<number> =>
  Number((await db.query<{ pre_payment: string }>('select pre_payment from credit_notes where id = $1', [id])).rows[0]?.pre_payment ?? 0);

export const creditNoteNumberOf = async (db: Queryable, id: string): Promise<string | null> =>
  strOrNull((await db.query<{ number: string | null }>('select number from credit_notes where id = $1', [id])).rows[0]?.number);
