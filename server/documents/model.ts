/**
 * What a document shows, taken from a stored invoice or credit note (SPEC.md section 10): the figures as
 * stored, the parties as they were when it was issued. The PDF layout (pdf.ts) and the e-invoice
 * (e-invoice.ts) both read this model, so they cannot disagree.
 */
import type { Invoice } from '../storage/commerce-repository.js';
import type { CreditNote, CreditNoteRefund } from '../storage/credit-note-repository.js';
import { documentLocale, type DocumentLocale } from './format.js';

export interface PartyAddress {
  line1?: string | undefined;
  line2?: string | undefined;
  postalCode?: string | undefined;
  city?: string | undefined;
  state?: string | undefined;
  country: string;
}

export interface Party {
  name: string;
  address: PartyAddress;
  vatId?: string | undefined;
  taxNumber?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  website?: string | undefined;
}

export interface DocumentLine {
  /** The invoice line's id (for a credit note: the invoice line it credits). */
  id: string;
  description: string;
  trial?: boolean;
  periodStart: string | null;
  periodEnd: string | null;
  quantity: number;
  /** The price of one unit as billed (net for exclusive prices, gross for inclusive); none for tiered lines. */
  unitAmount: number | null;
  /** Before the discount: the line's subtotal (an invoice) or the net credited (a credit note). */
  amount: number;
  discount: number;
  /** Basis points. */
  rate: number;
  tax: number;
  total: number;
}

/** The figures, as an invoice stores them (a credit note: its own, none due or paid). */
type Figures = Pick<Invoice, 'taxBreakdown' | 'subtotal' | 'discount' | 'tax' | 'total' | 'balanceApplied' | 'amountDue' | 'amountPaid'>;

export interface DocumentModel extends Figures {
  kind: 'invoice' | 'credit_note';
  id: string;
  number: string;
  /** The buyer's id with the merchant: the e-invoice's buyer reference (BT-10). */
  customerId: string;
  locale: DocumentLocale;
  currency: string;
  issuedAt: string;
  dueAt: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  seller: Party | null;
  buyer: Party & { type?: string | undefined };
  /** A credit note: the invoice it corrects. */
  corrects: { number: string; issuedAt: string } | null;
  reason: string | null;
  taxTreatment: string;
  taxBehavior: 'exclusive' | 'inclusive';
  lines: DocumentLine[];
  /**
   * An invoice: what credit notes took off it before it was paid (an invoice is issued with `amountDue = total -
   * balanceApplied`, and only a credit note lowers it). A credit note: what of it was taken off its invoice's
   * amount due; only the rest is refunded or left with the customer.
   */
  creditedBeforePayment: number;
  /** The invoice's status (an invoice), null for a credit note. */
  status: string | null;
  refund: CreditNoteRefund | null;
}

type Json = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

function partyOf(data: Json): Party {
  const address = (data.address ?? {}) as Json;
  return {
    name: str(data.name) ?? '',
    address: {
      line1: str(address.line1),
      line2: str(address.line2),
      postalCode: str(address.postalCode),
      city: str(address.city),
      state: str(address.state),
      country: str(address.country) ?? str(data.country) ?? '',
    },
    vatId: str(data.vatId),
    taxNumber: str(data.taxNumber),
    email: str(data.email),
    phone: str(data.phone),
    website: str(data.website),
  };
}

export function invoiceModel(invoice: Invoice): DocumentModel {
  const behavior = invoice.taxBehavior === 'inclusive' ? 'inclusive' : 'exclusive';
  return {
    kind: 'invoice',
    id: invoice.id,
    number: invoice.number,
    customerId: invoice.customerId,
    locale: documentLocale(invoice.billTo.locale),
    currency: invoice.currency,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    seller: invoice.seller ? partyOf(invoice.seller) : null,
    buyer: { ...partyOf(invoice.billTo), type: str(invoice.billTo.type) },
    corrects: null,
    reason: null,
    taxTreatment: invoice.taxTreatment,
    taxBehavior: behavior,
    lines: invoice.lines.map((line) => ({
      id: line.id,
      description: line.description,
      ...(line.trial ? { trial: true } : {}),
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
      quantity: line.quantity,
      unitAmount: line.unitAmount ?? null,
      amount: line.subtotal,
      discount: line.discount,
      rate: line.taxRate,
      tax: line.tax,
      total: line.total,
    })),
    taxBreakdown: invoice.taxBreakdown,
    subtotal: invoice.subtotal,
    discount: invoice.discount,
    tax: invoice.tax,
    total: invoice.total,
    balanceApplied: invoice.balanceApplied,
    amountDue: invoice.amountDue,
    amountPaid: invoice.amountPaid,
    creditedBeforePayment: Math.max(0, invoice.total - invoice.balanceApplied - invoice.amountDue),
    status: invoice.status,
    refund: null,
  };
}

/** A credit note reads as its invoice does (parties, treatment, locale), with its own lines and figures. */
export function creditNoteModel(note: CreditNote, invoice: Invoice, prePayment = 0): DocumentModel {
  const base = invoiceModel(invoice);
  return {
    ...base,
    kind: 'credit_note',
    id: note.id,
    number: note.number,
    issuedAt: note.issuedAt,
    dueAt: null,
    corrects: { number: invoice.number, issuedAt: invoice.issuedAt },
    reason: note.reason,
    // Amounts credited are net + tax, whatever the invoice's prices were.
    taxBehavior: 'exclusive',
    lines: note.lines.map((line) => ({
      id: line.invoiceLineId,
      description: line.description,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
      // What is credited of a line is an amount, not units: one unit of the net credited.
      quantity: 1,
      unitAmount: line.amount,
      amount: line.amount,
      discount: 0,
      rate: line.taxRate,
      tax: line.tax,
      total: line.total,
    })),
    taxBreakdown: note.taxBreakdown,
    subtotal: note.subtotal,
    discount: 0,
    tax: note.tax,
    total: note.total,
    balanceApplied: 0,
    amountDue: 0,
    amountPaid: 0,
    creditedBeforePayment: prePayment,
    status: null,
    refund: note.refund,
  };
}
