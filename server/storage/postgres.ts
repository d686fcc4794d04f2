import { createHash } from 'node:crypto';
import pg from 'pg';
import { DomainError } from '../domain/errors.js';
import { CHANGES_CHANNEL, pgErrorCode, type Db, type QueryResult, type Queryable } from './db.js';

// int8 (bigint, count(*)) as a JS number when it is a safe integer, as PGlite does; BigInt beyond that.
pg.types.setTypeParser(20, (text: string) => {
  const value = BigInt(text);
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER) ? value : Number(value);
});

/**
 * Parameterized statements run as named prepared statements, so each connection parses and plans them
 * once (the checkout's statements are large CTEs: planning them on every call was most of PostgreSQL's
 * work per confirmation). Not those that select `*`: a prepared statement's result columns are fixed, and a
 * migration adding a column would make it fail until the process restarts.
 */
const names = new Map<string, string | null>();
const SELECTS_STAR = /(^|[\s,(])(\w+\.)?\*\s*(,|from\b|$)/i;
function statementName(sql: string): string | null {
  let name = names.get(sql);
  if (name === undefined) {
    name = SELECTS_STAR.test(sql) ? null : 'bk_' + createHash('sha1').update(sql).digest('hex').slice(0, 24);
    names.set(sql, name);
  }
  return name;
}

/**
 * Connections per process. Ten (node-postgres's own default) kept confirmations fastest on a 2-core
 * PostgreSQL: more connections than the server has cores to run them only queue inside PostgreSQL, where
 * they hold locks longer. BILLKIT_DB_POOL sets it.
 */
export const DEFAULT_POOL_SIZE = 10;

/** Socket errors that mean the server cannot be reached (node-postgres passes them on as they come). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
/** node-postgres's own messages for a connection that is gone or never came. */
const CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/**
 * Whether an error means the database cannot be reached (rather than that a statement failed): a refused
 * or dropped connection, a connect timeout, or the server shutting down or starting (SQLSTATE class 08,
 * 57P01-57P03).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionFailure);
  const code = pgErrorCode(error) ?? '';
  if (NETWORK_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  return error instanceof Error && CONNECTION_LOST.test(error.message);
}

/** Turns a lost connection into the domain's `unavailable` failure (503 database_unavailable); others pass. */
function unreachable(error: unknown): never {
  if (isConnectionFailure(error)) throw new DomainError('unavailable', 'database_unavailable', 'The database cannot be reached; retry shortly.');
  throw error;
}

/**
 * A connection that cannot be made within 5 s fails (a server that drops packets), so the request is
 * answered 503 rather than left hanging. Only the connecting: waiting for a busy pool's free connection
 * has no limit (a burst of confirmations queues for the pool's ten), which the pool's own
 * connectionTimeoutMillis would also cut.
 */
class TimedClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    super({ ...config, connectionTimeoutMillis: 5000 });
  }
}

/**
 * The PostgreSQL adapter (node-postgres pool). Several BFF processes may share one server. While the server
 * cannot be reached every statement fails with `database_unavailable`; the pool connects again by itself
 * once it is back, so Billkit recovers without a restart.
 */
export async function openPostgres(connectionString: string, options: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? DEFAULT_POOL_SIZE, Client: TimedClient });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  await pool.query('select 1');
  const listeners = new Set<() => Promise<void>>();
  const run = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const name = params.length > 0 ? statementName(sql) : null;
      const result = await (name ? client.query({ name, text: sql, values: params as unknown[] }) : client.query(sql, params as unknown[])).catch(unreachable);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  });
  return {
    kind: 'postgres',
    query: run(pool).query,
    async transaction(fn) {
      const client = await pool.connect().catch(unreachable);
      try {
        await client.query('begin').catch(unreachable);
        const result = await fn(run(client));
        await client.query('commit').catch(unreachable);
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    async listen(onChange) {
      const stop = await listenForChanges(connectionString, onChange);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      listeners.clear();
      await pool.end();
    },
  };
}

/**
 * A dedicated connection that LISTENs for changes. When it drops, it reconnects with backoff and reports
 * `'*'` (anything may have changed meanwhile).
 */
async function listenForChanges(connectionString: string, onChange: (topic: string) => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (delay: number): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL) onChange(message.payload ?? '*');
    });
    c.on('error', () => {
      c.end().catch(() => {});
      if (client === c && !stopped) {
        client = null;
        onChange('*');
        retry = setTimeout(() => void connect(Math.min(delay * 2, 5000)).catch(() => {}), delay);
        retry.unref();
      }
    });
    await c.connect();
    await c.query(`listen ${CHANGES_CHANNEL}`);
    client = c;
  };
  await connect(100);
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
