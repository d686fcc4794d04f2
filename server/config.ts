import { resolve } from 'node:path';
import type { TrustProxy } from './http/deps.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './http/rate-limit.js';

const perMinute = (value: string | undefined, fallback: number, name: string) => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of requests per minute, not ${value}`);
  return n;
};

const positive = (value: string, name: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not ${value}`);
  return n;
};

/** Every environment variable Billkit reads, in one place (the README lists the same). */
export interface Config {
  port: number;
  host: string;
  /** PGlite's data folder (unused when databaseUrl is set, except for the demo keys file). */
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL connections per process (BILLKIT_DB_POOL; the adapter's default when unset). */
  dbPoolSize: number | undefined;
  secretKey: string | undefined;
  publishableKey: string | undefined;
  allowedOrigins: string[];
  logLevel: string;
  seedDemo: boolean;
  rateLimits: RateLimits;
  /** BILLKIT_TEST_CLOCK=true|false; by default on with the test payment provider, off with Stripe. */
  testClock: boolean | undefined;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For names the client (BILLKIT_TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** Seconds between two billing runs of this process (BILLKIT_BILLING_INTERVAL, default 60; 0 turns the timer off). */
  billingInterval: number;
  /** BILLKIT_METRICS_PORT: a second port that serves GET /metrics without a key (unset: none). */
  metricsPort: number | undefined;
  /** BILLKIT_SHUTDOWN_TIMEOUT (seconds, default 10): how long a stopping process lets requests in flight finish. */
  shutdownTimeoutMs: number;
  /** BILLKIT_SMTP_URL: emails go out over this SMTP server (nodemailer); unset, they stay in the database. */
  smtpUrl: string | undefined;
  /** BILLKIT_MAIL_FROM: the sender's address; by default the seller's email from the settings. */
  mailFrom: string | undefined;
  /** BILLKIT_WEBHOOK_ALLOW_PRIVATE=true: live-mode webhooks may go to loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
}

/**
 * BILLKIT_TRUST_PROXY: unset or `false` when clients connect directly; behind a load balancer or reverse
 * proxy, the number of proxies in front (`1`), or their addresses and subnets (`loopback`, `10.0.0.0/8`,
 * comma-separated), so that rate limits count each buyer's address rather than the proxy's. `true` (trust
 * any X-Forwarded-For) is refused: anyone could then pick their own address and escape the limits.
 */
function trustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true') throw new Error('BILLKIT_TRUST_PROXY=true would let any client choose its address through X-Forwarded-For; give the number of proxies (1) or their addresses');
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

function billingInterval(value: string | undefined): number {
  if (value === undefined || value === '') return 60;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`BILLKIT_BILLING_INTERVAL must be a whole number of seconds (0: off), not ${value}`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  const own = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.BILLKIT_DATA_DIR ?? '.billkit'),
    databaseUrl: env.DATABASE_URL || undefined,
    dbPoolSize: env.BILLKIT_DB_POOL ? positive(env.BILLKIT_DB_POOL, 'BILLKIT_DB_POOL') : undefined,
    secretKey: env.BILLKIT_SECRET_KEY || undefined,
    publishableKey: env.BILLKIT_PUBLISHABLE_KEY || undefined,
    allowedOrigins: env.BILLKIT_ALLOWED_ORIGINS
      ? env.BILLKIT_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)
      : own,
    logLevel: env.LOG_LEVEL ?? 'info',
    seedDemo: env.BILLKIT_SEED_DEMO !== 'false',
    rateLimits: {
      quotes: perMinute(env.BILLKIT_RATE_LIMIT_QUOTES, DEFAULT_RATE_LIMITS.quotes, 'BILLKIT_RATE_LIMIT_QUOTES'),
      checkouts: perMinute(env.BILLKIT_RATE_LIMIT_CHECKOUTS, DEFAULT_RATE_LIMITS.checkouts, 'BILLKIT_RATE_LIMIT_CHECKOUTS'),
      confirmations: perMinute(env.BILLKIT_RATE_LIMIT_CONFIRMATIONS, DEFAULT_RATE_LIMITS.confirmations, 'BILLKIT_RATE_LIMIT_CONFIRMATIONS'),
      signIns: perMinute(env.BILLKIT_RATE_LIMIT_SIGN_INS, DEFAULT_RATE_LIMITS.signIns!, 'BILLKIT_RATE_LIMIT_SIGN_INS'),
      signInCodes: perMinute(env.BILLKIT_RATE_LIMIT_SIGN_IN_CODES, DEFAULT_RATE_LIMITS.signInCodes!, 'BILLKIT_RATE_LIMIT_SIGN_IN_CODES'),
    },
    testClock: env.BILLKIT_TEST_CLOCK === undefined ? undefined : env.BILLKIT_TEST_CLOCK === 'true',
    trustProxy: trustProxy(env.BILLKIT_TRUST_PROXY),
    billingInterval: billingInterval(env.BILLKIT_BILLING_INTERVAL),
    metricsPort: env.BILLKIT_METRICS_PORT ? positive(env.BILLKIT_METRICS_PORT, 'BILLKIT_METRICS_PORT') : undefined,
    shutdownTimeoutMs: (env.BILLKIT_SHUTDOWN_TIMEOUT ? positive(env.BILLKIT_SHUTDOWN_TIMEOUT, 'BILLKIT_SHUTDOWN_TIMEOUT') : 10) * 1000,
    smtpUrl: env.BILLKIT_SMTP_URL || undefined,
    mailFrom: env.BILLKIT_MAIL_FROM || undefined,
    webhookAllowPrivate: env.BILLKIT_WEBHOOK_ALLOW_PRIVATE === 'true',
  };
}
