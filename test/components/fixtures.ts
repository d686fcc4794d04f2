/**
 * Answers shaped exactly like the BFF's (GET /v1/catalog, POST /v1/quotes, POST /v1/checkouts, confirm),
 * and a fake fetch that routes requests to them and records the calls.
 */
import { ApiClient } from '../../components/shared/api-client.js';
import { priceFor } from '../../components/shared/catalog.js';
import type {
  CartRequest, Catalog, Charge, Checkout, ConfirmResult, Plan, Quote, QuoteLine,
} from '../../components/shared/types.js';

const charge = (c: Partial<Charge> & Pick<Charge, 'id' | 'productName' | 'type' | 'pricing'>): Charge => ({
  productId: `prod_${c.productName.toLowerCase().replace(/\W+/g, '_')}`,
  productNumber: c.productName.toUpperCase().replace(/\W+/g, '-'),
  productDescription: null,
  quantity: { default: 1, min: 1, max: 1, adjustable: false },
  optional: false,
  measurement: null,
  ...c,
});

const plan = (p: Partial<Plan> & Pick<Plan, 'id' | 'code' | 'name' | 'charges'>): Plan => ({
  description: null,
  familyId: 'fam_team',
  familyCode: 'team',
  currency: 'EUR',
  interval: { unit: 'month', count: 1 },
  trialDays: 0,
  taxBehavior: 'exclusive',
  ...p,
});

export function aCatalog(): Catalog {
  const seats = (id: string, unitAmount: number): Charge =>
    charge({ id, productId: 'prod_seats', productName: 'Seats', type: 'recurring', pricing: { model: 'per_unit', unitAmount },
      quantity: { default: 3, min: 1, max: 50, adjustable: true } });
  const apiCalls = (id: string): Charge => charge({
    id, productName: 'API calls', type: 'metered', measurement: { code: 'api_calls', unit: 'API call', unitPlural: null },
    quantity: { default: 0, min: 0, max: null, adjustable: false },
    pricing: { model: 'tiered', mode: 'graduated', tiers: [
      { upTo: 1000, unitAmount: 0, flatAmount: 0 }, { upTo: null, unitAmount: 2, flatAmount: 0 },
    ] },
  });
  const support = (id: string, amount: number): Charge =>
    charge({ id, productName: 'Priority support', type: 'recurring', optional: true, pricing: { model: 'flat', amount } });
  return {
    version: '2026-11-21T00:00:00Z',
    families: [
      { id: 'fam_team', code: 'team', name: 'Team', description: 'For teams' },
      { id: 'fam_gulf', code: 'gulf', name: 'Gulf', description: null },
    ],
    plans: [
      plan({ id: 'plan_1', code: 'starter-monthly', name: 'Starter', description: 'For getting going', trialDays: 14,
        charges: [charge({ id: 'ch_starter_m', productId: 'prod_starter', productName: 'Starter', type: 'recurring',
          pricing: { model: 'flat', amount: 900 } })] }),
      plan({ id: 'plan_2', code: 'starter-yearly', name: 'Starter', description: 'For getting going', trialDays: 14,
        interval: { unit: 'year', count: 1 },
        charges: [charge({ id: 'ch_starter_y', productId: 'prod_starter', productName: 'Starter', type: 'recurring',
          pricing: { model: 'flat', amount: 9000 } })] }),
      plan({ id: 'plan_3', code: 'pro-monthly', name: 'Pro', description: 'For growing teams',
        charges: [
          seats('ch_seats_m', 1500),
          charge({ id: 'ch_setup', productName: 'Onboarding', type: 'one_time', pricing: { model: 'flat', amount: 4900 } }),
          apiCalls('ch_api_m'),
          support('ch_support_m', 2900),
        ] }),
      plan({ id: 'plan_4', code: 'pro-yearly', name: 'Pro', description: 'For growing teams', interval: { unit: 'year', count: 1 },
        charges: [seats('ch_seats_y', 15000), apiCalls('ch_api_y'), support('ch_support_y', 29000)] }),
      plan({ id: 'plan_5', code: 'gulf-monthly', name: 'Gulf', familyId: 'fam_gulf', familyCode: 'gulf', currency: 'KWD',
        charges: [charge({ id: 'ch_gulf', productName: 'Gulf', type: 'recurring', pricing: { model: 'flat', amount: 12500 } })] }),
    ],
  };
}

const COUPON_REASONS: Record<string, string> = {
  OLD: 'coupon_expired', OFF: 'coupon_disabled', GONE: 'coupon_exhausted', MINE: 'coupon_customer_limit',
  USD5: 'coupon_currency_mismatch', ADDON: 'coupon_not_applicable',
};

/** 20 % off, for every invoice (WELCOME20), the first three periods (FIRST3) or the first one (ONCE20). */
const VALID_COUPONS: Record<string, { frequency: 'once' | 'limited' | 'lifetime'; numberOfPeriods?: number }> = {
  WELCOME20: { frequency: 'lifetime' }, FIRST3: { frequency: 'limited', numberOfPeriods: 3 }, ONCE20: { frequency: 'once' },
};

function taxFor(cart: CartRequest): { rate: number; treatment: Quote['taxTreatment'] } {
  const c = cart.customer;
  if (!c || c.country === 'DE') return { rate: 1900, treatment: 'domestic' };
  if (c.country === 'US' || c.country === 'CH') return { rate: 0, treatment: 'outside_scope' };
  if (c.type === 'business' && c.vatId) return { rate: 0, treatment: 'reverse_charge' };
  return { rate: 2000, treatment: 'oss' };
}

/** A quote computed from the cart the way the BFF would (simplified: no allocation subtleties). */
export function aQuote(cart: CartRequest, catalog = aCatalog()): Quote {
  const p = catalog.plans.find((x) => x.code === cart.plan);
  if (!p) throw new Error(`unknown plan ${cart.plan}`);
  const { rate, treatment } = taxFor(cart);
  const code = cart.couponCode?.toUpperCase();
  const duration = code ? VALID_COUPONS[code] : undefined;
  const valid = duration !== undefined;
  const qty = (c: Charge) => cart.charges?.find((x) => x.chargeId === c.id)?.quantity
    ?? (c.quantity.adjustable && cart.quantity ? cart.quantity : c.quantity.default);
  const chosen = p.charges.filter((c) => !c.optional || cart.addOns?.includes(c.id));
  // The period an invoice bills (null: a trial's signup invoice, which bills none) and whether the coupon covers it.
  const covers = (period: number | null) => valid && (period === null || duration.frequency === 'lifetime'
    || period <= (duration.frequency === 'once' ? 1 : duration.numberOfPeriods!));
  const line = (c: Charge, trial: boolean, period: number | null): QuoteLine => {
    const quantity = qty(c);
    const subtotal = trial ? 0 : priceFor(c.pricing, quantity);
    const discount = covers(period) ? Math.round(subtotal * 0.2) : 0;
    const tax = Math.round(((subtotal - discount) * rate) / 10000);
    return {
      chargeId: c.id, productId: c.productId, description: c.productName, type: c.type, quantity,
      unitAmount: c.pricing.model === 'per_unit' ? c.pricing.unitAmount : undefined,
      ...(trial ? { trial: true } : {}), subtotal, discount, taxRate: rate, tax, total: subtotal - discount + tax,
    };
  };
  const lines = chosen.filter((c) => c.type !== 'metered').map((c) => line(c, c.type === 'recurring' && p.trialDays > 0, p.trialDays > 0 ? null : 1));
  const sum = (ls: QuoteLine[]) => ({
    subtotal: ls.reduce((s, l) => s + l.subtotal, 0), discount: ls.reduce((s, l) => s + l.discount, 0),
    tax: ls.reduce((s, l) => s + l.tax, 0), total: ls.reduce((s, l) => s + l.total, 0),
  });
  // The renewal bills period 1 after a trial, else period 2.
  const renewal = chosen.filter((c) => c.type === 'recurring').map((c) => line(c, false, p.trialDays > 0 ? 1 : 2));
  return {
    plan: p.code,
    currency: p.currency,
    lines,
    ...(code ? { coupon: valid ? { code, valid: true, discount: sum(lines).discount, ...duration }
      : { code, valid: false, reason: COUPON_REASONS[code] ?? 'coupon_not_found', discount: 0 } } : {}),
    taxTreatment: treatment,
    taxBehavior: p.taxBehavior,
    dueToday: sum(lines),
    recurring: { interval: p.interval, ...sum(renewal) },
    ...(p.trialDays ? { trialEndsAt: '2026-12-05T00:00:00.000Z' } : {}),
    meteredCharges: chosen.filter((c) => c.type === 'metered')
      .map((c) => ({ chargeId: c.id, description: c.productName, pricing: c.pricing })),
  };
}

export function aCheckout(cart: CartRequest, provider: 'test' | 'stripe' = 'test'): Checkout {
  return {
    id: 'co_123',
    status: 'open',
    locale: 'en',
    quote: aQuote(cart),
    payment: provider === 'test'
      ? { provider: 'test', intentType: 'payment' }
      : { provider: 'stripe', publishableKey: 'pk_test_stripe', clientSecret: 'pi_123_secret_abc', intentType: 'payment' },
  };
}

const AT = '2026-11-21T12:00:00.000Z';
export const completed: ConfirmResult = {
  status: 'complete',
  customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace', country: 'DE', type: 'individual', vatId: null, address: null, balance: 0, locale: 'en', refKey: null, metadata: {}, createdAt: AT, updatedAt: AT },
  subscription: {
    id: 'sub_1', customerId: 'cus_1', planId: 'plan_pro_monthly', planCode: 'pro-monthly', status: 'active',
    items: [{ chargeId: 'chg_pro_seats', quantity: 1 }], couponId: null, couponCode: null, periodsBilled: 1, currentPeriodStart: AT,
    currentPeriodEnd: '2026-12-21T12:00:00.000Z', trialEnd: null, cancelAtPeriodEnd: false, cancelledAt: null, cancellation: null,
    pausedAt: null, resumesAt: null, expiresAt: null, endedAt: null, pendingChange: null,
    defaultPaymentMethod: { provider: 'test', id: 'pm_card_visa', brand: 'visa', last4: '4242' }, metadata: {}, createdAt: AT, updatedAt: AT,
  },
  invoice: {
    id: 'inv_1', number: 'INV-2026-000001', customerId: 'cus_1', subscriptionId: 'sub_1', kind: 'checkout', status: 'paid', currency: 'EUR',
    subtotal: 9400, discount: 0, tax: 1786, total: 11186, balanceApplied: 0, amountDue: 11186, amountPaid: 11186,
    taxTreatment: 'domestic', taxBehavior: 'exclusive', taxBreakdown: [{ rate: 1900, net: 9400, tax: 1786 }], note: null,
    billTo: { name: 'Ada Lovelace', email: 'ada@example.com', country: 'DE', type: 'individual', vatId: null, address: null, locale: 'en' },
    seller: null, periodStart: AT, periodEnd: '2026-12-21T12:00:00.000Z', issuedAt: AT, dueAt: AT, paidAt: AT, voidedAt: null,
    attempts: [], nextAttemptAt: null, lines: [],
  },
};

export const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

export const problem = (status: number, code: string, detail = code, errors?: { pointer: string; detail: string }[]): Response =>
  json(status, { type: `https://billkit.dev/problems/${code}`, title: code.replace(/_/g, ' '), status, detail, code, ...(errors ? { errors } : {}) });

export interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}

export type Route = (call: Call) => Response | Promise<Response>;

/** The default answers: catalog, quotes priced by aQuote, a test-provider checkout, confirm by payment method. */
export function defaultRoutes(): Record<string, Route> {
  return {
    'GET /v1/catalog': () => json(200, aCatalog()),
    'POST /v1/quotes': ({ body }) => json(200, aQuote(body)),
    'POST /v1/checkouts': ({ body }) => json(201, aCheckout(body)),
    'POST /v1/checkouts/co_123/confirm': ({ body }) => {
      if (body.paymentMethod === 'pm_card_chargeDeclined') return problem(402, 'payment_declined', 'Your card was declined.');
      if (body.paymentMethod === 'pm_card_authenticationRequired' && !body.authenticated) {
        return json(200, { status: 'requires_action', checkoutId: 'co_123' });
      }
      return json(200, completed);
    },
  };
}

/** A fetch that answers from routes ("METHOD /path"), recording every call. */
export function fakeFetch(overrides: Record<string, Route> = {}) {
  const routes = { ...defaultRoutes(), ...overrides };
  const calls: Call[] = [];
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const call: Call = {
      method: init.method ?? 'GET',
      path: url.pathname,
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const route = routes[`${call.method} ${call.path}`];
    return route ? route(call) : problem(404, 'not_found');
  };
  return { fetch, calls };
}

/** An API client over a fake BFF. */
export function aClient(overrides: Record<string, Route> = {}) {
  const { fetch, calls } = fakeFetch(overrides);
  const client = new ApiClient({ baseUrl: 'http://bff.test', publishableKey: 'pk_test_123', fetch });
  return { client, calls };
}

/** A promise that never settles (a request still in flight). */
export const pending = (): Promise<Response> => new Promise(() => {});

// ------------------------------------------------------------------ the catalog in the buyer's language (issue 18)
const GERMAN: Record<string, string> = {
  Starter: 'Einstieg', Pro: 'Profi', Seats: 'Plätze', Onboarding: 'Einrichtung', 'API calls': 'API-Aufrufe', 'Priority support': 'Vorrangiger Support',
  'For getting going': 'Für den Anfang', 'For growing teams': 'Für wachsende Teams', Team: 'Team',
};

/** The catalog as the BFF answers it in German: names, descriptions and units translated, a package price per 1,000 calls. */
export function aGermanCatalog(): Catalog {
  const de = (name: string) => GERMAN[name] ?? name;
  const catalog = aCatalog();
  return {
    ...catalog,
    families: catalog.families.map((f) => ({ ...f, name: de(f.name), description: f.description && de(f.description) })),
    plans: catalog.plans.map((p) => ({
      ...p,
      name: de(p.name),
      description: p.description && de(p.description),
      charges: p.charges.map((c) => ({
        ...c,
        productName: de(c.productName),
        ...(c.measurement
          ? { measurement: { code: c.measurement.code, unit: 'API-Aufruf', unitPlural: 'API-Aufrufe' }, pricing: { model: 'package' as const, packageSize: 1000, amount: 50 } }
          : {}),
      })),
    })),
  };
}

/** The catalog and quotes in the language Accept-Language asks for (German for de*, else English), as the BFF answers. */
export function byLanguage(): Record<string, Route> {
  const german = (call: Call) => (call.headers['Accept-Language'] ?? '').toLowerCase().startsWith('de');
  return {
    'GET /v1/catalog': (call) => json(200, german(call) ? aGermanCatalog() : aCatalog()),
    'POST /v1/quotes': (call) => json(200, german(call) ? aQuote(call.body, aGermanCatalog()) : aQuote(call.body)),
  };
}
