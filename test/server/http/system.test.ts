import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import type { Db } from '../../../server/storage/db.js';
import { TEST_ORIGIN, testApp, type TestApp } from '../../support/app.js';
import { freshPostgres, sharedPglite } from '../../support/db.js';
import { problemOf } from '../../support/api.js';
import { metricsServer, type Metrics } from '../../../server/http/metrics.js';

describe('system routes', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sharedPglite());
  });

  it('when the database answers, then /health is 200 and names it', async () => {
    const res = await request(t.app).get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', database: 'pglite' });
    assert.ok(res.headers['x-request-id']);
  });

  it('when the database is unreachable, then /health and /health/ready are 503 database_unavailable, /health/live 200', async () => {
    const down: Db = {
      kind: 'postgres',
      query: () => Promise.reject(new Error('connection refused')),
      transaction: () => Promise.reject(new Error('connection refused')),
      exec: () => Promise.reject(new Error('connection refused')),
      listen: () => Promise.reject(new Error('connection refused')),
      close: async () => {},
    };
    const app = createApp(buildDeps(down, { allowedOrigins: [] }));
    for (const path of ['/health', '/health/ready']) problemOf(await request(app).get(path), 503, 'database_unavailable');
    const live = await request(app).get('/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
  });

  it('when the database answers, then /health/ready is 200', async () => {
    const res = await request(t.app).get('/health/ready');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', database: 'pglite' });
  });

  describe('metrics', () => {
    /** The value of one series in a Prometheus text exposition, or undefined. */
    const series = (text: string, name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(name + ' '));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    };

    it('when /metrics is asked without the secret key, then 401, and 403 with the publishable key', async () => {
      problemOf(await request(t.app).get('/metrics'), 401, 'unauthenticated');
      problemOf(await request(t.app).get('/metrics').set(t.pk), 403, 'secret_key_required');
    });

    it('when requests were answered, then /metrics counts and times them by method, route pattern and status', async () => {
      const app = (await testApp(await sharedPglite())).app;
      const before = (await request(app).get('/metrics').set(t.sk)).text;
      await request(app).post('/v1/quotes').set(t.pk).send({ plan: 'nope' });
      await request(app).post('/v1/quotes').set(t.pk).send({ plan: 'nope' });
      await request(app).get('/v1/plans/some-code').set(t.sk);
      await request(app).get('/v1/nothing-here');
      const res = await request(app).get('/metrics').set(t.sk);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
      assert.equal(series(before, 'billkit_http_requests_total{method="POST",route="/v1/quotes",status="404"}'), undefined);
      assert.equal(series(res.text, 'billkit_http_requests_total{method="POST",route="/v1/quotes",status="404"}'), 2);
      assert.equal(series(res.text, 'billkit_http_request_duration_seconds_count{method="POST",route="/v1/quotes",status="404"}'), 2);
      assert.equal(series(res.text, 'billkit_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/quotes",status="404"}'), 2);
      assert.equal(series(res.text, 'billkit_http_requests_total{method="GET",route="/v1/plans/:code",status="404"}'), 1);
      assert.equal(series(res.text, 'billkit_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
      assert.ok(series(res.text, 'billkit_process_cpu_user_seconds_total')! > 0, 'the process metrics are there');
      assert.doesNotMatch(res.text, /billkit_db_pool_connections\{/, 'PGlite has no pool');
    });

    it('when BILLKIT_METRICS_PORT is used, then its server answers GET /metrics without a key and nothing else', async () => {
      const app = (await testApp(await sharedPglite())).app;
      await request(app).get('/health/live');
      const server = metricsServer(app.locals.metrics as Metrics).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const res = await request(server).get('/metrics');
        assert.equal(res.status, 200);
        assert.equal(series(res.text, 'billkit_http_requests_total{method="GET",route="/health/live",status="200"}'), 1);
        assert.equal((await request(server).get('/v1/plans')).status, 404);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('when Billkit runs on PostgreSQL, then /metrics shows the pool', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' }, async () => {
      const db = await freshPostgres();
      try {
        const pg = await testApp(db);
        const text = (await request(pg.app).get('/metrics').set(pg.sk)).text;
        assert.ok(series(text, 'billkit_db_pool_connections{state="total"}')! >= 1, text.slice(0, 2000));
        assert.equal(series(text, 'billkit_db_pool_connections{state="waiting"}'), 0);
      } finally {
        await db.close();
      }
    });
  });

  it('when /openapi.json is fetched, then it is OpenAPI 3.1 with the catalog routes, their schemas and problem answers', async () => {
    const res = await request(t.app).get('/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    for (const path of ['/v1/plans', '/v1/plans/{code}', '/v1/products', '/v1/product-families', '/v1/measurements', '/v1/catalog'])
      assert.ok(res.body.paths[path], `missing ${path}`);
    const create = res.body.paths['/v1/plans'].post;
    assert.ok(create.requestBody.content['application/json'].schema);
    assert.ok(create.responses['400'].content['application/problem+json']);
    assert.deepEqual(create.security, [{ secretKey: [] }]);
    assert.ok(res.body.components.schemas.Plan);
  });

  it('when the API answers, then it carries the security headers for JSON APIs and CORS only for allowed browsers', async () => {
    const cart = { plan: 'nope' };
    const plain = await request(t.app).post('/v1/quotes').set('Authorization', `Bearer ${t.publishable}`).send(cart);
    assert.equal(plain.status, 404);
    assert.equal(plain.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(plain.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
    assert.equal(plain.headers['x-frame-options'], 'DENY');
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');
    assert.match(plain.headers['strict-transport-security'], /max-age=\d+/);
    assert.equal(plain.headers['referrer-policy'], 'no-referrer');
    assert.equal(plain.headers['cross-origin-resource-policy'], 'cross-origin');
    // Headers that only act on rendered HTML are left to the pages.
    assert.equal(plain.headers['x-xss-protection'], undefined);
    assert.equal(plain.headers['x-download-options'], undefined);
    assert.equal(plain.headers['vary'], 'Origin');
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    assert.ok(plain.headers['x-request-id']);

    const allowed = await request(t.app).post('/v1/quotes').set('Authorization', `Bearer ${t.publishable}`).set('Origin', TEST_ORIGIN).send(cart);
    assert.equal(allowed.headers['access-control-allow-origin'], TEST_ORIGIN);
    assert.match(allowed.headers['vary'], /Origin/);
    assert.equal(allowed.headers['x-frame-options'], 'DENY');

    const preflight = await request(t.app).options('/v1/checkouts/co_x/confirm').set('Origin', TEST_ORIGIN).set('Access-Control-Request-Method', 'POST');
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], TEST_ORIGIN);
    assert.match(preflight.headers['access-control-allow-headers'], /Idempotency-Key/);

    const stranger = await request(t.app).post('/v1/quotes').set('Authorization', `Bearer ${t.publishable}`).set('Origin', 'http://evil.test').send(cart);
    assert.equal(stranger.status, 403);
    assert.equal(stranger.body.code, 'origin_not_allowed');
    assert.equal(stranger.headers['access-control-allow-origin'], undefined);

    // The secret routes are not for browsers: no CORS even from an allowed origin.
    const admin = await request(t.app).get('/v1/plans').set(t.sk).set('Origin', TEST_ORIGIN);
    assert.equal(admin.headers['access-control-allow-origin'], undefined);
    assert.equal(admin.headers['x-frame-options'], 'DENY');

    const page = await request(t.app).get('/docs');
    assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
    assert.ok(page.headers['x-request-id']);
  });

  it('when /docs is opened, then it loads its scripts from this server only, under a CSP without CDNs', async () => {
    const page = await request(t.app).get('/docs');
    assert.equal(page.status, 200);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length >= 2);
    // Its stylesheet and icon too (a browser asks /favicon.ico, a 404, without the icon link).
    const links = [...page.text.matchAll(/<link rel="(?:icon|stylesheet)"[^>]* href="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(links.length, 2);
    for (const src of [...scripts, ...links]) {
      assert.ok(src.startsWith('/'), src);
      assert.equal((await request(t.app).get(src)).status, 200, src);
    }
    assert.match(page.headers['content-security-policy'], /script-src 'self'/);
    assert.doesNotMatch(page.text, /cdn|unpkg|jsdelivr/i);
  });

  it('when requests are logged, then each has one line with its request id, and no key appears in the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
    const deps = buildDeps(await sharedPglite(), { allowedOrigins: [] }, pino({ level: 'info' }, sink));
    const app = createApp(deps);
    await request(app).get('/v1/plans').set(t.sk).set('X-Request-Id', 'req-123');
    await request(app).get('/v1/catalog').set('Authorization', `Bearer ${t.publishable}`);
    await request(app).get('/v1/plans').set('Authorization', 'Bearer sk_test_wrongwrongwrongwrong');
    assert.equal(lines.length, 3);
    const first = JSON.parse(lines[0]!);
    assert.equal(first.req.id, 'req-123');
    assert.equal(first.res.statusCode, 200);
    const all = lines.join('');
    assert.ok(!all.includes(t.secret) && !all.includes(t.publishable) && !all.includes('sk_test_wrong'), 'a key was logged');
  });

  it('when a page on another origin imports the elements, then the module answers with CORS for any origin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billkit-static-'));
    writeFileSync(join(dir, 'billkit.js'), 'export {};');
    const app = createApp(buildDeps(await sharedPglite(), { allowedOrigins: [], staticDirs: { demo: dir, dist: dir } }));
    const res = await request(app).get('/elements/billkit.js').set('Origin', 'https://shop.example');
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['content-type']), /javascript/);
  });

  it('when an error is unexpected, then the answer is a 500 problem without a stack trace', async () => {
    const broken = buildDeps(await sharedPglite(), { allowedOrigins: [] });
    broken.keys.resolve = () => Promise.reject(new Error('secret internals at /srv/app.ts:12'));
    const res = await request(createApp(broken)).get('/v1/plans').set(t.sk);
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'internal_error');
    assert.doesNotMatch(res.text, /internals|app\.ts/);
  });
});
