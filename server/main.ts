/**
 * The composition root: environment -> database -> migrations -> keys -> demo seed -> app -> listen.
 * The elements' build (only when dist/ is missing or stale, as on a fresh clone) runs beside the database's
 * start rather than before it, so a first start takes the longer of the two, not their sum.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { generateKey, type KeyKind } from './app/keys.js';
import { paymentProviderFromEnv } from './payments/index.js';
import { buildDeps } from './compose.js';
import { readConfig } from './config.js';
import { createApp } from './http/app.js';
import { answerClientErrors } from './http/client-errors.js';
import { metricsServer, type Metrics } from './http/metrics.js';
import { drainable } from './http/shutdown.js';
import { startBillingWorker } from './jobs/billing-worker.js';
import { DeliveryWorker } from './jobs/delivery-worker.js';
import { livePolicy, TEST_MODE_POLICY } from './notify/address-policy.js';
import { mailTransportFor } from './notify/mail-transport.js';
import { seedDemo, seedDemoUsage } from './seed/demo.js';
import { demoPortalSession, demoUserSession } from './seed/demo-shop.js';
import type { HttpConfig } from './http/deps.js';
import { migrate } from './storage/migrate.js';
import { openDb } from './storage/open.js';

// Milliseconds since node started (performance's origin), so the banner counts the module loading too.
const elapsed = () => Math.round(performance.now());
const modulesLoaded = elapsed();
const config = readConfig();
const logger = pino({ level: config.logLevel, redact: ['authorization', 'key', 'secretKey', 'publishableKey'] });
const root = fileURLToPath(new URL('..', import.meta.url));
const elementsBuilt = buildElements();
const timings: Record<string, number> = {};

const db = await openDb({ databaseUrl: config.databaseUrl, poolSize: config.dbPoolSize, dataDir: config.databaseUrl ? null : join(config.dataDir, 'pglite') });
timings.database = elapsed();
const applied = await migrate(db);
if (applied.length) logger.info({ applied }, 'migrations applied');

const payments = paymentProviderFromEnv(process.env);
const httpConfig = {
  allowedOrigins: config.allowedOrigins,
  staticDirs: { demo: join(root, 'demo'), dist: join(root, 'dist') },
  publicUrl: `http://localhost:${config.port}`,
  rateLimits: config.rateLimits,
  testClock: config.testClock ?? payments.name === 'test',
  trustProxy: config.trustProxy,
  demo: {} as NonNullable<HttpConfig['demo']>,
};
const mail = mailTransportFor(config.smtpUrl);
const deps = buildDeps(db, httpConfig, logger, payments, {
  policy: payments.name === 'test' ? TEST_MODE_POLICY : livePolicy(config.webhookAllowPrivate),
  mail,
  mailFrom: config.mailFrom,
});

const keys = await ensureKeys();
httpConfig.demo.publishableKey = keys.publishable;
// The demo shop's signed-in user mode: its server makes customer sessions with the secret key (test mode only).
if (config.seedDemo && keys.secret && payments.name === 'test') {
  const self = `http://${selfHost(config.host)}:${config.port}`;
  httpConfig.demo.userSession = demoUserSession(self, keys.secret);
  httpConfig.demo.portalSession = demoPortalSession(self, keys.secret);
}
const seeded = config.seedDemo && (await seedDemo(db));
if (seeded) {
  deps.catalogCache.invalidate();
  logger.info('demo catalog seeded');
}
// The demo's metered plan gets a subscriber with a few API calls in its current period (test provider only).
if (config.seedDemo) await seedDemoUsage(deps).catch((error: unknown) => logger.warn({ err: error }, 'demo usage not recorded'));

timings.seed = elapsed();
await elementsBuilt;
const app = createApp(deps);
const billing = config.billingInterval > 0 ? startBillingWorker(deps.billingRuns, config.billingInterval, logger) : null;
// Webhooks and emails from the outbox: this process's share of the work (others may share the database).
const deliveries = new DeliveryWorker(db, deps.webhookDelivery, deps.emailDelivery, { logger });
await deliveries.start();
const server = app.listen(config.port, config.host, () => {
  const url = `http://localhost:${config.port}`;
  const lines = [
    '',
    `  Billkit is running (${db.kind}${db.kind === 'pglite' ? ` in ${config.dataDir}` : ''}), ready ${elapsed()} ms after node started,`
      // A first start creates the database (migration 1) and seeds the demo; a restart finds both.
      + ` ${applied.includes(1) || seeded ? 'a first start' : 'a restart'}`
      + ` (modules loaded ${modulesLoaded} ms, database open ${timings.database} ms, migrated and seeded ${timings.seed} ms, elements ${timings.elements} ms${timings.built ? ', built' : ''})`,
    '',
    `  Demo shop        ${url}/`,
    `  Hosted checkout  ${url}/checkout/<plan-code>`,
    `  API              ${url}/v1   (docs: ${url}/docs, OpenAPI: ${url}/openapi.json)`,
    `  Health           ${url}/health`,
    ...(httpConfig.testClock && mail.kind === 'database' ? [`  Mail (test mode) ${url}/dev/mail`] : []),
    '',
    `  Publishable key  ${keys.publishable ?? '(set BILLKIT_PUBLISHABLE_KEY to print it)'}`,
    `  Secret key       ${keys.secret ?? '(set BILLKIT_SECRET_KEY to print it)'}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
});
answerClientErrors(server, logger);
const drain = drainable(server);
// Prometheus may scrape a port of its own, without a key (keep it on a private network).
const metrics = config.metricsPort === undefined ? undefined : metricsServer(app.locals.metrics as Metrics).listen(config.metricsPort, config.host);

// SIGTERM (or Ctrl-C): stop taking requests, let those in flight and the jobs running finish (all within
// BILLKIT_SHUTDOWN_TIMEOUT), add this process's quote counts to the shared ones, close the database, exit 0.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const draining = drain.close(config.shutdownTimeoutMs);
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: no new connections; finishing the requests in flight');
    void (async () => {
      if (!(await draining)) logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: the connections still open were closed');
      metrics?.close();
      // The billing run and the delivery passes in flight get what is left of the timeout. One still running
      // then is cut by the exit as a crash would cut it, which loses nothing: each billing batch is one
      // transaction (what committed stays, the rest is the next run's) and a delivery claimed but not
      // recorded is sent again after its lease (the crash tests prove both).
      const jobs = Promise.all([billing?.stop(), deliveries.stop().catch(() => {})]);
      const finished = await within(jobs, deadline - Date.now());
      if (!finished) logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: the jobs still running are cut (as by a crash: nothing is lost)');
      mail.close();
      const sync = app.locals.syncRateLimits as (() => Promise<void>) | undefined;
      // At least a second for it, even past the timeout: a cut job may still hold pool connections it waits for.
      if (sync) await within(sync(), Math.max(1000, deadline - Date.now()));
      // With a job cut, its connection is still checked out and closing the pool would wait for it: the exit closes it.
      if (finished) await db.close().catch(() => {});
      logger.info('stopped');
    })().finally(() => process.exit(0));
  });
}

/** Whether `work` settles within `ms` (it goes on either way). */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    work.then(
      () => resolve(true),
      () => resolve(true),
    ).finally(() => clearTimeout(timer));
  });
}

/**
 * Keys come from BILLKIT_SECRET_KEY / BILLKIT_PUBLISHABLE_KEY when set; otherwise they are generated on the
 * first start, stored (hashed) in the database and, in clear, in <dataDir>/keys.json (mode 0600) so that
 * later starts can print them again.
 */
async function ensureKeys(): Promise<Partial<Record<KeyKind, string>>> {
  const file = join(config.dataDir, 'keys.json');
  const saved: Partial<Record<KeyKind, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const result: Partial<Record<KeyKind, string>> = {};
  let changed = false;
  for (const kind of ['secret', 'publishable'] as const) {
    const fromEnv = kind === 'secret' ? config.secretKey : config.publishableKey;
    let key = fromEnv ?? saved[kind];
    if (!key && (await deps.keys.count(kind)) === 0) {
      key = generateKey(kind);
      saved[kind] = key;
      changed = true;
    }
    if (key) {
      await deps.keys.add(key);
      result[kind] = key;
    }
  }
  if (changed) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  }
  return result;
}

/** Builds dist/ when it is missing or older than the sources (scripts/ensure-build.mjs), in a child process. */
function buildElements(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts/ensure-build.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    // It says so when it builds (a fresh clone, changed sources); the banner tells a build from a check.
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.includes('Building')) timings.built = 1;
      process.stdout.write(chunk);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      timings.elements = elapsed();
      if (code === 0) resolve();
      else reject(new Error(`building the elements failed (exit ${code}); run npx vite build to see why`));
    });
  });
}

/** How this process reaches itself: loopback when it listens on every address. */
function selfHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
