import type { Queryable } from './db.js';

/**
 * Counts one hit for `key` in its fixed window of `windowMs`, on the database's clock: a window that has
 * ended starts again at 1. One statement, so concurrent hits from any process are all counted.
 */
export async function hitRateLimit(db: Queryable, key: string, windowMs: number): Promise<{ hits: number; resetAt: Date }> {
  const { rows } = await db.query<{ hits: number; reset_at: Date | string }>(
    `insert into rate_limit_hits as r (key, hits, reset_at) values ($1, 1, now() + make_interval(secs => $2::double precision / 1000))
     on conflict (key) do update set
       hits = case when r.reset_at <= now() then 1 else r.hits + 1 end,
       reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
     returning hits, reset_at`,
    [key, windowMs],
  );
  const row = rows[0]!;
  return { hits: Number(row.hits), resetAt: new Date(row.reset_at) };
}

export async function unhitRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('update rate_limit_hits set hits = greatest(hits - 1, 0) where key = $1', [key]);
}

export async function resetRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('delete from rate_limit_hits where key = $1', [key]);
}

/** Drops the windows that have ended (their next hit would start them again anyway). */
export async function purgeRateLimits(db: Queryable): Promise<number> {
  const { rowCount } = await db.query('delete from rate_limit_hits where reset_at <= now()');
  return rowCount;
}
