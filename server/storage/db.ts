/**
 * The one storage port. Two adapters implement it: PGlite (embedded, the default) and node-postgres
 * (a real PostgreSQL server through DATABASE_URL). Repositories and use cases only see `Db` and `Tx`.
 */

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted by the statement. */
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

/** A transaction's handle. Inside `transaction()` always use it, never the outer `Db` (PGlite deadlocks). */
export type Tx = Queryable;

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Calls `onChange(topic)` for every change another transaction announces with `announce()`, in this
   * process or another one sharing the database (LISTEN/NOTIFY), and with `'*'` when notifications may have
   * been lost (a dropped listening connection). Resolves once listening.
   */
  listen(onChange: (topic: string) => void): Promise<() => Promise<void>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** The connection pool's state now (PostgreSQL; PGlite is one connection in process and has none). */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Open and not in use. */
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

/** PostgreSQL error codes the use cases react to. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK = '40P01';

export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'constraint' in error && typeof error.constraint === 'string'
    ? error.constraint
    : undefined;
}

export const CHANGES_CHANNEL = 'billkit_changes';
export type ChangeTopic = 'catalog' | 'coupons';

/** Tells every process's caches that `topic` changed; delivered when the transaction commits. */
export async function announce(tx: Queryable, topic: ChangeTopic): Promise<void> {
  await tx.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, topic]);
}
