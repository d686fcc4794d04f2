/**
 * A tiny local stand-in for the parts of the Stripe API Billkit uses, so tests never reach the internet.
 *
 * Routes: POST /v1/customers, POST /v1/payment_intents, GET /v1/payment_intents/:id, POST /v1/setup_intents,
 * GET /v1/setup_intents/:id. Objects are shaped as Stripe's API reference documents them (ids `cus_`, `pi_`,
 * `seti_`, client secrets `<id>_secret_<random>`, errors as `{error: {type, code, message, param}}`).
 * Request bodies are parsed from Stripe's form encoding (`metadata[checkoutId]=...`). `Idempotency-Key` is
 * honoured as Stripe does: the same key with the same parameters replays the first response
 * (`Idempotent-Replayed: true`), with other parameters answers 400 `idempotency_error`. A request without
 * `Authorization: Bearer sk_...`/`rk_...` answers 401.
 *
 * Tests play the browser's part with `setStatus(id, status, ...)` (e.g. `'succeeded'` after Stripe.js would
 * have confirmed) and read what arrived in `requests`.
 *
 *   const standIn = await startStripeStandIn();
 *   const provider = new StripePaymentProvider({ secretKey: 'sk_test_x', publishableKey: 'pk_test_x', ...standIn.sdkOptions });
 *   ...
 *   await standIn.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  idempotencyKey: string | undefined;
  /** The parsed form body (values stay strings, as Stripe receives them). */
  body: FormObject;
}

type StripeObject = Record<string, unknown> & { id: string; object: string };

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface SetStatusOptions {
  /** For `requires_payment_method` after a failed attempt: becomes `last_payment_error` / `last_setup_error`. */
  error?: { message: string; code?: string; decline_code?: string; type?: string };
  /** The payment method the browser confirmed with (default `pm_card_visa`). */
  paymentMethod?: string;
}

export interface StripeStandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  /** Spread into `StripePaymentProvider` options or `new Stripe(key, ...)`. */
  sdkOptions: { host: string; port: number; protocol: 'http' };
  /** The same as environment variables for `paymentProviderFromEnv`. */
  env: { STRIPE_API_HOST: string; STRIPE_API_PORT: string; STRIPE_API_PROTOCOL: 'http' };
  requests: RecordedRequest[];
  /** The stored object (a live reference: edit it to simulate anything not covered by setStatus). */
  get(id: string): StripeObject | undefined;
  /** All stored objects of one kind, in creation order. */
  list(object: 'customer' | 'payment_intent' | 'setup_intent' | 'refund'): StripeObject[];
  /** Plays Stripe's part after the browser acted: sets an intent's status and the fields that go with it. */
  setStatus(id: string, status: IntentStatus, options?: SetStatusOptions): StripeObject;
  /** A Stripe event object wrapping `object` (a snapshot), as webhooks deliver it. */
  event(type: string, object: StripeObject): Stripe.Event;
  /** Signs a payload the way Stripe signs webhooks: `{payload, header}` for a `Stripe-Signature` header. */
  signWebhook(event: unknown, secret: string, timestamp?: number): { payload: string; header: string };
  /** Answers the next `count` requests to `path` with Stripe's 500 api_error, as during an outage. */
  failNext(path: string, count?: number): void;
  /** Forgets objects, requests and idempotency keys. */
  reset(): void;
  close(): Promise<void>;
}

const rnd = (bytes = 12) => randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
const now = () => Math.floor(Date.now() / 1000);

/** Parses Stripe's form encoding (`a[b][c]=v`, arrays as `a[0]=v` or `a[]=v`) into nested objects. */
export function parseStripeForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    const path = match ? [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)] : [rawKey];
    let node: Record<string, FormValue> = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const key = segment === '' ? String(Object.keys(node).length) : segment;
      if (last) {
        node[key] = value;
      } else {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
        node = node[key] as Record<string, FormValue>;
      }
    });
  }
  return arraysFromIndexes(root) as FormObject;
}

function arraysFromIndexes(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arraysFromIndexes(value[k]!)] as const);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return entries.map(([, v]) => v);
  return Object.fromEntries(entries);
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; message: string; param?: string },
  ) {
    super(body.message);
  }
}

const missing = (param: string) =>
  new StripeApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` });
const invalidParam = (param: string, message: string) =>
  new StripeApiError(400, { type: 'invalid_request_error', code: 'parameter_invalid_integer', param, message });

const str = (v: FormValue | undefined) => (typeof v === 'string' ? v : undefined);
const metadataOf = (v: FormValue | undefined): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
const bool = (v: FormValue | undefined) => v === 'true';

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const objects = new Map<string, StripeObject>();
  const requests: RecordedRequest[] = [];
  /** key -> the request's fingerprint and the response first given. */
  const idempotency = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const failing = new Map<string, number>();

  function store(o: StripeObject): StripeObject {
    objects.set(o.id, o);
    return o;
  }

  function createCustomer(body: FormObject): StripeObject {
    return store({
      id: `cus_${rnd()}`,
      object: 'customer',
      created: now(),
      email: str(body.email) ?? null,
      name: str(body.name) ?? null,
      description: str(body.description) ?? null,
      metadata: metadataOf(body.metadata),
      livemode: false,
    });
  }

  function createPaymentIntent(body: FormObject): StripeObject {
    const amountText = str(body.amount);
    if (amountText === undefined) throw missing('amount');
    const amount = Number(amountText);
    if (!/^\d+$/.test(amountText) || amount < 1) throw invalidParam('amount', 'Invalid positive integer');
    const currency = str(body.currency);
    if (!currency) throw missing('currency');
    if (!/^[a-z]{3}$/.test(currency)) throw invalidParam('currency', `Invalid currency: ${currency}.`);
    const id = `pi_${rnd()}`;
    const apm = body.automatic_payment_methods as FormObject | undefined;
    return store({
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: apm ? { enabled: bool(apm.enabled) } : null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: str(body.capture_method) ?? 'automatic_async',
      client_secret: `${id}_secret_${rnd()}`,
      confirmation_method: 'automatic',
      created: now(),
      currency,
      customer: str(body.customer) ?? null,
      description: str(body.description) ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadataOf(body.metadata),
      next_action: null,
      payment_method: null,
      payment_method_types: ['card'],
      receipt_email: str(body.receipt_email) ?? null,
      setup_future_usage: str(body.setup_future_usage) ?? null,
      status: 'requires_payment_method',
    });
  }

  function createSetupIntent(body: FormObject): StripeObject {
    const id = `seti_${rnd()}`;
    const apm = body.automatic_payment_methods as FormObject | undefined;
    return store({
      id,
      object: 'setup_intent',
      automatic_payment_methods: apm ? { enabled: bool(apm.enabled) } : null,
      cancellation_reason: null,
      client_secret: `${id}_secret_${rnd()}`,
      created: now(),
      customer: str(body.customer) ?? null,
      description: str(body.description) ?? null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      metadata: metadataOf(body.metadata),
      next_action: null,
      payment_method: null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
      usage: str(body.usage) ?? 'off_session',
    });
  }

  /** POST /v1/refunds for a PaymentIntent: only a succeeded one, never more than it received. */
  function createRefund(body: FormObject): StripeObject {
    const intentId = str(body.payment_intent);
    if (!intentId) throw missing('payment_intent');
    const intent = retrieve('payment_intent', intentId);
    if (intent.status !== 'succeeded') {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'charge_not_refundable',
        message: `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
      });
    }
    const refunded = [...objects.values()]
      .filter((o) => o.object === 'refund' && o.payment_intent === intentId)
      .reduce((n, o) => n + Number(o.amount), 0);
    const amount = body.amount === undefined ? Number(intent.amount) - refunded : Number(str(body.amount));
    if (!Number.isInteger(amount) || amount < 1 || amount + refunded > Number(intent.amount)) {
      throw invalidParam('amount', `Refund amount (${amount}) is greater than unrefunded amount on charge (${Number(intent.amount) - refunded}).`);
    }
    return store({
      id: `re_${rnd()}`,
      object: 'refund',
      amount,
      charge: intent.latest_charge ?? null,
      created: now(),
      currency: intent.currency,
      metadata: metadataOf(body.metadata),
      payment_intent: intentId,
      reason: str(body.reason) ?? null,
      status: 'succeeded',
    });
  }

  function retrieve(kind: string, id: string): StripeObject {
    const o = objects.get(id);
    if (!o || o.object !== kind) {
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'intent',
        message: `No such ${kind.replace('_', '')}: '${id}'`,
      });
    }
    return o;
  }

  function route(method: string, path: string, body: FormObject): StripeObject {
    if (method === 'POST' && path === '/v1/customers') return createCustomer(body);
    if (method === 'POST' && path === '/v1/payment_intents') return createPaymentIntent(body);
    if (method === 'POST' && path === '/v1/setup_intents') return createSetupIntent(body);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(body);
    let m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return retrieve('payment_intent', decodeURIComponent(m[1]!));
    m = /^\/v1\/setup_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return retrieve('setup_intent', decodeURIComponent(m[1]!));
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). The Stripe stand-in does not serve it.`,
    });
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Request-Id': `req_${rnd(8)}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const text = method === 'GET' ? url.searchParams.toString() : Buffer.concat(chunks).toString('utf8');
    const body = parseStripeForm(text);
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    requests.push({ method, path: url.pathname, headers: req.headers, idempotencyKey, body });

    const auth = req.headers.authorization ?? '';
    if (!/^Bearer (sk|rk)_\S+$/.test(auth)) {
      send(res, 401, {
        error: { type: 'invalid_request_error', message: 'You did not provide an API key (Authorization: Bearer sk_...).' },
      });
      return;
    }

    const failures = failing.get(url.pathname) ?? 0;
    if (failures > 0) {
      failing.set(url.pathname, failures - 1);
      send(res, 500, { error: { type: 'api_error', message: 'An unknown error occurred (the stand-in plays an outage).' } });
      return;
    }

    const fingerprint = `${method} ${url.pathname} ${JSON.stringify(body)}`;
    if (method === 'POST' && idempotencyKey) {
      const seen = idempotency.get(idempotencyKey);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          send(res, 400, {
            error: {
              type: 'idempotency_error',
              message:
                'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
                'Try using a key other than ' + `'${idempotencyKey}'` + ' if you meant to execute a different request.',
            },
          });
          return;
        }
        send(res, seen.status, seen.body, { 'Idempotency-Key': idempotencyKey, 'Idempotent-Replayed': 'true' });
        return;
      }
    }

    let status = 200;
    let answer: unknown;
    try {
      answer = structuredClone(route(method, url.pathname, body));
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      status = err.status;
      answer = { error: err.body };
    }
    // Stripe does not save the result of a request that failed validation, so only 2xx answers are replayed.
    if (method === 'POST' && idempotencyKey && status < 400) {
      idempotency.set(idempotencyKey, { fingerprint, status, body: answer });
    }
    send(res, status, answer, idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {});
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, { error: { type: 'api_error', message: err instanceof Error ? err.message : String(err) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    sdkOptions: { host, port, protocol: 'http' },
    env: { STRIPE_API_HOST: host, STRIPE_API_PORT: String(port), STRIPE_API_PROTOCOL: 'http' },
    requests,
    get: (id) => objects.get(id),
    list: (object) => [...objects.values()].filter((o) => o.object === object),
    setStatus(id, status, options = {}) {
      const o = objects.get(id);
      if (!o || (o.object !== 'payment_intent' && o.object !== 'setup_intent')) {
        throw new Error(`The stand-in has no intent ${id}`);
      }
      const isPayment = o.object === 'payment_intent';
      const paymentMethod = options.paymentMethod ?? 'pm_card_visa';
      const errorField = isPayment ? 'last_payment_error' : 'last_setup_error';
      o.status = status;
      o.next_action = status === 'requires_action' ? { type: 'use_stripe_sdk', use_stripe_sdk: {} } : null;
      o[errorField] = options.error
        ? { type: options.error.type ?? 'card_error', code: options.error.code ?? 'card_declined', ...options.error, payment_method: { id: paymentMethod, object: 'payment_method' } }
        : null;
      if (status !== 'requires_payment_method') o.payment_method = paymentMethod;
      if (isPayment) {
        o.amount_received = status === 'succeeded' ? o.amount : 0;
        if (status === 'succeeded') o.latest_charge = `ch_${rnd()}`;
        if (status === 'canceled') {
          o.canceled_at = now();
          o.cancellation_reason = 'requested_by_customer';
        }
      }
      return o;
    },
    event(type, object) {
      return {
        id: `evt_${rnd()}`,
        object: 'event',
        api_version: Stripe.API_VERSION,
        created: now(),
        data: { object: structuredClone(object) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: `req_${rnd(8)}`, idempotency_key: null },
        type,
      } as unknown as Stripe.Event;
    },
    signWebhook(event, secret, timestamp) {
      const payload = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret,
        ...(timestamp === undefined ? {} : { timestamp }),
      });
      return { payload, header };
    },
    failNext(path: string, count = 1) {
      failing.set(path, count);
    },
    reset() {
      objects.clear();
      requests.length = 0;
      idempotency.clear();
      failing.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; drop them so close() does not wait for their timeouts.
        server.closeAllConnections();
      });
    },
  };
}
