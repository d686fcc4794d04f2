import type { Queryable } from './db.js';

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'replay'; status: number; body: unknown }
  | { state: 'running' }
  | { state: 'mismatch' };

/** Keys live 24 hours; a `running` claim older than this is taken to be abandoned (its process died). */
const TTL = '24 hours';
const ABANDONED = '5 minutes';

/**
 * Claims (scope, key) for a request whose body hashes to `hash`. In PostgreSQL, so every BFF process agrees:
 * the insert either claims the key, or finds the first request's record.
 */
export async function claim(db: Queryable, scope: string, key: string, hash: string): Promise<IdempotencyClaim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db.query(
      `insert into idempotency_keys (scope, key, request_hash, status) values ($1, $2, $3, 'running')
       on conflict (scope, key) do update set request_hash = excluded.request_hash, status = 'running',
         response_status = null, response_body = null, created_at = now()
       where idempotency_keys.created_at < now() - interval '${TTL}'
          or (idempotency_keys.status = 'running' and idempotency_keys.created_at < now() - interval '${ABANDONED}')
       returning 1`,
      [scope, key, hash],
    );
    if (inserted.rowCount > 0) return { state: 'claimed' };
    const { rows } = await db.query<{ request_hash: string; status: string; response_status: number; response_body: unknown }>(
      'select request_hash, status, response_status, response_body from idempotency_keys where scope = $1 and key = $2',
      [scope, key],
    );
    const row = rows[0];
    if (!row) continue; // released meanwhile: try to claim again
    if (row.request_hash !== hash) return { state: 'mismatch' };
    if (row.status === 'running') return { state: 'running' };
    const body = typeof row.response_body === 'string' ? JSON.parse(row.response_body) : row.response_body;
    return { state: 'replay', status: Number(row.response_status), body };
  }
  return { state: 'running' };
}

export async function complete(db: Queryable, scope: string, key: string, status: number, body: unknown): Promise<void> {
  await db.query(
    `update idempotency_keys set status = 'done', response_status = $3, response_body = $4 where scope = $1 and key = $2`,
    [scope, key, status, JSON.stringify(body ?? null)],
  );
}

/** Forgets a claim whose request failed on our side (5xx), so that the client may retry with the same key. */
export async function release(db: Queryable, scope: string, key: string): Promise<void> {
  await db.query(`delete from idempotency_keys where scope = $1 and key = $2 and status = 'running'`, [scope, key]);
}
