import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Db } from '../storage/db.js';
import { hitRateLimit, purgeRateLimits, resetRateLimit, unhitRateLimit } from '../storage/rate-limit-repository.js';
import { problem, sendProblem } from './problem.js';

/** Requests per minute per API key and client address. */
export interface RateLimits {
  quotes: number;
  checkouts: number;
  confirmations: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { quotes: 300, checkouts: 30, confirmations: 20 };

/** Ended windows are deleted after every this many hits of a process. */
const PURGE_EVERY = 1000;

/**
 * express-rate-limit's store over the database: every BFF process sharing it counts into the same window,
 * so N processes still allow the limit once, not N times.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  #windowMs = 60_000;
  #hits = 0;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.#windowMs = options.windowMs;
  }

  /** The stored key: the limiter's name and a hash, so API keys and addresses are not kept in the clear. */
  #key(key: string): string {
    return `${this.prefix}:${createHash('sha256').update(key).digest('base64url')}`;
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (++this.#hits % PURGE_EVERY === 0) void purgeRateLimits(this.db).catch(() => {});
    const { hits, resetAt } = await hitRateLimit(this.db, this.#key(key), this.#windowMs);
    return { totalHits: hits, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await unhitRateLimit(this.db, this.#key(key));
  }

  async resetKey(key: string): Promise<void> {
    await resetRateLimit(this.db, this.#key(key));
  }
}

/**
 * Rate limits on the routes a browser can abuse: quotes (coupon codes can't be brute-forced), checkouts and
 * confirmations (cards can't be tested in bulk). Checkouts and confirmations count in the database, shared
 * by every process (one statement per request, beside the several each of them writes anyway). Quotes, the
 * hot path that touches no database, count per process in memory: behind N processes a client gets up to
 * N times the quote limit.
 */
export function rateLimitsFor(limits: RateLimits, db: Db): (path: string) => RequestHandler[] {
  const make = (limit: number, what: string, store?: Store) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      ...(store ? { store } : {}),
      keyGenerator: (req) => `${req.auth?.key ?? '-'}:${ipKeyGenerator(req.ip ?? '')}`,
      handler: (req, res) => {
        const reset = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
        res.setHeader('Retry-After', String(seconds));
        sendProblem(res, problem(429, 'rate_limited', `Too many ${what}; retry in ${seconds} s.`));
      },
    });
  const quotes = make(limits.quotes, 'quotes');
  const checkouts = make(limits.checkouts, 'checkouts', new DatabaseRateLimitStore(db, 'checkouts'));
  const confirmations = make(limits.confirmations, 'confirmations', new DatabaseRateLimitStore(db, 'confirmations'));
  return (path) => {
    if (path === '/v1/quotes') return [quotes];
    if (path === '/v1/checkouts') return [checkouts];
    if (path === '/v1/checkouts/{id}/confirm') return [confirmations];
    return [];
  };
}
