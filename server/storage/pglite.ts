import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { CHANGES_CHANNEL, type Db, type QueryResult, type Queryable } from './db.js';

/** The embedded adapter: one PGlite instance per process (a cold start costs seconds and ~750 MB). */
export async function openPglite(dataDir: string | null): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(dataDir ?? 'memory://');
  await pg.waitReady;
  return wrap(pg);
}

interface PgliteLike {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

function queryable(target: PgliteLike): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

function wrap(pg: PGlite): Db {
  const outer = queryable(pg);
  return {
    kind: 'pglite',
    query: outer.query,
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    listen: async (onChange) => {
      const unlisten = await pg.listen(CHANGES_CHANNEL, (payload) => onChange(payload));
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
