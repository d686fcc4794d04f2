/**
 * Credit an invoice (SPEC.md section 6): `POST /v1/invoices/{id}/credit-notes`. One transaction writes the
 * credit note (numbered at commit from its own series), what it gives back on the invoice and its lines
 * (limits held by the invoice's row lock and check constraints) and its `credit_note.created` event. On an
 * open or uncollectible invoice the credit first lowers what is due (`creditSplit`); one that takes all of it
 * settles the invoice (paid, `invoice.paid`, its subscription active again) in the same transaction. The
 * refund, when asked for, goes to the provider after the commit (no provider call while the invoice is
 * locked), with one idempotency key per credit note; a refund that failed is retried by
 * `POST /v1/credit-notes/{id}/refund`.
 */
import { creditNoteFigures, creditNoteNumberPrefix, creditSplit, leftToCredit, type CreditRequest } from '../domain/credit-notes.js';
import type { NewEvent } from '../domain/events.js';
import { conflict, DomainError, notFound, unprocessable } from '../domain/errors.js';
import type { PaymentProvider } from '../payments/provider.js';
import * as notes from '../storage/credit-note-repository.js';
import type { CreditNote } from '../storage/credit-note-repository.js';
import type { Db } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { findInvoice } from '../storage/commerce-repository.js';
import { newId } from '../storage/ids.js';
import { CatalogCache } from './catalog-cache.js';
import { reactivateIfSettled } from './invoice-actions.js';
import { invoiceView } from './views.js';

export interface CreditInput {
  /** Gross (tax included), allocated over what is left on the lines. Neither amount nor lines: all that is left. */
  amount?: number | undefined;
  lines?: { lineId: string; amount?: number | undefined }[] | undefined;
  reason: string;
  refund: boolean;
}

const creditNoteNotFound = (id: string) =>
  notFound('credit_note_not_found', `No credit note ${id}.`, [{ pointer: '/path/id', detail: 'Unknown credit note.' }]);

export class CreditNoteService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly payments: PaymentProvider,
  ) {}

  async create(invoiceId: string, input: CreditInput): Promise<CreditNote> {
    const entry = await this.cache.cached();
    const now = CatalogCache.now(entry);
    const at = now.toISOString();
    const id = newId('cn');
    const planCode = (p: string) => entry.planByRef.get(p)?.code ?? p;
    const note = await this.db.transaction(async (tx): Promise<{ paymentId: string | null; refund: boolean }> => {
      const locked = await notes.lockInvoiceForCredit(tx, invoiceId);
      if (!locked) throw notFound('invoice_not_found', `No invoice ${invoiceId}.`, [{ pointer: '/path/id', detail: 'Unknown invoice.' }]);
      const { invoice, refunded } = locked;
      if (invoice.status !== 'paid' && invoice.status !== 'open' && invoice.status !== 'uncollectible') {
        throw conflict('invoice_status', `Invoice ${invoice.number} is ${invoice.status}: only an open, uncollectible or paid invoice is credited.`, [
          { pointer: '/path/id', detail: `status is ${invoice.status}` },
        ]);
      }
      // No amount and no lines: all that is left.
      const request: CreditRequest = input.lines ? { lines: input.lines } : { amount: input.amount ?? leftToCredit(locked.lines) };
      const figures = creditNoteFigures(locked.lines, request);
      // First what is still due, then the excess as on a paid invoice.
      const split = creditSplit(invoice, figures.total);
      if (split.prePayment > 0 && locked.paymentPending) {
        // A charge of the amount due is on its way to the provider: lowering it now would record the wrong amount paid.
        throw conflict('payment_in_progress', 'A payment of this invoice is in progress; try again shortly.');
      }
      const refundable = invoice.amountPaid - refunded;
      const refund = input.refund && split.postPayment > 0;
      if (refund && (invoice.paymentId === null || split.postPayment > refundable)) {
        throw unprocessable('refund_exceeds_paid', `At most ${Math.max(0, refundable)} of this invoice's payment can still be refunded.`, [
          { pointer: '/refund', detail: 'Refund less, or credit without a refund (the credit stays with the customer).' },
        ]);
      }
      const cn: notes.NewCreditNote = {
        id,
        series: creditNoteNumberPrefix(now.getUTCFullYear()),
        invoiceId: invoice.id,
        customerId: invoice.customerId,
        currency: invoice.currency,
        ...figures,
        reason: input.reason,
        refund: refund ? { amount: split.postPayment, status: 'pending' } : null,
        issuedAt: at,
      };
      await notes.insertCreditNote(tx, cn, split.prePayment);
      const { series: _s, ...view } = cn;
      const events: NewEvent[] = [{ type: 'credit_note.created', object: { ...view, number: null } }];
      // All that was due is credited: the invoice is paid by its credit notes, as Stripe marks it, and its
      // subscription is active again if it owes nothing more (as when the invoice is paid).
      if (split.settles && (await notes.settleByCredit(tx, invoice.id, at))) {
        events.push({ type: 'invoice.paid', object: invoiceView((await findInvoice(tx, invoice.id))!) });
        if (invoice.subscriptionId) events.push(...(await reactivateIfSettled(tx, invoice.subscriptionId, at, planCode)));
      }
      await recordEvents(tx, events, at);
      return { paymentId: invoice.paymentId, refund };
    });
    if (note.refund) return this.refund(id, note.paymentId!);
    return (await notes.findCreditNote(this.db, id))!;
  }

  /** Sends (or sends again) the credit note's refund; the provider answers the same refund to the same key. */
  async refund(id: string, paymentId?: string): Promise<CreditNote> {
    const cn = await this.get(id);
    if (!cn.refund) throw unprocessable('credit_note_without_refund', `Credit note ${cn.number} was issued without a refund.`);
    if (cn.refund.status === 'succeeded') return cn;
    const payment = paymentId ?? (await this.db.query<{ payment_id: string }>('select payment_id from invoices where id = $1', [cn.invoiceId])).rows[0]!.payment_id;
    let refund: notes.CreditNoteRefund;
    try {
      const made = await this.payments.refund({
        creditNote: { id: cn.id, invoiceId: cn.invoiceId },
        paymentId: payment,
        amount: cn.refund.amount,
        currency: cn.currency,
        reason: cn.reason,
      });
      refund = made ? { amount: cn.refund.amount, status: 'succeeded', id: made.refundId } : { amount: cn.refund.amount, status: 'failed', code: 'nothing_charged' };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refund = { amount: cn.refund.amount, status: 'failed', code: error.code };
    }
    await notes.recordRefund(this.db, id, refund);
    return { ...cn, refund };
  }

  async get(id: string): Promise<CreditNote> {
    const cn = await notes.findCreditNote(this.db, id);
    if (!cn) throw creditNoteNotFound(id);
    return cn;
  }
}
