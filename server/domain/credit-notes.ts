/**
 * Credit notes (SPEC.md section 6): what a correction of an issued invoice gives back, line by line. Pure.
 *
 * Amounts credited are gross (tax included), like what the buyer paid. An `amount` is allocated over the
 * lines still open to credit in proportion to what is left of each (section 1's allocation); `lines` name
 * the lines and what of each (all that is left when no amount is given). The tax is then taken back per
 * rate from the gross credited, as for an inclusive price, except that crediting all that is left at a rate
 * gives back exactly the tax still left at that rate (so a full credit note mirrors its invoice to the cent).
 */
import { unprocessable, type FieldError } from './errors.js';
import { taxBreakdown, type TaxBreakdownRow } from './invoices.js';
import { allocate, sum } from './money.js';
import { taxLines } from './tax.js';
import type { CatalogLocale } from './translations.js';

/** An invoice line as a credit note sees it: what it billed and what earlier credit notes gave back. */
export interface CreditableLine {
  id: string;
  description: string;
  quantity: number;
  /** Basis points. */
  taxRate: number;
  /** Gross amount billed (tax included). */
  total: number;
  tax: number;
  /** Gross and tax given back by earlier credit notes. */
  creditedTotal: number;
  creditedTax: number;
  periodStart: string | null;
  periodEnd: string | null;
}

export type CreditRequest = { amount: number } | { lines: readonly { lineId: string; amount?: number | undefined }[] };

export interface CreditNoteLine {
  invoiceLineId: string;
  description: string;
  quantity: number;
  /** Net credited (tax excluded). */
  amount: number;
  taxRate: number;
  tax: number;
  /** Gross credited: amount + tax. */
  total: number;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface CreditNoteFigures {
  lines: CreditNoteLine[];
  subtotal: number;
  tax: number;
  total: number;
  taxBreakdown: TaxBreakdownRow[];
}

/**
 * The reason of the credit note a cancellation now makes (`cancellation.refund: prorate`), in the customer's
 * language, as their invoice's lines and documents are (a prorated line's words: PRORATION_WORDS).
 */
export const CANCELLATION_CREDIT_REASON: Record<CatalogLocale, string> = {
  en: 'Unused time after cancellation',
  de: 'Nicht genutzte Zeit nach der Kündigung',
};

/** `CN-2026-000001`: numbered at commit from its own series, like invoices (migration 0008). */
export const creditNoteNumberPrefix = (year: number) => `CN-${year}-`;

const leftOf = (line: CreditableLine) => Math.max(0, line.total - line.creditedTotal);

/** Gross still open to credit on the invoice. */
export const leftToCredit = (lines: readonly CreditableLine[]): number => sum(lines.map(leftOf));

/** The gross to credit on each line, in the invoice's line order. Throws 422 refusals with pointers. */
function grossPerLine(lines: readonly CreditableLine[], request: CreditRequest): number[] {
  const left = lines.map(leftOf);
  const available = leftToCredit(lines);
  if (available === 0) throw unprocessable('nothing_to_credit', 'Everything on this invoice has been credited already.');
  if ('amount' in request) {
    if (request.amount > available) {
      throw unprocessable('credit_exceeds_remaining', `At most ${available} can still be credited on this invoice.`, [
        { pointer: '/amount', detail: `at most ${available} (minor units, tax included)` },
      ]);
    }
    return allocate(request.amount, left);
  }
  const gross = new Array<number>(lines.length).fill(0);
  const errors: FieldError[] = [];
  request.lines.forEach((wanted, i) => {
    const index = lines.findIndex((line) => line.id === wanted.lineId);
    if (index < 0) {
      errors.push({ pointer: `/lines/${i}/lineId`, detail: 'Not a line of this invoice.' });
      return;
    }
    if (gross[index]! > 0) {
      errors.push({ pointer: `/lines/${i}/lineId`, detail: 'This line is named twice.' });
      return;
    }
    if (wanted.amount === undefined && left[index]! === 0) {
      errors.push({ pointer: `/lines/${i}/lineId`, detail: 'Nothing is left to credit on this line.' });
      return;
    }
    const amount = wanted.amount ?? left[index]!;
    if (amount === 0 || amount > left[index]!) {
      errors.push({ pointer: `/lines/${i}/amount`, detail: `at most ${left[index]!} is left to credit on this line` });
      return;
    }
    gross[index] = amount;
  });
  if (errors.length > 0) throw unprocessable('credit_exceeds_remaining', 'These lines cannot be credited as asked.', errors);
  return gross;
}

/** The credit note's lines and totals for `request` against what is left on the invoice's lines. */
export function creditNoteFigures(lines: readonly CreditableLine[], request: CreditRequest): CreditNoteFigures {
  const gross = grossPerLine(lines, request);
  const taxes = taxLines('inclusive', gross, lines.map((line) => line.taxRate));
  // All that is left at a rate is credited: give back exactly the tax left at that rate, line by line.
  for (const rate of new Set(lines.map((line) => line.taxRate))) {
    const members = lines.map((line, i) => (line.taxRate === rate ? i : -1)).filter((i) => i >= 0);
    if (members.every((i) => gross[i] === leftOf(lines[i]!))) {
      for (const i of members) taxes[i] = gross[i]! === 0 ? 0 : lines[i]!.tax - lines[i]!.creditedTax;
    }
  }
  const out: CreditNoteLine[] = [];
  lines.forEach((line, i) => {
    if (gross[i]! === 0) return;
    out.push({
      invoiceLineId: line.id,
      description: line.description,
      quantity: line.quantity,
      amount: gross[i]! - taxes[i]!,
      taxRate: line.taxRate,
      tax: taxes[i]!,
      total: gross[i]!,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
    });
  });
  return {
    lines: out,
    subtotal: sum(out.map((line) => line.amount)),
    tax: sum(out.map((line) => line.tax)),
    total: sum(out.map((line) => line.total)),
    taxBreakdown: taxBreakdown(out.map((line) => ({ taxRate: line.taxRate, subtotal: line.amount, discount: 0, tax: line.tax })), 'exclusive'),
  };
}

/** What a credit note does to its invoice's money (Stripe's pre_payment_amount and post_payment_amount). */
export interface CreditSplit {
  /** Taken off what is still due (`amountDue`), never below what was paid. */
  prePayment: number;
  /** The rest, credited as on a paid invoice: refunded from the payment when asked, else left with the customer. */
  postPayment: number;
  /** The credit takes all that was still due: the invoice is settled (paid) by it. */
  settles: boolean;
}

/**
 * How a credit note of `total` splits on an invoice that still has `amountDue - amountPaid` to pay (open or
 * uncollectible; 0 on a paid one): first what is due, then the excess.
 */
export function creditSplit(invoice: { status: string; amountDue: number; amountPaid: number }, total: number): CreditSplit {
  const remaining = invoice.status === 'open' || invoice.status === 'uncollectible' ? Math.max(0, invoice.amountDue - invoice.amountPaid) : 0;
  const prePayment = Math.min(total, remaining);
  return { prePayment, postPayment: total - prePayment, settles: remaining > 0 && prePayment === remaining };
}
