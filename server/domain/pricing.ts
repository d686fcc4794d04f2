/**
 * Pricing one charge for a quantity (SPEC.md section 2). Pure.
 *
 * Every amount is an integer in minor units; products are computed exactly and refused (DomainError
 * `amount_out_of_range`) when they cannot be held by a JS number. q = 0 gives 0 for every model but flat.
 */
import type { Pricing, Tier } from './catalog.js';
import type { FieldError } from './errors.js';
import { isNonNegativeAmount, multiply, toSafeAmount } from './money.js';

/** The amount of a charge priced with `pricing` for quantity `quantity` (an integer >= 0). */
export function priceCharge(pricing: Pricing, quantity: number): number {
  if (!isNonNegativeAmount(quantity)) throw new RangeError(`invalid quantity ${quantity}`);
  switch (pricing.model) {
    case 'flat':
      return pricing.amount;
    case 'per_unit':
      return quantity === 0 ? 0 : multiply(pricing.unitAmount, quantity);
    case 'package':
      return quantity === 0 ? 0 : multiply(Math.ceil(quantity / pricing.packageSize), pricing.amount);
    case 'tiered':
      if (quantity === 0) return 0;
      return pricing.mode === 'graduated'
        ? priceGraduated(pricing.tiers, quantity)
        : priceVolume(pricing.tiers, quantity);
  }
}

/** Calls `visit` with each tier that quantity q reaches and the units of q that fall into it, in order. */
function eachTierUnits(tiers: readonly Tier[], quantity: number, visit: (tier: Tier, units: number) => void): void {
  let below = 0; // units already priced by lower tiers
  for (const tier of tiers) {
    const upper = tier.upTo === null ? quantity : Math.min(quantity, tier.upTo);
    if (upper <= below) return;
    visit(tier, upper - below);
    below = upper;
    if (below >= quantity) return;
  }
}

/**
 * Each tier prices the units that fall into it, plus its flat amount when at least one unit does. Summed in
 * numbers, exact while the sum stays a safe integer (every term is >= 0, so then every step was too); past
 * that again in BigInt, refused unless the total fits.
 */
function priceGraduated(tiers: readonly Tier[], quantity: number): number {
  let total = 0;
  eachTierUnits(tiers, quantity, (tier, units) => (total += tier.unitAmount * units + tier.flatAmount));
  if (Number.isSafeInteger(total)) return total;
  let exact = 0n;
  eachTierUnits(tiers, quantity, (tier, units) => (exact += BigInt(tier.unitAmount) * BigInt(units) + BigInt(tier.flatAmount)));
  return toSafeAmount(exact);
}

/** The one tier containing q prices all q units: unitAmount x q + flatAmount. */
function priceVolume(tiers: readonly Tier[], quantity: number): number {
  const tier = tierFor(tiers, quantity);
  const total = tier.unitAmount * quantity + tier.flatAmount;
  if (Number.isSafeInteger(total)) return total;
  return toSafeAmount(BigInt(tier.unitAmount) * BigInt(quantity) + BigInt(tier.flatAmount));
}

/** The tier that contains quantity q (the first with upTo >= q, else the open one). */
export function tierFor(tiers: readonly Tier[], quantity: number): Tier {
  for (const tier of tiers) {
    if (tier.upTo === null || quantity <= tier.upTo) return tier;
  }
  throw new RangeError('tiers must end with an open tier (upTo null)');
}

/**
 * The unit amount shown on an invoice line, where the model has one: per_unit's unitAmount and flat's
 * amount (a flat charge is quantity 1). Tiered and package lines show no unit amount.
 */
export function displayUnitAmount(pricing: Pricing): number | undefined {
  if (pricing.model === 'per_unit') return pricing.unitAmount;
  if (pricing.model === 'flat') return pricing.amount;
  return undefined;
}

/**
 * Problems with a tier list, as JSON pointers under `base` (e.g. `/charges/0/pricing/tiers`), for the
 * schema layer: at least one tier, upTo integers >= 1 strictly increasing, only the last null, amounts
 * non-negative safe integers. Empty list = valid.
 */
export function tiersAreValid(tiers: readonly Tier[], base = '/tiers'): FieldError[] {
  const problems: FieldError[] = [];
  if (tiers.length === 0) {
    problems.push({ pointer: base, detail: 'at least one tier is required' });
    return problems;
  }
  let previous = 0;
  tiers.forEach((tier, i) => {
    const at = `${base}/${i}`;
    const last = i === tiers.length - 1;
    if (tier.upTo === null) {
      if (!last) problems.push({ pointer: `${at}/upTo`, detail: 'only the last tier may be open (upTo null)' });
    } else if (!isNonNegativeAmount(tier.upTo) || tier.upTo < 1) {
      problems.push({ pointer: `${at}/upTo`, detail: 'upTo must be an integer >= 1 or null' });
    } else {
      if (tier.upTo <= previous) {
        problems.push({ pointer: `${at}/upTo`, detail: `upTo must be greater than the previous tier's (${previous})` });
      }
      if (last) problems.push({ pointer: `${at}/upTo`, detail: 'the last tier must be open (upTo null)' });
      previous = Math.max(previous, tier.upTo);
    }
    if (!isNonNegativeAmount(tier.unitAmount)) {
      problems.push({ pointer: `${at}/unitAmount`, detail: 'unitAmount must be an integer >= 0 (minor units)' });
    }
    if (!isNonNegativeAmount(tier.flatAmount)) {
      problems.push({ pointer: `${at}/flatAmount`, detail: 'flatAmount must be an integer >= 0 (minor units)' });
    }
  });
  return problems;
}

/**
 * Problems with any pricing shape (amounts non-negative safe integers, packageSize >= 1, valid tiers),
 * as JSON pointers under `base` (e.g. `/charges/2/pricing`). Empty list = valid.
 */
export function pricingProblems(pricing: Pricing, base = ''): FieldError[] {
  const amount = (value: number, name: string): FieldError[] =>
    isNonNegativeAmount(value) ? [] : [{ pointer: `${base}/${name}`, detail: `${name} must be an integer >= 0 (minor units)` }];
  switch (pricing.model) {
    case 'flat':
      return amount(pricing.amount, 'amount');
    case 'per_unit':
      return amount(pricing.unitAmount, 'unitAmount');
    case 'package': {
      const problems = amount(pricing.amount, 'amount');
      if (!isNonNegativeAmount(pricing.packageSize) || pricing.packageSize < 1) {
        problems.push({ pointer: `${base}/packageSize`, detail: 'packageSize must be an integer >= 1' });
      }
      return problems;
    }
    case 'tiered':
      return tiersAreValid(pricing.tiers, `${base}/tiers`);
  }
}
