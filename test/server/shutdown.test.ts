/**
 * Graceful shutdown: the real server (server/main.ts in a child process, on a PGlite folder of its own)
 * stops taking connections on SIGTERM, lets the requests in flight finish, and exits 0; drainable (its
 * part in http/shutdown.ts) cuts what does not finish within the timeout. A request "in flight" is one
 * whose headers the server has taken (it answered 100 Continue) and whose body is still to come. On
 * PostgreSQL: a billing run still going at the timeout is cut, and the next run finishes its work once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer } from 'node:http';
import { describe, it } from 'node:test';
import { generateKey } from '../../server/app/keys.js';
import { drainable } from '../../server/http/shutdown.js';
import type { Db } from '../../server/storage/db.js';
import { aMeteredPlan, assertEachRenewedOnce, seedDueSubscriptions } from '../support/billing-seed.js';
import { testAppWith } from '../support/checkout.js';
import { freshPostgres, withSearchPath } from '../support/db.js';

interface Running {
  child: ChildProcess;
  port: number;
  publishable: string;
  /** Resolves when the output has a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer(env: Record<string, string> = {}): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'billkit-shutdown-'));
  const port = await freePort();
  const publishable = generateKey('publishable');
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1', BILLKIT_DATA_DIR: dataDir, BILLKIT_SEED_DEMO: 'false', BILLKIT_PUBLISHABLE_KEY: publishable, BILLKIT_SECRET_KEY: generateKey('secret'), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) if (w.pattern.test(output)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const waitFor = (pattern: RegExp) =>
    pattern.test(output)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
          exited.then((code) => Promise.reject(new Error(`the server exited (${code}) before ${pattern}:\n${output}`))),
        ]);
  await waitFor(/Billkit is running/);
  return { child, port, publishable, waitFor, exited };
}

/** A request whose headers are sent (and taken: 100 Continue) and whose body is not sent yet. */
async function requestInFlight(server: Running, body: string): Promise<{ socket: Socket; finish: () => void; answer: Promise<string> }> {
  const socket = connect(server.port, '127.0.0.1');
  let text = '';
  const errors: Error[] = [];
  socket.on('data', (chunk) => (text += chunk.toString()));
  socket.on('error', (error) => errors.push(error));
  const answer = once(socket, 'close').then(() => (errors.length ? Promise.reject(errors[0]) : text));
  await once(socket, 'connect');
  socket.write(
    `POST /v1/quotes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.publishable}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  while (!text.includes('100 Continue')) await once(socket, 'data');
  text = '';
  return { socket, finish: () => socket.write(body), answer };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  it('when SIGTERM comes with a request in flight, then new connections are refused, that request is answered in full (not reset) and the process exits 0', { timeout: 180_000 }, async () => {
    const server = await startServer();
    const body = JSON.stringify({ plan: 'no-such-plan' });
    const inFlight = await requestInFlight(server, body);
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down/);
    assert.equal(await refused(server.port), true, 'a new connection is refused');
    inFlight.finish();
    const answer = await inFlight.answer;
    assert.match(answer, /^HTTP\/1\.1 404 /);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.match(answer, /"code":"plan_not_found"/);
    assert.equal(await server.exited, 0);
  });

  it(
    'when SIGTERM comes during a billing run that outlasts the timeout, then the process exits 0 within it and the next run renews the rest, each once',
    { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL (PostgreSQL)', timeout: 180_000 },
    async () => {
      const db: Db = await freshPostgres(process.env.DATABASE_URL!, { max: 4 });
      try {
        const t = await testAppWith(db);
        // Enough that a run outlasts the 1 s timeout however quick the machine (about 5,000 renewals/s on a quiet one).
        await seedDueSubscriptions(db, await aMeteredPlan(t, 'shutdown'), 40_000, 'shutdown');
        const schema = (await db.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
        // The worker's first run starts a second after the start (BILLKIT_BILLING_INTERVAL=1).
        const server = await startServer({ DATABASE_URL: withSearchPath(process.env.DATABASE_URL!, schema), BILLKIT_BILLING_INTERVAL: '1', BILLKIT_SHUTDOWN_TIMEOUT: '1' });
        const renewed = async () => Number((await db.query<{ n: number }>(`select count(*)::int as n from invoices where kind = 'renewal'`)).rows[0]!.n);
        while ((await renewed()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        const started = performance.now();
        server.child.kill('SIGTERM');
        await server.waitFor(/the jobs still running are cut/);
        assert.equal(await server.exited, 0);
        const seconds = (performance.now() - started) / 1000;
        assert.ok(seconds < 1 + 1.5, `exited ${seconds.toFixed(1)} s after SIGTERM (timeout 1 s, a second and a half more at most)`);
        const cut = await renewed();
        assert.ok(cut < 40_000, `the run was cut (${cut} of 40,000 renewed)`);
        const { rows } = await db.query<{ n: number }>('select count(*)::int as n from billing_runs where finished_at is null');
        assert.equal(rows[0]!.n, 1, 'the cut run never finished');
        for (let left = -1, runs = 0; left !== 0 && runs < 5; runs++) left = (await t.deps.billingRuns.run('api', { batchSize: 500 })).subscriptionsRenewed;
        await assertEachRenewedOnce(db, 'shutdown', 40_000);
      } finally {
        await db.close();
      }
    },
  );

  /** An in-process server made drainable, with one request in flight on it (headers taken, body not sent). */
  const heldRequest = async () => {
    const server = createHttpServer((req, res) => req.resume().on('end', () => res.end('ok')));
    const drain = drainable(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    await once(socket, 'data');
    return { drain, socket, answer: () => text };
  };

  it('when a request in flight does not finish within the timeout, then it is cut and close resolves false', async () => {
    const { drain, socket } = await heldRequest();
    assert.equal(await drain.close(50), false);
    await once(socket, 'close');
  });

  it('when the requests in flight finish, then close resolves true and their answers close the connection', async () => {
    const { drain, socket, answer } = await heldRequest();
    const closed = drain.close(10_000);
    socket.write('{}');
    assert.equal(await closed, true);
    await once(socket, 'close');
    assert.match(answer(), /HTTP\/1\.1 200 OK\r\nConnection: close\r\n/);
  });
});
