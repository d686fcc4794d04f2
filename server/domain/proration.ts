/**
 * A change of plan or quantities (SPEC.md section 6, "Change of plan or quantities"). Pure.
 *
 * Built in named steps on top of the quote's one invoice pricing (`priceInvoice`):
 * classify (upgrade or downgrade, by the recurring subtotal per second of the full period) -> the fraction
 * of the period left -> credit lines (the current selection's unused time) -> charge lines (the new
 * selection for the rest of the period, or its full first period when the interval changes) -> tax per rate
 * on the net (negative bases give negative tax) -> totals.
 */
import type { Interval, Plan, TaxBehavior } from './catalog.js';
import { couponCoverage, type Coupon, type CouponCoverage } from './coupons.js';
import { mulDivRound } from './money.js';
import { addInterval } from './periods.js';
import { priceInvoice, type InvoiceLine, type InvoiceTotals, type SelectedCharge } from './quote.js';
import { inTaxBehavior, taxLines, type TaxDetermination } from './tax.js';

/** A plan with its chosen charges (a subscription's, or the one it changes to). */
export interface PlanSelection {
  plan: Plan;
  charges: readonly SelectedCharge[];
}

/** An instant in whole seconds (truncated), as every proration figure is. */
export const wholeSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** The instant truncated to its whole second. */
export const truncateToSecond = (at: Date): Date => new Date(wholeSeconds(at) * 1000);

// ------------------------------------------------------------------------------------- step 1: classify

/** The full-period subtotal of the recurring charges: no one-time charges, no usage, no coupon, no tax. */
export function recurringSubtotal(selection: PlanSelection, tax: TaxDetermination): number {
  return priceInvoice({
    plan: selection.plan,
    selection: selection.charges,
    coupon: null,
    coverage: 'none',
    includeOneTime: false,
    trial: false,
    tax,
  }).subtotal;
}

export type ChangeDirection = 'upgrade' | 'downgrade';

export interface RecurringRate {
  /** The recurring subtotal of a full period. */
  subtotal: number;
  /** The full period's length in whole seconds (> 0). */
  seconds: number;
}

/**
 * Upgrade when the new selection costs at least as much per second of its full period as the current one
 * (equal is an upgrade), else downgrade. Compared exactly: next.subtotal x current.seconds against
 * current.subtotal x next.seconds, in BigInt.
 */
export function changeDirection(current: RecurringRate, next: RecurringRate): ChangeDirection {
  const lhs = BigInt(next.subtotal) * BigInt(current.seconds);
  const rhs = BigInt(current.subtotal) * BigInt(next.seconds);
  return lhs >= rhs ? 'upgrade' : 'downgrade';
}

/** The length in whole seconds of the full period that starts at `start`. */
export const periodSeconds = (start: Date, interval: Interval): number =>
  wholeSeconds(addInterval(start, interval)) - wholeSeconds(start);

/** Same interval: equal lengths from any anchor (1 year = 12 months, 1 week = 7 days). */
export function sameInterval(a: Interval, b: Interval): boolean {
  const norm = (i: Interval): [string, number] =>
    i.unit === 'year' ? ['month', 12 * i.count] : i.unit === 'week' ? ['day', 7 * i.count] : [i.unit, i.count];
  const [ua, ca] = norm(a);
  const [ub, cb] = norm(b);
  return ua === ub && ca === cb;
}

// ------------------------------------------------------------------------------- step 2: the fraction

/** f = remaining / period = (e - t) / (e - s), each instant truncated to whole seconds. */
export interface Fraction {
  remaining: number;
  period: number;
}

/** The fraction of [start, end) left at `at`, which must lie inside the period. */
export function remainingFraction(start: Date, end: Date, at: Date): Fraction {
  const s = wholeSeconds(start);
  const e = wholeSeconds(end);
  const t = wholeSeconds(at);
  if (!(s <= t && t < e)) throw new RangeError(`${at.toISOString()} is outside the period [${start.toISOString()}, ${end.toISOString()})`);
  return { remaining: e - t, period: e - s };
}

// ------------------------------------------------------------------------------ steps 3-6: the invoice

/** How a prorated line names what it credits or charges, per language (the customer's: their invoice's). */
export const PRORATION_WORDS = {
  en: { unused: (what: string) => `Unused time on ${what}`, remaining: (what: string) => `Remaining time on ${what}` },
  de: { unused: (what: string) => `Nicht genutzte Zeit: ${what}`, remaining: (what: string) => `Restzeit: ${what}` },
} as const;

export interface ProrationInput {
  /** The words of the prorated lines (the customer's language); English when not given. */
  words?: (typeof PRORATION_WORDS)[keyof typeof PRORATION_WORDS];
  /** What the subscription is billed for in the current period. */
  current: PlanSelection;
  /** What it changes to (the same plan with other quantities or add-ons, or another plan of its family). */
  next: PlanSelection;
  /** The current period [periodStart, periodEnd). */
  periodStart: Date;
  periodEnd: Date;
  /** The change's instant t (now, or the preview's prorationDate), inside the current period. */
  at: Date;
  /** The subscription's coupon, or null. */
  coupon: Coupon | null;
  /**
   * The coupon's count of the current period: 1 for the first period it discounts, below 1 while it covers
   * none yet (a coupon applied after the period was billed counts from the next one).
   */
  couponPeriod: number;
  /** The customer's treatment and rates now: credit and charge lines are taxed alike. */
  tax: TaxDetermination;
  /**
   * The current selection's metered usage to bill now, by charge id, in arrears at the current plan's prices:
   * every metered charge's when the interval changes (the period then restarts at t), else those whose
   * measurement the change drops or re-prices (`usageToBillNow`). Their renewal will not bill that usage.
   * A quantity of 0 is no line.
   */
  usage?: ReadonlyMap<string, number> | null;
  /** Per charge id of `usage`, where its usage started when later than periodStart (a change before this one). */
  usageFrom?: ReadonlyMap<string, string>;
  /**
   * The charge ids of `usage` whose measurement is `recurring` (a value held: seats, storage; `recurringUsageOf`).
   * Its price is a full period's, so the value held over [from, t) bills (t - from) / (e - s) of it.
   */
  recurringUsage?: ReadonlySet<string>;
}

export interface ProrationLine extends InvoiceLine {
  /** Set on the credit for unused time and on the charge for the rest of the period. */
  proration?: true;
  periodStart: string;
  periodEnd: string;
}

export interface ProrationInvoice extends InvoiceTotals {
  lines: ProrationLine[];
  /** The tax behaviour of the new plan: the invoice's. */
  taxBehavior: TaxBehavior;
  /** True when the interval changes: the invoice bills the new plan's first full period. */
  newPeriod: boolean;
  /** What the invoice bills: [t, e), or the new first period [t, t + new interval). */
  periodStart: string;
  periodEnd: string;
}

const coverageOf = (coupon: Coupon | null, period: number): CouponCoverage =>
  coupon === null ? 'none' : couponCoverage(coupon, period);

/**
 * The invoice of a change that takes effect now (SPEC section 6):
 * - credit lines: for each recurring line billed for the current period (the current selection priced for
 *   the full period, discounted as the coupon discounted that period), -round((subtotal - discount) x f);
 * - charge lines, same interval: each recurring charge of the new selection for the rest of the period,
 *   round(full-period subtotal x f), discounted by the coupon when it covers the current period (a fixed
 *   amount off prorated by f as well);
 *   another interval: the new selection's full first period from t, discounted when the coupon covers the
 *   subscription's next period;
 * - usage: the current selection's metered usage of [s, t) that ends at t, in arrears: all of it when the
 *   interval changes, else that of the measurements the new selection drops or bills at another price. A
 *   `metered` measurement's usage at its price as it is; a `recurring` one's value held over [from, t) at
 *   (t - from) / (e - s) of its price (it is sold per period, as a seat is); no usage, no line;
 * - tax per rate on the sum of the rate's credit and charge lines.
 * A negative total is a credit for the customer's balance; that is the caller's to book.
 */
export function prorationInvoice(input: ProrationInput): ProrationInvoice {
  const { current, next, coupon, tax } = input;
  const words = input.words ?? PRORATION_WORDS.en;
  const at = truncateToSecond(input.at);
  const fraction = remainingFraction(input.periodStart, input.periodEnd, at);
  const behavior = next.plan.taxBehavior;
  const newPeriod = !sameInterval(current.plan.interval, next.plan.interval);
  const t = at.toISOString();
  const e = input.periodEnd.toISOString();
  const chargeEnd = newPeriod ? addInterval(at, next.plan.interval).toISOString() : e;

  // Step 3: credit for the unused time of what the current period billed.
  const billed = priceInvoice({
    plan: current.plan,
    selection: current.charges,
    coupon,
    coverage: coverageOf(coupon, input.couponPeriod),
    includeOneTime: false,
    trial: false,
    tax,
  });
  const lines: ProrationLine[] = billed.lines.map((line) => {
    const unused = mulDivRound(line.subtotal - line.discount, fraction.remaining, fraction.period);
    const credit = inTaxBehavior(0 - unused, line.taxRate, current.plan.taxBehavior, behavior);
    return prorated(line, words.unused(line.description), credit, 0, t, e);
  });

  // Step 3b: usage that ends at t (a new interval ends the period; a measurement dropped or re-priced ends
  // its price) is billed now, at the current plan's prices.
  // A metered charge with no usage is no line, as on a renewal (a flat price bills nothing for 0).
  const usage = new Map([...(input.usage ?? [])].filter(([, quantity]) => quantity > 0));
  if (usage.size > 0) {
    // A recurring measurement's price is per period: the part [from, t) it was held bills its share.
    const partOfPeriod = new Map<string, Fraction>();
    for (const chargeId of input.recurringUsage ?? []) {
      if (!usage.has(chargeId)) continue;
      const from = input.usageFrom?.get(chargeId);
      partOfPeriod.set(chargeId, { remaining: wholeSeconds(at) - wholeSeconds(from === undefined ? input.periodStart : new Date(from)), period: fraction.period });
    }
    const used = priceInvoice({
      plan: current.plan,
      selection: current.charges.filter((selected) => selected.charge.type === 'metered' && usage.has(selected.charge.id)),
      coupon,
      coverage: coverageOf(coupon, input.couponPeriod),
      includeOneTime: false,
      trial: false,
      tax,
      meteredUsage: usage,
      partOfPeriod,
    });
    const from = (amount: number, rate: number) => inTaxBehavior(amount, rate, current.plan.taxBehavior, behavior);
    const converted = current.plan.taxBehavior !== behavior;
    for (const priced of used.lines) {
      // A converted amount is no unit price x quantity in the invoice's terms: no unit amount then.
      const { unitAmount: _unit, ...rest } = priced;
      const line = converted ? rest : priced;
      const subtotal = from(line.subtotal, line.taxRate);
      const periodStart = input.usageFrom?.get(line.chargeId) ?? input.periodStart.toISOString();
      lines.push({ ...line, subtotal, discount: Math.min(subtotal, from(line.discount, line.taxRate)), tax: 0, total: 0, periodStart, periodEnd: t });
    }
  }

  // Step 4: the new selection, for the rest of the period or its full first period. A fixed amount off
  // is prorated like the lines it discounts (see README): the whole amount on part of a period would give
  // the customer more than the coupon ever gave for that period.
  const charged = priceInvoice({
    plan: next.plan,
    selection: next.charges,
    coupon: coupon === null || newPeriod ? coupon : prorateCoupon(coupon, fraction),
    coverage: coverageOf(coupon, newPeriod ? input.couponPeriod + 1 : input.couponPeriod),
    includeOneTime: false,
    trial: false,
    tax,
    ...(newPeriod ? {} : { prorate: fraction }),
  });
  for (const line of charged.lines) {
    if (newPeriod) lines.push({ ...line, periodStart: t, periodEnd: chargeEnd });
    else lines.push(prorated(line, words.remaining(line.description), line.subtotal, line.discount, t, e));
  }

  // Step 5: tax per rate on the net of credit and charge lines.
  const amounts = lines.map((line) => line.subtotal - line.discount);
  const taxes = taxLines(behavior, amounts, lines.map((line) => line.taxRate));

  // Step 6: line totals and invoice totals.
  const totals: InvoiceTotals = { subtotal: 0, discount: 0, tax: 0, total: 0 };
  lines.forEach((line, i) => {
    line.tax = taxes[i]!;
    line.total = behavior === 'exclusive' ? amounts[i]! + line.tax : amounts[i]!;
    totals.subtotal += line.subtotal;
    totals.discount += line.discount;
    totals.tax += line.tax;
    totals.total += line.total;
  });
  return { ...totals, lines, taxBehavior: behavior, newPeriod, periodStart: t, periodEnd: chargeEnd };
}

/**
 * The metered charges of the current selection whose usage so far an immediate change bills now: all of them
 * when the interval changes (the period ends at t); otherwise each `metered` or `recurring` measurement that
 * the new selection does not bill through the same product at the same price: dropped, or re-priced (the old
 * price for [s, t), the new one from t). Usage of a measurement billed alike goes on to the renewal, whole (a
 * `max` or `count_unique` over the whole period stays one figure, a recurring value one period's quantity).
 * `instant_metered` usage was billed as it came.
 */
export function usageToBillNow(current: PlanSelection, next: PlanSelection, measurements: ReadonlyMap<string, { type: string }>): Set<string> {
  const newPeriod = !sameInterval(current.plan.interval, next.plan.interval);
  const out = new Set<string>();
  for (const selected of current.charges) {
    if (selected.charge.type !== 'metered' || selected.product.measurementId === null) continue;
    if (newPeriod) {
      out.add(selected.charge.id);
      continue;
    }
    const type = measurements.get(selected.product.measurementId)?.type;
    if (type !== 'metered' && type !== 'recurring') continue;
    const same = next.charges.some(
      (n) => n.charge.type === 'metered' && n.product.id === selected.product.id && JSON.stringify(n.charge.pricing) === JSON.stringify(selected.charge.pricing),
    );
    if (!same) out.add(selected.charge.id);
  }
  return out;
}

/** The charge ids of a selection's metered charges whose measurement is `recurring` (a value held per period). */
export function recurringUsageOf(selection: PlanSelection, measurements: ReadonlyMap<string, { type: string }>): Set<string> {
  const out = new Set<string>();
  for (const selected of selection.charges) {
    if (selected.charge.type !== 'metered' || selected.product.measurementId === null) continue;
    if (measurements.get(selected.product.measurementId)?.type === 'recurring') out.add(selected.charge.id);
  }
  return out;
}

/** A fixed amount off for the rest of the period: round(fixedAmount x f). A percentage is unchanged. */
function prorateCoupon(coupon: Coupon, fraction: Fraction): Coupon {
  if (coupon.type !== 'fixed_amount' || coupon.fixedAmount === null) return coupon;
  return { ...coupon, fixedAmount: mulDivRound(coupon.fixedAmount, fraction.remaining, fraction.period) };
}

/** A line for part of a period: no unit amount (the subtotal is not unit x quantity any more). */
function prorated(line: InvoiceLine, description: string, subtotal: number, discount: number, periodStart: string, periodEnd: string): ProrationLine {
  const { unitAmount: _unit, trial: _trial, ...rest } = line;
  return { ...rest, description, subtotal, discount, tax: 0, total: 0, proration: true, periodStart, periodEnd };
}

/**
 * When a change takes effect: in a trial at once (no invoice); an upgrade at once; a downgrade at the
 * period's end, or at once when the merchant's `downgrades` setting is `immediately`.
 */
export function changeTakesEffect(input: { trialing: boolean; direction: ChangeDirection; downgrades: 'period_end' | 'immediately' }): 'now' | 'period_end' {
  if (input.trialing || input.direction === 'upgrade' || input.downgrades === 'immediately') return 'now';
  return 'period_end';
}
