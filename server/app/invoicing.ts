/**
 * Drafting an invoice from a priced one: the customer's balance applied, the amount due, the parties copied
 * (SPEC.md sections 6 and 10). Every invoice after the checkout's is drafted here: renewals, final
 * invoices, prorations, usage.
 */
import { invoiceNote, invoiceNumberPrefix, taxBreakdown } from '../domain/invoices.js';
import type { TaxBehavior } from '../domain/catalog.js';
import type { InvoiceTotals } from '../domain/quote.js';
import type { TaxTreatment } from '../domain/tax.js';
import type { Customer, InvoiceKind, InvoiceLineRecord, NewInvoice } from '../storage/commerce-repository.js';
import { newId } from '../storage/ids.js';
import { billTo, sellerOf } from './billing-parties.js';
import type { MerchantSettings } from './catalog-cache.js';

export type DraftLine = Omit<InvoiceLineRecord, 'id'>;

export interface DraftInvoiceInput {
  kind: InvoiceKind;
  customer: Customer;
  subscriptionId: string | null;
  currency: string;
  taxTreatment: TaxTreatment;
  taxBehavior: TaxBehavior;
  lines: readonly DraftLine[];
  totals: InvoiceTotals;
  periodStart: string | null;
  periodEnd: string | null;
  at: Date;
  settings: MerchantSettings;
  /** The customer's balance to use (credit, >= 0); defaults to the customer's. */
  balance?: number;
}

/**
 * `balanceApplied`: the credit used, at most the total; a negative total (a proration's credit) is applied
 * as a negative amount, i.e. it becomes balance. `amountDue = total - balanceApplied` is never negative.
 * Nothing due: the invoice is paid as it is issued (as Stripe does); otherwise open, waiting for its charge.
 * The customer's new balance is `balance - balanceApplied` (the caller saves it in the same transaction).
 */
export function draftInvoice(input: DraftInvoiceInput): NewInvoice {
  const { totals, at } = input;
  const balance = Math.max(0, input.balance ?? input.customer.balance);
  const balanceApplied = totals.total < 0 ? totals.total : Math.min(balance, totals.total);
  const amountDue = totals.total - balanceApplied;
  const iso = at.toISOString();
  return {
    id: newId('inv'),
    series: invoiceNumberPrefix(at.getUTCFullYear()),
    customerId: input.customer.id,
    subscriptionId: input.subscriptionId,
    kind: input.kind,
    status: amountDue === 0 ? 'paid' : 'open',
    currency: input.currency,
    subtotal: totals.subtotal,
    discount: totals.discount,
    tax: totals.tax,
    total: totals.total,
    balanceApplied,
    amountDue,
    amountPaid: 0,
    taxTreatment: input.taxTreatment,
    taxBehavior: input.taxBehavior,
    taxBreakdown: taxBreakdown(input.lines, input.taxBehavior),
    note: invoiceNote(input.taxTreatment),
    billTo: billTo(input.customer),
    seller: sellerOf(input.settings),
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    issuedAt: iso,
    dueAt: iso,
    paidAt: amountDue === 0 ? iso : null,
    voidedAt: null,
    paymentId: null,
    // Collected at once; if the process dies before it charges, the next billing run finds it here.
    nextAttemptAt: amountDue > 0 ? iso : null,
    lines: input.lines.map((line) => ({ ...line, id: newId('il') })),
  };
}
