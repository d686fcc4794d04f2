/**
 * The billing run (SPEC.md section 6): renews every live subscription whose period has ended (oldest first;
 * one several periods behind gets one invoice per period, in order), ends the ones cancelled or expiring at
 * their period's end, pauses and resumes, warns of trials ending in 3 days, then collects: the new invoices
 * and the dunning retries that are due.
 *
 * Every BFF process runs it every BILLKIT_BILLING_INTERVAL seconds and POST /v1/billing-runs runs one now.
 * Processes share the work through the database: each batch claims its subscriptions with
 * `FOR UPDATE SKIP LOCKED` and is one transaction (invoices, subscriptions, balances, events), so a run killed
 * anywhere leaves each subscription either renewed or not, and the unique indexes refuse a second invoice
 * for a period. Payments happen after the batch commits, outside any row lock (PaymentCollector).
 */
import { toCoupon } from '../storage/coupon-repository.js';
import type { Coupon } from '../domain/coupons.js';
import type { NewEvent } from '../domain/events.js';
import { adjustBalances, customersByIds, dueForCollection, saveSubscriptions } from '../storage/billing-repository.js';
import { insertInvoices, numberInvoices, toSubscription, type NewInvoice, type Subscription } from '../storage/commerce-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { eventIds, recordEvents } from '../storage/event-repository.js';
import { iso, newId, toPage, type Page, type PageRequest } from '../storage/ids.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';
import type { CollectOutcome, PaymentCollector } from './collect-payment.js';
import { resumeSubscription } from './pause.js';
import { applyStep, meteredChargesOf, RenewalMemo, renewalStep } from './renew.js';
import { periodUsage } from './usage.js';
import { subscriptionView } from './views.js';

export interface RunSummary {
  id: string;
  trigger: 'schedule' | 'api';
  clock: string;
  startedAt: string;
  finishedAt: string | null;
  subscriptionsRenewed: number;
  invoicesIssued: number;
  paymentsSucceeded: number;
  paymentsFailed: number;
  subscriptionsCancelled: number;
  subscriptionsExpired: number;
  subscriptionsPastDue: number;
  /** Moved from past_due to unpaid by dunning's last failure (`finalAction: mark_uncollectible`). */
  subscriptionsUnpaid: number;
  subscriptionsPaused: number;
  subscriptionsResumed: number;
  trialsEnding: number;
}

const EMPTY = {
  subscriptionsRenewed: 0, invoicesIssued: 0, paymentsSucceeded: 0, paymentsFailed: 0, subscriptionsCancelled: 0,
  subscriptionsExpired: 0, subscriptionsPastDue: 0, subscriptionsUnpaid: 0, subscriptionsPaused: 0, subscriptionsResumed: 0, trialsEnding: 0,
};
type Counts = typeof EMPTY;

const TRIAL_WARNING_MS = 3 * 86_400_000;
/** Periods one subscription may be billed in one run (three years of months). */
const MAX_PERIODS_PER_RUN = 36;

export interface RunOptions {
  /** Subscriptions per transaction (default 500). */
  batchSize?: number;
  /** Stop after this many batches (tests that kill a run half-way). */
  maxBatches?: number;
  /** Batches renewed at once in this process (default 2). */
  claimers?: number;
}

export class BillingRunService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly collector: PaymentCollector,
  ) {}

  async run(trigger: 'schedule' | 'api', options: RunOptions = {}): Promise<RunSummary> {
    const entry = await this.cache.get();
    const now = CatalogCache.now(entry);
    const summary: RunSummary = { id: newId('brun'), trigger, clock: now.toISOString(), startedAt: new Date().toISOString(), finishedAt: null, ...EMPTY };
    await this.db.query('insert into billing_runs (id, trigger, started_at, clock) values ($1, $2, $3, $4)', [summary.id, trigger, summary.startedAt, summary.clock]);
    const batchSize = options.batchSize ?? 500;
    let batches = 0;
    // Two claimers at once, each pipelined: a batch's payments are collected while its next batch is renewed.
    // They share the work as two processes do (claims skip locked rows; a collected subscription has moved
    // past the clock), so PostgreSQL and this process work at the same time.
    const claimer = async () => {
      let collecting: Promise<void> = Promise.resolve();
      try {
        for (;;) {
          if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
          batches++;
          const { claimed, open, drafted } = await this.db.transaction((tx) => this.#renewBatch(tx, entry, now, batchSize, summary));
          await collecting;
          collecting = this.collector.collect(open, { drafted }).then((results) => this.#count(summary, results));
          if (claimed < batchSize) break;
        }
      } finally {
        await collecting;
      }
    };
    await Promise.all(Array.from({ length: options.maxBatches === undefined ? (options.claimers ?? 2) : 1 }, claimer));
    if (options.maxBatches === undefined) {
      await this.#resumeDue(now, summary);
      await this.#warnTrials(entry, now, summary);
      // Dunning retries that are due, and attempts a killed run left pending.
      for (;;) {
        const due = await dueForCollection(this.db, now.toISOString(), batchSize);
        if (due.length === 0) break;
        const results = await this.collector.collect(due);
        this.#count(summary, results);
        if (due.length < batchSize || results.every((r) => r.outcome === 'skipped')) break;
      }
    }
    summary.finishedAt = new Date().toISOString();
    const { id: _id, trigger: _t, clock: _c, startedAt: _s, finishedAt: _f, ...counts } = summary;
    await this.db.query('update billing_runs set finished_at = $2, summary = $3 where id = $1', [summary.id, summary.finishedAt, JSON.stringify(counts)]);
    return summary;
  }

  async list(page: PageRequest): Promise<Page<RunSummary>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select * from billing_runs where ($1::text is null or id < $1 collate "C") order by id collate "C" desc limit $2`,
      [page.startingAfter ?? null, page.limit + 1],
    );
    return toPage(
      rows.map((r) => ({
        id: String(r.id),
        trigger: String(r.trigger) as RunSummary['trigger'],
        clock: iso(r.clock),
        startedAt: iso(r.started_at),
        finishedAt: r.finished_at == null ? null : iso(r.finished_at),
        ...EMPTY,
        ...(typeof r.summary === 'string' ? JSON.parse(r.summary) : (r.summary as Partial<Counts>)),
      })),
      page.limit,
    );
  }

  #count(summary: RunSummary, results: readonly CollectOutcome[]) {
    for (const r of results) {
      if (r.outcome === 'paid') summary.paymentsSucceeded++;
      if (r.outcome === 'declined') {
        summary.paymentsFailed++;
        if (r.subscription === 'past_due') summary.subscriptionsPastDue++;
        if (r.subscription === 'unpaid') summary.subscriptionsUnpaid++;
        if (r.subscription === 'cancelled') summary.subscriptionsCancelled++;
      }
    }
  }

  /** One batch in one transaction: claim, price every due step in order, write it all. Answers the invoices to charge. */
  async #renewBatch(tx: Tx, entry: CatalogEntry, now: Date, batchSize: number, summary: RunSummary): Promise<{ claimed: number; open: string[]; drafted: Map<string, NewInvoice> }> {
    const at = now.toISOString();
    const { rows } = await tx.query<Record<string, unknown>>(
      `select * from subscriptions
       where status in ('trialing', 'active', 'past_due') and current_period_end <= $1
       order by current_period_end, id limit $2 for update skip locked`,
      [at, batchSize],
    );
    const subs = rows.map(toSubscription);
    if (subs.length === 0) return { claimed: 0, open: [], drafted: new Map() };
    // Only customers with credit are locked (re-read under the lock): their balance is spent here. A balance
    // of 0 read without a lock is applied as 0; credit booked meanwhile stays for a later invoice.
    const customers = await customersByIds(tx, [...new Set(subs.map((s) => s.customerId))]);
    const withCredit = [...customers.values()].filter((c) => c.balance > 0).map((c) => c.id);
    for (const [id, c] of await customersByIds(tx, withCredit, true)) customers.set(id, c);
    const coupons = await couponsByIds(tx, subs.map((s) => s.couponId));
    const balances = new Map([...customers].map(([id, c]) => [id, c.balance]));
    const invoices: NewInvoice[] = [];
    const events: NewEvent[] = [];
    const saved: Subscription[] = [];

    // Rounds: each round takes one step of every subscription still due, with one usage query for all. A
    // subscription far behind (the clock jumped years) catches up at most MAX_PERIODS_PER_RUN periods per run,
    // in order; the next run goes on from there.
    const memo = new RenewalMemo();
    let due = subs;
    for (let round = 0; due.length > 0 && round < MAX_PERIODS_PER_RUN; round++) {
      const steps = due.map((s) => renewalStep(entry, s, s.couponId ? (coupons.get(s.couponId) ?? null) : null));
      const usage = await periodUsage(
        tx,
        steps.map((step) => ({
          subscriptionId: step.subscription.id,
          start: step.ended.start.toISOString(),
          end: step.ended.end.toISOString(),
          charges: meteredChargesOf(entry, step),
        })),
      );
      const still: Subscription[] = [];
      for (const step of steps) {
        const sub = step.subscription;
        const customer = customers.get(sub.customerId)!;
        const result = applyStep(entry, step, {
          customer,
          balance: balances.get(customer.id) ?? 0,
          coupon: sub.couponId ? (coupons.get(sub.couponId) ?? null) : null,
          usage: usage.get(sub.id) ?? null,
          at: now,
          memo,
        });
        if (result.invoice) {
          invoices.push(result.invoice);
          balances.set(customer.id, (balances.get(customer.id) ?? 0) - result.invoice.balanceApplied);
          summary.invoicesIssued++;
        }
        events.push(...result.events);
        const next = result.subscription;
        if (step.kind === 'renew') summary.subscriptionsRenewed++;
        if (step.kind === 'cancel') summary.subscriptionsCancelled++;
        if (step.kind === 'expire') summary.subscriptionsExpired++;
        if (step.kind === 'pause') summary.subscriptionsPaused++;
        if (step.kind === 'renew' && new Date(next.currentPeriodEnd) <= now) still.push(next);
        else saved.push(next);
      }
      due = still;
    }
    saved.push(...due);

    await saveSubscriptions(tx, saved, at, false);
    await adjustBalances(tx, new Map([...balances].map(([id, b]) => [id, b - customers.get(id)!.balance])), at);
    // The events' ids in their order; those that carry no invoice number are written before the numbering.
    const ids = eventIds(events.length);
    const invoiceIds = new Set(invoices.map((i) => i.id));
    const early: number[] = [];
    const late: number[] = [];
    events.forEach((event, i) => (invoiceIds.has(event.object.id) ? late : early).push(i));
    await recordEvents(tx, early.map((i) => events[i]!), at, early.map((i) => ids[i]!));
    // Numbers last: the series row stays locked from here until the batch commits (another claimer's batch
    // waits for it), so only the invoices and their events are written after.
    await numberInvoices(tx, invoices);
    const numbers = new Map(invoices.map((i) => [i.id, i.number!]));
    for (const i of late) {
      const event = events[i]!;
      event.object = { ...event.object, number: numbers.get(event.object.id)! };
    }
    await insertInvoices(tx, invoices);
    await recordEvents(tx, late.map((i) => events[i]!), at, late.map((i) => ids[i]!));
    const open = invoices.filter((i) => i.status === 'open');
    return { claimed: subs.length, open: open.map((i) => i.id), drafted: new Map(open.map((i) => [i.id, i])) };
  }

  /** Paused subscriptions whose `resumesAt` has come: each resumes (a new period from then, invoiced and charged). */
  async #resumeDue(now: Date, summary: RunSummary) {
    const { rows } = await this.db.query<{ id: string }>(
      `select id from subscriptions where status = 'paused' and resumes_at <= $1 order by resumes_at limit 1000`,
      [now.toISOString()],
    );
    for (const { id } of rows) {
      const result = await resumeSubscription(this.db, this.cache, this.collector, id, { automatic: true }).catch(() => null);
      if (result) {
        summary.subscriptionsResumed++;
        summary.invoicesIssued += result.invoice ? 1 : 0;
        this.#count(summary, result.payments);
      }
    }
  }

  /** `subscription.trial_will_end`, once per trial, 3 days before it ends (or at once for a shorter trial). */
  async #warnTrials(entry: CatalogEntry, now: Date, summary: RunSummary) {
    const at = now.toISOString();
    const planCode = (id: string) => entry.planByRef.get(id)?.code ?? id;
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `update subscriptions set trial_will_end_sent = true
         where status = 'trialing' and not trial_will_end_sent and trial_end <= $1 and trial_end > $2
         returning *`,
        [new Date(now.getTime() + TRIAL_WARNING_MS).toISOString(), at],
      );
      const subs = rows.map(toSubscription);
      summary.trialsEnding += subs.length;
      await recordEvents(tx, subs.map((s) => ({ type: 'subscription.trial_will_end' as const, object: subscriptionView(s, planCode) })), at);
    });
  }
}

async function couponsByIds(tx: Tx, ids: readonly (string | null)[]): Promise<Map<string, Coupon>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const { rows } = await tx.query<Record<string, unknown>>('select * from coupons where id = any($1::text[])', [wanted]);
  return new Map(rows.map((r) => [String(r.id), toCoupon(r)]));
}
