/**
 * Pricing a cart (SPEC.md section 5). Pure: catalog + cart + coupon lookup + tax settings + now -> Quote.
 *
 * Built in named steps: resolve the selection -> price each invoice (lines -> discounts -> tax -> totals).
 * `priceInvoice` prices any one invoice of a subscription and is exported for renewals: the quote uses it
 * for today's invoice and for the next renewal.
 */
import { isSellable } from './catalog.js';
import type { CatalogSnapshot, Charge, ChargeType, Interval, Plan, Pricing, Product, TaxBehavior } from './catalog.js';
import {
  checkCoupon, couponCoverage, couponDiscount, isLineEligible, type Coupon, type CouponCoverage,
  type CouponFrequency, type CouponLookup, type CouponReason,
} from './coupons.js';
import { DomainError, type FieldError } from './errors.js';
import { allocate, mulDivRound } from './money.js';
import { displayUnitAmount, priceCharge } from './pricing.js';
import { determineTax, inTaxBehavior, rateFor, taxLines, type TaxDetermination, type TaxSettings, type TaxTreatment } from './tax.js';

// ----------------------------------------------------------------------------------------------- input

export interface CartCustomer {
  id?: string;
  email?: string;
  country: string;
  type: 'individual' | 'business';
  vatId?: string;
}

export interface Cart {
  /** Plan code. */
  plan: string;
  /** Sets every adjustable (non-metered) charge at once. */
  quantity?: number;
  /** Sets one charge each; wins over `quantity`. */
  charges?: { chargeId: string; quantity: number }[];
  /** Optional charges of the plan the buyer chose. */
  addOns?: string[];
  couponCode?: string;
  customer?: CartCustomer;
}

// ---------------------------------------------------------------------------------------------- output

export interface InvoiceLine {
  chargeId: string;
  productId: string;
  description: string;
  type: ChargeType;
  quantity: number;
  unitAmount?: number;
  trial?: true;
  subtotal: number;
  discount: number;
  /** Basis points. */
  taxRate: number;
  tax: number;
  total: number;
}

export interface InvoiceTotals {
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}

export interface PricedInvoice extends InvoiceTotals {
  lines: InvoiceLine[];
}

export interface CouponVerdict {
  code: string;
  valid: boolean;
  reason?: CouponReason;
  /** The discount on today's invoice. */
  discount: number;
  /**
   * How long a valid coupon lasts (fynn's names): `once` the first invoice that bills a period, `limited` the
   * first `numberOfPeriods`, `lifetime` all. With `recurring` this lets a buyer be told what the renewal costs
   * while the coupon lasts and after it ends. Not on an invalid verdict.
   */
  frequency?: CouponFrequency;
  numberOfPeriods?: number;
}

export interface MeteredChargeInfo {
  chargeId: string;
  description: string;
  /** The catalog's pricing object (shared, read-only). */
  pricing: Pricing;
}

export interface Quote {
  plan: string;
  currency: string;
  lines: InvoiceLine[];
  coupon?: CouponVerdict;
  taxTreatment: TaxTreatment;
  taxBehavior: TaxBehavior;
  dueToday: InvoiceTotals;
  recurring: InvoiceTotals & { interval: Interval };
  trialEndsAt?: string;
  meteredCharges: MeteredChargeInfo[];
}

// ------------------------------------------------------------------------------- step 1: the selection

export interface SelectedCharge {
  charge: Charge;
  product: Product;
  /** The chosen quantity; for metered charges the default (their billed quantity is the usage). */
  quantity: number;
}

export interface Selection {
  plan: Plan;
  /** In the plan's charge order; optional charges only when chosen; metered charges included. */
  charges: SelectedCharge[];
}

const isQuantity = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const inRange = (charge: Charge, quantity: number): boolean =>
  quantity >= charge.quantity.min && (charge.quantity.max === null || quantity <= charge.quantity.max);

const rangeText = (charge: Charge): string =>
  charge.quantity.max === null ? `at least ${charge.quantity.min}` : `${charge.quantity.min} to ${charge.quantity.max}`;

function findCharge(plan: Plan, chargeId: string): Charge | undefined {
  for (const charge of plan.charges) if (charge.id === chargeId) return charge;
  return undefined;
}

/**
 * Step 1: the plan and its charges with quantities, validated. Throws `plan_not_found` (404),
 * `plan_not_available` (422) or `validation_failed` (400) with one pointer per problem.
 */
export function resolveSelection(catalog: CatalogSnapshot, cart: Cart): Selection {
  const plan = catalog.plans.get(cart.plan);
  if (plan === undefined) {
    throw new DomainError('not_found', 'plan_not_found', `no plan ${cart.plan}`, [
      { pointer: '/plan', detail: `unknown plan code ${cart.plan}` },
    ]);
  }
  if (!isSellable(plan)) {
    throw new DomainError('unprocessable', 'plan_not_available', `plan ${plan.code} is not sold through checkout`, [
      { pointer: '/plan', detail: 'the plan is not active or not open for checkout' },
    ]);
  }
  return { plan, charges: selectCharges(catalog, plan, cart) };
}

/**
 * The chosen charges of `plan` with their quantities (`cart.plan` is not read), validated: throws
 * `validation_failed` (400) with one pointer per problem. Whether the plan may be chosen is the caller's
 * question (checkout: sellable; a change of plan: active).
 */
export function selectCharges(catalog: CatalogSnapshot, plan: Plan, cart: Omit<Cart, 'plan'>): SelectedCharge[] {
  const errors: FieldError[] = [];

  const chosen = new Set<string>();
  cart.addOns?.forEach((chargeId, i) => {
    const charge = findCharge(plan, chargeId);
    if (charge === undefined || !charge.optional) {
      errors.push({ pointer: `/addOns/${i}`, detail: `${chargeId} is not an optional charge of plan ${plan.code}` });
    } else if (chosen.has(chargeId)) {
      errors.push({ pointer: `/addOns/${i}`, detail: `${chargeId} is listed twice` });
    } else {
      chosen.add(chargeId);
    }
  });

  const overrides = new Map<string, number>();
  // Charges that an entry of `charges` names, valid or not: `quantity` does not set them, so a refused
  // entry is reported at its own pointer only, not at /quantity too.
  const named = new Set<string>();
  cart.charges?.forEach(({ chargeId, quantity }, i) => {
    const charge = findCharge(plan, chargeId);
    const at = `/charges/${i}`;
    if (charge !== undefined) named.add(chargeId);
    if (charge === undefined) {
      errors.push({ pointer: `${at}/chargeId`, detail: `${chargeId} is not a charge of plan ${plan.code}` });
    } else if (overrides.has(chargeId)) {
      errors.push({ pointer: `${at}/chargeId`, detail: `${chargeId} is listed twice` });
    } else if (charge.optional && !chosen.has(chargeId)) {
      errors.push({ pointer: `${at}/chargeId`, detail: `${chargeId} is an add-on: list it in addOns to choose it` });
    } else if (charge.type === 'metered') {
      errors.push({ pointer: `${at}/chargeId`, detail: `${chargeId} is metered: its quantity is the measured usage` });
    } else if (!isQuantity(quantity)) {
      errors.push({ pointer: `${at}/quantity`, detail: 'quantity must be an integer >= 0' });
    } else if (!charge.quantity.adjustable && quantity !== charge.quantity.default) {
      errors.push({ pointer: `${at}/quantity`, detail: `the quantity of ${chargeId} is fixed at ${charge.quantity.default}` });
    } else if (!inRange(charge, quantity)) {
      errors.push({ pointer: `${at}/quantity`, detail: `the quantity of ${chargeId} must be ${rangeText(charge)}` });
    } else {
      overrides.set(chargeId, quantity);
    }
  });

  const cartQuantity = cart.quantity;
  let cartQuantityValid = cartQuantity !== undefined;
  if (cartQuantity !== undefined && !isQuantity(cartQuantity)) {
    errors.push({ pointer: '/quantity', detail: 'quantity must be an integer >= 0' });
    cartQuantityValid = false;
  }

  const charges: SelectedCharge[] = [];
  for (const charge of plan.charges) {
    if (charge.optional && !chosen.has(charge.id)) continue;
    const product = catalog.products.get(charge.productId);
    if (product === undefined) throw new Error(`catalog inconsistent: product ${charge.productId} of plan ${plan.code}`);
    let quantity = overrides.get(charge.id);
    if (quantity === undefined) {
      quantity = charge.quantity.default;
      if (cartQuantityValid && !named.has(charge.id) && charge.quantity.adjustable && charge.type !== 'metered') {
        quantity = cartQuantity!;
        if (!inRange(charge, quantity)) {
          errors.push({ pointer: '/quantity', detail: `the quantity of ${charge.id} must be ${rangeText(charge)}` });
        }
      }
    }
    charges.push({ charge, product, quantity });
  }

  if (errors.length > 0) throw new DomainError('invalid', 'validation_failed', 'the cart is invalid', errors);
  return charges;
}

// ------------------------------------------------------------------- steps 2-5: one invoice, priced

export interface PriceInvoiceInput {
  plan: Plan;
  selection: readonly SelectedCharge[];
  /** The valid coupon of the subscription, or null. */
  coupon: Coupon | null;
  /** Which lines the coupon may discount on this invoice (see `couponCoverage`). */
  coverage: CouponCoverage;
  /** The first invoice bills one-time charges; renewals don't. */
  includeOneTime: boolean;
  /** True for a trial's signup invoice: recurring lines are shown with subtotal 0 and `trial: true`. */
  trial: boolean;
  tax: TaxDetermination;
  /** Usage per metered charge id, for invoices billed in arrears; a metered charge without usage is no line. */
  meteredUsage?: ReadonlyMap<string, number>;
  /**
   * Bills the rest of a period (a change of plan): each line's subtotal is round(full-period subtotal x
   * remaining / period), before the discount. Whole seconds, 0 <= remaining <= period, period > 0.
   */
  prorate?: { remaining: number; period: number };
  /**
   * Per metered charge id, the part of a full period its usage line bills: a `recurring` measurement's value
   * (seats, storage) is sold per period, so a value held for part of it costs round(full-period price x
   * remaining / period). Whole seconds, 0 <= remaining <= period, period > 0. Such a line shows no unit amount.
   */
  partOfPeriod?: ReadonlyMap<string, { remaining: number; period: number }>;
  /**
   * The tax behaviour the metered charges' prices are written in, when not the plan's (the usage of a plan of
   * the other behaviour, billed on this plan's invoice after a pending change): each such line's subtotal, its
   * share of the period taken, is converted into the plan's behaviour by `inTaxBehavior` (as a change's credits
   * are) before the discount and the tax. A converted line shows no unit amount.
   */
  meteredTaxBehavior?: TaxBehavior;
}

/** Prices one invoice: lines -> discounts -> tax -> totals. */
export function priceInvoice(input: PriceInvoiceInput): PricedInvoice {
  const { plan, selection, coupon, coverage, tax } = input;
  const behavior = plan.taxBehavior;

  // Step 2: lines with their subtotals.
  const lines: InvoiceLine[] = [];
  const eligible: number[] = []; // eligible base per line (0 when not eligible)
  const rates: number[] = [];
  let eligibleBase = 0;
  for (const { charge, product, quantity: chosen } of selection) {
    let quantity = chosen;
    if (charge.type === 'one_time') {
      if (!input.includeOneTime) continue;
    } else if (charge.type === 'metered') {
      const usage = input.meteredUsage?.get(charge.id);
      if (usage === undefined) continue;
      quantity = usage;
    }
    const trial = input.trial && charge.type !== 'one_time';
    const pricing = charge.pricing;
    const full = trial ? 0 : priceCharge(pricing, quantity);
    const part = charge.type === 'metered' ? input.partOfPeriod?.get(charge.id) : undefined;
    const partial = part !== undefined && part.remaining !== part.period;
    const share = input.prorate ? mulDivRound(full, input.prorate.remaining, input.prorate.period) : full;
    const held = partial ? mulDivRound(share, part.remaining, part.period) : share;
    const rate = rateFor(tax, product.taxGroup);
    const from = charge.type === 'metered' ? (input.meteredTaxBehavior ?? behavior) : behavior;
    const subtotal = inTaxBehavior(held, rate, from, behavior);
    const line: InvoiceLine = {
      chargeId: charge.id,
      productId: product.id,
      description: product.name,
      type: charge.type,
      quantity: pricing.model === 'flat' ? 1 : quantity,
    } as InvoiceLine;
    const unitAmount = displayUnitAmount(pricing);
    if (unitAmount !== undefined && !partial && from === behavior) line.unitAmount = unitAmount;
    if (trial) line.trial = true;
    line.subtotal = subtotal;
    line.discount = 0;
    line.taxRate = rate;
    line.tax = 0;
    line.total = 0;
    lines.push(line);
    rates.push(line.taxRate);
    const isEligible =
      coupon !== null &&
      coverage !== 'none' &&
      (coverage === 'all' || charge.type === 'one_time') &&
      isLineEligible(coupon, plan.id, product.id);
    eligible.push(isEligible ? subtotal : 0);
    if (isEligible) eligibleBase += subtotal;
  }

  // Step 3: the coupon's discount on this invoice, allocated over its eligible lines.
  if (coupon !== null && eligibleBase > 0) {
    const discount = couponDiscount(coupon, eligibleBase);
    if (discount > 0) {
      const shares = allocate(discount, eligible);
      for (let i = 0; i < lines.length; i++) lines[i]!.discount = shares[i]!;
    }
  }

  // Step 4: tax per rate on the discounted amounts, allocated back to the lines.
  const amounts = lines.map((line) => line.subtotal - line.discount);
  const taxes = taxLines(behavior, amounts, rates);

  // Step 5: line totals and invoice totals.
  let subtotal = 0;
  let discount = 0;
  let taxTotal = 0;
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    line.tax = taxes[i]!;
    line.total = behavior === 'exclusive' ? amounts[i]! + line.tax : amounts[i]!;
    subtotal += line.subtotal;
    discount += line.discount;
    taxTotal += line.tax;
    total += line.total;
  }
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(subtotal)) {
    throw new DomainError('unprocessable', 'amount_out_of_range', 'invoice total exceeds the largest safe integer');
  }
  return { lines, subtotal, discount, tax: taxTotal, total };
}

// ------------------------------------------------------------------------------------ the quote

export interface PriceCartInput {
  catalog: CatalogSnapshot;
  cart: Cart;
  /** The caller's lookup of `cart.couponCode` ({status: 'none'} when no code was given). */
  coupon: CouponLookup;
  tax: TaxSettings;
  now: Date;
}

const DAY_MS = 86_400_000;

/** A valid coupon's duration as the quote tells it: the frequency, and the number of periods of a limited one. */
export const couponDuration = (coupon: Coupon): { frequency: CouponFrequency; numberOfPeriods?: number } =>
  coupon.frequency === 'limited' && coupon.numberOfPeriods !== null
    ? { frequency: coupon.frequency, numberOfPeriods: coupon.numberOfPeriods }
    : { frequency: coupon.frequency };

/** The quote for a cart: today's invoice, the next renewal, the coupon's verdict. */
export function priceCart({ catalog, cart, coupon: lookup, tax: settings, now }: PriceCartInput): Quote {
  const { plan, charges: selection } = resolveSelection(catalog, cart);
  const tax = determineTax(settings, cart.customer ?? { country: settings.homeCountry, type: 'individual' });

  let coupon: Coupon | null = null;
  let reason: CouponReason | undefined;
  if (lookup.status !== 'none') {
    const productIds = selection.map((selected) => selected.product.id);
    const check = checkCoupon({ lookup, now, currency: plan.currency, planId: plan.id, productIds });
    if (check.valid) coupon = check.coupon;
    else reason = check.reason;
  }

  const trial = plan.trialDays > 0;
  const due = priceInvoice({
    plan,
    selection,
    coupon,
    coverage: coupon === null ? 'none' : couponCoverage(coupon, trial ? null : 1),
    includeOneTime: true,
    trial,
    tax,
  });
  const renewal = priceInvoice({
    plan,
    selection,
    coupon,
    coverage: coupon === null ? 'none' : couponCoverage(coupon, trial ? 1 : 2),
    includeOneTime: false,
    trial: false,
    tax,
  });

  const meteredCharges: MeteredChargeInfo[] = [];
  for (const { charge, product } of selection) {
    if (charge.type === 'metered') {
      meteredCharges.push({ chargeId: charge.id, description: product.name, pricing: charge.pricing });
    }
  }

  const quote: Quote = { plan: plan.code, currency: plan.currency, lines: due.lines } as Quote;
  if (lookup.status !== 'none') {
    quote.coupon =
      reason === undefined
        ? { code: lookup.code, valid: true, discount: due.discount, ...couponDuration(coupon!) }
        : { code: lookup.code, valid: false, reason, discount: 0 };
  }
  quote.taxTreatment = tax.treatment;
  quote.taxBehavior = plan.taxBehavior;
  quote.dueToday = { subtotal: due.subtotal, discount: due.discount, tax: due.tax, total: due.total };
  quote.recurring = {
    interval: plan.interval,
    subtotal: renewal.subtotal,
    discount: renewal.discount,
    tax: renewal.tax,
    total: renewal.total,
  };
  if (trial) quote.trialEndsAt = new Date(now.getTime() + plan.trialDays * DAY_MS).toISOString();
  quote.meteredCharges = meteredCharges;
  return quote;
}
