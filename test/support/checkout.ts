/**
 * Builders and helpers for checkout HTTP tests: a valid buyer (override what the test is about), starting
 * and confirming checkouts through the API, apps with their own rate limits (or sharing keys, as two BFF
 * processes over one database do), and the row counts that prove a failure left the database as it was.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { generateKey } from '../../server/app/keys.js';
import { buildDeps, type NotifyOptions } from '../../server/compose.js';
import { createApp } from '../../server/http/app.js';
import type { RateLimits } from '../../server/http/rate-limit.js';
import type { ConfirmInput, PaymentOutcome, PaymentProvider, PrepareInput, PreparedPayment } from '../../server/payments/provider.js';
import { TestPaymentProvider } from '../../server/payments/test-provider.js';
import type { Queryable } from '../../server/storage/db.js';
import type { Db } from '../../server/storage/db.js';
import { createPlan, createProduct } from './api.js';
import { TEST_ORIGIN, type TestApp } from './app.js';
import { unique, type TestDatabase } from './db.js';
import { after, before } from 'node:test';

/** Limits high enough that no test that confirms many times is rate limited by accident. */
export const HIGH_RATE_LIMITS: RateLimits = { quotes: 100_000, checkouts: 100_000, confirmations: 100_000, signIns: 100_000, signInCodes: 100_000 };

/**
 * createApp over `db` with its own config (rate limits, test clock). Pass `keys` to reuse another app's
 * keys: a second BFF process over the same database authenticates the same keys.
 */
export async function testAppWith(
  db: Db,
  config: { rateLimits?: RateLimits; testClock?: boolean; payments?: PaymentProvider; trustProxy?: number | string[]; notify?: NotifyOptions } = {},
  keys: { secret: string; publishable: string } = { secret: generateKey('secret'), publishable: generateKey('publishable') },
): Promise<TestApp> {
  const deps = buildDeps(
    db,
    { allowedOrigins: [TEST_ORIGIN], rateLimits: config.rateLimits ?? HIGH_RATE_LIMITS, testClock: config.testClock ?? false, trustProxy: config.trustProxy },
    undefined,
    config.payments,
    config.notify,
  );
  await deps.keys.add(keys.secret);
  await deps.keys.add(keys.publishable);
  return {
    app: createApp(deps),
    deps,
    ...keys,
    sk: { Authorization: `Bearer ${keys.secret}` },
    pk: { Authorization: `Bearer ${keys.publishable}` },
  };
}

/** The test provider, recording what the BFF asked it to prepare and to charge. */
export class RecordingPaymentProvider extends TestPaymentProvider {
  readonly prepared: PrepareInput[] = [];
  readonly charged: ConfirmInput[] = [];

  override async prepare(input: PrepareInput): Promise<PreparedPayment> {
    this.prepared.push(input);
    return super.prepare(input);
  }

  override async confirm(input: ConfirmInput): Promise<PaymentOutcome> {
    this.charged.push(input);
    return super.confirm(input);
  }
}

export interface BuyerInput {
  email: string;
  name: string;
  country: string;
  type: 'individual' | 'business';
  vatId?: string;
  address?: Record<string, string>;
  locale?: 'en' | 'de';
}

/** A billing address in the buyer's country, where one is at hand (an address must be of the buyer's country). */
const SAMPLE_ADDRESSES: Record<string, Record<string, string>> = {
  DE: { line1: 'Hauptstrasse 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
  FR: { line1: '1 rue de Rivoli', postalCode: '75001', city: 'Paris', country: 'FR' },
  AT: { line1: 'Ring 1', postalCode: '1010', city: 'Wien', country: 'AT' },
};

/** A private buyer in Germany (the default home country: domestic 19 %), with a unique email and a billing address. */
export function aBuyer(overrides: Partial<BuyerInput> = {}): BuyerInput {
  const address = SAMPLE_ADDRESSES[overrides.country ?? 'DE'];
  return {
    email: `${unique('buyer')}@example.test`,
    name: 'Ada Lovelace',
    country: 'DE',
    type: 'individual',
    ...(address ? { address } : {}),
    ...overrides,
  };
}

/** A French business with a VAT ID jsvat accepts (checked with a scratch script): reverse charge from DE. */
export const FRENCH_BUSINESS: Partial<BuyerInput> = { country: 'FR', type: 'business', vatId: 'FR40303265045', name: 'Exemple SARL' };

export type Cart = Record<string, unknown> & { plan: string };

/** The body of POST /v1/checkouts: the cart and a buyer (aBuyer() unless given). */
export function aCheckoutInput(cart: Cart, buyer: Partial<BuyerInput> = {}): Record<string, unknown> {
  return { ...cart, customer: aBuyer(buyer) };
}

/** POST /v1/checkouts with the publishable key; the response, whatever its status. */
export function postCheckout(t: TestApp, body: Record<string, unknown>, idempotencyKey?: string) {
  const req = request(t.app).post('/v1/checkouts').set(t.pk);
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

export interface CheckoutView {
  id: string;
  status: string;
  quote: {
    plan: string;
    currency: string;
    lines: { chargeId: string; productId: string; type: string; quantity: number; subtotal: number; discount: number; taxRate: number; tax: number; total: number; trial?: true }[];
    coupon?: { code: string; valid: boolean; reason?: string; discount: number };
    taxTreatment: string;
    dueToday: { subtotal: number; discount: number; tax: number; total: number };
  };
  payment: { provider: string; intentType: string; clientSecret?: string };
}

/** Starts a checkout for `cart` and the buyer (aBuyer() overridden by `buyer`); throws unless 201. */
export async function startCheckout(t: TestApp, cart: Cart, buyer: Partial<BuyerInput> = {}): Promise<CheckoutView> {
  const res = await postCheckout(t, aCheckoutInput(cart, buyer));
  if (res.status !== 201) throw new Error(`checkout not started: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CheckoutView;
}

/** POST /v1/checkouts/{id}/confirm with the publishable key; the response, whatever its status. */
export function confirm(t: TestApp, id: string, paymentMethod = 'pm_card_visa', extra: Record<string, unknown> = {}, idempotencyKey?: string) {
  const req = request(t.app).post(`/v1/checkouts/${id}/confirm`).set(t.pk);
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send({ paymentMethod, ...extra });
}

export interface PlanWithProducts {
  id: string;
  code: string;
  charges: { id: string; productId: string }[];
}

/** An active EUR monthly plan with one flat recurring charge of `amount` (taxGroup standard). */
export async function aFlatPlan(t: TestApp, amount: number, overrides: Record<string, unknown> = {}): Promise<PlanWithProducts> {
  const product = await createProduct(t);
  return (await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount } }], ...overrides })) as PlanWithProducts;
}

/**
 * A seats plan: seats at 12.00 per unit (1 to 50, default 1, adjustable), a one-time setup fee of 50.00 and
 * an optional add-on at 9.00 a month. Charges in that order.
 */
export async function aSeatsPlan(t: TestApp, overrides: Record<string, unknown> = {}): Promise<PlanWithProducts> {
  const seat = await createProduct(t, { name: 'Seat' });
  const setup = await createProduct(t, { name: 'Setup', type: 'charge' });
  const support = await createProduct(t, { name: 'Priority support' });
  return (await createPlan(t, {
    charges: [
      { product: seat.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 1, min: 1, max: 50, adjustable: true } },
      { product: setup.number, type: 'one_time', pricing: { model: 'flat', amount: 5000 } },
      { product: support.number, type: 'recurring', pricing: { model: 'flat', amount: 900 }, optional: true },
    ],
    ...overrides,
  })) as PlanWithProducts;
}

export interface RowCounts {
  customers: number;
  subscriptions: number;
  invoices: number;
  invoiceLines: number;
  couponRedemptions: number;
  timesRedeemed: number;
  redeemedCodes: number;
  invoiceCounter: number;
}

/** What a checkout may change, counted: compare before and after a failure. */
export async function rowCounts(db: Queryable): Promise<RowCounts> {
  const { rows } = await db.query<Record<string, number>>(
    `select (select count(*)::int from customers) as customers,
       (select count(*)::int from subscriptions) as subscriptions,
       (select count(*)::int from invoices) as invoices,
       (select count(*)::int from invoice_lines) as invoice_lines,
       (select count(*)::int from coupon_redemptions) as coupon_redemptions,
       (select coalesce(sum(times_redeemed), 0)::int from coupons) as times_redeemed,
       (select count(*)::int from coupon_codes where redeemed_at is not null) as redeemed_codes,
       (select coalesce(sum(last_number), 0)::int from invoice_series) as invoice_counter`,
  );
  const r = rows[0]!;
  return {
    customers: Number(r.customers),
    subscriptions: Number(r.subscriptions),
    invoices: Number(r.invoices),
    invoiceLines: Number(r.invoice_lines),
    couponRedemptions: Number(r.coupon_redemptions),
    timesRedeemed: Number(r.times_redeemed),
    redeemedCodes: Number(r.redeemed_codes),
    invoiceCounter: Number(r.invoice_counter),
  };
}

/** A customer's row as stored (to prove a refused confirmation changed nothing about it). */
export async function customerRow(db: Queryable, email: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<Record<string, unknown>>('select * from customers where email = lower($1)', [email]);
  return rows[0];
}

/** How the BFF keys an Idempotency-Key record: `METHOD path sha256(api key)[0..16]` and a body hash. */
export function idempotencyScope(method: string, path: string, apiKey: string): string {
  return `${method} ${path} ${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

/** The body hash the BFF keeps with an Idempotency-Key. */
export { idempotencyHash } from '../../server/http/idempotency.js';

/**
 * The database of `target` and an app over it (testAppWith), opened before the block's tests and closed after
 * them (PostgreSQL; the shared PGlite stays open). Read `env.db` and `env.t` inside the tests.
 */
export function appOn(target: TestDatabase, config: Parameters<typeof testAppWith>[1] = {}): { readonly db: Db; readonly t: TestApp } {
  const env = {} as { db: Db; t: TestApp };
  before(async () => {
    env.db = await target.open();
    env.t = await testAppWith(env.db, config);
  });
  after(async () => {
    if (target.name === 'postgres') await env.db.close();
  });
  return env;
}
