/**
 * Collect payment (SPEC.md sections 6 and 8): charges open invoices off-session with the subscription's
 * saved payment method, and records what happened. Three steps, so that no provider call happens while a row
 * is locked:
 * 1. one transaction writes a pending attempt per invoice (numbered; a killed run's pending attempt is reused);
 * 2. the provider is called with the idempotency key `<invoice id>:<attempt>` (the same attempt charges once,
 *    however often it is sent);
 * 3. one transaction records the outcomes, only where the attempt is still pending: paid invoices (and a
 *    past_due or unpaid subscription back to active), or a decline and the dunning that follows it.
 */
import { afterDecline } from '../domain/dunning.js';
import type { NewEvent } from '../domain/events.js';
import { DomainError } from '../domain/errors.js';
import type { PaymentOutcome, PaymentProvider } from '../payments/provider.js';
import {
  lockSubscriptions, owesNothing, recordDecline, recordPayments, saveSubscriptions, setInvoiceRetry, setInvoiceStatus, startAttempts, subscriptionStatuses, type Collectable,
} from '../storage/billing-repository.js';
import { findInvoicesByIds, type Invoice, type NewInvoice, type SavedPaymentMethod, type Subscription } from '../storage/commerce-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';
import { invoiceView, subscriptionView } from './views.js';

export interface CollectOptions {
  /** Charge this method instead of the subscription's default (POST /v1/invoices/{id}/pay). */
  paymentMethod?: SavedPaymentMethod;
  /** A decline schedules the next retry or the final action (renewals, retries); false for a manual payment. */
  dunning?: boolean;
  /** A late payment of an uncollectible invoice (manual payment only). */
  allowUncollectible?: boolean;
  /**
   * Invoices just issued as drafted (the billing run's batch, numbered): an invoice paid at its first attempt
   * is then shown in its `invoice.paid` event from the draft instead of being read back.
   */
  drafted?: ReadonlyMap<string, NewInvoice>;
}

export type CollectOutcome =
  | { invoiceId: string; outcome: 'paid'; paymentId: string }
  | { invoiceId: string; outcome: 'declined'; code: string; message: string; subscription?: 'past_due' | 'cancelled' | 'unpaid' }
  /** Nothing recorded: another collector holds the invoice, or the provider could not be reached (the pending attempt is retried later). */
  | { invoiceId: string; outcome: 'skipped'; reason: string };

const PROVIDER_CONCURRENCY = 16;

export class PaymentCollector {
  constructor(
    private readonly db: Db,
    private readonly payments: PaymentProvider,
    private readonly cache: CatalogCache,
  ) {}

  async collect(invoiceIds: readonly string[], options: CollectOptions = {}): Promise<CollectOutcome[]> {
    if (invoiceIds.length === 0) return [];
    const entry = await this.cache.cached();
    const at = CatalogCache.now(entry).toISOString();
    const started = await this.db.transaction((tx) => startAttempts(tx, invoiceIds, at, options.allowUncollectible ?? false));
    const skipped: CollectOutcome[] = invoiceIds
      .filter((id) => !started.some((c) => c.invoiceId === id))
      .map((invoiceId) => ({ invoiceId, outcome: 'skipped', reason: 'not_collectable' }));
    const outcomes = await mapLimited(started, PROVIDER_CONCURRENCY, (c) => this.#charge(c, options.paymentMethod));
    const results = await this.db.transaction((tx) => this.#record(tx, entry, started, outcomes, at, options.dunning ?? true, options.drafted));
    return [...results, ...skipped];
  }

  async #charge(c: Collectable, override: SavedPaymentMethod | undefined): Promise<PaymentOutcome | { status: 'error'; reason: string }> {
    const method = override ?? c.paymentMethod;
    if (!method) return { status: 'declined', code: 'payment_declined', message: 'No payment method is saved for this subscription.', declineCode: 'no_payment_method' };
    try {
      return await this.payments.chargeOffSession({
        idempotencyKey: `${c.invoiceId}:${c.number}`,
        amount: c.amountDue,
        currency: c.currency,
        paymentMethod: method,
        description: `Billkit invoice ${c.invoiceId}`,
        metadata: { invoiceId: c.invoiceId, attempt: String(c.number) },
      });
    } catch (error) {
      if (error instanceof DomainError) return { status: 'error', reason: error.code };
      throw error;
    }
  }

  async #record(
    tx: Tx,
    entry: CatalogEntry,
    started: readonly Collectable[],
    outcomes: readonly (PaymentOutcome | { status: 'error'; reason: string })[],
    at: string,
    dunning: boolean,
    drafted: ReadonlyMap<string, NewInvoice> | undefined,
  ): Promise<CollectOutcome[]> {
    const planCode = (id: string) => entry.planByRef.get(id)?.code ?? id;
    const results: CollectOutcome[] = [];
    const events: NewEvent[] = [];
    const paid: { invoiceId: string; number: number; paymentId: string; amount: number; resumed: boolean }[] = [];
    const declined: { c: Collectable; code: string; message: string }[] = [];
    started.forEach((c, i) => {
      const o = outcomes[i]!;
      if (o.status === 'succeeded') paid.push({ invoiceId: c.invoiceId, number: c.number, paymentId: o.paymentId, amount: o.amount, resumed: c.resumed });
      else if (o.status === 'declined') declined.push({ c, code: o.declineCode ?? o.code, message: o.message });
      // requires_action cannot happen off-session (it is a decline there); a provider error leaves the attempt pending.
      else if (o.status === 'requires_action') declined.push({ c, code: 'authentication_required', message: 'The payment needs the customer to authenticate.' });
      else results.push({ invoiceId: c.invoiceId, outcome: 'skipped', reason: o.reason });
    });

    const subIds = [...new Set(started.map((c) => c.subscriptionId).filter((id): id is string => id !== null))];
    // Only the subscriptions that can change are locked (and read whole): a declined invoice's, and past_due
    // or unpaid ones (active again once nothing is owed). An active one whose invoice is paid stays as it is
    // whatever happens meanwhile (a decline elsewhere that makes it past_due is right: that invoice is owed),
    // so a batch paid in full locks none.
    const statuses = await subscriptionStatuses(tx, subIds);
    const declinedSubs = new Set(declined.map((d) => d.c.subscriptionId));
    const subs = await lockSubscriptions(
      tx,
      subIds.filter((id) => declinedSubs.has(id) || statuses.get(id) === 'past_due' || statuses.get(id) === 'unpaid'),
    );
    const changed = new Map<string, Subscription>();

    const paidIds = new Set(await recordPayments(tx, paid, at));
    const unknown: string[] = [];
    for (const p of paid) {
      if (!paidIds.has(p.invoiceId)) continue;
      results.push({ invoiceId: p.invoiceId, outcome: 'paid', paymentId: p.paymentId });
      const draft = drafted?.get(p.invoiceId);
      if (draft && p.number === 1 && !p.resumed) {
        events.push({ type: 'invoice.paid', object: invoiceView(paidFromDraft(draft, p.paymentId, at)) });
      } else unknown.push(p.invoiceId);
    }
    for (const invoice of await findInvoicesByIds(tx, unknown)) {
      events.push({ type: 'invoice.paid', object: invoiceView(invoice) });
    }

    for (const { c, code, message } of declined) {
      const failure = await recordDecline(tx, c.invoiceId, c.number, code);
      if (!failure) {
        results.push({ invoiceId: c.invoiceId, outcome: 'skipped', reason: 'recorded_by_another_run' });
        continue;
      }
      const result: CollectOutcome & { outcome: 'declined' } = { invoiceId: c.invoiceId, outcome: 'declined', code, message };
      results.push(result);
      const sub = c.subscriptionId ? (changed.get(c.subscriptionId) ?? subs.get(c.subscriptionId)) : undefined;
      let invoiceEvent: 'invoice.marked_uncollectible' | null = null;
      if (dunning) {
        const step = afterDecline(entry.settings.dunning, failure.firstFailure, failure.failures);
        if (step.kind === 'retry') {
          await setInvoiceRetry(tx, c.invoiceId, step.at.toISOString());
          if (sub && (sub.status === 'active' || sub.status === 'trialing')) {
            const next = { ...sub, status: 'past_due' as const };
            changed.set(sub.id, next);
            result.subscription = 'past_due';
            events.push({ type: 'subscription.past_due', object: subscriptionView(next, planCode) });
          }
        } else {
          await setInvoiceStatus(tx, c.invoiceId, ['open'], 'uncollectible', at);
          invoiceEvent = 'invoice.marked_uncollectible';
          if (sub && isLive(sub)) {
            if (step.action === 'cancel') {
              const next: Subscription = { ...sub, status: 'cancelled', cancelledAt: at, endedAt: at, cancelAtPeriodEnd: false, cancellation: { reason: 'payment_failed' } };
              changed.set(sub.id, next);
              result.subscription = 'cancelled';
              events.push({ type: 'subscription.cancelled', object: subscriptionView(next, planCode) });
            } else {
              const next: Subscription = { ...sub, status: 'unpaid' };
              changed.set(sub.id, next);
              result.subscription = 'unpaid';
              events.push({ type: 'subscription.updated', object: subscriptionView(next, planCode) });
            }
          }
        }
      }
      const [invoice] = await findInvoicesByIds(tx, [c.invoiceId]);
      events.push({ type: 'invoice.payment_failed', object: invoiceView(invoice!) });
      if (invoiceEvent) events.push({ type: invoiceEvent, object: invoiceView(invoice!) });
    }

    // A past_due or unpaid subscription is active again once nothing it owes is left unpaid.
    for (const id of subIds) {
      const sub = changed.get(id) ?? subs.get(id);
      if (!sub || (sub.status !== 'past_due' && sub.status !== 'unpaid')) continue;
      if (await owesNothing(tx, id)) {
        const next: Subscription = { ...sub, status: 'active' };
        changed.set(id, next);
        events.push({ type: 'subscription.updated', object: subscriptionView(next, planCode) });
      }
    }
    await saveSubscriptions(tx, [...changed.values()], at, false);
    await recordEvents(tx, events, at);
    return results;
  }
}

/**
 * The invoice as a first attempt's success leaves it (as findInvoicesByIds would read it back): the draft
 * numbered and issued in the same run, paid now by its one attempt (made at `at`, the collection's time).
 */
function paidFromDraft(draft: NewInvoice, paymentId: string, at: string): Invoice {
  const { series: _s, number, ...rest } = draft;
  return {
    ...rest,
    number: number!,
    status: 'paid',
    amountPaid: draft.amountPaid + draft.amountDue,
    paidAt: at,
    paymentId,
    attempts: [{ at, outcome: 'succeeded' }],
    nextAttemptAt: null,
  };
}

const isLive = (s: Subscription) => ['trialing', 'active', 'past_due', 'unpaid', 'paused'].includes(s.status);

/** Runs `fn` over `items` with at most `limit` at once, answering in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
