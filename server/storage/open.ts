import type { Db } from './db.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** DATABASE_URL picks PostgreSQL; otherwise PGlite in `dataDir` (null: in memory). */
export async function openDb(options: { databaseUrl?: string | undefined; dataDir: string | null; poolSize?: number | undefined }): Promise<Db> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ? { max: options.poolSize } : {}) : openPglite(options.dataDir);
}
