import type { Queryable } from './db.js';

/** A key's count in its current fixed window, and when that window ends. */
export type RateLimitWindow = { hits: number; resetAt: Date };

type WindowRow = { key: string; hits: number; reset_at: Date | string };
const toWindow = (r: WindowRow): RateLimitWindow => ({ hits: Number(r.hits), resetAt: new Date(r.reset_at) });

/**
 * Counts one hit for `key` in its fixed window of `windowMs`, on the database's clock: a window that has
 * ended starts again at 1. One statement, so concurrent hits from any process are all counted.
 */
export async function hitRateLimit(db: Queryable, key: string, windowMs: number): Promise<RateLimitWindow> {
  return (await addRateLimitHits(db, [key], [1], windowMs)).get(key)!;
}

/**
 * Adds hits to several keys at once: `hits[i]` to `keys[i]` (keys distinct), each in its fixed window as
 * `hitRateLimit` counts them. Answers every key's shared count and window end.
 */
export async function addRateLimitHits(
  db: Queryable,
  keys: readonly string[],
  hits: readonly number[],
  windowMs: number,
): Promise<Map<string, RateLimitWindow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<WindowRow>(
    `insert into rate_limit_hits as r (key, hits, reset_at)
       select k, n, now() + make_interval(secs => $3::double precision / 1000) from unnest($1::text[], $2::int[]) as t(k, n)
     on conflict (key) do update set
       hits = case when r.reset_at <= now() then excluded.hits else r.hits + excluded.hits end,
       reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
     returning key, hits, reset_at`,
    [keys, hits, windowMs],
  );
  return new Map(rows.map((r) => [r.key, toWindow(r)]));
}

/** The shared counts of windows still running, for the keys given. */
export async function readRateLimits(db: Queryable, keys: readonly string[]): Promise<Map<string, RateLimitWindow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<WindowRow>(
    'select key, hits, reset_at from rate_limit_hits where key = any($1::text[]) and reset_at > now()',
    [keys],
  );
  return new Map(rows.map((r) => [r.key, toWindow(r)]));
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
