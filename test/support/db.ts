/**
 * Databases for storage and HTTP tests: PGlite always (one in-memory instance per test process: a cold start
 * costs seconds), and PostgreSQL too when DATABASE_URL is set, each run in a fresh schema of its own that is
 * dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../server/storage/db.js';
import { migrate } from '../../server/storage/migrate.js';
import { openPglite } from '../../server/storage/pglite.js';
import { openPostgres } from '../../server/storage/postgres.js';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Db>;
}

let pglite: Promise<Db> | null = null;

/** The shared, migrated in-memory PGlite of this test process. Closing it is left to process exit. */
export function sharedPglite(): Promise<Db> {
  pglite ??= openPglite(null).then(async (db) => {
    await migrate(db);
    return db;
  });
  return pglite;
}

/** A fresh schema in DATABASE_URL's database, migrated; dropped when the returned Db closes. */
export async function freshPostgres(url = process.env.DATABASE_URL!, options: { max?: number } = {}): Promise<Db> {
  const schema = `billkit_test_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(url, { max: 1 });
  await admin.query(`create schema ${schema}`);
  await admin.close();
  const db = await openPostgres(withSearchPath(url, schema), options);
  await migrate(db);
  const close = db.close;
  return {
    ...db,
    async close() {
      await close();
      const cleanup = await openPostgres(url, { max: 1 });
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.close();
    },
  };
}

/** Adds `options=-c search_path=<schema>` to a connection string, so every pooled connection uses it. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'pglite', open: sharedPglite }];
  if (process.env.DATABASE_URL) list.push({ name: 'postgres', open: () => freshPostgres() });
  return list;
}

/** A short random suffix, so tests sharing a database never collide on unique codes. */
export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
