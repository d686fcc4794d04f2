/**
 * Test data builders: valid defaults, override what the test is about.
 * `aCatalog({plans, products})` adds a default product for every charge whose product was not given.
 */
import type { CatalogSnapshot, Charge, Measurement, Plan, Product, ProductFamily, Tier } from '../../server/domain/catalog.js';
import type { Coupon } from '../../server/domain/coupons.js';

const CREATED = '2026-01-01T00:00:00.000Z';

export function aProduct(overrides: Partial<Product> = {}): Product {
  const id = overrides.id ?? 'prod_seat';
  return {
    id,
    number: `P-${id}`,
    name: `Product ${id}`,
    internalName: null,
    description: null,
    type: 'product',
    familyId: null,
    taxGroup: 'standard',
    invoiceVisibility: 'always',
    archived: false,
    measurementId: null,
    ...overrides,
  };
}

export function aTier(upTo: number | null, unitAmount: number, flatAmount = 0): Tier {
  return { upTo, unitAmount, flatAmount };
}

export function aCharge(overrides: Partial<Charge> = {}): Charge {
  return {
    id: 'chg_seat',
    productId: 'prod_seat',
    type: 'recurring',
    pricing: { model: 'per_unit', unitAmount: 1000 },
    quantity: { default: 1, min: 1, max: null, adjustable: true },
    optional: false,
    ...overrides,
  };
}

export function aPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    id: 'plan_pro',
    code: 'pro',
    name: 'Pro',
    description: null,
    familyId: null,
    status: 'active',
    checkoutAllowed: true,
    currency: 'EUR',
    interval: { unit: 'month', count: 1 },
    trialDays: 0,
    taxBehavior: 'exclusive',
    charges: [aCharge()],
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

export function aCoupon(overrides: Partial<Coupon> = {}): Coupon {
  const type = overrides.type ?? 'percentage';
  return {
    id: 'cpn_1',
    code: 'SAVE',
    name: 'Save',
    type,
    percentage: type === 'percentage' ? 10 : null,
    fixedAmount: type === 'fixed_amount' ? 500 : null,
    currency: type === 'fixed_amount' ? 'EUR' : null,
    frequency: 'lifetime',
    numberOfPeriods: null,
    planIds: [],
    productIds: [],
    excludedPlanIds: [],
    excludedProductIds: [],
    expiresAt: null,
    maxRedemptions: null,
    maxRedemptionsPerCustomer: null,
    enabled: true,
    timesRedeemed: 0,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

export interface CatalogParts {
  plans?: Plan[];
  products?: Product[];
  families?: ProductFamily[];
  measurements?: Measurement[];
}

export function aCatalog(parts: CatalogParts = {}): CatalogSnapshot {
  const plans = parts.plans ?? [aPlan()];
  const products = new Map<string, Product>();
  for (const product of parts.products ?? []) products.set(product.id, product);
  for (const plan of plans) {
    for (const charge of plan.charges) {
      if (!products.has(charge.productId)) products.set(charge.productId, aProduct({ id: charge.productId }));
    }
  }
  return {
    plans: new Map(plans.map((plan) => [plan.code, plan])),
    products,
    families: new Map((parts.families ?? []).map((family) => [family.id, family])),
    measurements: new Map((parts.measurements ?? []).map((measurement) => [measurement.id, measurement])),
  };
}
