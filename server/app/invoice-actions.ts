/**
 * Invoice verbs (SPEC.md section 6): `void` and `mark-uncollectible` move an invoice along its transitions
 * (a paid invoice is never voided: a credit note corrects it); `pay` charges it now, with the saved payment
 * method or another one, and a late payment of an uncollectible invoice is taken too.
 */
import { conflict, DomainError, notFound } from '../domain/errors.js';
import type { NewEvent } from '../domain/events.js';
import { declinedError, type PaymentProvider } from '../payments/provider.js';
import { adjustBalances, owesNothing, saveSubscriptions, setInvoiceStatus } from '../storage/billing-repository.js';
import { findInvoice, findSubscription, type Invoice } from '../storage/commerce-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { CatalogCache } from './catalog-cache.js';
import type { PaymentCollector } from './collect-payment.js';
import { invoiceView, subscriptionView } from './views.js';

/**
 * A past_due or unpaid subscription is active again once nothing it was invoiced is left to pay (its open
 * invoice voided, or settled by credit notes): answers the `subscription.updated` event to write, if any.
 */
export async function reactivateIfSettled(tx: Tx, subscriptionId: string, at: string, planCode: (id: string) => string): Promise<NewEvent[]> {
  const sub = await findSubscription(tx, subscriptionId);
  if (!sub || (sub.status !== 'past_due' && sub.status !== 'unpaid') || !(await owesNothing(tx, subscriptionId))) return [];
  const [saved] = await saveSubscriptions(tx, [{ ...sub, status: 'active' }], at);
  return [{ type: 'subscription.updated', object: subscriptionView(saved!, planCode) }];
}

const invoiceNotFound = (id: string) => notFound('invoice_not_found', `No invoice ${id}.`, [{ pointer: '/path/id', detail: 'Unknown invoice.' }]);

const statusRefused = (invoice: Invoice, verb: string) =>
  conflict('invoice_status', `The invoice is ${invoice.status}: it cannot be ${verb}.`, [{ pointer: '/path/id', detail: `status is ${invoice.status}` }]);

export class InvoiceActions {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly collector: PaymentCollector,
    private readonly payments: PaymentProvider,
  ) {}

  /** open or uncollectible -> void. The balance it used goes back to the customer; a subscription that owes nothing more is active again. */
  void(id: string): Promise<Invoice> {
    return this.#move(id, ['open', 'uncollectible'], 'void', 'voided', 'invoice.voided', true);
  }

  /** open -> uncollectible. */
  markUncollectible(id: string): Promise<Invoice> {
    return this.#move(id, ['open'], 'uncollectible', 'marked uncollectible', 'invoice.marked_uncollectible', false);
  }

  async pay(id: string, input: { paymentMethod?: string | undefined }): Promise<Invoice> {
    const invoice = await findInvoice(this.db, id);
    if (!invoice) throw invoiceNotFound(id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw statusRefused(invoice, 'paid');
    const method = input.paymentMethod ? { provider: this.payments.name, ...(await this.payments.describeMethod(input.paymentMethod)) } : undefined;
    const [outcome] = await this.collector.collect([invoice.id], { dunning: false, allowUncollectible: true, ...(method ? { paymentMethod: method } : {}) });
    if (outcome?.outcome === 'declined') throw declinedError({ status: 'declined', code: 'payment_declined', message: outcome.message, declineCode: outcome.code });
    if (outcome?.outcome === 'skipped' && outcome.reason !== 'not_collectable') {
      throw new DomainError('conflict', 'payment_in_progress', 'A payment of this invoice is in progress; try again shortly.');
    }
    return (await findInvoice(this.db, invoice.id))!;
  }

  async #move(id: string, from: Invoice['status'][], to: Invoice['status'], verb: string, type: 'invoice.voided' | 'invoice.marked_uncollectible', reactivate: boolean): Promise<Invoice> {
    const entry = await this.cache.get();
    const at = CatalogCache.now(entry).toISOString();
    const planCode = (p: string) => entry.planByRef.get(p)?.code ?? p;
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>('select id from invoices where id = $1 or number = $1 for update', [id]);
      const invoice = rows[0] ? await findInvoice(tx, rows[0].id) : null;
      if (!invoice) throw invoiceNotFound(id);
      if (!(await setInvoiceStatus(tx, invoice.id, from, to, at))) throw statusRefused(invoice, verb);
      const events: NewEvent[] = [];
      if (to === 'void' && invoice.balanceApplied !== 0) await adjustBalances(tx, new Map([[invoice.customerId, invoice.balanceApplied]]), at);
      const after = (await findInvoice(tx, invoice.id))!;
      events.push({ type, object: invoiceView(after) });
      if (reactivate && invoice.subscriptionId) events.push(...(await reactivateIfSettled(tx, invoice.subscriptionId, at, planCode)));
      await recordEvents(tx, events, at);
      return after;
    });
  }
}
