/**
 * Renewal (SPEC.md section 6): which period a subscription bills next, and the renewal invoice, priced by the
 * quote's own `priceInvoice` (no second copy of the pricing). Pure: the billing run and the upcoming invoice
 * both call `priceRenewal`, so the upcoming invoice equals the invoice later issued at the same clock.
 */
import type { CatalogSnapshot, Interval, Plan, TaxBehavior } from './catalog.js';
import { couponCoverage, isLineEligible, type Coupon } from './coupons.js';
import { addInterval } from './periods.js';
import { wholeSeconds as second } from './proration.js';
import { priceInvoice, type InvoiceLine, type PricedInvoice, type SelectedCharge } from './quote.js';
import type { TaxDetermination } from './tax.js';

export interface Period {
  start: Date;
  end: Date;
}

export interface Item {
  chargeId: string;
  quantity: number;
}

/** What renewal needs of a subscription. */
export interface Renewable {
  anchor: Date;
  /** The k of the current period since the anchor (0 in a trial). */
  anchorPeriods: number;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  /** Recurring periods billed so far. */
  periodsBilled: number;
  /** True while the current period is a trial (its usage is free). */
  inTrial: boolean;
  /** The coupon's first covered period (its periods count from its application). */
  couponFirstPeriod: number;
}

/** Period k since the anchor: [A + (k-1) x interval, A + k x interval), months clamped, always from A. */
export const periodOf = (anchor: Date, interval: Interval, k: number): Period => ({
  start: k === 1 ? anchor : addInterval(anchor, interval, k - 1),
  end: addInterval(anchor, interval, k),
});

/** The period the next renewal bills in advance: the one after the current period. */
export const nextPeriod = (sub: Renewable, interval: Interval): Period => ({
  start: sub.currentPeriodEnd,
  end: addInterval(sub.anchor, interval, sub.anchorPeriods + 1),
});

/**
 * The coupon's period number for the period `periodsBilled + 1` (1 = the first period it covers), or null
 * when no coupon. Checkout's coupon starts at period 1; one applied later at the period after it.
 */
export const couponPeriodOf = (sub: Pick<Renewable, 'periodsBilled' | 'couponFirstPeriod'>): number =>
  sub.periodsBilled + 1 - sub.couponFirstPeriod + 1;

/**
 * The selection of a subscription's items in the plan's charge order: the items name the chosen charges
 * (add-ons only when chosen) and their quantities; metered charges are billed on their usage.
 */
export function selectionOf(catalog: CatalogSnapshot, plan: Plan, items: readonly Item[]): SelectedCharge[] {
  const byCharge = new Map(items.map((item) => [item.chargeId, item.quantity]));
  const out: SelectedCharge[] = [];
  for (const charge of plan.charges) {
    const quantity = byCharge.get(charge.id);
    if (quantity === undefined) continue;
    const product = catalog.products.get(charge.productId);
    if (!product) throw new Error(`catalog inconsistent: product ${charge.productId} of plan ${plan.code}`);
    out.push({ charge, product, quantity });
  }
  return out;
}

/** Whether a coupon applies to anything of a selection (a change keeps the coupon only then). */
export const couponEligibleFor = (coupon: Coupon, plan: Plan, selection: readonly SelectedCharge[]): boolean =>
  selection.some((s) => isLineEligible(coupon, plan.id, s.product.id));

export interface RenewalInput {
  plan: Plan;
  selection: readonly SelectedCharge[];
  coupon: Coupon | null;
  /** The coupon's period number of the period billed in advance (couponPeriodOf). */
  couponPeriod: number;
  tax: TaxDetermination;
  /** Usage per metered charge of the period that ended; null when nothing is billed in arrears (a trial). */
  usage: ReadonlyMap<string, number> | null;
  /** The period that ended (its usage) and the one billed in advance (null: a final invoice, usage only). */
  ended: Period;
  next: Period | null;
  /**
   * Per metered charge id, where its usage of the ended period starts when not at `ended.start` (its usage
   * before was invoiced by an immediate change that re-priced its measurement).
   */
  usageFrom?: ReadonlyMap<string, Date>;
  /**
   * The metered charge ids whose measurement is `recurring` (a value held, priced per period). Such a charge
   * bills the value held over [from, ended.end) for that share of the whole period: (ended.end - from) /
   * (periodEnd - ended.start) of its price, whole seconds. `from` is its `usageFrom` (the part before was
   * billed at the old price by a change), else ended.start.
   */
  recurringUsage?: ReadonlySet<string>;
  /**
   * The end of the period `ended` is part of, when the step cut it short (cancel or pause now: `ended` is
   * [start, now)); by default ended.end.
   */
  periodEnd?: Date;
  /**
   * The tax behaviour of the plan whose metered charges bill the ended period's usage, when not `plan`'s: the
   * plan before a pending change this renewal applies. Each usage line is priced at that plan's price and
   * converted into `plan`'s behaviour as a change's credits are (`inTaxBehavior`, see README).
   */
  usageTaxBehavior?: TaxBehavior;
}

export interface RenewalLine extends InvoiceLine {
  periodStart: string | null;
  periodEnd: string | null;
}

export interface PricedRenewal extends Omit<PricedInvoice, 'lines'> {
  lines: RenewalLine[];
}

/** Per recurring measurement's charge id held for part of its period: the share of the period it bills. */
function heldShares(input: RenewalInput): Map<string, { remaining: number; period: number }> {
  const out = new Map<string, { remaining: number; period: number }>();
  if (!input.recurringUsage) return out;
  const start = second(input.ended.start);
  const end = second(input.ended.end);
  const period = Math.max(end, second(input.periodEnd ?? input.ended.end)) - start;
  for (const chargeId of input.recurringUsage) {
    const from = Math.min(end, Math.max(start, second(input.usageFrom?.get(chargeId) ?? input.ended.start)));
    if (period > 0 && (from !== start || end - start !== period)) out.set(chargeId, { remaining: end - from, period });
  }
  return out;
}

/**
 * One renewal invoice: the metered charges of the period that ended (in arrears, a charge with no usage is
 * no line) and the recurring charges of the next period (in advance), the coupon on every eligible line when
 * it covers the next period. A final invoice (`next: null`) bills the usage only, without the coupon: it
 * bills no recurring period.
 */
export function priceRenewal(input: RenewalInput): PricedRenewal {
  const usage = new Map<string, number>();
  for (const [chargeId, quantity] of input.usage ?? []) if (quantity > 0) usage.set(chargeId, quantity);
  const selection = input.next ? input.selection : input.selection.filter((s) => s.charge.type === 'metered');
  const priced = priceInvoice({
    plan: input.plan,
    selection,
    coupon: input.next ? input.coupon : null,
    coverage: input.coupon && input.next ? couponCoverage(input.coupon, input.couponPeriod) : 'none',
    includeOneTime: false,
    trial: false,
    tax: input.tax,
    meteredUsage: usage,
    partOfPeriod: heldShares(input),
    ...(input.usageTaxBehavior ? { meteredTaxBehavior: input.usageTaxBehavior } : {}),
  });
  const iso = (d: Date) => d.toISOString();
  return {
    ...priced,
    lines: priced.lines.map((line) => {
      const period = line.type === 'metered' ? input.ended : input.next!;
      const start = (line.type === 'metered' && input.usageFrom?.get(line.chargeId)) || period.start;
      return { ...line, periodStart: iso(start), periodEnd: iso(period.end) };
    }),
  };
}
