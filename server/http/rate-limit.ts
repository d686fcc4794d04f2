import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Db } from '../storage/db.js';
import {
  addRateLimitHits,
  hitRateLimit,
  purgeRateLimits,
  readRateLimits,
  resetRateLimit,
  unhitRateLimit,
  type RateLimitWindow,
} from '../storage/rate-limit-repository.js';
import { problem, sendProblem } from './problem.js';

/** Requests per minute per API key and client address (sign-in codes: per email and hour). */
export interface RateLimits {
  quotes: number;
  checkouts: number;
  confirmations: number;
  /** The portal's sign-in and its verification, per client address and minute (default 10). */
  signIns?: number | undefined;
  /** Sign-in codes mailed to one email address per hour (default 5). */
  signInCodes?: number | undefined;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { quotes: 300, checkouts: 30, confirmations: 20, signIns: 10, signInCodes: 5 };

/** Ended windows are deleted after every this many hits of a process. */
const PURGE_EVERY = 1000;

/** The stored key: the limiter's name and a hash, so API keys and addresses are not kept in the clear. */
const storedKey = (prefix: string, key: string) => `${prefix}:${createHash('sha256').update(key).digest('base64url')}`;

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

  #key(key: string): string {
    return storedKey(this.prefix, key);
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
 * express-rate-limit's store for the hot quote route: it counts in process, with no database round trip on
 * the request path, and every `syncMs` adds its new hits to the shared database row of each key (one
 * statement for all of them) and reads back what every process counted. Across N processes the limit
 * holds to within the hits each process takes in one sync interval.
 */
export class SyncedRateLimitStore implements Store {
  readonly localKeys = false;
  #windowMs = 60_000;
  /** Hits not yet added to the database, by key. */
  readonly #pending = new Map<string, number>();
  /** Every process's hits and the window's end, as last read from the database (or started here). */
  readonly #shared = new Map<string, RateLimitWindow>();
  #syncing: Promise<void> = Promise.resolve();
  #running = false;
  #syncs = 0;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly syncMs = 1000,
  ) {}

  init(options: Options): void {
    this.#windowMs = options.windowMs;
    // A tick while a sync still runs (a slow or unreachable database) is skipped, not queued.
    setInterval(() => {
      if (!this.#running) void this.sync().catch(() => {});
    }, this.syncMs).unref();
  }

  // Synchronous (the Store interface allows it): the count is in memory, and a promise would only cost
  // express-rate-limit another turn of the microtask queue on every quote.
  increment(key: string): IncrementResponse {
    const now = Date.now();
    let shared = this.#shared.get(key);
    if (!shared || shared.resetAt.getTime() <= now) {
      shared = { hits: 0, resetAt: new Date(now + this.#windowMs) };
      this.#shared.set(key, shared);
    }
    const pending = (this.#pending.get(key) ?? 0) + 1;
    this.#pending.set(key, pending);
    return { totalHits: shared.hits + pending, resetTime: shared.resetAt };
  }

  async decrement(key: string): Promise<void> {
    this.#pending.set(key, (this.#pending.get(key) ?? 0) - 1);
  }

  async resetKey(key: string): Promise<void> {
    this.#pending.delete(key);
    this.#shared.delete(key);
    await resetRateLimit(this.db, storedKey(this.prefix, key));
  }

  /**
   * Adds the hits counted here to the database and learns the others'. Syncs run one after another, and
   * each call gets one that starts after it: every hit counted before the call is in the database when it
   * resolves.
   */
  sync(): Promise<void> {
    const next = this.#syncing.catch(() => {}).then(() => this.#sync());
    this.#syncing = next;
    return next;
  }

  async #sync(): Promise<void> {
    this.#running = true;
    try {
      await this.#syncOnce();
    } finally {
      this.#running = false;
    }
  }

  async #syncOnce(): Promise<void> {
    const now = Date.now();
    for (const [key, shared] of this.#shared) {
      if (shared.resetAt.getTime() <= now && !this.#pending.get(key)) this.#shared.delete(key);
    }
    const batch = [...this.#pending].filter(([, n]) => n !== 0);
    const idle = [...this.#shared.keys()].filter((key) => !this.#pending.get(key));
    const stored = new Map([...batch.map(([key]) => key), ...idle].map((key) => [key, storedKey(this.prefix, key)]));
    const [added, read] = await Promise.all([
      addRateLimitHits(this.db, batch.map(([key]) => stored.get(key)!), batch.map(([, n]) => Math.max(n, 0)), this.#windowMs),
      readRateLimits(this.db, idle.map((key) => stored.get(key)!)),
    ]);
    for (const [key, n] of batch) {
      const left = (this.#pending.get(key) ?? 0) - n;
      if (left === 0) this.#pending.delete(key);
      else this.#pending.set(key, left);
    }
    for (const [key, storedAs] of stored) {
      const row = added.get(storedAs) ?? read.get(storedAs);
      if (row) this.#shared.set(key, row);
    }
    if (++this.#syncs % 60 === 0) await purgeRateLimits(this.db);
  }
}

/**
 * Rate limits on the routes a browser can abuse: quotes (coupon codes can't be brute-forced), checkouts and
 * confirmations (cards can't be tested in bulk). All count in the database, shared by every process.
 * Checkouts and confirmations add one statement per request, beside the several each of them writes anyway;
 * quotes, the hot path that touches no database, count in process and sync every second (`sync` forces it).
 */
export function rateLimitsFor(limits: RateLimits, db: Db): ((path: string) => RequestHandler[]) & { sync: () => Promise<void> } {
  // IPv6 addresses count by their /56 (one subscriber's block), as express-rate-limit advises; an IPv4
  // address (no colon) is its own key, so it skips the library's IPv6 parsing.
  const byKeyAndAddress = (req: Request) => {
    const ip = req.ip ?? '';
    return `${req.auth?.key ?? '-'}:${ip.includes(':') ? ipKeyGenerator(ip) : ip}`;
  };
  const make = (limit: number, what: string, store?: Store, windowMs = 60_000, keyGenerator = byKeyAndAddress) =>
    rateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      ...(store ? { store } : {}),
      keyGenerator,
      handler: (req, res) => {
        const reset = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
        res.setHeader('Retry-After', String(seconds));
        sendProblem(res, problem(429, 'rate_limited', `Too many ${what}; retry in ${seconds} s.`));
      },
    });
  const quoteCounts = new SyncedRateLimitStore(db, 'quotes');
  const quotes = make(limits.quotes, 'quotes', quoteCounts);
  const checkouts = make(limits.checkouts, 'checkouts', new DatabaseRateLimitStore(db, 'checkouts'));
  const confirmations = make(limits.confirmations, 'confirmations', new DatabaseRateLimitStore(db, 'confirmations'));
  // Sign-in: per client address on asking and verifying; per email on asking, whoever asks (a mailbox is not
  // flooded with codes, and the same answer comes whether or not a customer has the address).
  const signIns = make(limits.signIns ?? DEFAULT_RATE_LIMITS.signIns!, 'sign-in attempts', new DatabaseRateLimitStore(db, 'sign_ins'));
  const perEmail = (req: Request) => `email:${typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '-'}`;
  const signInCodes = make(limits.signInCodes ?? DEFAULT_RATE_LIMITS.signInCodes!, 'sign-in codes for this email', new DatabaseRateLimitStore(db, 'sign_in_codes'), 3_600_000, perEmail);
  const forPath = (path: string) => {
    if (path === '/v1/quotes') return [quotes];
    if (path === '/v1/checkouts') return [checkouts];
    if (path === '/v1/checkouts/{id}/confirm') return [confirmations];
    if (path === '/v1/portal/sign-in') return [signIns, signInCodes];
    if (path === '/v1/portal/sign-in/verify') return [signIns];
    return [];
  };
  return Object.assign(forPath, { sync: () => quoteCounts.sync() });
}
