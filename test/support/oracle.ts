/**
 * An independent second implementation of the quote (SPEC.md sections 1-5), written from the spec text and
 * the documented decisions of server/domain/README.md only, for the oracle property test. It shares nothing
 * with the domain but its types and `isValidVatId` (jsvat); every amount is a BigInt until the very end.
 *
 * Plain and slow on purpose: each rule is written out where it is used, in the words of the spec.
 */
import type { CatalogSnapshot, Charge, Plan, Pricing, Product, TaxGroup } from '../../server/domain/catalog.js';
import type { Coupon, CouponLookup, CouponReason } from '../../server/domain/coupons.js';
import type { Cart, InvoiceLine, Quote } from '../../server/domain/quote.js';
import { isValidVatId, type TaxSettings, type TaxTreatment } from '../../server/domain/tax.js';

export interface OracleInput {
  catalog: CatalogSnapshot;
  cart: Cart;
  coupon: CouponLookup;
  tax: TaxSettings;
  now: Date;
}

/** What the oracle expects: the quote, or a refusal with its stable code (and pointers for validation). */
export type OracleResult = { ok: true; quote: Quote } | { ok: false; code: string; pointers?: string[] };

class Refused extends Error {
  constructor(readonly code: string, readonly pointers?: string[]) {
    super(code);
  }
}

// ------------------------------------------------------------------------------------------ 1. money

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An output figure: must be exactly representable (README: never rounded silently). */
function figure(value: bigint): number {
  if (value < 0n) throw new Error(`oracle: negative figure ${value}`);
  if (value > MAX_SAFE) throw new Refused('amount_out_of_range');
  return Number(value);
}

/** round(n / d), half away from zero, d > 0. */
export function roundHalfAway(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new Error('oracle: divisor must be positive');
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const r = a - q * d;
  if (2n * r >= d) q += 1n; // exactly half goes away from zero
  return negative ? -q : q;
}

/**
 * Spec 1: proportional to the bases, floor each share, then the remaining minor units one each to the lines
 * with the largest remainders (ties: the earlier line). Zero bases get nothing.
 */
export function allocateExact(total: bigint, bases: readonly bigint[]): bigint[] {
  const sumOfBases = bases.reduce((a, b) => a + b, 0n);
  if (sumOfBases === 0n) {
    if (total !== 0n) throw new Error('oracle: cannot allocate over zero bases');
    return bases.map(() => 0n);
  }
  const shares = bases.map((b) => (total * b) / sumOfBases);
  const remainders = bases.map((b, i) => total * b - shares[i]! * sumOfBases); // remainder x sumOfBases
  let left = total - shares.reduce((a, b) => a + b, 0n);
  const order = bases
    .map((_, i) => i)
    .filter((i) => bases[i]! > 0n)
    .sort((i, j) => (remainders[j]! > remainders[i]! ? 1 : remainders[j]! < remainders[i]! ? -1 : i - j));
  for (const i of order) {
    if (left === 0n) break;
    shares[i] = shares[i]! + 1n;
    left -= 1n;
  }
  if (left !== 0n) throw new Error('oracle: allocation left units over');
  return shares;
}

// -------------------------------------------------------------------------------------- 2. pricing

/** Spec 2, for quantity q >= 0. */
export function priceOf(pricing: Pricing, quantity: number): bigint {
  const q = BigInt(quantity);
  switch (pricing.model) {
    case 'flat':
      return BigInt(pricing.amount); // whatever q
    case 'per_unit':
      return BigInt(pricing.unitAmount) * q;
    case 'package': {
      if (q === 0n) return 0n;
      const size = BigInt(pricing.packageSize);
      const packages = (q + size - 1n) / size;
      return packages * BigInt(pricing.amount);
    }
    case 'tiered': {
      if (q === 0n) return 0n;
      if (pricing.mode === 'graduated') {
        let total = 0n;
        let below = 0n; // units already priced by lower tiers
        for (const tier of pricing.tiers) {
          const top = tier.upTo === null ? q : BigInt(tier.upTo) < q ? BigInt(tier.upTo) : q;
          const units = top > below ? top - below : 0n;
          if (units > 0n) total += BigInt(tier.unitAmount) * units + BigInt(tier.flatAmount);
          if (tier.upTo !== null) below = BigInt(tier.upTo) > below ? BigInt(tier.upTo) : below;
          if (below >= q) break;
        }
        return total;
      }
      // volume: the one tier containing q prices all q units
      const tier = pricing.tiers.find((t) => t.upTo === null || BigInt(t.upTo) >= q);
      if (tier === undefined) throw new Error('oracle: no tier contains q');
      return BigInt(tier.unitAmount) * q + BigInt(tier.flatAmount);
    }
  }
}

// -------------------------------------------------------------------------------------- 3. coupons

/** "at most 2 decimals": the percentage as an integer number of hundredths, read from its decimal text. */
export function hundredthsOf(percentage: number): bigint {
  const text = String(percentage);
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) throw new Error(`oracle: percentage ${text} has more than 2 decimals`);
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(2, '0'));
  return whole * 100n + fraction;
}

function lineIsEligible(coupon: Coupon, planId: string, productId: string): boolean {
  const listed =
    (coupon.planIds.length === 0 && coupon.productIds.length === 0) ||
    coupon.planIds.includes(planId) ||
    coupon.productIds.includes(productId);
  return listed && !coupon.excludedPlanIds.includes(planId) && !coupon.excludedProductIds.includes(productId);
}

/** Spec 3's duration: does the coupon cover the invoice billing recurring period k (from 1)? */
function coversPeriod(coupon: Coupon, k: number): boolean {
  if (coupon.frequency === 'once') return k === 1;
  if (coupon.frequency === 'limited') return k <= (coupon.numberOfPeriods ?? 0);
  return true;
}

type Coverage = 'all' | 'one_time_only' | 'none';

// -------------------------------------------------------------------------------------------- 4. tax

interface Taxation {
  treatment: TaxTreatment;
  rate: (group: TaxGroup) => bigint;
}

function taxationFor(settings: TaxSettings, cart: Cart): Taxation {
  const given = cart.customer ?? { country: settings.homeCountry, type: 'individual' as const };
  // ISO 3166-1 alpha-2 codes are upper case: a buyer's 'fr' is France, never "outside the EU"
  const buyer = { ...given, country: given.country.toUpperCase() };
  const zero = () => 0n;
  const table = settings.rates;
  if (!Object.hasOwn(table, buyer.country)) return { treatment: 'outside_scope', rate: zero };
  // README: an empty string counts as "not given"; so does blank input (only white space). Anything else typed
  // is given, and refused when invalid: spec 4 "it is never silently dropped"
  const vatIdGiven = typeof buyer.vatId === 'string' && buyer.vatId.trim() !== '';
  if (vatIdGiven && !isValidVatId(buyer.vatId!, buyer.country, table)) throw new Refused('vat_id_invalid', ['/customer/vatId']);
  const ratesOf = (country: string) => (group: TaxGroup) => BigInt(table[country]![group]);
  if (buyer.country === settings.homeCountry) return { treatment: 'domestic', rate: ratesOf(settings.homeCountry) };
  if (buyer.type === 'business' && vatIdGiven) return { treatment: 'reverse_charge', rate: zero };
  return { treatment: 'oss', rate: ratesOf(buyer.country) };
}

// ---------------------------------------------------------------------------------------- 5. quote

interface Chosen {
  charge: Charge;
  product: Product;
  quantity: number;
}

const isWholeNumber = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const withinRange = (c: Charge, q: number) => q >= c.quantity.min && (c.quantity.max === null || q <= c.quantity.max);

function choose(plan: Plan, catalog: CatalogSnapshot, cart: Cart): Chosen[] {
  const problems: string[] = [];
  const addOns = cart.addOns ?? [];
  addOns.forEach((id, i) => {
    const charge = plan.charges.find((c) => c.id === id);
    if (charge === undefined || !charge.optional || addOns.indexOf(id) !== i) problems.push(`/addOns/${i}`);
  });
  const overrides = new Map<string, number>();
  (cart.charges ?? []).forEach(({ chargeId, quantity }, i) => {
    const charge = plan.charges.find((c) => c.id === chargeId);
    if (charge === undefined || overrides.has(chargeId) || charge.type === 'metered' || (charge.optional && !addOns.includes(chargeId))) {
      problems.push(`/charges/${i}/chargeId`);
      return;
    }
    if (!isWholeNumber(quantity) || !withinRange(charge, quantity) || (!charge.quantity.adjustable && quantity !== charge.quantity.default)) {
      problems.push(`/charges/${i}/quantity`);
    }
    overrides.set(chargeId, quantity);
  });
  const chosen: Chosen[] = [];
  // spec 5: "Quantities are integers": a `quantity` that is not one is malformed whatever charges it sets
  let quantityProblem = cart.quantity !== undefined && !isWholeNumber(cart.quantity);
  for (const charge of plan.charges) {
    if (charge.optional && !addOns.includes(charge.id)) continue;
    const product = catalog.products.get(charge.productId);
    if (product === undefined) throw new Error(`oracle: unknown product ${charge.productId}`);
    let quantity = charge.quantity.default;
    if (overrides.has(charge.id)) quantity = overrides.get(charge.id)!;
    else if (cart.quantity !== undefined && charge.quantity.adjustable && charge.type !== 'metered') {
      if (!withinRange(charge, cart.quantity)) quantityProblem = true;
      quantity = cart.quantity;
    }
    chosen.push({ charge, product, quantity });
  }
  if (quantityProblem) problems.push('/quantity');
  if (problems.length > 0) throw new Refused('validation_failed', problems);
  return chosen;
}

interface ExactLine {
  chosen: Chosen;
  trial: boolean;
  subtotal: bigint;
  discount: bigint;
  rate: bigint;
  tax: bigint;
  total: bigint;
}

/** One invoice: lines -> coupon discount -> tax by rate -> totals. */
function invoice(
  plan: Plan,
  items: { chosen: Chosen; trial: boolean }[],
  coupon: Coupon | null,
  coverage: Coverage,
  taxation: Taxation,
): ExactLine[] {
  const lines: ExactLine[] = items.map(({ chosen, trial }) => ({
    chosen,
    trial,
    subtotal: trial ? 0n : priceOf(chosen.charge.pricing, chosen.quantity),
    discount: 0n,
    rate: taxation.rate(chosen.product.taxGroup),
    tax: 0n,
    total: 0n,
  }));

  // discount: D over B = the eligible lines' subtotals, allocated over them
  if (coupon !== null && coverage !== 'none') {
    const eligible = lines.filter(
      (l) =>
        lineIsEligible(coupon, plan.id, l.chosen.product.id) && (coverage === 'all' || l.chosen.charge.type === 'one_time'),
    );
    const base = eligible.reduce((a, l) => a + l.subtotal, 0n);
    let d: bigint;
    if (coupon.type === 'percentage') d = roundHalfAway(base * hundredthsOf(coupon.percentage!), 10000n);
    else d = BigInt(coupon.fixedAmount!) < base ? BigInt(coupon.fixedAmount!) : base;
    const shares = allocateExact(d, eligible.map((l) => l.subtotal));
    eligible.forEach((l, i) => (l.discount = shares[i]!));
  }

  // tax: group by rate; per rate one rounding; the rate's tax allocated over its lines
  const rates = [...new Set(lines.map((l) => l.rate))];
  for (const bp of rates) {
    const group = lines.filter((l) => l.rate === bp);
    const amounts = group.map((l) => l.subtotal - l.discount);
    const sum = amounts.reduce((a, b) => a + b, 0n);
    const tax = plan.taxBehavior === 'exclusive' ? roundHalfAway(sum * bp, 10000n) : roundHalfAway(sum * bp, 10000n + bp);
    const shares = allocateExact(tax, amounts);
    group.forEach((l, i) => (l.tax = shares[i]!));
  }
  for (const l of lines) {
    l.total = plan.taxBehavior === 'exclusive' ? l.subtotal - l.discount + l.tax : l.subtotal - l.discount;
  }
  return lines;
}

function totals(lines: ExactLine[]) {
  const add = (pick: (l: ExactLine) => bigint) => figure(lines.reduce((a, l) => a + pick(l), 0n));
  return { subtotal: add((l) => l.subtotal), discount: add((l) => l.discount), tax: add((l) => l.tax), total: add((l) => l.total) };
}

function shown(line: ExactLine): InvoiceLine {
  const { charge, product, quantity } = line.chosen;
  const out: InvoiceLine = {
    chargeId: charge.id,
    productId: product.id,
    description: product.name,
    type: charge.type,
    quantity: charge.pricing.model === 'flat' ? 1 : quantity,
    subtotal: figure(line.subtotal),
    discount: figure(line.discount),
    taxRate: Number(line.rate),
    tax: figure(line.tax),
    total: figure(line.total),
  };
  if (charge.pricing.model === 'flat') out.unitAmount = charge.pricing.amount;
  if (charge.pricing.model === 'per_unit') out.unitAmount = charge.pricing.unitAmount;
  if (line.trial) out.trial = true;
  return out;
}

interface Verdict {
  coupon: Coupon | null;
  code: string | null;
  reason?: CouponReason;
}

function judgeCoupon(lookup: CouponLookup, plan: Plan, chosen: Chosen[], now: Date): Verdict {
  if (lookup.status === 'none') return { coupon: null, code: null };
  if (lookup.status === 'not_found') return { coupon: null, code: lookup.code, reason: 'coupon_not_found' };
  const c = lookup.coupon;
  const refuse = (reason: CouponReason): Verdict => ({ coupon: null, code: lookup.code, reason });
  if (!c.enabled) return refuse('coupon_disabled');
  if (c.expiresAt !== null && new Date(c.expiresAt).getTime() <= now.getTime()) return refuse('coupon_expired');
  if (lookup.codeRedeemed || (c.maxRedemptions !== null && c.timesRedeemed >= c.maxRedemptions)) return refuse('coupon_exhausted');
  if (lookup.customerRedemptions !== null && c.maxRedemptionsPerCustomer !== null && lookup.customerRedemptions >= c.maxRedemptionsPerCustomer) {
    return refuse('coupon_customer_limit');
  }
  if (c.type === 'fixed_amount' && c.currency !== plan.currency) return refuse('coupon_currency_mismatch');
  if (!chosen.some((x) => lineIsEligible(c, plan.id, x.product.id))) return refuse('coupon_not_applicable');
  return { coupon: c, code: lookup.code };
}

function quoteOf({ catalog, cart, coupon: lookup, tax: settings, now }: OracleInput): Quote {
  const plan = catalog.plans.get(cart.plan);
  if (plan === undefined) throw new Refused('plan_not_found');
  if (plan.status !== 'active' || !plan.checkoutAllowed) throw new Refused('plan_not_available');
  const chosen = choose(plan, catalog, cart);
  const taxation = taxationFor(settings, cart);
  const verdict = judgeCoupon(lookup, plan, chosen, now);
  const trial = plan.trialDays > 0;

  // today's invoice: one-time charges and the first period's recurring charges, in plan order
  const todayItems = chosen
    .filter((x) => x.charge.type !== 'metered')
    .map((x) => ({ chosen: x, trial: trial && x.charge.type === 'recurring' }));
  const todayCoverage: Coverage = verdict.coupon === null ? 'none' : trial ? 'one_time_only' : coversPeriod(verdict.coupon, 1) ? 'all' : 'none';
  const today = invoice(plan, todayItems, verdict.coupon, todayCoverage, taxation);

  // the next renewal: period 2 without a trial, period 1 with one; recurring charges only
  const renewalItems = chosen.filter((x) => x.charge.type === 'recurring').map((x) => ({ chosen: x, trial: false }));
  const period = trial ? 1 : 2;
  const renewalCoverage: Coverage = verdict.coupon !== null && coversPeriod(verdict.coupon, period) ? 'all' : 'none';
  const renewal = invoice(plan, renewalItems, verdict.coupon, renewalCoverage, taxation);

  const dueToday = totals(today);
  const quote: Quote = {
    plan: plan.code,
    currency: plan.currency,
    lines: today.map(shown),
    taxTreatment: taxation.treatment,
    taxBehavior: plan.taxBehavior,
    dueToday,
    recurring: { interval: plan.interval, ...totals(renewal) },
    meteredCharges: chosen
      .filter((x) => x.charge.type === 'metered')
      .map((x) => ({ chargeId: x.charge.id, description: x.product.name, pricing: x.charge.pricing })),
  };
  if (verdict.code !== null) {
    quote.coupon = verdict.reason === undefined
      ? {
          code: verdict.code, valid: true, discount: dueToday.discount, frequency: verdict.coupon!.frequency,
          ...(verdict.coupon!.frequency === 'limited' ? { numberOfPeriods: verdict.coupon!.numberOfPeriods! } : {}),
        }
      : { code: verdict.code, valid: false, reason: verdict.reason, discount: 0 };
  }
  if (trial) quote.trialEndsAt = new Date(now.getTime() + plan.trialDays * 86_400_000).toISOString();
  return quote;
}

/** The oracle: the quote the spec asks for, or the refusal it asks for. */
export function oracleQuote(input: OracleInput): OracleResult {
  try {
    return { ok: true, quote: quoteOf(input) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, code: error.code, ...(error.pointers ? { pointers: error.pointers } : {}) };
    throw error;
  }
}
