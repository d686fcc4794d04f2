/**
 * Two BFF processes' worth of state (two createApp, two pg pools, two catalog caches, the same keys) over
 * one fresh PostgreSQL schema, each listening on a loopback port: how tests of concurrency run production's
 * shape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKey } from '../../server/app/keys.js';
import type { Db } from '../../server/storage/db.js';
import { openPostgres } from '../../server/storage/postgres.js';
import type { TestApp } from './app.js';
import { testAppWith } from './checkout.js';
import { freshPostgres, withSearchPath } from './db.js';

/** One BFF process: its app, its own pool, listening on a loopback port. */
export interface Process {
  t: TestApp;
  db: Db;
  server: Server;
  base: string;
}

async function listen(t: TestApp, db: Db): Promise<Process> {
  const server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { t, db, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Starts both over a fresh schema in `url` (pools of 20); `close` stops the servers and drops the schema. */
export async function twoProcesses(url: string): Promise<{ a: Process; b: Process; close: () => Promise<void> }> {
  const dbA = await freshPostgres(url, { max: 20 });
  const schema = (await dbA.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
  const dbB = await openPostgres(withSearchPath(url, schema), { max: 20 });
  const keys = { secret: generateKey('secret'), publishable: generateKey('publishable') };
  const a = await listen(await testAppWith(dbA, {}, keys), dbA);
  const b = await listen(await testAppWith(dbB, {}, keys), dbB);
  const close = async () => {
    for (const p of [a, b]) {
      p.server.closeAllConnections();
      await new Promise((resolve) => p.server.close(resolve));
    }
    await dbB.close();
    await dbA.close();
  };
  return { a, b, close };
}
