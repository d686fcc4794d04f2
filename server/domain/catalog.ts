/**
 * The billing catalog (SPEC.md section 2) as plain data. Pure: no HTTP, SQL or zod here.
 *
 * Every amount is an integer number of minor units of the plan's currency (a JS number that is a safe
 * integer); arithmetic that can pass 2^53 is done in BigInt by the pricing functions.
 */

import type { TextTranslation, Translations, UnitTranslation } from './translations.js';

export type IntervalUnit = 'day' | 'week' | 'month' | 'year';
export interface Interval {
  unit: IntervalUnit;
  count: number;
}

export interface ProductFamily {
  id: string;
  code: string;
  name: string;
  description: string | null;
  /** The merchant's translations of name and description (translations.ts); none: {}. */
  translations?: Translations<TextTranslation>;
}

export type ProductType = 'product' | 'charge' | 'plan';
export type TaxGroup = 'standard' | 'reduced';
export type InvoiceVisibility = 'always' | 'only_if_charged';

export interface Product {
  id: string;
  number: string;
  name: string;
  internalName: string | null;
  description: string | null;
  type: ProductType;
  familyId: string | null;
  taxGroup: TaxGroup;
  invoiceVisibility: InvoiceVisibility;
  archived: boolean;
  measurementId: string | null;
  translations?: Translations<TextTranslation>;
}

export type MeasurementType = 'metered' | 'recurring' | 'instant_metered';
export type Aggregation = 'count' | 'count_unique' | 'max' | 'sum' | 'last_value' | 'average';

export interface Measurement {
  id: string;
  code: string;
  unit: string;
  /** The unit's plural ("calls"); null: not given. */
  unitPlural?: string | null;
  description: string | null;
  type: MeasurementType;
  aggregation: Aggregation;
  prorated: boolean;
  translations?: Translations<UnitTranslation>;
}

export interface Tier {
  /** Inclusive upper bound of the tier; null for the final, open tier. */
  upTo: number | null;
  unitAmount: number;
  flatAmount: number;
}

export type Pricing =
  | { model: 'flat'; amount: number }
  | { model: 'per_unit'; unitAmount: number }
  | { model: 'tiered'; mode: 'graduated' | 'volume'; tiers: Tier[] }
  | { model: 'package'; packageSize: number; amount: number };

export type ChargeType = 'recurring' | 'one_time' | 'metered';

export interface QuantityRule {
  default: number;
  min: number;
  /** null: no upper bound. */
  max: number | null;
  adjustable: boolean;
}

export interface Charge {
  id: string;
  productId: string;
  type: ChargeType;
  pricing: Pricing;
  quantity: QuantityRule;
  optional: boolean;
}

export type PlanStatus = 'draft' | 'active' | 'archived' | 'inactive';
export type TaxBehavior = 'exclusive' | 'inclusive';

export interface Plan {
  id: string;
  code: string;
  name: string;
  description: string | null;
  familyId: string | null;
  status: PlanStatus;
  checkoutAllowed: boolean;
  currency: string;
  interval: Interval;
  trialDays: number;
  taxBehavior: TaxBehavior;
  /** In the plan's order: the order of invoice lines. */
  charges: Charge[];
  createdAt: string;
  updatedAt: string;
  translations?: Translations<TextTranslation>;
}

/** What pricing needs to know about the catalog: plans by code, products and measurements by id. */
export interface CatalogSnapshot {
  plans: ReadonlyMap<string, Plan>;
  products: ReadonlyMap<string, Product>;
  families: ReadonlyMap<string, ProductFamily>;
  measurements: ReadonlyMap<string, Measurement>;
}

/** A plan is sold through checkout and shown in the public catalog only when this holds. */
export function isSellable(plan: Plan): boolean {
  return plan.status === 'active' && plan.checkoutAllowed;
}
