/** The JSON shapes of the Billkit API (SPEC sections 5, 7 and 8). Amounts are integer minor units. */

// The catalog's value types come from the OpenAPI document (api.gen.ts, `npm run api-types`).
import type { components } from './api.gen.js';

type CatalogPlanSchema = components['schemas']['CatalogPlan'];
export type ChargeType = components['schemas']['CatalogCharge']['type'];
export type Interval = CatalogPlanSchema['interval'];
export type IntervalUnit = Interval['unit'];
export type Pricing = components['schemas']['Pricing'];
export type Tier = Extract<Pricing, { model: 'tiered' }>['tiers'][number];

export interface Charge {
  id: string;
  productId: string;
  productNumber: string;
  productName: string;
  productDescription?: string | null;
  type: ChargeType;
  pricing: Pricing;
  quantity: { default: number; min: number; max: number | null; adjustable: boolean };
  optional: boolean;
  measurement: null | { code: string; unit: string; unitPlural?: string | null };
}

export interface Plan {
  id: string;
  code: string;
  name: string;
  description?: string | null;
  familyId?: string | null;
  familyCode?: string | null;
  currency: string;
  interval: Interval;
  trialDays: number;
  taxBehavior: 'exclusive' | 'inclusive';
  charges: Charge[];
}

export interface Family {
  id: string;
  code: string;
  name: string;
  description?: string | null;
}

export interface Catalog {
  version: string;
  families: Family[];
  plans: Plan[];
}

export type CustomerType = 'individual' | 'business';

export interface QuoteCustomer {
  email?: string;
  country: string;
  type: CustomerType;
  vatId?: string;
}

/** The cart as POST /v1/quotes and POST /v1/checkouts take it. */
export interface CartRequest {
  plan: string;
  quantity?: number;
  charges?: { chargeId: string; quantity: number }[];
  addOns?: string[];
  couponCode?: string;
  customer?: QuoteCustomer;
}

export type CouponReason =
  | 'coupon_not_found'
  | 'coupon_disabled'
  | 'coupon_expired'
  | 'coupon_exhausted'
  | 'coupon_customer_limit'
  | 'coupon_currency_mismatch'
  | 'coupon_not_applicable';

export type TaxTreatment = 'domestic' | 'oss' | 'reverse_charge' | 'outside_scope';

export interface QuoteLine {
  chargeId: string;
  productId: string;
  description: string;
  type: ChargeType;
  quantity: number;
  unitAmount?: number;
  trial?: boolean;
  subtotal: number;
  discount: number;
  taxRate: number;
  tax: number;
  total: number;
}

export interface Totals {
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}

export interface Quote {
  plan: string;
  currency: string;
  lines: QuoteLine[];
  coupon?: {
    code: string;
    valid: boolean;
    reason?: CouponReason | string;
    discount: number;
    /** A valid coupon's duration: the first invoice that bills a period, the first numberOfPeriods, or all. */
    frequency?: 'once' | 'limited' | 'lifetime';
    numberOfPeriods?: number;
  };
  taxTreatment: TaxTreatment;
  taxBehavior: 'exclusive' | 'inclusive';
  dueToday: Totals;
  recurring: Totals & { interval: Interval };
  trialEndsAt?: string;
  meteredCharges: { chargeId: string; description: string; pricing: Pricing }[];
}

export interface CheckoutCustomer {
  email: string;
  name: string;
  country: string;
  type: CustomerType;
  vatId?: string;
  address?: Record<string, string>;
  /** The buyer's language (en, de): their invoices' lines, emails and documents come in it. */
  locale?: 'en' | 'de';
}

export interface CheckoutRequest extends Omit<CartRequest, 'customer'> {
  customer: CheckoutCustomer;
  /** A customer session's client secret: the checkout is that customer's. */
  customerSession?: string;
  /** The merchant's own reference, unverified: it reaches the subscription's metadata. */
  clientReferenceId?: string;
}

/** GET /v1/customer-sessions/current: what the form prefills (the email fixed). */
export interface CustomerSessionPrefill {
  email: string;
  name?: string;
  country?: string;
  type?: CustomerType;
  vatId?: string;
  address?: Record<string, string>;
  locale?: string;
  customerId: string | null;
  expiresAt: string;
}

export interface Checkout {
  id: string;
  status: 'open' | 'complete' | string;
  /** The buyer's language the checkout's lines are named in. */
  locale?: 'en' | 'de';
  quote: Quote;
  payment: {
    provider: 'test' | 'stripe';
    publishableKey?: string;
    clientSecret?: string;
    intentType?: 'payment' | 'setup';
  };
}

export interface ConfirmRequest {
  paymentMethod: string;
  authenticated?: boolean;
}

export type ConfirmResult =
  | {
      status: 'complete';
      customer: { id: string; email: string; [key: string]: unknown };
      subscription: { id: string; status: string; planCode: string; trialEnd?: string | null; [key: string]: unknown };
      invoice: { id: string; number: string; status: string; total: number; currency: string; [key: string]: unknown };
    }
  | { status: 'requires_action'; checkoutId: string; reason?: string; clientSecret?: string };

/** RFC 9457 problem details as the BFF sends them. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { pointer: string; detail: string }[];
  /**
   * On a confirmation refused after the payment went through (Stripe: the coupon ran out, the buyer
   * subscribed in another tab): the refund that gave it back, or null when nothing was charged.
   */
  refund?: { id: string; amount: number; currency: string } | null;
  /** On `checkout_refunded`: the first refusal's code. */
  refusalCode?: string;
}
