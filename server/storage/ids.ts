import { randomFillSync } from 'node:crypto';

/**
 * Ids are `<prefix>_<12 hex of ms since epoch><10 hex random>`: unique without coordination between
 * processes, and ordered by creation time, which is what cursor pagination walks (with `collate "C"`).
 */
export function newId(prefix: string, now = Date.now(), randomBytesCount = 5): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${monotonicRandom(now, randomBytesCount)}`;
}

let lastMs = -1;
/** The last random part, a number below 2^40 (held exactly by a double). */
let lastRandom = 0;

// Random bytes are drawn from a pool refilled 4 KiB at a time: one system call per ~800 ids instead of one per id.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolAt = POOL_SIZE;

function poolBytes(n: number): number {
  if (poolAt + n > POOL_SIZE) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += n;
  return at;
}

/**
 * Random within a millisecond, but increasing in this process (as ULIDs do): ids made one after another in
 * one millisecond (a billing run's batch) still sort in the order they were made.
 */
function monotonicRandom(now: number, bytes: number): string {
  const digits = bytes * 2;
  if (bytes !== 5) {
    const at = poolBytes(bytes);
    return pool.toString('hex', at, at + bytes);
  }
  if (now === lastMs && lastRandom < 0xffffffff00) {
    lastRandom += 1 + pool[poolBytes(1)]!;
  } else {
    lastMs = now;
    // The top bit is kept clear, so a millisecond has room for many increments.
    const at = poolBytes(5);
    lastRandom = Math.floor(pool.readUIntBE(at, 5) / 2);
  }
  return lastRandom.toString(16).padStart(digits, '0');
}

/** For ids that work as a bearer of access (a checkout id lets its browser confirm it): 128 random bits. */
export const newSecretId = (prefix: string) => newId(prefix, Date.now(), 16);

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** `rows` were fetched with `limit + 1`: the extra row only says that there is more. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}

export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
}

export const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
export const isoOrNull = (value: unknown): string | null => (value == null ? null : iso(value));
export const strOrNull = (value: unknown): string | null => (value == null ? null : String(value));
/** A json/jsonb column: PGlite and node-postgres answer parsed values, text columns strings. */
export const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
