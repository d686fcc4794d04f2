import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Charge, Plan, Pricing, Product, TaxBehavior } from '../../../server/domain/catalog.js';
import type { Coupon } from '../../../server/domain/coupons.js';
import {
  changeDirection, changeTakesEffect, periodSeconds, prorationInvoice, recurringSubtotal, remainingFraction,
  recurringUsageOf, sameInterval, usageToBillNow, type PlanSelection, type ProrationInput, type ProrationInvoice,
} from '../../../server/domain/proration.js';
import { selectCharges } from '../../../server/domain/quote.js';
import { priceRenewal } from '../../../server/domain/renewal.js';
import { defaultTaxSettings, determineTax, taxLines, taxOnAmount, type TaxDetermination } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from '../../support/builders.js';

// April 2026 has 30 days: 2,592,000 s. Half-way is 16 April 00:00.
const START = new Date('2026-04-01T00:00:00.000Z');
const END = new Date('2026-05-01T00:00:00.000Z');
const HALF = new Date('2026-04-16T00:00:00.000Z');
// 1,000,000 s before the end (and 999 ms that truncation drops): f = 1,000,000 / 2,592,000.
const ODD = new Date('2026-04-19T10:13:20.999Z');

const settings = defaultTaxSettings();
const domestic = determineTax(settings, { country: 'DE', type: 'individual' }); // 19 %, 7 % reduced
const reverseCharge = determineTax(settings, { country: 'FR', type: 'business', vatId: 'FR40303265045' });

const flat = (id: string, amount: number, productId = `prod_${id}`): Charge =>
  aCharge({ id: `chg_${id}`, productId, pricing: { model: 'flat', amount }, quantity: { default: 1, min: 1, max: 1, adjustable: false } });
const seats = aCharge({ id: 'chg_seats', productId: 'prod_seats', pricing: { model: 'per_unit', unitAmount: 1299 }, quantity: { default: 3, min: 1, max: 50, adjustable: true } });

const planOf = (code: string, charges: Charge[], overrides: Partial<Plan> = {}): Plan => aPlan({ id: `plan_${code}`, code, charges, ...overrides });
const products = [aProduct({ id: 'prod_book', taxGroup: 'reduced', name: 'Book' })];

/** The plan's charges at their default quantities. */
function selection(plan: Plan, extra: Product[] = []): PlanSelection {
  return { plan, charges: selectCharges(aCatalog({ plans: [plan], products: [...products, ...extra] }), plan, {}) };
}

const change = (current: Plan, next: Plan, overrides: Partial<ProrationInput> = {}): ProrationInvoice =>
  prorationInvoice({
    current: selection(current),
    next: selection(next),
    periodStart: START,
    periodEnd: END,
    at: HALF,
    coupon: null,
    couponPeriod: 1,
    tax: domestic,
    ...overrides,
  });

const figures = (invoice: ProrationInvoice) => invoice.lines.map((l) => [l.subtotal, l.discount, l.tax, l.total]);
const totals = (invoice: ProrationInvoice) => [invoice.subtotal, invoice.discount, invoice.tax, invoice.total];

const basic = planOf('basic', [flat('basic', 1000)]);
const pro = planOf('pro', [flat('pro', 3000)]);
const twenty = aCoupon({ percentage: 20, frequency: 'lifetime' });

describe('prorationInvoice: hand-checked cents', () => {
  it('when a monthly plan is upgraded half-way (19 % exclusive), then the unused half is credited and the rest charged', () => {
    const invoice = change(basic, pro);
    // credit -round(1000 x 1/2) = -500, tax -95; charge round(3000 x 1/2) = 1500, tax 285; net 1000, tax 190.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1500, 0, 285, 1785]]);
    assert.deepEqual(totals(invoice), [1000, 0, 190, 1190]);
    assert.deepEqual(invoice.lines.map((l) => [l.description, l.proration, l.periodStart, l.periodEnd, l.unitAmount]), [
      ['Unused time on Product prod_basic', true, HALF.toISOString(), END.toISOString(), undefined],
      ['Remaining time on Product prod_pro', true, HALF.toISOString(), END.toISOString(), undefined],
    ]);
    assert.equal(invoice.newPeriod, false);
  });

  it('when the subscription has a 20 % coupon covering the period, then the credit is of what was paid and the charge is discounted', () => {
    const invoice = change(basic, pro, { coupon: twenty });
    // credit -round((1000 - 200) x 1/2) = -400, tax -76; charge 1500 - 300 = 1200, tax 228; net 800, tax 152.
    assert.deepEqual(figures(invoice), [[-400, 0, -76, -476], [1500, 300, 228, 1428]]);
    assert.deepEqual(totals(invoice), [1100, 300, 152, 952]);
  });

  it('when the coupon is a fixed amount off, then the charge is discounted by the amount prorated like the lines', () => {
    const threeOff = aCoupon({ type: 'fixed_amount', fixedAmount: 300, currency: 'EUR' });
    const invoice = change(basic, pro, { coupon: threeOff });
    // credit -round(700 x 1/2) = -350; charge 1500 - round(300 x 1/2) = 1350; net 1000, tax 190.
    assert.deepEqual(figures(invoice), [[-350, 0, -67, -417], [1500, 150, 257, 1607]]);
    assert.deepEqual(totals(invoice), [1150, 150, 190, 1190]);
  });

  it('when the coupon no longer covers the current period, then neither credit nor charge is discounted', () => {
    const once = aCoupon({ percentage: 20, frequency: 'once' });
    assert.deepEqual(totals(change(basic, pro, { coupon: once, couponPeriod: 2 })), [1000, 0, 190, 1190]);
  });

  it('when the fraction is odd and the rate group has both signs, then each line is taxed alone and the difference goes to the largest line', () => {
    const current = planOf('c', [flat('c', 999)]);
    const next = planOf('n', [seats]);
    const invoice = change(current, next, { at: ODD });
    // f = 1,000,000 / 2,592,000. credit -round(999 f) = -385; charge round(3 x 1299 f) = round(1503.47) = 1503.
    // rate tax round(1118 x 0.19) = 212; lines round(-73.15) = -73 and round(285.57) = 286 sum to 213:
    // the -1 goes to the charge, the larger line.
    assert.deepEqual(figures(invoice), [[-385, 0, -73, -458], [1503, 0, 285, 1788]]);
    assert.deepEqual(totals(invoice), [1118, 0, 212, 1330]);
    assert.equal(invoice.lines[1]!.quantity, 3);
  });

  it('when the plans are tax inclusive, then the tax is taken out of the gross net per rate', () => {
    const current = planOf('c', [flat('c', 999)], { taxBehavior: 'inclusive' });
    const next = planOf('n', [seats], { taxBehavior: 'inclusive' });
    const invoice = change(current, next, { at: ODD });
    // tax round(1118 x 1900 / 11900) = round(178.50) = 179; lines round(-61.47) = -61, round(239.97) = 240.
    assert.deepEqual(figures(invoice), [[-385, 0, -61, -385], [1503, 0, 240, 1503]]);
    assert.deepEqual(totals(invoice), [1118, 0, 179, 1118]);
  });

  it('when the buyer is reverse charged, then no line carries tax', () => {
    const invoice = change(planOf('c', [flat('c', 999)]), planOf('n', [seats]), { at: ODD, tax: reverseCharge });
    assert.deepEqual(figures(invoice), [[-385, 0, 0, -385], [1503, 0, 0, 1503]]);
    assert.deepEqual(totals(invoice), [1118, 0, 0, 1118]);
  });

  it('when the change costs less now (a downgrade made immediately), then the total is negative and so is its tax', () => {
    assert.deepEqual(totals(change(pro, basic)), [-1000, 0, -190, -1190]);
  });

  it('when credit and charge are at different rates, then each rate is taxed on its own lines', () => {
    const next = planOf('n', [flat('book', 2000, 'prod_book')]);
    const invoice = change(basic, next);
    // 19 %: -500 -> -95; 7 %: 1000 -> 70.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1000, 0, 70, 1070]]);
  });

  it('when the plan goes from exclusive to inclusive tax, then the credit is expressed gross', () => {
    const next = planOf('n', [flat('n', 3570)], { taxBehavior: 'inclusive' });
    const invoice = change(basic, next);
    // credit -500 net is -595 gross; charge 1785 gross; net 1190 gross, tax round(1190 x 1900 / 11900) = 190.
    assert.deepEqual(figures(invoice), [[-595, 0, -95, -595], [1785, 0, 285, 1785]]);
    assert.equal(invoice.taxBehavior, 'inclusive');
  });

  it('when the interval changes, then the charge lines bill the new plan full first period from t, discounted if the coupon covers the next period', () => {
    const yearly = planOf('yearly', [flat('yearly', 10000)], { interval: { unit: 'year', count: 1 } });
    const twoPeriods = aCoupon({ percentage: 20, frequency: 'limited', numberOfPeriods: 2 });
    const invoice = change(basic, yearly, { coupon: twoPeriods });
    // credit -round(800 x 1/2) = -400; charge 10000 - 2000 = 8000 for [t, t + 1 year); net 7600, tax 1444.
    assert.deepEqual(figures(invoice), [[-400, 0, -76, -476], [10000, 2000, 1520, 9520]]);
    assert.deepEqual(totals(invoice), [9600, 2000, 1444, 9044]);
    assert.equal(invoice.newPeriod, true);
    assert.deepEqual([invoice.periodStart, invoice.periodEnd], [HALF.toISOString(), '2027-04-16T00:00:00.000Z']);
    assert.equal(invoice.lines[1]!.proration, undefined);
    const once = aCoupon({ percentage: 20, frequency: 'once' });
    assert.equal(change(basic, yearly, { coupon: once }).lines[1]!.discount, 0);
  });

  it('when the interval changes, then the usage of the period so far is billed with it; with the same interval, the usage the caller passes (a dropped or re-priced measurement) too', () => {
    const api = aCharge({ id: 'chg_api', productId: 'prod_api', type: 'metered', pricing: { model: 'per_unit', unitAmount: 10 }, quantity: { default: 0, min: 0, max: null, adjustable: false } });
    const metered = planOf('metered', [flat('basic', 1000), api]);
    const yearly = planOf('yearly', [flat('yearly', 10000)], { interval: { unit: 'year', count: 1 } });
    const usage = new Map([['chg_api', 250]]);
    const invoice = change(metered, yearly, { usage });
    // credit -500; usage 250 x 0.10 = 25.00 for [s, t); the year 100.00; net 11500, tax 2185.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [2500, 0, 475, 2975], [10000, 0, 1900, 11900]]);
    assert.deepEqual([invoice.lines[1]!.chargeId, invoice.lines[1]!.quantity, invoice.lines[1]!.periodStart, invoice.lines[1]!.periodEnd], ['chg_api', 250, START.toISOString(), HALF.toISOString()]);
    assert.deepEqual(totals(invoice), [12000, 0, 2280, 14280]);
    const monthly = planOf('pro', [flat('pro', 3000)]);
    assert.deepEqual(figures(change(metered, monthly, { usage })), [[-500, 0, -95, -595], [2500, 0, 475, 2975], [1500, 0, 285, 1785]]);
    assert.deepEqual(figures(change(metered, monthly, { usage: new Map() })), [[-500, 0, -95, -595], [1500, 0, 285, 1785]]);
    // No usage is no line, as on a renewal: a flat-priced metered charge bills nothing for 0.
    const flatUse = planOf('flatuse', [flat('basic', 1000), { ...api, pricing: { model: 'flat', amount: 700 } }]);
    assert.deepEqual(figures(change(flatUse, monthly, { usage: new Map([['chg_api', 0]]) })), [[-500, 0, -95, -595], [1500, 0, 285, 1785]]);
    // A change earlier in the period billed the usage before it: the line starts where that one ended.
    const later = change(metered, monthly, { usage, usageFrom: new Map([['chg_api', '2026-01-05T00:00:00.000Z']]) });
    assert.deepEqual([later.lines[1]!.periodStart, later.lines[1]!.periodEnd], ['2026-01-05T00:00:00.000Z', HALF.toISOString()]);
  });
});

describe('prorationInvoice: usage of a plan of the other tax behaviour billed at the change', () => {
  it('when usage priced gross is billed on a change to net prices, then its line is the net inside its gross, taxed back to it, and shows no unit amount', () => {
    const api = aCharge({ id: 'chg_api', productId: 'prod_api', type: 'metered', pricing: { model: 'per_unit', unitAmount: 12 }, quantity: { default: 0, min: 0, max: null, adjustable: false } });
    const gross = planOf('gross', [flat('basic', 1190), api], { taxBehavior: 'inclusive' });
    const invoice = change(gross, pro, { usage: new Map([['chg_api', 150]]) });
    // credit: half of 11.90 gross = 5.95, net 5.00; calls 150 x 0.12 = 18.00 gross, net 15.13 (2.87 inside); the rest 15.00.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1513, 0, 287, 1800], [1500, 0, 285, 1785]]);
    assert.deepEqual([invoice.lines[1]!.chargeId, invoice.lines[1]!.quantity, invoice.lines[1]!.unitAmount], ['chg_api', 150, undefined]);
  });
});

describe('prorationInvoice: a recurring measurement (seats held) billed at the change', () => {
  const seatsUsed = aCharge({ id: 'chg_seats_used', productId: 'prod_seats_used', type: 'metered', pricing: { model: 'per_unit', unitAmount: 500 }, quantity: { default: 0, min: 0, max: null, adjustable: false } });
  const withSeats = planOf('seats', [flat('basic', 1000), seatsUsed]);
  const recurringUsage = new Set(['chg_seats_used']);
  const usage = new Map([['chg_seats_used', 4]]);

  it('when an upgrade in the same interval drops it half-way, then the seats held so far bill half the period price at the old price', () => {
    const invoice = change(withSeats, pro, { usage, recurringUsage });
    // credit -500; seats 4 x 5.00 = 20.00 a period, held for [s, t) = 1/2: 1000; the rest 1500; net 2000, tax 380.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1000, 0, 190, 1190], [1500, 0, 285, 1785]]);
    const line = invoice.lines[1]!;
    assert.deepEqual([line.chargeId, line.quantity, line.unitAmount, line.periodStart, line.periodEnd], ['chg_seats_used', 4, undefined, START.toISOString(), HALF.toISOString()]);
  });

  it('when a change earlier in the period billed the seats before it, then the share runs from there: (t - from) / (e - s)', () => {
    // From 6 April to 16 April: 10 of 30 days: round(2000 x 864,000 / 2,592,000) = 667.
    const invoice = change(withSeats, pro, { usage, recurringUsage, usageFrom: new Map([['chg_seats_used', '2026-04-06T00:00:00.000Z']]) });
    assert.deepEqual(invoice.lines[1]!.subtotal, 667);
    assert.equal(invoice.lines[1]!.periodStart, '2026-04-06T00:00:00.000Z');
  });

  it('when the interval changes, then the seats so far bill their share of the period, metered usage its price whole', () => {
    const yearly = planOf('yearly', [flat('yearly', 10000)], { interval: { unit: 'year', count: 1 } });
    const invoice = change(withSeats, yearly, { usage, recurringUsage });
    // credit -500; seats 1000 (half of 2000, not the full period's 2000); the year 10000.
    assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1000, 0, 190, 1190], [10000, 0, 1900, 11900]]);
    const api = aCharge({ id: 'chg_api', productId: 'prod_api', type: 'metered', pricing: { model: 'per_unit', unitAmount: 10 }, quantity: { default: 0, min: 0, max: null, adjustable: false } });
    const both = planOf('both', [flat('basic', 1000), seatsUsed, api]);
    const mixed = change(both, yearly, { usage: new Map([['chg_seats_used', 4], ['chg_api', 250]]), recurringUsage });
    assert.deepEqual(mixed.lines.filter((l) => l.type === 'metered').map((l) => [l.chargeId, l.subtotal]), [['chg_seats_used', 1000], ['chg_api', 2500]]);
  });

  it('recurringUsageOf names the metered charges on recurring measurements', () => {
    const catalog = new Map([['m_seats', { type: 'recurring' }], ['m_api', { type: 'metered' }]]);
    const used = { charge: seatsUsed, product: aProduct({ id: 'prod_seats_used', measurementId: 'm_seats' }), quantity: 0 };
    const api = { charge: aCharge({ id: 'chg_api', type: 'metered', productId: 'prod_api' }), product: aProduct({ id: 'prod_api', measurementId: 'm_api' }), quantity: 0 };
    assert.deepEqual([...recurringUsageOf({ plan: withSeats, charges: [used, api] }, catalog)], ['chg_seats_used']);
  });
});

describe('usageToBillNow: the metered usage an immediate change bills at once', () => {
  const measurements = new Map([['m_calls', { type: 'metered' }], ['m_seats', { type: 'recurring' }]]);
  const calls = aProduct({ id: 'prod_calls', measurementId: 'm_calls' });
  const seats = aProduct({ id: 'prod_seats', measurementId: 'm_seats' });
  const meter = (id: string, product: Product, unitAmount: number) => ({
    charge: aCharge({ id, productId: product.id, type: 'metered', pricing: { model: 'per_unit', unitAmount }, quantity: { default: 0, min: 0, max: null, adjustable: false } }),
    product,
    quantity: 0,
  });
  const base = { charge: flat('base', 1000), product: aProduct({ id: 'prod_base' }), quantity: 1 };
  const selectionOf = (code: string, metered: ReturnType<typeof meter>[], overrides: Partial<Plan> = {}): PlanSelection => {
    const charges = [base, ...metered];
    return { plan: planOf(code, charges.map((c) => c.charge), overrides), charges };
  };
  const current = selectionOf('basic', [meter('chg_calls', calls, 10), meter('chg_seats', seats, 500)]);
  const cases: [string, PlanSelection, string[]][] = [
    ['when the new plan bills both through the same products at the same prices, then nothing', selectionOf('pro', [meter('chg_calls2', calls, 10), meter('chg_seats2', seats, 500)]), []],
    ['when the new plan bills the calls at another price, then the calls', selectionOf('pro', [meter('chg_calls2', calls, 20), meter('chg_seats2', seats, 500)]), ['chg_calls']],
    ['when the new plan drops both, then both (the seats held so far are billed at the old price)', selectionOf('pro', []), ['chg_calls', 'chg_seats']],
    ['when the new plan bills the seats at another price, then the seats', selectionOf('pro', [meter('chg_calls2', calls, 10), meter('chg_seats2', seats, 700)]), ['chg_seats']],
    ['when the interval changes, then every metered charge (the period ends now)', selectionOf('yearly', [meter('chg_calls2', calls, 10), meter('chg_seats2', seats, 500)], { interval: { unit: 'year', count: 1 } }), ['chg_calls', 'chg_seats']],
  ];
  for (const [name, next, expected] of cases) {
    it(name, () => assert.deepEqual([...usageToBillNow(current, next, measurements)], expected));
  }
});

describe('taxLines with credits (negative amounts)', () => {
  const cases: [string, TaxBehavior, number[], number[], number[]][] = [
    // 19 % of -333 -> -63.27 = -63, of -667 -> -126.73; the group: round(-1000 x 0.19) = -190 allocated by magnitude.
    ['a group of credits only is taxed on its sum and allocated by magnitude', 'exclusive', [-333, -667], [1900, 1900], [-63, -127]],
    // -250 and 250: each -47.5 -> -48 and 47.5 -> 48; the group's tax 0; the difference 0.
    ['credits and charges that cancel give 0 for the rate', 'exclusive', [-250, 250], [1900, 1900], [-48, 48]],
    // 5 -> round(0.95) = 1, -3 -> round(-0.57) = -1, 3 -> 1: sum 1, group round(5 x 0.19) = 1: no difference.
    ['lines of both signs are taxed alone and add up to the rate tax', 'exclusive', [5, -3, 3], [1900, 1900, 1900], [1, -1, 1]],
    // -150 -> -28.5 = -29, 150 -> 28.5 = 29, 1 -> 0: sum 0; group round(1 x 0.19) = 0; no difference.
    ['equal magnitudes: nothing to hand over when the sums agree', 'exclusive', [-150, 150, 1], [1900, 1900, 1900], [-29, 29, 0]],
    // -1 -> round(-0.19) = 0, 2 -> round(0.38) = 0, twice: sum 0; group round(3 x 0.19) = 1. The 1 goes to the
    // largest line, 2, the earlier of the two.
    ['the difference goes to the largest line, the earliest on ties', 'exclusive', [-1, 2, 2], [1900, 1900, 1900], [0, 1, 0]],
    // 7 % and 19 % in one invoice: each rate its own group.
    ['rates are grouped apart', 'exclusive', [-1000, 2000, -500], [1900, 700, 1900], [-190, 140, -95]],
    ['inclusive credits take the tax out of the gross', 'inclusive', [-1190, 2380], [1900, 1900], [-190, 380]],
  ];
  for (const [name, behavior, amounts, rates, expected] of cases) {
    it(`when ${name}, then the lines are ${expected.join(', ')}`, () => {
      const taxes = taxLines(behavior, amounts, rates);
      assert.deepEqual(taxes, expected);
      for (const rate of new Set(rates)) {
        const of = (list: number[]) => list.filter((_, i) => rates[i] === rate).reduce((a, b) => a + b, 0);
        assert.equal(of(taxes), taxOnAmount(behavior, of(amounts), rate), `rate ${rate}`);
      }
    });
  }
});

describe('classification and timing', () => {
  const month = { unit: 'month', count: 1 } as const;
  const year = { unit: 'year', count: 1 } as const;
  const cases: [string, Parameters<typeof changeDirection>, string][] = [
    ['a dearer plan of the same interval is an upgrade', [{ subtotal: 1000, seconds: 2_592_000 }, { subtotal: 3000, seconds: 2_592_000 }], 'upgrade'],
    ['an equal price per second is an upgrade', [{ subtotal: 1000, seconds: 2_592_000 }, { subtotal: 1000, seconds: 2_592_000 }], 'upgrade'],
    ['a cheaper selection is a downgrade', [{ subtotal: 3000, seconds: 2_592_000 }, { subtotal: 2999, seconds: 2_592_000 }], 'downgrade'],
    ['a yearly plan at ten months is a downgrade per second', [{ subtotal: 1000, seconds: 2_592_000 }, { subtotal: 10000, seconds: 31_536_000 }], 'downgrade'],
    ['a yearly plan at twelve 30-day months is an upgrade per second', [{ subtotal: 1000, seconds: 2_592_000 }, { subtotal: 12200, seconds: 31_536_000 }], 'upgrade'],
  ];
  for (const [name, args, expected] of cases) {
    it(`when ${name}, then it is classified so`, () => assert.equal(changeDirection(...args), expected));
  }

  it('when the recurring subtotal is asked, then one-time and metered charges are left out', () => {
    const setup = aCharge({ id: 'chg_setup', productId: 'prod_setup', type: 'one_time', pricing: { model: 'flat', amount: 5000 } });
    const api = aCharge({ id: 'chg_api', productId: 'prod_api', type: 'metered', pricing: { model: 'per_unit', unitAmount: 1 }, quantity: { default: 0, min: 0, max: null, adjustable: false } });
    assert.equal(recurringSubtotal(selection(planOf('x', [setup, seats, api])), domestic), 3 * 1299);
  });

  it('when periods are measured, then months are counted from the start in whole seconds', () => {
    assert.equal(periodSeconds(START, month), 2_592_000);
    assert.equal(periodSeconds(new Date('2026-01-31T12:00:00.000Z'), month), 28 * 86_400);
    assert.equal(sameInterval(year, { unit: 'month', count: 12 }), true);
    assert.equal(sameInterval({ unit: 'week', count: 2 }, { unit: 'day', count: 14 }), true);
    assert.equal(sameInterval(month, year), false);
  });

  it('when t is truncated, then the fraction counts whole seconds, and t outside the period is refused', () => {
    assert.deepEqual(remainingFraction(START, END, ODD), { remaining: 1_000_000, period: 2_592_000 });
    assert.deepEqual(remainingFraction(START, END, START), { remaining: 2_592_000, period: 2_592_000 });
    assert.throws(() => remainingFraction(START, END, END), RangeError);
    assert.throws(() => remainingFraction(START, END, new Date(START.getTime() - 1000)), RangeError);
  });

  const timings: [Parameters<typeof changeTakesEffect>[0], string][] = [
    [{ trialing: false, direction: 'upgrade', downgrades: 'period_end' }, 'now'],
    [{ trialing: false, direction: 'downgrade', downgrades: 'period_end' }, 'period_end'],
    [{ trialing: false, direction: 'downgrade', downgrades: 'immediately' }, 'now'],
    [{ trialing: true, direction: 'downgrade', downgrades: 'period_end' }, 'now'],
  ];
  for (const [input, expected] of timings) {
    it(`when ${JSON.stringify(input)}, then the change takes effect ${expected}`, () => assert.equal(changeTakesEffect(input), expected));
  }
});

// ------------------------------------------------------------------------------------------ properties

const RUNS = 300;
const amount = fc.integer({ min: 0, max: 500_000 });
const pricing: fc.Arbitrary<Pricing> = fc.oneof(
  amount.map((a): Pricing => ({ model: 'flat', amount: a })),
  amount.map((a): Pricing => ({ model: 'per_unit', unitAmount: a })),
  fc.tuple(fc.integer({ min: 1, max: 10 }), amount).map(([packageSize, a]): Pricing => ({ model: 'package', packageSize, amount: a })),
);
const chargeSpec = fc.record({ pricing, quantity: fc.integer({ min: 0, max: 40 }), reduced: fc.boolean(), oneTime: fc.boolean() });
const planSpec = fc.array(chargeSpec, { minLength: 1, maxLength: 4 });
const taxes: TaxDetermination[] = [domestic, reverseCharge, determineTax(settings, { country: 'FR', type: 'individual' })];
const couponSpec = fc.option(
  fc.record({ percentage: fc.integer({ min: 1, max: 9999 }), fixed: amount, fixedType: fc.boolean(), lifetime: fc.boolean(), excluded: fc.nat({ max: 3 }) }),
);

function planFrom(code: string, specs: readonly { pricing: Pricing; quantity: number; reduced: boolean; oneTime: boolean }[], behavior: TaxBehavior) {
  const made: Product[] = [];
  const charges = specs.map((spec, i) => {
    made.push(aProduct({ id: `prod_${code}_${i}`, taxGroup: spec.reduced ? 'reduced' : 'standard' }));
    return aCharge({
      id: `chg_${code}_${i}`,
      productId: `prod_${code}_${i}`,
      type: spec.oneTime ? 'one_time' : 'recurring',
      pricing: spec.pricing,
      quantity: { default: spec.quantity, min: 0, max: null, adjustable: true },
    });
  });
  const plan = planOf(code, charges, { taxBehavior: behavior });
  return selection(plan, made);
}

function couponFrom(spec: { percentage: number; fixed: number; fixedType: boolean; lifetime: boolean; excluded: number } | null): Coupon | null {
  if (spec === null) return null;
  return aCoupon({
    type: spec.fixedType ? 'fixed_amount' : 'percentage',
    percentage: spec.fixedType ? null : spec.percentage / 100,
    fixedAmount: spec.fixedType ? spec.fixed : null,
    currency: spec.fixedType ? 'EUR' : null,
    frequency: spec.lifetime ? 'lifetime' : 'once',
    excludedProductIds: [`prod_a_${spec.excluded}`, `prod_b_${spec.excluded}`],
  });
}

const instant = fc.integer({ min: 0, max: 2_592_000 * 1000 - 1 }).map((ms) => new Date(START.getTime() + ms));

/** Per rate: the sum of the lines' amounts and of their taxes. */
function byRate(invoice: ProrationInvoice): Map<number, { amount: number; tax: number }> {
  const rates = new Map<number, { amount: number; tax: number }>();
  for (const line of invoice.lines) {
    const row = rates.get(line.taxRate) ?? { amount: 0, tax: 0 };
    row.amount += line.subtotal - line.discount;
    row.tax += line.tax;
    rates.set(line.taxRate, row);
  }
  return rates;
}

describe('prorationInvoice: properties', () => {
  it('a change to the same selection prorates to 0 (no coupon), at any instant, any behaviour and treatment', () => {
    fc.assert(
      fc.property(planSpec, fc.constantFrom<TaxBehavior>('exclusive', 'inclusive'), fc.constantFrom(...taxes), instant, (specs, behavior, tax, at) => {
        const same = planFrom('a', specs, behavior);
        const invoice = prorationInvoice({ current: same, next: same, periodStart: START, periodEnd: END, at, coupon: null, couponPeriod: 1, tax });
        assert.deepEqual(totals(invoice), [0, 0, 0, 0]);
        for (const row of byRate(invoice).values()) assert.deepEqual(row, { amount: 0, tax: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  it('a change to the same selection with recurring and metered measurements prorates to 0: nothing of their usage is billed at the change', () => {
    const measurements = new Map([['m_seats', { type: 'recurring' }], ['m_api', { type: 'metered' }]]);
    const seatsProduct = aProduct({ id: 'prod_m_seats', measurementId: 'm_seats' });
    const apiProduct = aProduct({ id: 'prod_m_api', measurementId: 'm_api' });
    fc.assert(
      fc.property(planSpec, pricing, pricing, fc.nat({ max: 500 }), fc.nat({ max: 5000 }), fc.constantFrom(...taxes), instant, (specs, seatPrice, apiPrice, seatsHeld, calls, tax, at) => {
        const base = planFrom('a', specs, 'exclusive');
        const meter = (id: string, product: Product, p: Pricing) => ({
          charge: aCharge({ id, productId: product.id, type: 'metered', pricing: p, quantity: { default: 0, min: 0, max: null, adjustable: false } }), product, quantity: 0,
        });
        const charges = [...base.charges, meter('chg_m_seats', seatsProduct, seatPrice), meter('chg_m_api', apiProduct, apiPrice)];
        const same: PlanSelection = { plan: { ...base.plan, charges: charges.map((c) => c.charge) }, charges };
        const billNow = usageToBillNow(same, same, measurements);
        assert.equal(billNow.size, 0);
        const soFar = new Map([['chg_m_seats', seatsHeld], ['chg_m_api', calls]].filter(([id]) => billNow.has(id as string)) as [string, number][]);
        const invoice = prorationInvoice({
          current: same, next: same, periodStart: START, periodEnd: END, at, coupon: null, couponPeriod: 1, tax, usage: soFar, recurringUsage: recurringUsageOf(same, measurements),
        });
        assert.deepEqual(totals(invoice), [0, 0, 0, 0]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a recurring value split at a change (old price for [s, t), new price from t) bills the whole period price when the price is the same, within a cent', () => {
    const measured = aCharge({ id: 'chg_held', productId: 'prod_held', type: 'metered', quantity: { default: 0, min: 0, max: null, adjustable: false } });
    fc.assert(
      fc.property(pricing, fc.nat({ max: 500 }), fc.constantFrom(...taxes), instant, (p, held, tax, at) => {
        const charge = { ...measured, pricing: p };
        const plan = planOf('held', [charge]);
        const current: PlanSelection = { plan, charges: [{ charge, product: aProduct({ id: 'prod_held' }), quantity: 0 }] };
        const before = prorationInvoice({
          current, next: { plan, charges: [] }, periodStart: START, periodEnd: END, at, coupon: null, couponPeriod: 1, tax,
          usage: new Map([['chg_held', held]]), recurringUsage: new Set(['chg_held']),
        });
        const t = new Date(Math.floor(at.getTime() / 1000) * 1000);
        const rest = { plan, selection: current.charges, coupon: null, couponPeriod: 1, tax, usage: new Map([['chg_held', held]]), ended: { start: START, end: END }, next: null };
        const after = priceRenewal({ ...rest, usageFrom: new Map([['chg_held', t]]), recurringUsage: new Set(['chg_held']) });
        const whole = priceRenewal(rest);
        const subtotal = (lines: readonly { chargeId: string; subtotal: number }[]) => lines.filter((l) => l.chargeId === 'chg_held').reduce((s, l) => s + l.subtotal, 0);
        assert.ok(Math.abs(subtotal(before.lines) + subtotal(after.lines) - subtotal(whole.lines)) <= 1, `${subtotal(before.lines)} + ${subtotal(after.lines)} against ${subtotal(whole.lines)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('with a coupon, the same selection prorates to 0 up to a cent of rounding per line and one for the coupon', () => {
    fc.assert(
      fc.property(planSpec, couponSpec, instant, (specs, couponInput, at) => {
        const same = planFrom('a', specs, 'exclusive');
        const coupon = couponFrom(couponInput);
        const invoice = prorationInvoice({ current: same, next: same, periodStart: START, periodEnd: END, at, coupon, couponPeriod: 1, tax: reverseCharge });
        assert.ok(Math.abs(invoice.total) <= invoice.lines.length + 1, `total ${invoice.total} over ${invoice.lines.length} lines`);
      }),
      { numRuns: RUNS },
    );
  });

  it('the credit never exceeds what was paid for the period, line by line', () => {
    fc.assert(
      fc.property(planSpec, planSpec, couponSpec, fc.constantFrom<TaxBehavior>('exclusive', 'inclusive'), fc.constantFrom(...taxes), instant, (a, b, couponInput, behavior, tax, at) => {
        const current = planFrom('a', a, behavior);
        const next = planFrom('b', b, behavior);
        const coupon = couponFrom(couponInput);
        const invoice = prorationInvoice({ current, next, periodStart: START, periodEnd: END, at, coupon, couponPeriod: 1, tax });
        const paid = prorationInvoice({ current, next: current, periodStart: START, periodEnd: END, at: START, coupon, couponPeriod: 1, tax });
        const credits = invoice.lines.filter((l) => l.description.startsWith('Unused'));
        const paidLines = paid.lines.filter((l) => l.description.startsWith('Unused'));
        assert.equal(credits.length, paidLines.length);
        credits.forEach((credit, i) => {
          assert.ok(credit.subtotal <= 0);
          // paid.lines' credits at t = s are exactly minus the full period's (subtotal - discount).
          assert.ok(-credit.subtotal <= -paidLines[i]!.subtotal, `credit ${credit.subtotal} beyond paid ${-paidLines[i]!.subtotal}`);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('tax lines add up to each rate tax and the lines to the totals', () => {
    fc.assert(
      fc.property(planSpec, planSpec, couponSpec, fc.constantFrom<TaxBehavior>('exclusive', 'inclusive'), fc.constantFrom(...taxes), instant, (a, b, couponInput, behavior, tax, at) => {
        const invoice = prorationInvoice({
          current: planFrom('a', a, behavior), next: planFrom('b', b, behavior), periodStart: START, periodEnd: END, at, coupon: couponFrom(couponInput), couponPeriod: 1, tax,
        });
        for (const [rate, row] of byRate(invoice)) assert.equal(row.tax, taxOnAmount(behavior, row.amount, rate), `rate ${rate}`);
        const sum = (pick: (l: ProrationInvoice['lines'][number]) => number) => invoice.lines.reduce((s, l) => s + pick(l), 0);
        assert.deepEqual(totals(invoice), [sum((l) => l.subtotal), sum((l) => l.discount), sum((l) => l.tax), sum((l) => l.total)]);
        for (const line of invoice.lines) {
          assert.equal(line.total, line.subtotal - line.discount + (behavior === 'exclusive' ? line.tax : 0));
          assert.ok(line.discount >= 0 && line.discount <= Math.max(0, line.subtotal));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the classification is antisymmetric: swapping two different rates swaps upgrade and downgrade', () => {
    const rate = fc.record({ subtotal: amount, seconds: fc.integer({ min: 1, max: 40_000_000 }) });
    fc.assert(
      fc.property(rate, rate, (x, y) => {
        const equal = BigInt(x.subtotal) * BigInt(y.seconds) === BigInt(y.subtotal) * BigInt(x.seconds);
        if (equal) assert.deepEqual([changeDirection(x, y), changeDirection(y, x)], ['upgrade', 'upgrade']);
        else assert.notEqual(changeDirection(x, y), changeDirection(y, x));
      }),
      { numRuns: RUNS },
    );
  });
});
