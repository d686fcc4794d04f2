/**
 * Random worlds for the oracle tests: a plan of up to six charges over four products (every pricing model,
 * amounts from everyday to past 2^53), a cart, maybe a coupon and a buyer, and now and then one thing wrong.
 * `build` turns a world into the domain's input with symbolic ids (plan code `x`, `chg_<i>`, `prod_<n>`).
 * Shared by the domain oracle test and the one through the HTTP API.
 */
import fc from 'fast-check';
import type { Charge, IntervalUnit, Plan, Pricing, Product, Tier } from '../../server/domain/catalog.js';
import type { Coupon, CouponLookup } from '../../server/domain/coupons.js';
import type { Cart } from '../../server/domain/quote.js';
import { defaultTaxSettings, type TaxSettings } from '../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from './builders.js';
import type { OracleInput } from './oracle.js';

export const NOW = new Date('2026-03-01T10:00:00.000Z');

// ------------------------------------------------------------------------------------------ generators

/** Amount scales: everyday prices, large ones whose products pass 2^53 (BigInt paths), and rare huge ones. */
const scale = fc.constantFrom('small', 'small', 'round', 'medium', 'medium', 'large', 'huge');
const amountIn = (s: string) =>
  s === 'small' ? fc.integer({ min: 0, max: 10_000 })
  // multiples of 25: discounts and taxes land on exact halves, allocations on ties
  : s === 'round' ? fc.integer({ min: 0, max: 400 }).map((n) => n * 25)
  : s === 'medium' ? fc.integer({ min: 0, max: 1_000_000 })
  : s === 'large' ? fc.integer({ min: 0, max: 2 ** 40 })
  : fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const tiersIn = (s: string): fc.Arbitrary<Tier[]> =>
  fc
    .tuple(
      fc.array(fc.record({ step: fc.integer({ min: 1, max: 20 }), unitAmount: amountIn(s), flatAmount: amountIn(s) }), { maxLength: 3 }),
      fc.record({ unitAmount: amountIn(s), flatAmount: amountIn(s) }),
    )
    .map(([bounded, open]) => {
      let upTo = 0;
      const result: Tier[] = bounded.map(({ step, unitAmount, flatAmount }) => ({ upTo: (upTo += step), unitAmount, flatAmount }));
      result.push({ upTo: null, ...open });
      return result;
    });

const pricingIn = (s: string): fc.Arbitrary<Pricing> =>
  fc.oneof(
    amountIn(s).map((a): Pricing => ({ model: 'flat', amount: a })),
    amountIn(s).map((a): Pricing => ({ model: 'per_unit', unitAmount: a })),
    fc.tuple(fc.constantFrom('graduated' as const, 'volume' as const), tiersIn(s)).map(([mode, t]): Pricing => ({ model: 'tiered', mode, tiers: t })),
    fc.tuple(fc.integer({ min: 1, max: 50 }), amountIn(s)).map(([packageSize, a]): Pricing => ({ model: 'package', packageSize, amount: a })),
  );

const chargeSpecIn = (s: string) =>
  fc.record({
    type: fc.constantFrom('recurring' as const, 'recurring' as const, 'one_time' as const, 'metered' as const),
    pricing: pricingIn(s),
    product: fc.nat({ max: 3 }),
    min: fc.integer({ min: 0, max: 3 }),
    span: fc.option(fc.integer({ min: 0, max: 30 })),
    adjustable: fc.boolean(),
    optional: fc.constantFrom(false, false, true),
    // the buyer's choices for this charge
    chosen: fc.boolean(),
    pick: fc.nat({ max: 1000 }),
    override: fc.boolean(),
  });

const EU_COUNTRIES = ['DE', 'FR', 'GR', 'NL', 'AT', 'IT', 'DK', 'HU', 'LU'];
const NON_EU_COUNTRIES = ['US', 'CH', 'GB', 'JP'];
/** VAT IDs jsvat accepts (test/server/domain/tax.test.ts) and ones it refuses. */
const VALID_VAT_IDS: Record<string, string[]> = {
  DE: ['DE136695976', 'de 136 695 976'],
  FR: ['FR40303265045'],
  NL: ['NL004495445B01'],
  GR: ['EL094259216'],
};
const INVALID_VAT_IDS = ['DE136695977', 'FR00000000000', 'GR094259216', '136695976', 'XX123'];

const couponSpec = fc.record({
  /** A healthy coupon passes every check up to eligibility; the others fail any checks, to test their order. */
  healthy: fc.boolean(),
  lookup: fc.constantFrom('found', 'found', 'found', 'found', 'found', 'not_found'),
  type: fc.constantFrom('percentage' as const, 'fixed_amount' as const),
  hundredths: fc.oneof(fc.integer({ min: 1, max: 9999 }), fc.constantFrom(1, 50, 100, 1250, 3333, 5000, 9999)),
  fixedAmount: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 2 ** 45 })),
  sameCurrency: fc.constantFrom(true, true, true, true, false),
  frequency: fc.constantFrom('once' as const, 'limited' as const, 'lifetime' as const),
  numberOfPeriods: fc.integer({ min: 1, max: 3 }),
  plans: fc.constantFrom([] as string[], [] as string[], ['plan_x'], ['plan_other']),
  products: fc.array(fc.nat({ max: 4 }), { maxLength: 2 }),
  excludedPlans: fc.constantFrom([] as string[], [] as string[], [] as string[], ['plan_other'], ['plan_x']),
  excludedProducts: fc.array(fc.nat({ max: 4 }), { maxLength: 1 }),
  enabled: fc.constantFrom(true, true, true, true, true, false),
  expires: fc.constantFrom('never', 'never', 'never', 'past', 'now', 'future'),
  maxRedemptions: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 3 }),
  timesRedeemed: fc.integer({ min: 0, max: 3 }),
  maxPerCustomer: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 3 }),
  customerRedemptions: fc.option(fc.integer({ min: 0, max: 2 })),
  codeRedeemed: fc.constantFrom(false, false, false, false, true),
});

const customerSpec = fc.record({
  where: fc.constantFrom('home', 'eu', 'eu', 'outside'),
  eu: fc.constantFrom(...EU_COUNTRIES),
  outside: fc.constantFrom(...NON_EU_COUNTRIES),
  type: fc.constantFrom('individual' as const, 'business' as const, 'business' as const),
  vat: fc.constantFrom('none', 'none', 'empty', 'blank', 'valid', 'valid', 'valid', 'other_country', 'invalid'),
  lowerCase: fc.constantFrom(false, false, false, false, true),
  pick: fc.nat({ max: 10 }),
  known: fc.boolean(),
});

export const world = fc.record({
  scale,
  currency: fc.constantFrom('EUR', 'EUR', 'USD', 'JPY', 'KWD'),
  homeCountry: fc.constantFrom('DE', 'DE', 'FR', 'AT', 'NL'),
  taxBehavior: fc.constantFrom('exclusive' as const, 'inclusive' as const),
  trialDays: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 30 })),
  interval: fc.record({ unit: fc.constantFrom<IntervalUnit>('day', 'week', 'month', 'year'), count: fc.integer({ min: 1, max: 12 }) }),
  taxGroups: fc.array(fc.constantFrom('standard' as const, 'reduced' as const), { minLength: 4, maxLength: 4 }),
  quantity: fc.option(fc.nat({ max: 1000 })),
  quantityOutOfRange: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  bigQuantity: fc.constantFrom(false, false, false, true),
  /** Now and then one thing wrong with the cart or the plan (SPEC 5 and README "Cart validation"). */
  tamper: fc.oneof(
    { weight: 12, arbitrary: fc.constant('none') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'unknown_plan', 'draft', 'archived', 'hidden', 'charge_unknown', 'charge_duplicate', 'charge_metered',
        'charge_unchosen_optional', 'charge_fixed_other', 'charge_fraction', 'charge_negative', 'addon_unknown',
        'addon_required', 'addon_duplicate', 'quantity_fraction', 'quantity_negative',
      ),
    },
  ),
  coupon: fc.option(couponSpec, { freq: 4 }),
  customer: fc.option(customerSpec, { freq: 4 }),
}).chain((w) =>
  fc.record({ charges: fc.array(chargeSpecIn(w.scale), { minLength: 1, maxLength: 6 }) }).map(({ charges }) => ({ ...w, charges })),
);

export type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

export function build(w: World): OracleInput {
  const products: Product[] = [0, 1, 2, 3].map((n) =>
    aProduct({ id: `prod_${n}`, number: `P-${n}`, name: `Product ${n}`, taxGroup: w.taxGroups[n]! }),
  );
  const charges: Charge[] = w.charges.map((spec, i) => {
    const metered = spec.type === 'metered';
    const max = spec.span === null ? null : spec.min + spec.span;
    return aCharge({
      id: `chg_${i}`,
      productId: `prod_${spec.product}`,
      type: spec.type,
      pricing: spec.pricing,
      quantity: {
        default: metered ? 0 : spec.min + (spec.pick % ((spec.span ?? 5) + 1)),
        min: metered ? 0 : spec.min,
        max: metered ? null : max,
        adjustable: metered ? false : spec.adjustable,
      },
      optional: spec.optional,
    });
  });
  const plan: Plan = aPlan({
    id: 'plan_x',
    code: 'x',
    currency: w.currency,
    interval: w.interval,
    taxBehavior: w.taxBehavior,
    trialDays: w.trialDays,
    charges,
  });

  const cart: Cart = { plan: 'x' };
  const addOns: string[] = [];
  const overrides: { chargeId: string; quantity: number }[] = [];
  w.charges.forEach((spec, i) => {
    const charge = charges[i]!;
    if (charge.optional && !spec.chosen) return;
    if (charge.optional) addOns.push(charge.id);
    if (spec.override && charge.quantity.adjustable && charge.type !== 'metered') {
      const room = (charge.quantity.max ?? charge.quantity.min + 40) - charge.quantity.min;
      overrides.push({ chargeId: charge.id, quantity: charge.quantity.min + ((spec.pick * 7) % (room + 1)) });
    }
  });
  if (addOns.length > 0 || w.charges.length % 2 === 0) cart.addOns = addOns;
  if (overrides.length > 0) cart.charges = overrides;
  if (w.quantity !== null) {
    // a quantity within every range `quantity` sets (chosen, adjustable, non-metered, not set by charges[]),
    // or, now and then, one outside some range
    const ruled = charges.filter(
      (c) => (!c.optional || addOns.includes(c.id)) && c.quantity.adjustable && c.type !== 'metered' && !overrides.some((o) => o.chargeId === c.id),
    );
    const lo = Math.max(0, ...ruled.map((c) => c.quantity.min));
    const hi = Math.min(lo + (w.bigQuantity ? 1_000_000 : 60), ...ruled.map((c) => c.quantity.max ?? Infinity));
    if (w.quantityOutOfRange) cart.quantity = hi + 1 + (w.quantity % 3);
    else if (lo <= hi) cart.quantity = lo + (w.quantity % (hi - lo + 1));
  }

  tamper(w.tamper, plan, cart);

  if (w.customer !== null) {
    const c = w.customer;
    const country = c.where === 'home' ? w.homeCountry : c.where === 'eu' ? c.eu : c.outside;
    const customer: NonNullable<Cart['customer']> = { country: c.lowerCase ? country.toLowerCase() : country, type: c.type };
    if (c.known) customer.email = 'buyer@example.com';
    const own = VALID_VAT_IDS[country];
    const others = Object.entries(VALID_VAT_IDS).filter(([k]) => k !== country).flatMap(([, ids]) => ids);
    if (c.vat === 'empty') customer.vatId = '';
    if (c.vat === 'blank') customer.vatId = c.pick % 2 === 0 ? '   ' : ' - ';
    if (c.vat === 'valid' && own) customer.vatId = own[c.pick % own.length]!;
    if (c.vat === 'valid' && !own && c.where === 'outside') customer.vatId = others[c.pick % others.length]!;
    if (c.vat === 'other_country') customer.vatId = others[c.pick % others.length]!;
    if (c.vat === 'invalid') customer.vatId = INVALID_VAT_IDS[c.pick % INVALID_VAT_IDS.length]!;
    cart.customer = customer;
  }

  let coupon: CouponLookup = { status: 'none' };
  if (w.coupon !== null) {
    const c = w.coupon;
    cart.couponCode = 'Gen-10';
    if (c.lookup === 'not_found' && !c.healthy) coupon = { status: 'not_found', code: 'Gen-10' };
    else {
      const expiresAt =
        c.expires === 'never' ? null
        : c.expires === 'past' ? '2026-02-01T00:00:00.000Z'
        : c.expires === 'now' ? NOW.toISOString()
        : '2026-03-01T10:00:00.001Z';
      const healthy = c.healthy;
      const value: Coupon = aCoupon({
        id: 'cpn_gen',
        code: 'GEN-10',
        type: c.type,
        percentage: c.type === 'percentage' ? c.hundredths / 100 : null,
        fixedAmount: c.type === 'fixed_amount' ? c.fixedAmount : null,
        currency: c.type === 'fixed_amount' ? (c.sameCurrency || healthy ? w.currency : w.currency === 'EUR' ? 'USD' : 'EUR') : null,
        frequency: c.frequency,
        numberOfPeriods: c.frequency === 'limited' ? c.numberOfPeriods : null,
        planIds: c.plans,
        productIds: c.products.map((n) => `prod_${n}`),
        excludedPlanIds: c.excludedPlans,
        excludedProductIds: c.excludedProducts.map((n) => `prod_${n}`),
        expiresAt: healthy && expiresAt !== null && expiresAt <= NOW.toISOString() ? null : expiresAt,
        maxRedemptions: healthy && c.maxRedemptions !== null ? c.timesRedeemed + 1 : c.maxRedemptions,
        timesRedeemed: c.timesRedeemed,
        maxRedemptionsPerCustomer: healthy && c.maxPerCustomer !== null ? (c.customerRedemptions ?? 0) + 1 : c.maxPerCustomer,
        enabled: healthy || c.enabled,
      });
      coupon = {
        status: 'found',
        code: 'Gen-10',
        coupon: value,
        codeRedeemed: !healthy && c.codeRedeemed,
        customerRedemptions: c.customerRedemptions,
      };
    }
  }
  const tax: TaxSettings = defaultTaxSettings({ homeCountry: w.homeCountry });
  return { catalog: aCatalog({ plans: [plan], products }), cart, coupon, tax, now: NOW };
}

export function tamper(how: string, plan: Plan, cart: Cart): void {
  const charges = plan.charges;
  const list = () => (cart.charges ??= []);
  const addOns = () => (cart.addOns ??= []);
  const chosen = charges.filter((c) => !c.optional || (cart.addOns ?? []).includes(c.id));
  const adjustable = chosen.find((c) => c.type !== 'metered' && c.quantity.adjustable);
  const fixed = chosen.find((c) => c.type !== 'metered' && !c.quantity.adjustable);
  const metered = chosen.find((c) => c.type === 'metered');
  const unchosen = charges.find((c) => c.optional && !(cart.addOns ?? []).includes(c.id));
  const required = charges.find((c) => !c.optional);
  if (how === 'unknown_plan') cart.plan = 'nope';
  if (how === 'draft') plan.status = 'draft';
  if (how === 'archived') plan.status = 'archived';
  if (how === 'hidden') plan.checkoutAllowed = false;
  if (how === 'charge_unknown') list().push({ chargeId: 'chg_nope', quantity: 1 });
  if (how === 'charge_duplicate' && cart.charges?.[0]) list().push({ ...cart.charges[0] });
  if (how === 'charge_metered' && metered) list().push({ chargeId: metered.id, quantity: 1 });
  if (how === 'charge_unchosen_optional' && unchosen && unchosen.type !== 'metered') {
    list().push({ chargeId: unchosen.id, quantity: unchosen.quantity.default });
  }
  if (how === 'charge_fixed_other' && fixed) list().push({ chargeId: fixed.id, quantity: fixed.quantity.default + 1 });
  if (how === 'charge_fraction' && adjustable) list().push({ chargeId: adjustable.id, quantity: adjustable.quantity.min + 0.5 });
  if (how === 'charge_negative' && adjustable) list().push({ chargeId: adjustable.id, quantity: -1 });
  if (how === 'addon_unknown') addOns().push('chg_nope');
  if (how === 'addon_required' && required) addOns().push(required.id);
  if (how === 'addon_duplicate' && cart.addOns?.[0]) addOns().push(cart.addOns[0]);
  if (how === 'quantity_fraction' && adjustable) cart.quantity = adjustable.quantity.min + 0.5;
  if (how === 'quantity_negative' && adjustable) cart.quantity = -1;
}

