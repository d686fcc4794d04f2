import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { requireKey } from './auth.js';
import type { Deps } from './deps.js';
import { jsonBody } from './json-body.js';
import { createMetrics } from './metrics.js';
import { SESSION_HEADER } from './schemas/customers.js';
import { openapiDocument } from './openapi.js';
import { errorHandler, notFoundHandler } from './problem.js';
import { JSON_TYPES, newRegistry, type RouteContext } from './route.js';
import { catalogRoutes } from './routes/catalog.js';
import { checkoutRoutes } from './routes/checkouts.js';
import { couponRoutes } from './routes/coupons.js';
import { creditNoteRoutes } from './routes/credit-notes.js';
import { documentRoutes } from './routes/documents.js';
import { customerRoutes } from './routes/customers.js';
import { deliveryRunRoutes } from './routes/delivery-runs.js';
import { devMailRoutes } from './routes/dev-mail.js';
import { eventRoutes } from './routes/events.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { portalRoutes } from './routes/portal.js';
import { stripeWebhookRoute } from './routes/stripe-webhook.js';
import { subscriptionChangeRoutes } from './routes/subscription-change.js';
import { testClockRoutes } from './routes/test-clock.js';
import { usageRoutes } from './routes/usage.js';
import { DEFAULT_RATE_LIMITS, rateLimitsFor } from './rate-limit.js';
import { quoteRoutes } from './routes/quotes.js';
import { settingsRoutes } from './routes/settings.js';
import { publicCatalogRoutes } from './routes/public-catalog.js';
import { systemRoutes } from './routes/system.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';

const CLIENT_IP = Symbol('client address');

/** Builds the Express app from its dependencies. It does not listen: main.ts and the tests do. */
export function createApp(deps: Deps): Express {
  const app = express();
  // Every request is counted and timed, whatever answers it (GET /metrics, BILLKIT_METRICS_PORT).
  const metrics = deps.metrics ?? createMetrics(deps.db);
  app.locals.metrics = metrics;
  app.use(metrics.observe);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Behind a proxy, req.ip (the rate limits' client address) is read from the X-Forwarded-For it appends.
  // An address that is not one throws here, at start.
  app.set('trust proxy', deps.config.trustProxy ?? false);
  // req.ip is read twice per rate-limited request (express-rate-limit's debug line, then the limit's key).
  // Trusting no proxy, it is the socket's address, which is what Express's proxy-addr walk over
  // X-Forwarded-For ends with: read it directly. Behind a proxy, walk once per request.
  const proxied = Object.getOwnPropertyDescriptor(express.request, 'ip')!.get!;
  Object.defineProperty(app.request, 'ip', {
    configurable: true,
    enumerable: true,
    get: app.get('trust proxy')
      ? function (this: express.Request & { [CLIENT_IP]?: string }) {
          return (this[CLIENT_IP] ??= proxied.call(this));
        }
      : function (this: express.Request) {
          return this.socket.remoteAddress;
        },
  });

  const allowedOrigins = new Set(deps.config.allowedOrigins);
  // Security headers. The API answers JSON only, so it gets the headers OWASP's REST Security Cheat Sheet
  // lists for API responses (a CSP that forbids everything, no framing, nosniff, HSTS) plus no referrer and
  // cross-origin reads for the browser routes; helmet's other headers only act on rendered HTML documents.
  // The pages (demo, hosted checkout, docs) get helmet's full set and a policy for this origin and Stripe.
  const apiHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    xFrameOptions: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    // Express sends no X-Powered-By (disabled above): nothing for helmet to remove on every request.
    xPoweredBy: false,
  });
  // The API's headers do not depend on the request: helmet works them out once, and each answer sets them.
  const apiHeaderList = headersSetBy(apiHeaders);
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", 'https://js.stripe.com'],
        frameSrc: ["'self'", 'https://js.stripe.com', 'https://hooks.stripe.com'],
        connectSrc: ["'self'", 'https://api.stripe.com'],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        upgradeInsecureRequests: null,
      },
    },
    // The elements are loaded by merchants' pages on other origins.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    xPoweredBy: false,
  });
  // CORS only for the browser-facing routes and only from the configured origins; secret routes get none.
  const browserCors = cors({
    origin: (origin, done) => done(null, origin !== undefined && allowedOrigins.has(origin)),
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', SESSION_HEADER],
    exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
  const browserRoute = /^\/v1\/(catalog|quotes|checkouts|portal|customer-sessions\/current)(\/|\?|$)/;
  // What every request gets first, in one step (each middleware is a router step on the hot path):
  // a request id (the caller's X-Request-Id when it is sane; logs name it), the security headers, and for
  // the browser's routes CORS. A request without Origin is not a browser's cross-origin request: nothing
  // for CORS to answer, but the answer still varies by Origin for caches.
  app.use((req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    (req as { id?: string }).id = id;
    res.setHeader('X-Request-Id', id);
    if (!req.url.startsWith('/v1/')) return pageHeaders(req, res, next);
    for (const [name, value] of apiHeaderList) res.setHeader(name, value);
    if (!browserRoute.test(req.url)) return next();
    if (req.headers.origin !== undefined) return browserCors(req, res, next);
    res.setHeader('Vary', 'Origin');
    next();
  });
  // One log line per request (no logger, as in tests and benchmarks: no middleware at all).
  if (deps.logger) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
        // Keys are secrets: never log the Authorization header (or cookies).
        redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
        serializers: {
          req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      }),
    );
  }
  stripeWebhookRoute(app as unknown as express.Router, deps);
  // JSON bodies up to 100 kB: body-parser's reading, with a fast path for plain JSON (json-body.ts); usage
  // batches (1,000 events) up to 1 MB.
  const bodies = jsonBody({ limit: 100 * 1024, type: JSON_TYPES });
  const usageBodies = jsonBody({ limit: 1024 * 1024, type: JSON_TYPES });
  const usagePath = /^\/v1\/usage(\?|$)/;
  app.use((req, res, next) => (usagePath.test(req.url) ? usageBodies : bodies)(req, res, next));

  const registry = newRegistry();
  const limits = rateLimitsFor(deps.config.rateLimits ?? DEFAULT_RATE_LIMITS, deps.db);
  // Adds the quote counts of this process to the shared ones now (tests; a shutdown that keeps them).
  app.locals.syncRateLimits = limits.sync;
  const auth = (level: 'secret' | 'publishable' | 'portal') => requireKey({ keys: deps.keys, allowedOrigins, portalSessions: deps.portalSessions }, level);
  const ctx: RouteContext = {
    // Routes go straight on the app's router (one router to walk per request, not two).
    router: app as unknown as express.Router,
    registry,
    auth,
    db: deps.db,
    limits,
  };
  // The browser's routes first: the router tries routes in order, and quotes are the hot path.
  quoteRoutes(ctx, deps);
  publicCatalogRoutes(ctx, deps);
  checkoutRoutes(ctx, deps);
  customerRoutes(ctx, deps);
  catalogRoutes(ctx, deps);
  couponRoutes(ctx, deps);
  settingsRoutes(ctx, deps);
  eventRoutes(ctx, deps);
  lifecycleRoutes(ctx, deps);
  portalRoutes(ctx, deps);
  usageRoutes(ctx, deps);
  subscriptionChangeRoutes(ctx, deps);
  creditNoteRoutes(ctx, deps);
  documentRoutes(ctx, deps);
  webhookEndpointRoutes(ctx, deps);
  deliveryRunRoutes(ctx, deps);
  if (deps.config.testClock) devMailRoutes(app as unknown as express.Router, deps);
  if (deps.config.testClock) testClockRoutes(ctx, deps);
  systemRoutes(app as unknown as express.Router, deps, () => openapiDocument(registry, deps.config.publicUrl), { metrics, secretKey: auth('secret') });

  if (deps.config.staticDirs) {
    const { demo, dist } = deps.config.staticDirs;
    // Module scripts load in CORS mode: a merchant's page on another origin needs this to import the elements.
    app.use('/elements', (_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      next();
    }, express.static(dist, { index: false }));
    // The hosted checkout: /checkout/<plan-code> (or /checkout?plan=<code>) on the same page.
    app.get(['/checkout', '/checkout/:plan'], (_req, res) => res.sendFile('checkout.html', { root: demo }));
    app.use(express.static(demo, { extensions: ['html'] }));
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/** The headers a middleware sets when it does not look at the request (helmet with fixed directives). */
function headersSetBy(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): [string, string][] {
  const headers: [string, string][] = [];
  let called = false;
  const res = { setHeader: (name: string, value: unknown) => headers.push([name, String(value)]), removeHeader: () => {} };
  middleware({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, (error) => {
    if (error) throw error;
    called = true;
  });
  if (!called) throw new Error('the header middleware did not finish synchronously');
  return headers;
}
