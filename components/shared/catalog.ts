/** Pure catalog arithmetic for display: what a plan costs, how plans pair across intervals. */
import type { Charge, Interval, Plan, Pricing } from './types.js';

/** The recurring price per interval of a subscription's items under its plan's charges, before coupon and tax. */
export function itemsPrice(charges: readonly { id: string; type: string; pricing: unknown }[], items: readonly { chargeId: string; quantity: number }[]): number {
  return items.reduce((sum, item) => {
    const charge = charges.find((c) => c.id === item.chargeId);
    return charge?.type === 'recurring' ? sum + priceFor(charge.pricing as Pricing, item.quantity) : sum;
  }, 0);
}

/** The price of q units under a pricing model (SPEC section 2), in minor units. */
export function priceFor(pricing: Pricing, quantity: number): number {
  const q = Math.max(0, Math.trunc(quantity));
  switch (pricing.model) {
    case 'flat':
      return pricing.amount;
    case 'per_unit':
      return pricing.unitAmount * q;
    case 'package':
      return q === 0 ? 0 : Math.ceil(q / pricing.packageSize) * pricing.amount;
    case 'tiered': {
      if (q === 0) return 0;
      if (pricing.mode === 'volume') {
        const tier = pricing.tiers.find((t) => t.upTo === null || q <= t.upTo) ?? pricing.tiers.at(-1);
        return tier ? tier.unitAmount * q + (tier.flatAmount ?? 0) : 0;
      }
      let total = 0;
      let from = 0;
      for (const tier of pricing.tiers) {
        const upTo = tier.upTo ?? Infinity;
        const units = Math.min(q, upTo) - from;
        if (units > 0) total += tier.unitAmount * units + (tier.flatAmount ?? 0);
        if (q <= upTo) break;
        from = upTo;
      }
      return total;
    }
  }
}

const base = (charge: Charge) => !charge.optional;

/** The recurring charges a plan always bills (not add-ons, not metered). */
export function recurringCharges(plan: Plan): Charge[] {
  return plan.charges.filter((c) => c.type === 'recurring' && base(c));
}

export interface Headline {
  /** Minor units per interval (or per unit when perUnit is set). */
  amount: number;
  /** Set when the headline is one per-unit charge: "€10 per seat". */
  perUnit?: Charge;
  /** True when quantities can change the price ("from €29"). */
  from: boolean;
}

/** The figure a pricing card leads with. */
export function headlinePrice(plan: Plan): Headline {
  const recurring = recurringCharges(plan);
  const only = recurring.length === 1 ? recurring[0] : undefined;
  if (only && only.pricing.model === 'per_unit' && only.quantity.adjustable) {
    return { amount: only.pricing.unitAmount, perUnit: only, from: false };
  }
  const adjustable = (c: Charge) => c.quantity.adjustable && c.pricing.model !== 'flat';
  const from = recurring.some(adjustable) || plan.charges.some((c) => c.type === 'metered' && base(c));
  // "from" is the least a buyer can pay: every adjustable charge at its minimum, not at its default.
  const amount = recurring.reduce((sum, c) => sum + priceFor(c.pricing, adjustable(c) ? c.quantity.min : c.quantity.default), 0);
  return { amount, from };
}

/** The plan's comparable recurring price at default quantities. */
export function recurringTotal(plan: Plan): number {
  return recurringCharges(plan).reduce((sum, c) => sum + priceFor(c.pricing, c.quantity.default), 0);
}

/** The one-time (setup) fee billed on the first invoice, at default quantities. */
export function setupFee(plan: Plan): number {
  return plan.charges
    .filter((c) => c.type === 'one_time' && base(c))
    .reduce((sum, c) => sum + priceFor(c.pricing, c.quantity.default), 0);
}

export function intervalKey(interval: Interval): string {
  return `${interval.count}-${interval.unit}`;
}

const PER_YEAR: Record<Interval['unit'], number> = { day: 365, week: 52, month: 12, year: 1 };

/** How many of this interval fit in a year (month -> 12, 3 months -> 4, year -> 1). */
export function periodsPerYear(interval: Interval): number {
  return PER_YEAR[interval.unit] / Math.max(1, interval.count);
}

/** The distinct intervals of some plans, shortest first. */
export function intervalsOf(plans: Plan[]): Interval[] {
  const seen = new Map<string, Interval>();
  for (const plan of plans) seen.set(intervalKey(plan.interval), plan.interval);
  return [...seen.values()].sort((a, b) => periodsPerYear(b) - periodsPerYear(a));
}

/** Plans that are the same offer at another interval share this key: their recurring product. */
export function pairKey(plan: Plan): string {
  const charge = recurringCharges(plan)[0] ?? plan.charges[0];
  return charge ? `product:${charge.productId}` : `name:${plan.name}`;
}

/**
 * The whole-percent saving of `longer` over paying `shorter` for the same time, or 0 when there is none.
 * (pro-monthly €10, pro-yearly €100: 1 - 100 / (10 x 12) = 17%.)
 */
export function savingPercent(shorter: Plan, longer: Plan): number {
  const a = recurringTotal(shorter);
  const b = recurringTotal(longer);
  if (a <= 0 || b <= 0) return 0;
  const ratio = periodsPerYear(shorter.interval) / periodsPerYear(longer.interval);
  const saving = Math.round((1 - b / (a * ratio)) * 100);
  return saving > 0 ? saving : 0;
}

/** For the plans shown at `interval`, the largest saving any of them has over its shortest-interval twin. */
export function bestSaving(plans: Plan[], interval: Interval): number {
  const shortest = intervalsOf(plans)[0];
  if (!shortest || intervalKey(shortest) === intervalKey(interval)) return 0;
  let best = 0;
  for (const plan of plans.filter((p) => intervalKey(p.interval) === intervalKey(interval))) {
    const twin = plans.find((p) => pairKey(p) === pairKey(plan) && intervalKey(p.interval) === intervalKey(shortest));
    if (twin) best = Math.max(best, savingPercent(twin, plan));
  }
  return best;
}

/** The twin of `plan` at the shortest interval, when there is one. */
export function shortestTwin(plans: Plan[], plan: Plan): Plan | undefined {
  const shortest = intervalsOf(plans)[0];
  if (!shortest || intervalKey(shortest) === intervalKey(plan.interval)) return undefined;
  return plans.find((p) => pairKey(p) === pairKey(plan) && intervalKey(p.interval) === intervalKey(shortest));
}
