/**
 * The project's priceCart against an independent second implementation of SPEC.md sections 1-5
 * (test/support/oracle.ts), over random catalogs, carts, coupons and buyers. Every figure must agree.
 *
 * ORACLE_RUNS=<n> sets the number of runs per property (default below).
 *
 * One disagreement the oracle found is fixed and kept as a worked example below: when `charges[i]` set a
 * charge's quantity wrongly, priceCart also blamed `/quantity`, although `charges[i]` and not `quantity` sets it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CatalogSnapshot, Charge, IntervalUnit, Plan, Pricing, Product, Tier } from '../../../server/domain/catalog.js';
import type { Coupon, CouponLookup } from '../../../server/domain/coupons.js';
import { DomainError } from '../../../server/domain/errors.js';
import { priceCart, type Cart, type Quote } from '../../../server/domain/quote.js';
import { defaultTaxSettings, type TaxSettings } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from '../../support/builders.js';
import { allocateExact, hundredthsOf, oracleQuote, priceOf, roundHalfAway, type OracleInput, type OracleResult } from '../../support/oracle.js';

const RUNS = Number(process.env.ORACLE_RUNS ?? 2000);
const NOW = new Date('2026-03-01T10:00:00.000Z');

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

const world = fc.record({
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

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): OracleInput {
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

function tamper(how: string, plan: Plan, cart: Cart): void {
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

type Outcome = OracleResult;

function project(input: OracleInput): Outcome {
  try {
    return { ok: true, quote: priceCart(input) };
  } catch (error) {
    if (error instanceof DomainError) {
      return { ok: false, code: error.code, ...(error.errors ? { pointers: error.errors.map((e) => e.pointer) } : {}) };
    }
    throw error;
  }
}

const catalogText = (catalog: CatalogSnapshot) =>
  JSON.stringify({ plans: [...catalog.plans.values()], products: [...catalog.products.values()].map((p) => [p.id, p.name, p.taxGroup]) });

function describeInput(input: OracleInput): string {
  return [
    `catalog: ${catalogText(input.catalog)}`,
    `cart: ${JSON.stringify(input.cart)}`,
    `coupon: ${JSON.stringify(input.coupon)}`,
    `homeCountry: ${input.tax.homeCountry}`,
  ].join('\n');
}

/** The figures of a quote, as the comparisons below look at them. */
const pick = {
  lines: (q: Quote) => q.lines.map((l) => ({ chargeId: l.chargeId, quantity: l.quantity, unitAmount: l.unitAmount, trial: l.trial, subtotal: l.subtotal })),
  coupon: (q: Quote) => ({ coupon: q.coupon, lines: q.lines.map((l) => l.discount), dueToday: q.dueToday.discount, recurring: q.recurring.discount }),
  tax: (q: Quote) => ({ treatment: q.taxTreatment, lines: q.lines.map((l) => [l.taxRate, l.tax, l.total]), dueToday: q.dueToday, recurring: q.recurring }),
};

/**
 * Both sides refuse with the same code (and, when `pointers` is set, the same set of pointers for a
 * validation failure), or both quote and `view` of both quotes is equal.
 */
function agree(w: World, view: (q: Quote) => unknown, { pointers = false } = {}): void {
  const input = build(w);
  const expected = oracleQuote(input);
  const actual = project(input);
  const context = `\n${describeInput(input)}\nexpected (oracle): ${JSON.stringify(expected)}\nactual (priceCart): ${JSON.stringify(actual)}`;
  if (!expected.ok || !actual.ok) {
    assert.deepEqual(
      actual.ok ? { ok: true } : { ok: false, code: actual.code },
      expected.ok ? { ok: true } : { ok: false, code: expected.code },
      `refusals differ${context}`,
    );
    if (pointers && !expected.ok && !actual.ok && expected.code === 'validation_failed') {
      // the set of pointers: the project may name one pointer once per charge it concerns (each with its own detail)
      const distinct = (pointers: string[]) => [...new Set(pointers)].sort();
      assert.deepEqual(distinct(actual.pointers!), distinct(expected.pointers!), `pointers differ${context}`);
    }
    return;
  }
  assert.deepEqual(view(actual.quote), view(expected.quote), `figures differ${context}`);
}

const withoutCoupon = world.map((w) => ({ ...w, coupon: null }));
const noRefusals = (w: World) => !w.quantityOutOfRange && w.tamper === 'none' && (w.customer === null || w.customer.vat !== 'invalid') && w.scale !== 'huge';

// ---------------------------------------------------------------------------------------- the oracle itself

describe('oracle: its own arithmetic against hand-worked figures', () => {
  it('when halves are rounded, then they go away from zero', () => {
    assert.deepEqual([roundHalfAway(5n, 2n), roundHalfAway(-5n, 2n), roundHalfAway(7n, 3n), roundHalfAway(37035n, 10000n)], [3n, -3n, 2n, 4n]);
  });
  it('when 100 is allocated over 1:1:1, then the earlier line gets the extra unit', () => {
    assert.deepEqual(allocateExact(100n, [1n, 1n, 1n]), [34n, 33n, 33n]);
    assert.deepEqual(allocateExact(5n, [0n, 3n, 3n]), [0n, 3n, 2n]);
  });
  it('when tiers price 25 units, then graduated and volume follow the spec', () => {
    const tiers = [{ upTo: 10, unitAmount: 100, flatAmount: 5 }, { upTo: 20, unitAmount: 80, flatAmount: 7 }, { upTo: null, unitAmount: 50, flatAmount: 9 }];
    assert.equal(priceOf({ model: 'tiered', mode: 'graduated', tiers }, 25), 1000n + 5n + 800n + 7n + 250n + 9n);
    assert.equal(priceOf({ model: 'tiered', mode: 'volume', tiers }, 25), 1250n + 9n);
    assert.equal(priceOf({ model: 'tiered', mode: 'volume', tiers }, 0), 0n);
    assert.equal(priceOf({ model: 'package', packageSize: 10, amount: 300 }, 21), 900n);
    assert.equal(priceOf({ model: 'flat', amount: 700 }, 0), 700n);
  });
  it('when a percentage has two decimals, then it is read exactly in hundredths', () => {
    assert.deepEqual([0.01, 12.5, 33.33, 99.99, 0.29, 57.01].map(hundredthsOf), [1n, 1250n, 3333n, 9999n, 29n, 5701n]);
  });
});

// ----------------------------------------------------------------------------------------- examples

describe('oracle: exhaustive and worked examples', () => {
  it('when each percentage from 0.01 to 99.99 meets one base, then the discount and its tax are the oracle\'s', () => {
    const plan = aPlan({ id: 'plan_x', code: 'x', charges: [aCharge({ id: 'chg_0', productId: 'prod_0', pricing: { model: 'per_unit', unitAmount: 123_457 } })] });
    const catalog = aCatalog({ plans: [plan] });
    for (let h = 1; h <= 9999; h++) {
      const input: OracleInput = {
        catalog,
        cart: { plan: 'x', quantity: 3, couponCode: 'P' },
        coupon: { status: 'found', code: 'P', coupon: aCoupon({ percentage: h / 100 }), codeRedeemed: false, customerRedemptions: null },
        tax: defaultTaxSettings(),
        now: NOW,
      };
      const expected = oracleQuote(input);
      assert.ok(expected.ok);
      assert.deepEqual(priceCart(input), expected.quote, `percentage ${h / 100}`);
    }
  });

  it('when charges[i] sets a charge\'s quantity wrongly, then only /charges/i/quantity is blamed, not a `quantity` that does not set that charge', () => {
    // SPEC 5: "`charges` sets one"; README: "charges[i] takes priority over quantity". chg_0 takes 0..0 and is set by
    // charges[0] (-1, refused). `quantity: 1` sets no charge here, so it is no field in error.
    const plan = aPlan({
      id: 'plan_x',
      code: 'x',
      charges: [aCharge({ id: 'chg_0', productId: 'prod_0', quantity: { default: 0, min: 0, max: 0, adjustable: true } })],
    });
    const input: OracleInput = {
      catalog: aCatalog({ plans: [plan] }),
      cart: { plan: 'x', quantity: 1, charges: [{ chargeId: 'chg_0', quantity: -1 }] },
      coupon: { status: 'none' },
      tax: defaultTaxSettings(),
      now: NOW,
    };
    assert.deepEqual(oracleQuote(input), { ok: false, code: 'validation_failed', pointers: ['/charges/0/quantity'] });
    assert.deepEqual(project(input), { ok: false, code: 'validation_failed', pointers: ['/charges/0/quantity'] });
  });
});

// ----------------------------------------------------------------------------------------- properties

describe('oracle: priceCart agrees with an independent reading of the spec', () => {
  it('when any catalog and cart are priced without a coupon, then every line shows the oracle\'s quantity, unit amount and subtotal', () => {
    fc.assert(fc.property(withoutCoupon, (w) => agree(w, pick.lines)), { numRuns: RUNS });
  });

  it('when any coupon meets any cart, then the verdict, its reason and every discount are the oracle\'s', () => {
    fc.assert(fc.property(world.filter((w) => w.coupon !== null), (w) => agree(w, pick.coupon)), { numRuns: RUNS });
  });

  it('when any buyer is taxed, then the treatment, each line\'s rate, tax and total and both invoices\' totals are the oracle\'s', () => {
    fc.assert(fc.property(world, (w) => agree(w, pick.tax)), { numRuns: RUNS });
  });

  it('when a cart is out of range, a VAT ID is invalid or an amount cannot be held exactly, then both refuse with the same code', () => {
    fc.assert(fc.property(world.filter((w) => !noRefusals(w)), (w) => agree(w, () => null)), { numRuns: RUNS });
  });

  it('when a cart is refused as invalid, then the pointers name the fields the oracle names', () => {
    fc.assert(fc.property(world.filter((w) => !noRefusals(w)), (w) => agree(w, () => null, { pointers: true })), { numRuns: RUNS * 4 });
  });

  it('when any catalog, cart, coupon and buyer are priced, then the whole quote equals the oracle\'s', () => {
    fc.assert(fc.property(world, (w) => agree(w, (q) => q)), { numRuns: RUNS });
  });
});
