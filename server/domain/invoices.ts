/**
 * Invoices (SPEC.md section 6) built from a priced invoice. Pure.
 */
import type { TaxBehavior } from './catalog.js';
import type { InvoiceLine, InvoiceTotals } from './quote.js';
import { reverseChargeNote, type TaxTreatment } from './tax.js';

export interface TaxBreakdownRow {
  /** Basis points. */
  rate: number;
  /** Net amount taxed at this rate (after discounts). */
  net: number;
  tax: number;
}

/** Per-rate totals: lines grouped by rate, in ascending rate order. Sums equal the invoice's. */
export function taxBreakdown(lines: readonly Pick<InvoiceLine, 'taxRate' | 'subtotal' | 'discount' | 'tax'>[], behavior: TaxBehavior): TaxBreakdownRow[] {
  const byRate = new Map<number, TaxBreakdownRow>();
  for (const line of lines) {
    const row = byRate.get(line.taxRate) ?? { rate: line.taxRate, net: 0, tax: 0 };
    const amount = line.subtotal - line.discount;
    row.net += behavior === 'inclusive' ? amount - line.tax : amount;
    row.tax += line.tax;
    byRate.set(line.taxRate, row);
  }
  return [...byRate.values()].sort((a, b) => a.rate - b.rate);
}

/** The note an invoice carries: the reverse-charge statement where it applies. */
export function invoiceNote(treatment: TaxTreatment): string | null {
  return treatment === 'reverse_charge' ? reverseChargeNote : null;
}

/**
 * `INV-2026-000001`: the series of the invoice's year; storage appends the gapless 6-digit sequence as the
 * transaction commits (migration 0004).
 */
export const invoiceNumberPrefix = (year: number) => `INV-${year}-`;

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/**
 * Paid when its total was taken, and paid at once when it owes nothing (a trial's or a fully discounted
 * 0 invoice), as renewal invoices with nothing due are and as Stripe finalizes a 0 invoice as paid: an open
 * 0 invoice would show as unpaid in the portal and wait for a payment that never comes.
 */
export function firstInvoiceStatus(totals: InvoiceTotals, charged: number): InvoiceStatus {
  return charged === totals.total ? 'paid' : 'open';
}
