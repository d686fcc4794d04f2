import type { Db } from './db.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** DATABASE_URL picks PostgreSQL; otherwise PGlite in `dataDir` (null: in memory). */
export async function openDb(options: { databaseUrl?: string; dataDir: string | null }): Promise<Db> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}
