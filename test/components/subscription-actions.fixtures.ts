/**
 * The portal answers the plan switch and the cancel flow read (GET /v1/portal/configuration, GET
 * .../subscriptions/{id}, POST .../change, cancel, uncancel, retention-offer/accept), shaped as the BFF's, and a
 * PortalStore over a fake fetch that records the calls.
 */
import { PortalClient } from '../../components/shared/portal-client.js';
import { PortalStore } from '../../components/shared/portal-store.js';
import type {
  CatalogPlan, PortalConfiguration, PortalSubscription, SubscriptionChangeResult,
} from '../../components/shared/portal-types.js';
import { aCatalog, fakeFetch, json, type Route } from './fixtures.js';

export const SUB = 'sub_1';
const base = `/v1/portal/subscriptions/${SUB}`;
export const paths = {
  configuration: 'GET /v1/portal/configuration',
  subscription: `GET ${base}`,
  change: `POST ${base}/change`,
  cancel: `POST ${base}/cancel`,
  uncancel: `POST ${base}/uncancel`,
  accept: `POST ${base}/retention-offer/accept`,
};

/** The checkout fixtures' plans as the portal sends them (Starter, Pro monthly with seats, Pro yearly). */
export const plans = () => aCatalog().plans.filter((p) => p.familyCode === 'team') as unknown as CatalogPlan[];
const planOf = (code: string) => plans().find((p) => p.code === code)!;

type Rights = PortalConfiguration['subscriptions'][number];

/** What a buyer with one Pro (monthly, 3 seats) subscription may do; `rights` and the rest override. */
export function aConfiguration(rights: Partial<Rights> = {}, more: Partial<PortalConfiguration> = {}): PortalConfiguration {
  return {
    customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada', locale: 'en' },
    merchantName: null,
    session: { locale: 'en', returnUrl: null, flow: null as never, expiresAt: '2027-01-10T11:00:00.000Z' },
    payments: { provider: 'test' },
    features: { invoices: true, paymentMethod: true, billingDetails: true, switchPlan: true, quantity: true, cancel: true, pause: true },
    cancellation: {
      mode: 'period_end',
      reasons: ['too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'too_complex', 'low_quality', 'other'],
      refund: 'none',
    },
    pause: { maxPeriods: null },
    downgrades: 'period_end',
    retentionOffer: {
      couponCode: 'STAY20', name: 'Stay with us', type: 'percentage', percentage: 20, fixedAmount: null, currency: null,
      frequency: 'limited', numberOfPeriods: 3,
    },
    subscriptions: [{
      id: SUB, planCode: 'pro-monthly', status: 'active', switchPlanTo: ['starter-monthly', 'pro-yearly'], changeQuantity: true,
      cancel: true, uncancel: false, pause: true, resume: false, retentionOffer: true, ...rights,
    }],
    plans: plans(),
    ...more,
  };
}

export function aSubscription(over: Partial<PortalSubscription> = {}): PortalSubscription {
  const plan = planOf(over.planCode ?? 'pro-monthly');
  return {
    id: SUB, customerId: 'cus_1', planCode: plan.code, planId: plan.id, plan, status: 'active',
    items: [{ chargeId: 'ch_seats_m', quantity: 3 }], couponId: null, couponCode: null, periodsBilled: 1,
    currentPeriodStart: '2027-01-03T10:00:00.000Z', currentPeriodEnd: '2027-02-03T10:00:00.000Z', trialEnd: null,
    cancelAtPeriodEnd: false, cancelledAt: null, cancellation: null, pausedAt: null, resumesAt: null, expiresAt: null,
    endedAt: null, pendingChange: null, defaultPaymentMethod: { provider: 'test', id: 'pm_card_visa', brand: 'visa', last4: '4242' },
    metadata: {}, upcomingInvoice: null, usage: { asOf: '2027-01-13T10:00:00.000Z', charges: [], currency: 'EUR', status: 'active', subscriptionId: SUB },
    createdAt: '2027-01-03T10:00:00.000Z', updatedAt: '2027-01-03T10:00:00.000Z',
    ...over,
  } as PortalSubscription;
}

type ChangeInvoice = NonNullable<SubscriptionChangeResult['invoice']>;
type Line = ChangeInvoice['lines'][number];

const line = (chargeId: string, description: string, quantity: number, subtotal: number, rate = 1900): Line => ({
  id: `il_${chargeId}_${subtotal}`, chargeId, productId: 'prod_seats', description, type: 'recurring', quantity, subtotal,
  discount: 0, taxRate: rate, tax: Math.round((subtotal * rate) / 10000), total: subtotal + Math.round((subtotal * rate) / 10000),
  periodStart: '2027-01-13T10:00:00.000Z', periodEnd: '2027-02-03T10:00:00.000Z', proration: true,
});

/** A proration invoice over the lines (tax 19 % on their sum); a preview has no id or number. */
export function anInvoice(lines: Line[], over: Partial<ChangeInvoice> = {}): ChangeInvoice {
  const subtotal = lines.reduce((s, l) => s + l.subtotal, 0);
  const tax = Math.round((subtotal * 1900) / 10000);
  const total = subtotal + tax;
  return {
    id: null, number: null, customerId: 'cus_1', subscriptionId: SUB, kind: 'proration', status: 'draft', currency: 'EUR',
    lines, subtotal, discount: 0, tax, total, balanceApplied: 0, amountDue: Math.max(0, total), amountPaid: 0,
    taxTreatment: 'domestic', taxBehavior: 'exclusive', taxBreakdown: [{ rate: 1900, net: subtotal, tax }], note: null,
    billTo: { name: 'Ada', email: 'ada@example.com', country: 'DE', type: 'individual', vatId: null, address: { line1: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' } as never },
    seller: null, periodStart: null, periodEnd: null, issuedAt: '2027-01-13T10:00:00.000Z', dueAt: '2027-01-13T10:00:00.000Z',
    paidAt: null, voidedAt: null, attempts: [], nextAttemptAt: null,
    ...over,
  };
}

export const PRORATION_DATE = '2027-01-13T10:00:00.000Z';

/** Pro monthly (3 seats) to Pro yearly now: a credit of €22.50 for the unused month, €450 for the year's seats. */
export function anUpgrade(over: Partial<SubscriptionChangeResult> = {}): SubscriptionChangeResult {
  return {
    effective: 'now', effectiveAt: PRORATION_DATE, prorationDate: PRORATION_DATE,
    invoice: anInvoice([line('ch_seats_m', 'Unused time on Seats', 3, -2250), line('ch_seats_y', 'Remaining time on Seats', 3, 45000)]),
    subscription: { ...aSubscription(), planCode: 'pro-yearly', items: [{ chargeId: 'ch_seats_y', quantity: 3 }] } as never,
    ...over,
  };
}

/** The upgrade made: its invoice numbered and paid. */
export function aPaidUpgrade(): SubscriptionChangeResult {
  const preview = anUpgrade().invoice!;
  return anUpgrade({
    invoice: { ...preview, id: 'in_9', number: 'INV-2027-000009', status: 'paid', amountPaid: preview.amountDue, paidAt: PRORATION_DATE,
      attempts: [{ at: PRORATION_DATE, outcome: 'succeeded' }] },
  });
}

/** Pro to Starter: a downgrade at the period's end; the FIRST3 coupon does not apply to Starter. */
export function aDowngrade(): SubscriptionChangeResult {
  return {
    effective: 'period_end', effectiveAt: '2027-02-03T10:00:00.000Z', prorationDate: PRORATION_DATE,
    coupon: { code: 'FIRST3', kept: false },
    subscription: aSubscription() as never,
  };
}

/** A PortalStore with a session token over a fake BFF: the routes above, overridden by `routes`. */
export function aStore(routes: Record<string, Route> = {}) {
  const { fetch, calls } = fakeFetch({
    [paths.configuration]: () => json(200, aConfiguration()),
    [paths.subscription]: () => json(200, aSubscription()),
    [paths.change]: ({ body }) => json(200, body.plan === 'starter-monthly' ? aDowngrade() : body.preview ? anUpgrade() : aPaidUpgrade()),
    [paths.cancel]: ({ body }) => json(200, body.at === 'now'
      ? aSubscription({ status: 'cancelled', cancelledAt: '2027-01-13T10:00:00.000Z', endedAt: '2027-01-13T10:00:00.000Z' })
      : aSubscription({ cancelAtPeriodEnd: true, cancellation: { reason: body.reason } })),
    [paths.uncancel]: () => json(200, aSubscription()),
    [paths.accept]: () => json(200, aSubscription({ couponCode: 'STAY20', couponId: 'cpn_1' })),
    ...routes,
  });
  const store = new PortalStore(new PortalClient({ baseUrl: 'http://bff.test', publishableKey: 'pk_test_123', token: 'ps_test_abc', fetch }));
  return { store, calls };
}
