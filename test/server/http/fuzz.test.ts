/**
 * Fuzzing every operation of /openapi.json as an attacker would: seeded random mutations of valid bodies,
 * paths, queries and headers (wrong types, numbers beyond every column, NUL and lone surrogates, long
 * strings, deep nesting, prototype keys, impossible dates), sent over HTTP to a listening app. No answer may
 * be a 5xx; every 4xx is problem+json with a code; no body holds a stack trace or a file path.
 *
 * The seed is printed. FUZZ_SEED=<seed> makes the same requests again (FUZZ_CONCURRENCY=1 also sends them
 * in the same order); FUZZ_REQUESTS=<n> sends another number of them.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { TEST_ORIGIN, type TestApp } from '../../support/app.js';
import { aBuyer, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { mutateBody, nastySegment, Random, toJson } from '../../support/fuzz.js';
import type { Db } from '../../../server/storage/db.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);

interface Operation {
  method: string;
  path: string;
  key: string;
  auth: 'secret' | 'publishable' | 'portal' | 'none';
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
  idempotent: boolean;
  /** Every property name the body's schema knows, at any depth. */
  bodyKeys: string[];
}

interface FuzzRequest {
  index: number;
  op: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  type: string;
  text: string;
}

/** The world the valid requests refer to: one of each thing, made through the API. */
interface World {
  secret: string;
  publishable: string;
  tag: string;
  planCode: string;
  familyCode: string;
  productNumber: string;
  couponId: string;
  couponCode: string;
  spareCouponId: string;
  checkoutId: string;
  customerId: string;
  /** A portal session of the customer (ps_...), and another one for POST /v1/portal/sign-out to revoke. */
  portalToken: string;
  signOutToken: string;
  subscriptionId: string;
  invoiceNumber: string;
  eventId: string;
  creditNoteId: string;
  sessionSecret: string;
  endpointId: string;
  spareEndpointId: string;
}

for (const target of testDatabases()) {
  describe(`fuzzing every operation on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let server: Server;
    let agent: Agent;
    let base: { host: string; port: number };
    let operations: Operation[];
    let world: World;

    before(async () => {
      db = await target.open();
      // Webhooks go nowhere: a fuzzed endpoint URL may name any host, and nothing may reach the network.
      t = await testAppWith(db, { testClock: true, notify: { sender: { send: async () => ({ statusCode: 204, durationMs: 0, responseExcerpt: '', error: null }) } } });
      server = t.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
      agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      operations = operationsOf((await request(t.app).get('/openapi.json')).body as OpenApi);
      world = await buildWorld(t);
    });
    after(async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (target.name === 'postgres') await db.close();
    });

    it(`answers ${REQUESTS} mutated requests to every operation without a 5xx, every 4xx a problem with a code`, { timeout: 900_000 }, async (context) => {
      // Said first, so that a failure anywhere, the generation included, can be replayed.
      process.stdout.write(`# fuzzing: seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);
      const random = new Random(SEED);
      const seeds = validBodies(world);
      const missing = operations.filter((op) => op.hasBody && !seeds[op.key]).map((op) => op.key);
      assert.deepEqual(missing, [], 'every operation with a body needs a valid one here to mutate');
      // What is mutated is valid as it stands: otherwise the fuzzing would never get past validation.
      for (const op of operations) {
        const answer = await send(base, agent, makeRequest(-1, random, op, world, seeds, false));
        // A verb the world's state no longer takes (a cancelled subscription paused, a paid invoice paid again)
        // answers 402, 409 or 422 past validation: its body is still a valid one to mutate.
        const pastValidation = answer.status < 300 || ([402, 409, 422].includes(answer.status) && !answer.text.includes('"validation_failed"'));
        assert.ok(pastValidation, `the valid request to ${op.key} answered ${answer.status} ${answer.text.slice(0, 300)}`);
      }
      const generated: FuzzRequest[] = [];
      for (let i = 0; i < REQUESTS; i++) generated.push(makeRequest(i, random, random.pick(operations), world, seeds));

      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const perOperation = new Map<string, number>();
      let fiveHundreds = 0;
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < generated.length) {
          const req = generated[next++]!;
          const answer = await send(base, agent, req);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          perOperation.set(req.op, (perOperation.get(req.op) ?? 0) + 1);
          if (answer.status >= 500) fiveHundreds++;
          const fault = faultOf(answer);
          if (fault) failures.push(`#${req.index} ${describeRequest(req)}\n    -> ${fault}: ${answer.status} ${answer.type} ${answer.text.slice(0, 400)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const seconds = (performance.now() - started) / 1000;

      const summary = `seed ${SEED} (replay with FUZZ_SEED=${SEED}): ${REQUESTS} requests to ${perOperation.size} operations in ${seconds.toFixed(1)} s, ${fiveHundreds} answers of 5xx; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`;
      context.diagnostic(summary);
      console.log(`fuzz on ${target.name}: ${summary}`);
      assert.equal(failures.length, 0, `${summary}\n${failures.length} bad answers, the first ones:\n${failures.slice(0, 12).join('\n')}`);
      assert.deepEqual(operations.filter((op) => !perOperation.has(op.key)).map((op) => op.key), [], 'every operation was tried');
      // The budget is a minute (about 10 s on an idle 2-core machine); a loaded machine is slower but not wrong,
      // so it is reported rather than failed.
      if (seconds > 60) context.diagnostic(`slower than the minute budget: ${seconds.toFixed(1)} s (a loaded machine?)`);
    });
  });
}

/** What is wrong with an answer, if anything. */
function faultOf(answer: Answer): string | undefined {
  if (answer.status >= 500) return 'a 5xx';
  if (/\n\s+at [^\n]+:\d+:\d+/.test(answer.text) || /\bat (?:async )?[\w.<>]+ \(/.test(answer.text)) return 'a stack trace';
  if (/(?:\/[\w.@-]+){2,}\.(?:ts|js|mjs|cjs)\b|node_modules|file:\/\//.test(answer.text)) return 'a file path';
  if (answer.status < 400) return undefined;
  if (!answer.type.startsWith('application/problem+json')) return 'a 4xx that is not problem+json';
  let body: { code?: unknown; status?: unknown; type?: unknown; title?: unknown };
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return 'a problem that is not JSON';
  }
  if (typeof body.code !== 'string' || body.code === '') return 'a problem without a code';
  if (body.status !== answer.status || typeof body.type !== 'string' || typeof body.title !== 'string') return 'an incomplete problem';
  return undefined;
}

function describeRequest(req: FuzzRequest): string {
  const headers = Object.entries(req.headers)
    .filter(([name]) => name !== 'authorization')
    .map(([name, value]) => `${name}: ${value.slice(0, 80)}`)
    .join('; ');
  const body = req.body ? req.body.toString('utf8').slice(0, 300) : '';
  return `${req.method} ${req.path.slice(0, 300)} [${headers}] ${body}`;
}

function send(base: { host: string; port: number }, agent: Agent, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) };
    const outgoing = httpRequest({ ...base, agent, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    outgoing.on('error', (error) => reject(new Error(`#${req.index} ${describeRequest(req)}: ${error.message}`)));
    outgoing.end(req.body);
  });
}

// ------------------------------------------------------------------------------------------ the operations

interface OpenApi {
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components?: { schemas?: Record<string, unknown> };
}

function operationsOf(doc: OpenApi): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const scheme = Object.keys(op.security?.[0] ?? {})[0];
      const params = op.parameters ?? [];
      const schema = op.requestBody?.content['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        auth: scheme === 'secretKey' ? 'secret' : scheme === 'publishableKey' ? 'publishable' : scheme === 'portalSession' ? 'portal' : 'none',
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: schema !== undefined,
        idempotent: params.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
        bodyKeys: schema === undefined ? [] : [...propertyNames(schema, doc.components?.schemas ?? {}, new Set())],
      });
    }
  return operations;
}

/** The property names a JSON Schema knows, at any depth ($refs followed once). */
function propertyNames(schema: unknown, components: Record<string, unknown>, seen: Set<unknown>, names = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return names;
  seen.add(schema);
  const s = schema as { $ref?: string; properties?: Record<string, unknown> };
  if (s.$ref) propertyNames(components[s.$ref.split('/').pop()!], components, seen, names);
  for (const name of Object.keys(s.properties ?? {})) names.add(name);
  for (const child of Object.values(schema)) propertyNames(child, components, seen, names);
  return names;
}

/** One of each thing the operations refer to, made through the API with the secret and publishable keys. */
async function buildWorld(t: TestApp): Promise<World> {
  const tag = `fz${Math.floor(Math.random() * 1e9).toString(36)}`;
  const ok = async (res: request.Response, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown> & { id: string };
  };
  const post = (path: string, body: object, key = t.sk) => request(t.app).post(path).set(key).send(body);
  const product = await ok(await post('/v1/products', { number: `${tag}-seat`, name: 'Seat' }), 'product');
  const family = await ok(await post('/v1/product-families', { code: `${tag}-fam`, name: 'Family' }), 'family');
  const plan = await ok(
    await post('/v1/plans', {
      code: `${tag}-team`,
      name: 'Team',
      currency: 'EUR',
      interval: { unit: 'month', count: 1 },
      charges: [{ product: product.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 1, min: 1, max: 50, adjustable: true } }],
    }),
    'plan',
  );
  const coupon = await ok(await post('/v1/coupons', { code: `${tag}-ten`, name: 'Ten off', type: 'percentage', percentage: 10, frequency: 'lifetime' }), 'coupon');
  const spare = await ok(await post('/v1/coupons', { code: `${tag}-spare`, name: 'Spare', type: 'percentage', percentage: 5, frequency: 'once' }), 'spare coupon');
  const done = await ok(await post('/v1/checkouts', { plan: plan.code, customer: aBuyer() }, t.pk), 'checkout');
  const result = await ok(await post(`/v1/checkouts/${done.id}/confirm`, { paymentMethod: 'pm_card_visa' }, t.pk), 'confirmation');
  const open = await ok(await post('/v1/checkouts', { plan: plan.code, customer: aBuyer() }, t.pk), 'open checkout');
  const { customer, subscription, invoice } = result as unknown as { customer: { id: string }; subscription: { id: string }; invoice: { number: string } };
  const events = await request(t.app).get('/v1/events?limit=1').set(t.sk);
  await ok(await request(t.app).patch(`/v1/customers/${customer.id}`).set(t.sk).send({ refKey: `${tag}-user` }), 'refKey');
  const session = await ok(await post('/v1/customer-sessions', { customerId: customer.id }), 'customer session');
  await request(t.app).put('/v1/settings').set(t.sk).send({ seller: { name: 'Fuzz GmbH', address: { line1: 'Weg 1', postalCode: '10115', city: 'Berlin', country: 'DE' }, email: 'seller@example.test', vatId: 'DE136695976' } });
  const creditNote = await ok(await post(`/v1/invoices/${(result as unknown as { invoice: { id: string } }).invoice.id}/credit-notes`, { amount: 100, reason: 'Goodwill', refund: false }), 'credit note');
  await post('/v1/measurements', { code: `${tag}-calls`, unit: 'call', type: 'metered', aggregation: 'sum', prorated: false });
  const endpoint = await ok(await post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks', events: ['invoice.paid'] }), 'webhook endpoint');
  const spareEndpoint = await ok(await post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/spare', events: ['*'] }), 'spare webhook endpoint');
  // Every portal feature on, so the portal's routes get past their settings to the verbs.
  await ok(await request(t.app).put('/v1/settings').set(t.sk).send({ portal: { features: { pause: true }, pause: { enabled: true }, cancellation: { retentionCoupon: coupon.code } } }), 'portal settings');
  return {
    secret: t.secret,
    publishable: t.publishable,
    tag,
    planCode: plan.code as string,
    familyCode: family.code as string,
    productNumber: product.number as string,
    couponId: coupon.id,
    couponCode: coupon.code as string,
    spareCouponId: spare.id,
    checkoutId: open.id,
    customerId: customer.id,
    portalToken: (await ok(await post('/v1/portal-sessions', { customerId: customer.id }), 'portal session')).token as string,
    signOutToken: (await ok(await post('/v1/portal-sessions', { customerId: customer.id }), 'portal session to sign out')).token as string,
    subscriptionId: subscription.id,
    invoiceNumber: invoice.number,
    eventId: (events.body as { data: { id: string }[] }).data[0]!.id,
    creditNoteId: creditNote.id,
    sessionSecret: session.clientSecret as string,
    endpointId: endpoint.id,
    spareEndpointId: spareEndpoint.id,
  };
}

type Seeds = Record<string, (random: Random) => unknown>;

/** A valid body for each operation that takes one (new codes each time, so a create can succeed). */
function validBodies(w: World): Seeds {
  const fresh = (random: Random, what: string) => `${w.tag}-${what}-${random.int(1e9)}`;
  const buyer = (random: Random) => ({
    email: `${fresh(random, 'buyer')}@example.test`,
    name: 'Ada Lovelace',
    country: 'DE',
    type: 'individual',
    address: { line1: 'Hauptstrasse 1', line2: 'Hinterhaus', postalCode: '10115', city: 'Berlin', state: 'BE', country: 'DE' },
  });
  const cart = () => ({ plan: w.planCode, quantity: 3, couponCode: w.couponCode });
  return {
    'POST /v1/quotes': () => ({ ...cart(), customer: { country: 'FR', type: 'business', vatId: 'FR40303265045', email: 'a@example.test' } }),
    'POST /v1/checkouts': (random) => ({ ...cart(), customer: buyer(random) }),
    'POST /v1/checkouts/{id}/confirm': () => ({ paymentMethod: 'pm_card_visa', authenticated: true }),
    'POST /v1/product-families': (random) => ({ code: fresh(random, 'fam'), name: 'Family', description: 'All of it', translations: { de: { name: 'Familie', description: 'Alles' } } }),
    'PATCH /v1/product-families/{ref}': () => ({ name: 'Family', description: 'All of it', translations: { de: { name: 'Familie' }, en: null } }),
    'POST /v1/measurements': (random) => ({
      code: fresh(random, 'calls'), unit: 'call', unitPlural: 'calls', description: 'API calls', type: 'metered', aggregation: 'sum', prorated: false,
      translations: { de: { unit: 'Aufruf', unitPlural: 'Aufrufe', description: 'API-Aufrufe' } },
    }),
    'PATCH /v1/measurements/{ref}': () => ({ unit: 'call', unitPlural: 'calls', description: 'API calls', translations: { de: { unit: 'Aufruf', unitPlural: 'Aufrufe' } } }),
    'POST /v1/products': (random) => ({
      number: fresh(random, 'p'), name: 'Seat', internalName: 'seat', description: 'A seat', type: 'product', taxGroup: 'reduced', invoiceVisibility: 'always', archived: false,
      translations: { de: { name: 'Platz', description: 'Ein Platz' } },
    }),
    'PATCH /v1/products/{ref}': () => ({ name: 'Seat', internalName: 'seat', description: 'A seat', taxGroup: 'standard', archived: false, translations: { de: { name: 'Platz' } } }),
    'POST /v1/plans': (random) => ({
      code: fresh(random, 'plan'),
      name: 'Plan',
      description: 'A plan',
      status: 'active',
      checkoutAllowed: true,
      currency: 'EUR',
      interval: { unit: 'month', count: 1 },
      trialDays: 14,
      taxBehavior: 'exclusive',
      translations: { de: { name: 'Tarif', description: 'Ein Tarif' } },
      charges: [
        { product: w.productNumber, type: 'recurring', pricing: { model: 'tiered', mode: 'graduated', tiers: [{ upTo: 10, unitAmount: 1000, flatAmount: 0 }, { upTo: null, unitAmount: 800 }] }, quantity: { default: 1, min: 1, max: 100, adjustable: true } },
        { product: w.productNumber, type: 'one_time', pricing: { model: 'package', packageSize: 5, amount: 500 }, optional: true },
      ],
    }),
    'PATCH /v1/plans/{code}': () => ({ name: 'Team', description: 'For teams', status: 'active', checkoutAllowed: true, trialDays: 0, translations: { de: { name: 'Team', description: 'Für Teams' } } }),
    'POST /v1/coupons': (random) => ({
      code: fresh(random, 'c'),
      name: 'Coupon',
      type: 'fixed_amount',
      fixedAmount: 500,
      currency: 'EUR',
      frequency: 'limited',
      numberOfPeriods: 3,
      plans: [w.planCode],
      excludedProducts: [],
      expiresAt: '2030-01-01T00:00:00Z',
      maxRedemptions: 100,
      maxRedemptionsPerCustomer: 1,
      enabled: true,
    }),
    'PATCH /v1/coupons/{id}': () => ({ name: 'Ten off', expiresAt: '2031-06-30T12:00:00+02:00', maxRedemptions: 1000, enabled: true }),
    'POST /v1/coupons/{id}/codes': () => ({ count: 2, prefix: 'FZ' }),
    'PUT /v1/settings': () => ({ homeCountry: 'DE', downgrades: 'period_end' }),
    'POST /v1/test-clock/advance': () => ({ seconds: 60 }),
    'POST /v1/subscriptions/{id}/cancel': () => ({ at: 'period_end', reason: 'too_expensive', comment: 'A comment' }),
    'POST /v1/subscriptions/{id}/pause': () => ({ at: 'period_end', resumesAt: '2099-01-01T00:00:00Z' }),
    'POST /v1/subscriptions/{id}/expire': () => ({ at: '2099-01-01T00:00:00Z' }),
    'POST /v1/subscriptions/{id}/coupon': () => ({ code: w.couponCode }),
    'POST /v1/subscriptions/{id}/payment-method': () => ({ paymentMethod: 'pm_card_visa' }),
    'POST /v1/subscriptions/{id}/change': () => ({ plan: w.planCode, quantity: 2, preview: true }),
    'POST /v1/invoices/{id}/pay': () => ({ paymentMethod: 'pm_card_visa' }),
    'PATCH /v1/subscriptions/{id}': () => ({ metadata: { plan: 'team', seats: '3' } }),
    'POST /v1/customers': (random) => ({ email: `${fresh(random, 'cust')}@example.test`, name: 'Grace Hopper', country: 'DE', type: 'individual', refKey: fresh(random, 'user'), metadata: { tier: 'gold' }, locale: 'de' }),
    'PATCH /v1/customers/{id}': () => ({ name: 'Ada L.', metadata: { tier: 'silver' } }),
    'POST /v1/customer-sessions': () => ({ customerId: w.customerId }),
    'POST /v1/invoices/{id}/credit-notes': () => ({ amount: 100, reason: 'Goodwill', refund: true }),
    'POST /v1/webhook-endpoints': () => ({ url: 'http://127.0.0.1:9/hooks', events: ['invoice.paid', 'checkout.completed'], enabled: true, description: 'Fuzz' }),
    'PATCH /v1/webhook-endpoints/{id}': () => ({ description: 'Fuzzed', enabled: true, events: ['*'] }),
    'POST /v1/webhook-endpoints/{id}/rotate-secret': () => ({ previousValidHours: 1 }),
    'POST /v1/events/{id}/redeliver': () => ({}),
    'POST /v1/portal-sessions': () => ({ customerId: w.customerId, returnUrl: 'https://shop.test/account', locale: 'de', flow: { type: 'cancel', subscriptionId: w.subscriptionId } }),
    'POST /v1/portal/sign-in': (random) => ({ email: `${fresh(random, 'who')}@example.test` }),
    'POST /v1/portal/sign-in/verify': (random) => ({ email: `${fresh(random, 'who')}@example.test`, code: '123456' }),
    'PATCH /v1/portal/customer': () => ({ name: 'Ada King', country: 'FR', type: 'business', vatId: 'FR40303265045', address: { line1: 'Rue 1', postalCode: '75001', city: 'Paris', country: 'FR' }, locale: 'en' }),
    'POST /v1/portal/subscriptions/{id}/cancel': () => ({ at: 'period_end', reason: 'unused', comment: 'A comment' }),
    'POST /v1/portal/subscriptions/{id}/change': () => ({ quantity: 2, preview: true }),
    'POST /v1/portal/subscriptions/{id}/pause': () => ({ at: 'period_end', resumesAt: '2099-01-01T00:00:00Z' }),
    'POST /v1/portal/payment-methods': () => ({ paymentMethod: 'pm_card_visa', subscriptionId: w.subscriptionId }),
    'POST /v1/usage': (random) => ({ events: [{ id: fresh(random, 'ev'), measurement: `${w.tag}-calls`, subscriptionId: w.subscriptionId, value: 3, uniqueKey: 'k' }] }),
  };
}

/** The valid value of each path parameter. */
function pathValue(op: Operation, name: string, w: World): string {
  if (op.key === 'DELETE /v1/coupons/{id}') return w.spareCouponId;
  if (op.path.startsWith('/v1/coupons')) return w.couponId;
  if (op.path.startsWith('/v1/checkouts')) return w.checkoutId;
  if (name === 'refKey') return `${w.tag}-user`;
  if (op.path.startsWith('/v1/customers')) return w.customerId;
  if (op.path.startsWith('/v1/subscriptions') || op.path.startsWith('/v1/portal/subscriptions')) return w.subscriptionId;
  if (op.path.startsWith('/v1/portal/invoices')) return w.invoiceNumber;
  if (op.path.startsWith('/v1/invoices')) return w.invoiceNumber;
  if (op.path.startsWith('/v1/products')) return w.productNumber;
  if (op.path.startsWith('/v1/plans')) return w.planCode;
  if (op.path.startsWith('/v1/product-families')) return w.familyCode;
  if (op.path.startsWith('/v1/measurements')) return `${w.tag}-calls`;
  if (op.path.startsWith('/v1/events')) return w.eventId;
  if (op.path.startsWith('/v1/credit-notes')) return w.creditNoteId;
  if (op.key === 'DELETE /v1/webhook-endpoints/{id}') return w.spareEndpointId;
  if (op.path.startsWith('/v1/webhook-endpoints')) return w.endpointId;
  throw new Error(`no valid value for ${name} in ${op.key}`);
}

/** The valid value of each query parameter. */
function queryValue(name: string, w: World): string | undefined {
  if (name === 'limit') return '5';
  if (name === 'customerId') return w.customerId;
  if (name === 'format') return 'ubl';
  if (name === 'locale') return 'de-AT';
  return undefined;
}

/** Body-level faults that are not about the JSON value: the bytes, the type, the encoding. */
const RAW_BODIES: { contentType: string; body: (json: string) => Buffer; encoding?: string }[] = [
  { contentType: 'application/json', body: (json) => Buffer.from(json.slice(0, Math.max(1, json.length >> 1))) },
  { contentType: 'application/json', body: (json) => Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('"}')]) },
  { contentType: 'application/json', body: () => Buffer.alloc(0) },
  { contentType: 'text/plain', body: (json) => Buffer.from(json) },
  { contentType: 'application/x-www-form-urlencoded', body: () => Buffer.from('plan=a%00b&__proto__[x]=1') },
  { contentType: 'application/json; charset=latin1', body: (json) => Buffer.from(json, 'latin1') },
  { contentType: 'application/json; charset=utf-16', body: (json) => Buffer.from(json, 'utf16le') },
  { contentType: 'application/json; charset=nonsense', body: (json) => Buffer.from(json) },
  { contentType: 'application/json', body: (json) => Buffer.from(json), encoding: 'gzip' },
  { contentType: 'application/json', body: (json) => Buffer.from(json), encoding: 'br;q=9' },
  { contentType: 'application/merge-patch+json', body: (json) => Buffer.from(json) },
];

/** A request to `op`: valid, or (hostile) with its path, query, headers or body mutated at random. */
function makeRequest(index: number, random: Random, op: Operation, w: World, seeds: Seeds, hostile = true): FuzzRequest {
  const changed: string[] = [];
  const segments = Object.fromEntries(op.pathParams.map((name) => [name, encodeURIComponent(pathValue(op, name, w))]));
  if (hostile && op.pathParams.length > 0 && random.chance(0.3)) {
    segments[random.pick(op.pathParams)] = nastySegment(random);
    changed.push('path');
  }
  let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name]!);

  const query: [string, string][] = [];
  for (const name of op.queryParams) {
    const value = queryValue(name, w);
    if (value !== undefined && (!hostile || random.chance(0.7))) query.push([name, encodeURIComponent(value)]);
  }
  if (hostile && ((op.queryParams.length > 0 && random.chance(0.4)) || random.chance(0.04))) {
    const roll = random.next();
    const name = op.queryParams.length > 0 && roll < 0.7 ? random.pick(op.queryParams) : random.pick(['__proto__', 'constructor', 'limit', 'x', 'startingAfter[a]']);
    if (random.chance(0.3)) query.push([name, nastySegment(random)]);
    else query.unshift([name, nastySegment(random)]);
    changed.push('query');
  }
  if (query.length > 0) path += '?' + query.map(([k, v]) => `${k}=${v}`).join('&');

  const headers: Record<string, string> = {};
  if (op.auth !== 'none') headers.authorization = `Bearer ${hostile && random.chance(0.01) ? 'sk_test_unknown' : op.auth === 'secret' ? w.secret : op.auth === 'portal' ? (op.key === 'POST /v1/portal/sign-out' ? w.signOutToken : w.portalToken) : w.publishable}`;
  if (op.auth === 'publishable' && random.chance(0.2)) headers.origin = TEST_ORIGIN;
  if (op.key === 'GET /v1/customer-sessions/current') {
    headers['billkit-customer-session'] = hostile && random.chance(0.5) ? random.pick(['', 'cus_sess_x', 'a'.repeat(300), '%00', w.secret]) : w.sessionSecret;
    if (hostile) changed.push('session header');
  }
  if (hostile && op.idempotent) {
    const roll = random.next();
    if (roll < 0.5) headers['idempotency-key'] = `fz-${SEED}-${index}`;
    else if (roll < 0.6) headers['idempotency-key'] = `fz-${SEED}-shared`;
    else if (roll < 0.65) headers['idempotency-key'] = random.pick(['x'.repeat(300), 'ÿþ', ' ', 'a'.repeat(255)]);
    if (headers['idempotency-key']) changed.push('idempotency-key');
  }

  let body: Buffer | undefined;
  if (op.hasBody || (hostile && random.chance(0.03))) {
    const valid = op.hasBody ? seeds[op.key]!(random) : { deep: [] };
    const value = hostile && random.chance(0.85) ? mutateBody(valid, random, op.bodyKeys) : valid;
    const json = toJson(value);
    if (hostile && random.chance(0.08)) {
      const raw = random.pick(RAW_BODIES);
      headers['content-type'] = raw.contentType;
      if (raw.encoding) headers['content-encoding'] = raw.encoding;
      body = raw.body(json);
      changed.push(`raw ${raw.contentType}${raw.encoding ? ` ${raw.encoding}` : ''}`);
    } else {
      headers['content-type'] = 'application/json';
      body = Buffer.from(json);
      if (value !== valid) changed.push('body');
    }
  }
  return { index, op: op.key, method: op.method, path, headers, body };
}
