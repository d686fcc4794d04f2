/**
 * Section 5 of `npm run bench`: webhook deliveries to a local receiver that answers at once, next to a bare
 * loop of signed POSTs to the same receiver (the ceiling), and the time from an event's commit to its
 * arrival while events are written at 200 a second with the delivery worker running. On PostgreSQL when
 * DATABASE_URL is set (a fresh schema), else PGlite in memory.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildDeps } from '../server/compose.js';
import { newSigningSecret } from '../server/app/webhook-endpoints.js';
import { DeliveryWorker } from '../server/jobs/delivery-worker.js';
import { TEST_MODE_POLICY } from '../server/notify/address-policy.js';
import { HttpWebhookSender } from '../server/notify/webhook-sender.js';
import type { Db } from '../server/storage/db.js';
import { recordEvents } from '../server/storage/event-repository.js';
import { insertEndpoint } from '../server/storage/webhook-repository.js';
import { freshPostgres, sharedPglite } from '../test/support/db.js';

export interface DeliveryFigures {
  database: string;
  ceiling: number;
  throughput: number;
  n: number;
  latency: { rate: number; n: number; p50: number; p99: number; max: number };
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function benchDeliveries(n = 2000): Promise<DeliveryFigures> {
  const db: Db = process.env.DATABASE_URL ? await freshPostgres(process.env.DATABASE_URL, { max: 10 }) : await sharedPglite();
  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.set(String(req.headers['webhook-id']), performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const deps = buildDeps(db, { allowedOrigins: [] }, undefined, undefined, { policy: TEST_MODE_POLICY });
  const secret = newSigningSecret();
  try {
    // The ceiling: the same signed POSTs, 50 at a time, with no database.
    const sender = new HttpWebhookSender(TEST_MODE_POLICY);
    const body = JSON.stringify({ id: 'evt_bench', type: 'invoice.paid', createdAt: new Date().toISOString(), data: { object: { id: 'inv_bench', total: 1000 } } });
    const bare = async (count: number) => {
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: 50 }, async () => { while (next++ < count) await sender.send({ url, secrets: [secret], eventId: `evt_bare_${next}`, body }); }));
      return (count * 1000) / (performance.now() - started);
    };
    // Warmed up first (connections opened, the signing code compiled), as the passes below find it.
    await bare(500);
    const ceiling = await bare(n);

    const at = new Date().toISOString();
    await db.transaction((tx) => insertEndpoint(tx, { id: 'we_bench', url, events: ['*'], enabled: true, description: null, disabledReason: null, failingSince: null, createdAt: at, updatedAt: at, secret }));
    // Throughput: n events committed first (100 a transaction), then passes drain them.
    for (let i = 0; i < n; i += 100)
      await db.transaction((tx) => recordEvents(tx, Array.from({ length: Math.min(100, n - i) }, (_, k) => ({ type: 'invoice.finalized' as const, object: { id: `inv_${i + k}` } })), new Date().toISOString()));
    const drainStart = performance.now();
    let delivered = 0;
    while (delivered < n) delivered += (await deps.webhookDelivery.runOnce()).succeeded;
    const throughput = (n * 1000) / (performance.now() - drainStart);

    // Latency: one event a transaction at 200/s for 5 s, the worker running as in main.ts.
    arrivals.clear();
    const worker = new DeliveryWorker(db, deps.webhookDelivery, deps.emailDelivery);
    await worker.start();
    const committed = new Map<string, number>();
    const rate = 200;
    const total = rate * 5;
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      writes.push(
        db.transaction((tx) => recordEvents(tx, [{ type: 'invoice.finalized', object: { id: `inv_live_${i}` } }], new Date().toISOString())).then(([id]) => {
          committed.set(id!, performance.now());
        }),
      );
    }
    await Promise.all(writes);
    const deadline = performance.now() + 30_000;
    while ([...committed.keys()].some((id) => !arrivals.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    const latencies = [...committed].map(([id, t]) => (arrivals.get(id) ?? Infinity) - t).sort((a, b) => a - b);
    return {
      database: db.kind,
      ceiling,
      throughput,
      n,
      latency: { rate, n: total, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1)! },
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    if (db.kind === 'postgres') await db.close();
  }
}
