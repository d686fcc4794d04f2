import { createRequire } from 'node:module';
import express, { type RequestHandler, type Router } from 'express';
import type { Deps } from '../deps.js';
import type { Metrics } from '../metrics.js';
import { problem, sendProblem } from '../problem.js';

const require = createRequire(import.meta.url);

/**
 * /health (= /health/ready), /health/live, /metrics (secret key), /openapi.json and /docs (Swagger UI from
 * the installed package: no CDN, strict CSP).
 */
export function systemRoutes(router: Router, deps: Deps, openapi: () => unknown, ops: { metrics: Metrics; secretKey: RequestHandler }): void {
  // Ready: the database answers, so requests can be served. A load balancer sends traffic only then.
  router.get(['/health', '/health/ready'], async (_req, res) => {
    try {
      await deps.db.query('select 1');
      res.json({ status: 'ok', database: deps.db.kind });
    } catch {
      sendProblem(res, problem(503, 'database_unavailable', 'The database cannot be reached.'));
    }
  });
  // Live: the process answers at all. An orchestrator restarts it only when this fails, not for an outage.
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/metrics', ops.secretKey, async (_req, res) => {
    const { contentType, body } = await ops.metrics.render();
    res.type(contentType).send(body);
  });

  router.get('/demo-config.json', (_req, res) => {
    res.json({ api: '', publishableKey: deps.config.demo?.publishableKey ?? null, provider: deps.payments.name });
  });

  // The demo shop's "signed-in user" (its server's side, in server/seed/demo-shop.ts): a customer session.
  router.post('/demo/session', async (_req, res, next) => {
    const make = deps.config.demo?.userSession;
    if (!make) return next();
    try {
      res.json(await make());
    } catch (error) {
      next(error);
    }
  });

  // The demo shop's "Manage subscription" for its signed-in user: a portal session, then the browser goes to its url.
  router.post('/demo/portal-session', async (req, res, next) => {
    const open = deps.config.demo?.portalSession;
    if (!open) return next();
    try {
      const origin = req.get('origin');
      const session = await open(origin ? `${origin}/` : undefined);
      if (!session) return sendProblem(res, problem(404, 'customer_not_found', 'The demo user has no subscription yet: buy a plan first.'));
      res.json(session);
    } catch (error) {
      next(error);
    }
  });

  let document: unknown;
  router.get('/openapi.json', (_req, res) => {
    document ??= openapi();
    res.json(document);
  });

  const swaggerDir = require.resolve('swagger-ui-dist/package.json').replace(/package\.json$/, '');
  router.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Billkit API</title><link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png"><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(`window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });`);
  });
  router.use('/docs/assets', express.static(swaggerDir, { index: false, fallthrough: false }));
}
