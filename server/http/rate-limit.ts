import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { problem, sendProblem } from './problem.js';

/** Requests per minute per API key and client address. */
export interface RateLimits {
  quotes: number;
  checkouts: number;
  confirmations: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { quotes: 300, checkouts: 30, confirmations: 20 };

/**
 * Rate limits on the routes a browser can abuse: quotes (coupon codes can't be brute-forced), checkouts and
 * confirmations (cards can't be tested in bulk). Counted per process (express-rate-limit's memory store):
 * with N processes behind a balancer a client gets at most N times the limit.
 */
export function rateLimitsFor(limits: RateLimits): (path: string) => RequestHandler[] {
  const make = (limit: number, what: string) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => `${req.auth?.key ?? '-'}:${ipKeyGenerator(req.ip ?? '')}`,
      handler: (req, res) => {
        const reset = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
        res.setHeader('Retry-After', String(seconds));
        sendProblem(res, problem(429, 'rate_limited', `Too many ${what}; retry in ${seconds} s.`));
      },
    });
  const quotes = make(limits.quotes, 'quotes');
  const checkouts = make(limits.checkouts, 'checkouts');
  const confirmations = make(limits.confirmations, 'confirmations');
  return (path) => {
    if (path === '/v1/quotes') return [quotes];
    if (path === '/v1/checkouts') return [checkouts];
    if (path === '/v1/checkouts/{id}/confirm') return [confirmations];
    return [];
  };
}
