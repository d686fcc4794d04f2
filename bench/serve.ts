/**
 * A server for the benchmark, in its own process so that the load generator does not share its event loop:
 *   constant  a bare Express app answering POST /constant with a constant JSON body (the baseline)
 *   api       Billkit's app over an in-memory PGlite with the demo catalog
 *   api-pg    Billkit's app over a fresh schema in DATABASE_URL's PostgreSQL (dropped on exit), the adapter's default pool
 * Prints one JSON line {url, publishableKey, secretKey, databaseUrl?} when listening (databaseUrl: api-pg's schema).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { generateKey } from '../server/app/keys.js';
import { buildDeps } from '../server/compose.js';
import { createApp } from '../server/http/app.js';
import { seedDemo } from '../server/seed/demo.js';
import { migrate } from '../server/storage/migrate.js';
import { openPglite } from '../server/storage/pglite.js';
import { freshPostgres, withSearchPath } from '../test/support/db.js';

const mode = process.argv[2];
let app: express.Express;
let publishableKey = '';
let secretKey = '';
let databaseUrl: string | undefined;
if (mode === 'constant') {
  app = express();
  app.use(express.json());
  const body = { ok: true, plan: 'business-monthly', total: 28620 };
  app.post('/constant', (_req, res) => res.json(body));
} else {
  const db = mode === 'api-pg' ? await freshPostgres(process.env.DATABASE_URL!) : await openPglite(null);
  if (mode === 'api-pg') {
    databaseUrl = withSearchPath(process.env.DATABASE_URL!, (await db.query<{ s: string }>('select current_schema() as s')).rows[0]!.s);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void db.close().finally(() => process.exit(0)));
  }
  await migrate(db);
  await seedDemo(db);
  const deps = buildDeps(db, { allowedOrigins: [], rateLimits: { quotes: 1e9, checkouts: 1e9, confirmations: 1e9 } });
  publishableKey = generateKey('publishable');
  await deps.keys.add(publishableKey);
  secretKey = generateKey('secret');
  await deps.keys.add(secretKey);
  await deps.catalogCache.get();
  app = createApp(deps);
}
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, publishableKey, secretKey, databaseUrl }) + '\n');
});
if (mode !== 'api-pg') for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
