/**
 * The portal's account routes faked for <billkit-invoice-list>, <billkit-billing-details> and
 * <billkit-payment-method>: answers shaped like the BFF's (SPEC section 12), a store over a fake fetch that
 * records each call with its query.
 */
import { PortalClient } from '../../components/shared/portal-client.js';
import { PortalStore } from '../../components/shared/portal-store.js';
import type { Invoice, PortalCustomer, PortalSubscription } from '../../components/shared/portal-types.js';
import { json, problem } from './fixtures.js';

export { json, problem };

export interface PortalCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: any;
}
export type PortalRoute = (call: PortalCall) => Response | Promise<Response>;

export function anInvoice(n: number, overrides: Partial<Invoice> = {}): Invoice {
  const number = `INV-2026-${String(n).padStart(6, '0')}`;
  return {
    id: `in_${n}`, number, customerId: 'cus_1', subscriptionId: 'sub_1', kind: 'renewal', status: 'paid', currency: 'EUR',
    lines: [], subtotal: 2437, discount: 0, tax: 463, total: 2900, balanceApplied: 0, amountDue: 2900, amountPaid: 2900,
    taxTreatment: 'domestic', taxBehavior: 'exclusive', taxBreakdown: [], note: null, billTo: {} as Invoice['billTo'], seller: null,
    periodStart: null, periodEnd: null, issuedAt: `2026-${String(((n - 1) % 12) + 1).padStart(2, '0')}-05T10:00:00Z`,
    dueAt: '2026-01-05T10:00:00Z', paidAt: null, voidedAt: null, attempts: [], nextAttemptAt: null,
    ...overrides,
  };
}

export function aCustomer(overrides: Partial<PortalCustomer> = {}): PortalCustomer {
  return {
    id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace', country: 'DE', type: 'individual', vatId: null, locale: 'en',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    balance: 0, metadata: {}, refKey: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function aSubscription(overrides: Partial<PortalSubscription> = {}): PortalSubscription {
  return {
    id: 'sub_1', customerId: 'cus_1', planCode: 'pro-monthly', planId: 'plan_3', status: 'active', items: [],
    defaultPaymentMethod: { provider: 'test', id: 'pm_card_visa', brand: 'visa', last4: '4242' },
    cancelAtPeriodEnd: false, cancellation: null, cancelledAt: null, couponCode: null, couponId: null, endedAt: null,
    expiresAt: null, pausedAt: null, resumesAt: null, pendingChange: null, periodsBilled: 1, trialEnd: null, metadata: {},
    currentPeriodStart: '2026-11-01T00:00:00Z', currentPeriodEnd: '2026-12-01T00:00:00Z',
    createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z',
    plan: {} as PortalSubscription['plan'], upcomingInvoice: null, usage: {} as PortalSubscription['usage'],
    ...overrides,
  };
}

export const page = <T>(data: T[], nextCursor: string | null = null) => json(200, { data, hasMore: Boolean(nextCursor), nextCursor });

/** A PortalStore with a session, over routes keyed "METHOD /path" (unknown routes answer 404). */
export function aPortal(routes: Record<string, PortalRoute>) {
  const calls: PortalCall[] = [];
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const call: PortalCall = {
      method: init.method ?? 'GET', path: url.pathname, query: url.searchParams,
      headers: { ...(init.headers as Record<string, string>) }, body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    return route ? route(call) : problem(404, 'not_found');
  };
  const store = new PortalStore(new PortalClient({ baseUrl: 'http://bff.test', publishableKey: 'pk_test_123', token: 'ps_test_1', fetch }));
  return { store, calls, of: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key) };
}

/** A promise that never settles (a request in flight). */
export const pending = (): Promise<Response> => new Promise(() => {});

export const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();
