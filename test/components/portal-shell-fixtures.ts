/**
 * A fake portal BFF for the shell, sign-in and subscription tests: answers shaped like SPEC 12's routes
 * (GET /v1/portal/configuration, /subscriptions, POST .../pause ...), routed by "METHOD /path".
 */
import { PortalClient } from '../../components/shared/portal-client.js';
import { PortalStore } from '../../components/shared/portal-store.js';
import type { PortalConfiguration, PortalSubscription } from '../../components/shared/portal-types.js';
import { aCatalog, fakeFetch, json, type Route } from './fixtures.js';
import { aCustomer, anInvoice } from './account-fixtures.js';

const catalogPlan = (code: string) => {
  const plan = aCatalog().plans.find((p) => p.code === code)!;
  return plan as unknown as PortalSubscription['plan'];
};

/** Pro monthly, active, 3 seats at €15, with 1,250 API calls so far and its next invoice on 1 Jan 2027. */
export function aPortalSubscription(overrides: Partial<PortalSubscription> = {}): PortalSubscription {
  return {
    id: 'sub_1', customerId: 'cus_1', planCode: 'pro-monthly', planId: 'plan_3', plan: catalogPlan('pro-monthly'), status: 'active',
    items: [{ chargeId: 'ch_seats_m', quantity: 3 }, { chargeId: 'ch_api_m', quantity: 0 }],
    couponId: null, couponCode: null, periodsBilled: 1,
    currentPeriodStart: '2026-12-01T00:00:00.000Z', currentPeriodEnd: '2027-01-01T00:00:00.000Z',
    trialEnd: null, cancelAtPeriodEnd: false, cancelledAt: null, cancellation: null, endedAt: null,
    pausedAt: null, resumesAt: null, expiresAt: null, pendingChange: null,
    defaultPaymentMethod: { provider: 'test', id: 'pm_1', brand: 'visa', last4: '4242' }, metadata: {},
    createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z',
    upcomingInvoice: {
      amountDue: 5855, amountPaid: 0, balanceApplied: 0, currency: 'EUR', customerId: 'cus_1', discount: 0, subtotal: 4920, tax: 935, total: 5855,
      dueAt: '2027-01-01T00:00:00.000Z', issuedAt: '2027-01-01T00:00:00.000Z', kind: 'renewal', lines: [], nextAttemptAt: null, note: null,
      billTo: { address: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115' }, country: 'DE', email: 'ada@example.com', name: 'Ada Lovelace', type: 'individual', vatId: null },
    } as unknown as PortalSubscription['upcomingInvoice'],
    usage: {
      asOf: '2026-12-07T00:00:00.000Z', currency: 'EUR', status: 'active', subscriptionId: 'sub_1',
      charges: [{ chargeId: 'ch_api_m', description: 'API calls', amount: 500, free: false, quantity: 1250,
        measurement: { code: 'api_calls', unit: 'API call', aggregation: 'sum', prorated: false, type: 'metered' },
        periodStart: '2026-12-01T00:00:00.000Z', periodEnd: '2027-01-01T00:00:00.000Z', pricing: { model: 'flat', amount: 0 }, productId: 'prod_api', productNumber: 'API' }],
    } as unknown as PortalSubscription['usage'],
    ...overrides,
  } as PortalSubscription;
}

type Rights = PortalConfiguration['subscriptions'][number];

export function aConfiguration(overrides: Partial<PortalConfiguration> = {}, rights: Partial<Rights> = {}): PortalConfiguration {
  return {
    customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace', locale: 'en' },
    merchantName: null,
    features: { invoices: true, paymentMethod: true, billingDetails: true, switchPlan: true, quantity: true, cancel: true, pause: true },
    cancellation: { mode: 'period_end', reasons: ['too_expensive', 'other'], refund: 'none' },
    downgrades: 'period_end',
    pause: { maxPeriods: 3 },
    payments: { provider: 'test' },
    plans: [catalogPlan('pro-monthly'), catalogPlan('starter-monthly')],
    retentionOffer: null,
    session: { expiresAt: '2026-12-07T01:00:00.000Z', flow: null, locale: 'en', returnUrl: 'https://shop.example/account' },
    subscriptions: [{ id: 'sub_1', planCode: 'pro-monthly', status: 'active', cancel: true, changeQuantity: true, pause: true, resume: false,
      retentionOffer: false, switchPlanTo: ['starter-monthly'], uncancel: false, ...rights }],
    ...overrides,
  } as PortalConfiguration;
}

export function portalRoutes(sub = aPortalSubscription(), config = aConfiguration()): Record<string, Route> {
  return {
    'GET /v1/portal/configuration': () => json(200, config),
    'GET /v1/portal/subscriptions': () => json(200, { data: [sub], hasMore: false, nextCursor: null }),
    'GET /v1/portal/subscriptions/sub_1': () => json(200, sub),
    'GET /v1/portal/invoices': () => json(200, { data: [anInvoice(1)], hasMore: false, nextCursor: null }),
    'GET /v1/portal/customer': () => json(200, aCustomer()),
    'POST /v1/portal/payment-methods/setup': () => json(200, { provider: 'test' }),
    'POST /v1/portal/sign-in': () => new Response(null, { status: 202 }),
    'POST /v1/portal/sign-in/verify': () => json(200, { token: 'ps_signed_in', expiresAt: '2026-12-07T01:00:00.000Z' }),
    'POST /v1/portal/sign-out': () => new Response(null, { status: 204 }),
    'DELETE /v1/portal/session/flow': () => new Response(null, { status: 204 }),
    'POST /v1/portal/subscriptions/sub_1/pause': () => json(200, { ...sub, pausedAt: sub.currentPeriodEnd }),
    'POST /v1/portal/subscriptions/sub_1/resume': () => json(200, { ...sub, status: 'active', pausedAt: null }),
    'POST /v1/portal/subscriptions/sub_1/uncancel': () => json(200, { ...sub, cancelAtPeriodEnd: false }),
  };
}

/** A store over the fake BFF (token: a session, or '' for signed out), recording every call. */
export function aPortalStore(routes: Record<string, Route> = portalRoutes(), token = 'ps_test') {
  const { fetch, calls } = fakeFetch(routes);
  const store = new PortalStore(new PortalClient({ baseUrl: 'http://bff.test', publishableKey: 'pk_test_123', fetch, token }));
  return { store, calls };
}
