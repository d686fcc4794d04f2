import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
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
  /** The Prometheus text exposition of everything. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Billkit's Prometheus metrics (prom-client): HTTP requests by method, route and status with their
 * latency, the database pool's connections, and the process's own. Served by GET /metrics with the secret
 * key, or on BILLKIT_METRICS_PORT (metricsServer).
 */
export function createMetrics(db: Db): Metrics {
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
  const both = [processMetrics(), registry];
  return {
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
      const parts = await Promise.all(both.map((r) => r.metrics()));
      return { contentType: registry.contentType, body: parts.join('\n') };
    },
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
