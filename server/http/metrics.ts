import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkObserver } from '../app/work-observer.js';
import type { Db } from '../storage/db.js';

/** The process's own metrics (CPU, memory, event loop lag, GC), collected once per process for every app. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'billkit_' });
  }
  return processRegistry;
}

export interface Metrics {
  /** Counts and times every request (the first middleware). */
  observe: RequestHandler;
  /** Counts the background work of this process (billing runs, usage batches, webhook passes). */
  work: WorkObserver;
  /** The Prometheus text exposition of everything. */
  render(): Promise<{ contentType: string; body: string }>;
}

const TRIGGERS = ['schedule', 'api'] as const;
const OUTBOXES = ['webhooks', 'emails'] as const;
const EMAIL_OUTCOMES = ['sent', 'kept', 'skipped', 'failed', 'retry'] as const;
/** From an event's creation to its webhook's or email's delivery: milliseconds when all is well, up to a day of retries. */
const OUTBOX_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];

/**
 * Billkit's Prometheus metrics (prom-client): HTTP requests by method, route and status with their
 * latency, the database pool's connections, the background work (billing runs, usage, webhooks, emails) and the
 * process's own. Served by GET /metrics with the secret key, or on BILLKIT_METRICS_PORT (metricsServer).
 *
 * Counters and histograms count what this process did. The outbox's backlog and lag are read from the
 * database at each scrape, so every process shows the same, correct figure for all of them. `now` is
 * Billkit's clock (the test clock's), which the events' times are on.
 */
export function createMetrics(db: Db, now: () => Promise<Date> = async () => new Date()): Metrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'billkit_http_requests_total', help: 'HTTP requests answered, by method, route and status.', labelNames, registers: [registry] });
  const seconds = new Histogram({
    name: 'billkit_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'billkit_db_pool_connections',
    help: 'PostgreSQL pool connections: total open, idle, and queries waiting for one (absent on PGlite).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = db.poolStats?.();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  const work = workMetrics(registry);
  const readFromDb = outboxMetrics(registry, db, now);
  const both = [processMetrics(), registry];
  return {
    work,
    observe: (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        // The route's pattern, not the path: /v1/plans/:code is one series whatever the code.
        const route = req.route ? String(req.route.path) : 'unmatched';
        const labels = { method: req.method, route, status: String(res.statusCode) };
        requests.inc(labels);
        seconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    },
    async render() {
      await readFromDb();
      const parts = await Promise.all(both.map((r) => r.metrics()));
      return { contentType: registry.contentType, body: parts.join('\n') };
    },
  };
}

/** Counters and histograms of the background work this process does. */
function workMetrics(registry: Registry): WorkObserver {
  const registers = [registry];
  const runSeconds = new Histogram({
    name: 'billkit_billing_run_duration_seconds',
    help: 'Billing runs of this process, by trigger (schedule, api) and outcome (finished, failed), and how long each took.',
    labelNames: ['trigger', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const invoices = new Counter({ name: 'billkit_billing_run_invoices_issued_total', help: 'Invoices issued by the billing runs of this process.', registers });
  const payments = new Counter({ name: 'billkit_billing_run_payments_total', help: 'Payments the billing runs of this process collected, by outcome (succeeded, failed).', labelNames: ['outcome'], registers });
  const subscriptions = new Counter({
    name: 'billkit_billing_run_subscriptions_total',
    help: 'Subscriptions the billing runs of this process changed, by change (renewed, cancelled, expired, past_due, paused, resumed).',
    labelNames: ['change'],
    registers,
  });
  const usage = new Counter({ name: 'billkit_usage_events_total', help: 'Usage events this process was sent, by outcome (accepted, duplicate, refused).', labelNames: ['outcome'], registers });
  const refused = new Counter({ name: 'billkit_usage_events_refused_total', help: 'Usage events this process refused, by code.', labelNames: ['code'], registers });
  const attempts = new Counter({ name: 'billkit_webhook_attempts_total', help: 'Webhook attempts this process recorded, by outcome (delivered, failed).', labelNames: ['outcome'], registers });
  const latency = new Histogram({
    name: 'billkit_webhook_delivery_latency_seconds',
    help: "Time from an event's creation to its webhook's delivery (retries included), for the deliveries this process made.",
    buckets: OUTBOX_LATENCY_BUCKETS,
    registers,
  });
  const emails = new Counter({
    name: 'billkit_email_attempts_total',
    help: 'Email attempts this process recorded, by outcome (sent; kept: test mode, shown at /dev/mail; skipped: no recipient; failed; retry: to be tried again).',
    labelNames: ['outcome'],
    registers,
  });
  const emailLatency = new Histogram({
    name: 'billkit_email_delivery_latency_seconds',
    help: "Time from an email's event's creation to the SMTP server's acceptance of it (retries included), for the emails this process sent (kept ones are not sent).",
    buckets: OUTBOX_LATENCY_BUCKETS,
    registers,
  });
  // Every series exists from the start (at 0), so a rate over it is defined before the first run.
  for (const trigger of TRIGGERS) for (const outcome of ['finished', 'failed']) runSeconds.zero({ trigger, outcome });
  for (const outcome of ['succeeded', 'failed']) payments.inc({ outcome }, 0);
  for (const change of ['renewed', 'cancelled', 'expired', 'past_due', 'paused', 'resumed']) subscriptions.inc({ change }, 0);
  for (const outcome of ['accepted', 'duplicate', 'refused']) usage.inc({ outcome }, 0);
  for (const outcome of ['delivered', 'failed']) attempts.inc({ outcome }, 0);
  for (const outcome of EMAIL_OUTCOMES) emails.inc({ outcome }, 0);
  return {
    billingRunFinished(summary, seconds) {
      runSeconds.observe({ trigger: summary.trigger, outcome: 'finished' }, seconds);
      invoices.inc(summary.invoicesIssued);
      payments.inc({ outcome: 'succeeded' }, summary.paymentsSucceeded);
      payments.inc({ outcome: 'failed' }, summary.paymentsFailed);
      const changes = {
        renewed: summary.subscriptionsRenewed,
        cancelled: summary.subscriptionsCancelled,
        expired: summary.subscriptionsExpired,
        past_due: summary.subscriptionsPastDue,
        unpaid: summary.subscriptionsUnpaid,
        paused: summary.subscriptionsPaused,
        resumed: summary.subscriptionsResumed,
      };
      for (const [change, n] of Object.entries(changes)) subscriptions.inc({ change }, n);
    },
    billingRunFailed(trigger, seconds) {
      runSeconds.observe({ trigger, outcome: 'failed' }, seconds);
    },
    usageRecorded(result) {
      usage.inc({ outcome: 'accepted' }, result.accepted);
      usage.inc({ outcome: 'duplicate' }, result.duplicates);
      usage.inc({ outcome: 'refused' }, result.rejected.length);
      for (const r of result.rejected) refused.inc({ code: r.code });
    },
    webhooksAttempted(deliveredAfterSeconds, failed) {
      attempts.inc({ outcome: 'delivered' }, deliveredAfterSeconds.length);
      attempts.inc({ outcome: 'failed' }, failed);
      for (const s of deliveredAfterSeconds) latency.observe(Math.max(0, s));
    },
    emailsAttempted(outcomes, sentAfterSeconds) {
      for (const outcome of outcomes) emails.inc({ outcome: outcome === 'pending' ? 'retry' : outcome });
      for (const s of sentAfterSeconds) emailLatency.observe(Math.max(0, s));
    },
  };
}

/**
 * The outbox as the database has it now, for every process: webhook deliveries pending to enabled endpoints
 * and emails pending (the backlog), and the age of the oldest of each (the lag, 0 when none). Read once per
 * scrape, in one statement; when the database cannot be reached the series are absent and
 * billkit_database_up is 0.
 */
function outboxMetrics(registry: Registry, db: Db, now: () => Promise<Date>): () => Promise<void> {
  const registers = [registry];
  const up = new Gauge({ name: 'billkit_database_up', help: 'Whether the database answered the last scrape (1) or not (0).', registers });
  const pending = new Gauge({ name: 'billkit_outbox_pending', help: 'Undelivered items in the outbox, for all processes: webhook deliveries to enabled endpoints (webhooks) and emails, read from the database.', labelNames: ['outbox'], registers });
  const lag = new Gauge({ name: 'billkit_outbox_lag_seconds', help: "Age of the oldest undelivered item's event in the outbox (0 when none), for all processes, read from the database.", labelNames: ['outbox'], registers });
  return async () => {
    pending.reset();
    lag.reset();
    try {
      const { rows } = await db.query<{ outbox: string; pending: number; oldest: Date | string | null }>(
        `select 'webhooks' as outbox, count(*)::int as pending, min(d.created_at) as oldest
           from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled
           where d.status = 'pending'
         union all
         select 'emails', count(*)::int, min(created_at) from emails where status = 'pending'`,
      );
      const at = (await now()).getTime();
      for (const outbox of OUTBOXES) {
        const row = rows.find((r) => r.outbox === outbox);
        pending.set({ outbox }, Number(row?.pending ?? 0));
        lag.set({ outbox }, row?.oldest == null ? 0 : Math.max(0, (at - new Date(row.oldest).getTime()) / 1000));
      }
      up.set(1);
    } catch {
      up.set(0);
    }
  };
}

/** A server that answers only GET /metrics, without a key: for BILLKIT_METRICS_PORT, on a private network. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Only GET /metrics here.\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('The metrics could not be collected.\n'),
    );
  });
}
