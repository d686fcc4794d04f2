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
import type { CatalogSnapshot } from '../../../server/domain/catalog.js';
import { DomainError } from '../../../server/domain/errors.js';
import { priceCart, type Quote } from '../../../server/domain/quote.js';
import { defaultTaxSettings } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan } from '../../support/builders.js';
import { allocateExact, hundredthsOf, oracleQuote, priceOf, roundHalfAway, type OracleInput, type OracleResult } from '../../support/oracle.js';
import { build, NOW, world, type World } from '../../support/oracle-world.js';

const RUNS = Number(process.env.ORACLE_RUNS ?? 2000);

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
