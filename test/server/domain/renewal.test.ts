import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Charge, Plan, Pricing, TaxBehavior } from '../../../server/domain/catalog.js';
import type { Coupon } from '../../../server/domain/coupons.js';
import { afterDecline } from '../../../server/domain/dunning.js';
import { addInterval } from '../../../server/domain/periods.js';
import { couponPeriodOf, nextPeriod, periodOf, priceRenewal, selectionOf, type Renewable } from '../../../server/domain/renewal.js';
import { priceCart } from '../../../server/domain/quote.js';
import { determineTax, defaultTaxSettings, taxOnAmount, type TaxDetermination } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from '../../support/builders.js';

const tax = determineTax(defaultTaxSettings(), { country: 'DE', type: 'individual' });
const MONTH = { unit: 'month' as const, count: 1 };
const at = (iso: string) => new Date(iso);

const plan = aPlan({
  charges: [
    aCharge({ id: 'chg_seat', productId: 'prod_seat', pricing: { model: 'per_unit', unitAmount: 1000 } }),
    aCharge({ id: 'chg_setup', productId: 'prod_setup', type: 'one_time', pricing: { model: 'flat', amount: 5000 }, quantity: { default: 1, min: 1, max: 1, adjustable: false } }),
    aCharge({ id: 'chg_calls', productId: 'prod_calls', type: 'metered', pricing: { model: 'per_unit', unitAmount: 2 }, quantity: { default: 0, min: 0, max: null, adjustable: false } }),
  ],
});
const catalog = aCatalog({ plans: [plan] });
const items = [{ chargeId: 'chg_seat', quantity: 3 }, { chargeId: 'chg_setup', quantity: 1 }, { chargeId: 'chg_calls', quantity: 0 }];
const selection = selectionOf(catalog, plan, items);
const ended = { start: at('2026-01-31T10:00:00Z'), end: at('2026-02-28T10:00:00Z') };
const next = { start: at('2026-02-28T10:00:00Z'), end: at('2026-03-31T10:00:00Z') };

describe('renewal (pure)', () => {
  describe('periods from the anchor', () => {
    it('when the anchor is Jan 31, then the periods end Feb 28, Mar 31, Apr 30: clamped, and always counted from the anchor', () => {
      const anchor = at('2026-01-31T10:00:00Z');
      assert.deepEqual([1, 2, 3].map((k) => periodOf(anchor, MONTH, k).end.toISOString()), ['2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z', '2026-04-30T10:00:00.000Z']);
      assert.equal(periodOf(anchor, MONTH, 2).start.toISOString(), '2026-02-28T10:00:00.000Z');
    });

    it('when a subscription is in period 2, then the next period starts at its end and ends at the anchor plus 3 intervals', () => {
      const sub: Renewable = { anchor: at('2026-01-31T10:00:00Z'), anchorPeriods: 2, currentPeriodStart: at('2026-02-28T10:00:00Z'), currentPeriodEnd: at('2026-03-31T10:00:00Z'), periodsBilled: 2, inTrial: false, couponFirstPeriod: 1 };
      const period = nextPeriod(sub, MONTH);
      assert.deepEqual([period.start.toISOString(), period.end.toISOString()], ['2026-03-31T10:00:00.000Z', '2026-04-30T10:00:00.000Z']);
    });

    it('when a coupon was applied after 4 billed periods, then the next period is its period 1; a checkout coupon counts from period 1', () => {
      assert.equal(couponPeriodOf({ periodsBilled: 4, couponFirstPeriod: 5 }), 1);
      assert.equal(couponPeriodOf({ periodsBilled: 1, couponFirstPeriod: 1 }), 2);
    });
  });

  describe('the renewal invoice', () => {
    it('when usage was 150 calls, then the invoice bills it in arrears for the ended period and the seats in advance, without the setup fee', () => {
      const priced = priceRenewal({ plan, selection, coupon: null, couponPeriod: 2, tax, usage: new Map([['chg_calls', 150]]), ended, next });
      assert.deepEqual(priced.lines.map((l) => [l.chargeId, l.quantity, l.subtotal, l.periodStart]), [
        ['chg_seat', 3, 3000, next.start.toISOString()],
        ['chg_calls', 150, 300, ended.start.toISOString()],
      ]);
      assert.deepEqual([priced.subtotal, priced.tax, priced.total], [3300, 627, 3927]);
    });

    it('when there was no usage, then the metered charge is no line', () => {
      const priced = priceRenewal({ plan, selection, coupon: null, couponPeriod: 2, tax, usage: new Map([['chg_calls', 0]]), ended, next });
      assert.deepEqual(priced.lines.map((l) => l.chargeId), ['chg_seat']);
    });

    it('when the coupon covers the next period, then every eligible line is discounted, the ended period\'s usage included; when it does not, nothing is', () => {
      const coupon = aCoupon({ percentage: 10, frequency: 'limited', numberOfPeriods: 2 });
      const covered = priceRenewal({ plan, selection, coupon, couponPeriod: 2, tax, usage: new Map([['chg_calls', 150]]), ended, next });
      assert.deepEqual(covered.lines.map((l) => l.discount), [300, 30]);
      const after = priceRenewal({ plan, selection, coupon, couponPeriod: 3, tax, usage: new Map([['chg_calls', 150]]), ended, next });
      assert.equal(after.discount, 0);
    });

    it('when it is a final invoice (no next period), then only the usage is billed, without the coupon', () => {
      const final = priceRenewal({ plan, selection, coupon: aCoupon({ percentage: 50 }), couponPeriod: 2, tax, usage: new Map([['chg_calls', 10]]), ended, next: null });
      assert.deepEqual(final.lines.map((l) => [l.chargeId, l.subtotal, l.discount]), [['chg_calls', 20, 0]]);
    });
  });

  describe('a recurring value (seats held) billed for part of its period', () => {
    // chg_calls read as a recurring measurement: 150 held, 3.00 for the whole period of 28 days.
    const held = { plan, selection, coupon: null, couponPeriod: 2, tax, usage: new Map([['chg_calls', 150]]), next: null, recurringUsage: new Set(['chg_calls']) };
    const subtotal = (priced: ReturnType<typeof priceRenewal>) => priced.lines.find((l) => l.chargeId === 'chg_calls')!.subtotal;
    it('when the whole period is billed, then the whole price', () => assert.equal(subtotal(priceRenewal({ ...held, ended })), 300));
    it('when a change re-priced it on day 7, then the renewal bills [from, end): 21 of 28 days', () => {
      const priced = priceRenewal({ ...held, ended, usageFrom: new Map([['chg_calls', at('2026-02-07T10:00:00Z')]]) });
      assert.equal(subtotal(priced), 225);
      assert.equal(priced.lines[0]!.unitAmount, undefined, 'a share is no unit x quantity');
    });
    it('when a cancellation now cuts the period on day 14, then it bills 14 of the period 28 days', () => {
      assert.equal(subtotal(priceRenewal({ ...held, ended: { start: ended.start, end: at('2026-02-14T10:00:00Z') }, periodEnd: ended.end })), 150);
    });
    it('when the measurement is metered (not a value held), then the usage is billed at its price whatever the part of the period', () => {
      const { recurringUsage: _none, ...metered } = held;
      assert.equal(subtotal(priceRenewal({ ...metered, ended: { start: ended.start, end: at('2026-02-14T10:00:00Z') }, periodEnd: ended.end })), 300);
    });
  });

  describe('a pending downgrade to a plan of the other tax behaviour: the ended period\'s usage at the old plan\'s price, converted', () => {
    const fixed = { default: 1, min: 1, max: 1, adjustable: false };
    const meteredQuantity = { default: 0, min: 0, max: null, adjustable: false };
    const french = determineTax(defaultTaxSettings(), { country: 'FR', type: 'individual' });
    const frenchBusiness = determineTax(defaultTaxSettings(), { country: 'FR', type: 'business', vatId: 'FR40303265045' });
    // The new plan's base (10.00 net or 11.90 gross) is a reduced-rate product, the old plan's calls standard:
    // each line is alone at its rate, so its tax is its own and can be checked by hand.
    const products = [aProduct({ id: 'prod_base', taxGroup: 'reduced' }), aProduct({ id: 'prod_calls' })];
    const newPlan = (behavior: TaxBehavior, charges: Charge[] = [aCharge({ id: 'chg_base', productId: 'prod_base', pricing: { model: 'flat', amount: behavior === 'exclusive' ? 1000 : 1190 }, quantity: fixed })]) =>
      aPlan({ id: 'plan_new', code: 'new', taxBehavior: behavior, charges });
    const oldPlan = (behavior: TaxBehavior, pricing: Pricing, productId = 'prod_calls') =>
      aPlan({ id: 'plan_old', code: 'old', taxBehavior: behavior, charges: [aCharge({ id: 'chg_old_calls', productId, type: 'metered', pricing, quantity: meteredQuantity })] });
    /** The renewal that applies the downgrade: the new plan's charges, then the old plan's metered ones (as app/renew.ts selects them). */
    const downgrade = (from: Plan, to: Plan, quantity: number, options: { tax?: TaxDetermination; coupon?: Coupon | null; extra?: Partial<Parameters<typeof priceRenewal>[0]> } = {}) => {
      const cat = aCatalog({ plans: [to, from], products });
      const selection = [
        ...selectionOf(cat, to, to.charges.filter((c) => c.type !== 'metered').map((c) => ({ chargeId: c.id, quantity: 1 }))),
        ...selectionOf(cat, from, [{ chargeId: 'chg_old_calls', quantity: 0 }]),
      ];
      return priceRenewal({
        plan: to, selection, coupon: options.coupon ?? null, couponPeriod: 2, tax: options.tax ?? tax, usage: new Map([['chg_old_calls', quantity]]), ended, next,
        usageTaxBehavior: from.taxBehavior, ...options.extra,
      });
    };
    const callsLine = (priced: ReturnType<typeof priceRenewal>) => priced.lines.find((l) => l.chargeId === 'chg_old_calls')!;
    const perCall = (unitAmount: number): Pricing => ({ model: 'per_unit', unitAmount });

    const cases: [string, TaxBehavior, TaxBehavior, number, number, TaxDetermination, number[], number[]][] = [
      // 18.00 gross holds round(18.00 x 19/119) = 2.87 of tax: net 15.13, and 19 % of 15.13 is 2.87 again.
      ['150 calls at 0.12 gross (18.00) go onto an exclusive invoice: the net inside them, 15.13, whose 19 % give back 18.00', 'inclusive', 'exclusive', 12, 150, tax, [1513, 287, 1800], [2513, 357, 2870]],
      // 15.00 net + 2.85 = 17.85 gross, which holds round(17.85 x 19/119) = 2.85.
      ['150 calls at 0.10 net (15.00) go onto an inclusive invoice: the gross 17.85, whose tax inside is the same 2.85', 'exclusive', 'inclusive', 10, 150, tax, [1785, 285, 1785], [2975, 363, 2975]],
      // 1.03 gross holds 0.16: net 0.87, which 19 % make 1.04. No net gives 1.03 (0.86 gives 1.02): the nearest.
      ['a call at 1.03 gross, a gross that no net gives at 19 %, goes onto an exclusive invoice: the net inside it, 0.87, one cent more taxed', 'inclusive', 'exclusive', 103, 1, tax, [87, 17, 104], [1087, 87, 1174]],
      ['the old plan has the same behaviour: the price as it is', 'inclusive', 'inclusive', 12, 150, tax, [1800, 287, 1800], [2990, 365, 2990]],
      ['the customer is reverse charged (0 %): the amount as it is', 'inclusive', 'exclusive', 12, 150, frenchBusiness, [1800, 0, 1800], [2800, 0, 2800]],
      // 15.00 + 20 % = 18.00 gross, holding round(18.00 x 20/120) = 3.00; the base 11.90 at 5.5 % holds 0.62.
      ['French VAT (20 % OSS), net to gross: 15.00 becomes 18.00, holding the same 3.00', 'exclusive', 'inclusive', 10, 150, french, [1800, 300, 1800], [2990, 362, 2990]],
    ];
    for (const [situation, from, to, unitAmount, quantity, taxOf, line, invoice] of cases) {
      it(`when ${situation}`, () => {
        const priced = downgrade(oldPlan(from, perCall(unitAmount)), newPlan(to), quantity, { tax: taxOf });
        const calls = callsLine(priced);
        assert.deepEqual([calls.subtotal, calls.tax, calls.total], line);
        assert.deepEqual([priced.subtotal, priced.tax, priced.total], invoice);
        assert.deepEqual([calls.quantity, calls.periodStart, calls.periodEnd], [quantity, ended.start.toISOString(), ended.end.toISOString()]);
        // A converted amount is no unit price x quantity in the invoice's terms: it shows no unit amount.
        assert.equal(calls.unitAmount, from === to ? unitAmount : undefined);
      });
    }

    it('when the coupon covers the next period, then it takes its percentage off the converted amount, in one discount for the invoice', () => {
      // 10 % of 10.00 + 15.13 = 2.51, allocated 1.00 and 1.51; the calls: 19 % of 13.62; the base: 7 % of 9.00.
      const priced = downgrade(oldPlan('inclusive', perCall(12)), newPlan('exclusive'), 150, { coupon: aCoupon({ percentage: 10 }) });
      assert.deepEqual(priced.lines.map((l) => [l.chargeId, l.subtotal, l.discount, l.tax, l.total]), [
        ['chg_base', 1000, 100, 63, 963],
        ['chg_old_calls', 1513, 151, 259, 1621],
      ]);
      assert.deepEqual([priced.subtotal, priced.discount, priced.tax, priced.total], [2513, 251, 322, 2584]);
    });

    it('when the usage is a recurring value held for part of the period, then its share of the old price is taken first and then converted', () => {
      // 4 seats at 5.00 gross a period, held from day 14 of 28: 10.00 gross, holding 1.60 of 19 %: 8.40 net.
      const priced = downgrade(oldPlan('inclusive', perCall(500)), newPlan('exclusive'), 4, {
        extra: { usageFrom: new Map([['chg_old_calls', at('2026-02-14T10:00:00Z')]]), recurringUsage: new Set(['chg_old_calls']) },
      });
      assert.deepEqual([callsLine(priced).subtotal, callsLine(priced).tax, callsLine(priced).periodStart], [840, 160, '2026-02-14T10:00:00.000Z']);
    });

    describe('properties', () => {
      const amount = fc.integer({ min: 0, max: 200_000 });
      const pricing: fc.Arbitrary<Pricing> = fc.oneof(
        amount.map((a): Pricing => ({ model: 'flat', amount: a })),
        amount.map((a): Pricing => ({ model: 'per_unit', unitAmount: a })),
        fc.tuple(fc.integer({ min: 1, max: 10 }), amount).map(([packageSize, a]): Pricing => ({ model: 'package', packageSize, amount: a })),
        fc.tuple(amount, amount, fc.integer({ min: 1, max: 50 })).map(([low, high, upTo]): Pricing => ({
          model: 'tiered', mode: 'graduated', tiers: [{ upTo, unitAmount: low, flatAmount: 0 }, { upTo: null, unitAmount: high, flatAmount: 0 }],
        })),
      );
      const taxes = [tax, french, frenchBusiness, determineTax(defaultTaxSettings(), { country: 'AT', type: 'individual' })];
      const arbitrary = fc.record({
        price: pricing,
        quantity: fc.integer({ min: 1, max: 5000 }),
        reduced: fc.boolean(),
        base: amount,
        baseReduced: fc.boolean(),
        tax: fc.constantFrom(...taxes),
      });
      /** The old plan's usage line priced on its own invoice (the final invoice it would issue for that usage) and on the downgrade's renewal. */
      type Input = typeof arbitrary extends fc.Arbitrary<infer T> ? T : never;
      const both = (input: Input, from: TaxBehavior, to: TaxBehavior) => {
        const old = oldPlan(from, input.price, input.reduced ? 'prod_base' : 'prod_calls');
        const target = newPlan(to, [aCharge({ id: 'chg_base', productId: input.baseReduced ? 'prod_base' : 'prod_calls', pricing: { model: 'flat', amount: input.base }, quantity: fixed })]);
        const cat = aCatalog({ plans: [old], products });
        const alone = priceRenewal({ plan: old, selection: selectionOf(cat, old, [{ chargeId: 'chg_old_calls', quantity: 0 }]), coupon: null, couponPeriod: 2, tax: input.tax, usage: new Map([['chg_old_calls', input.quantity]]), ended, next: null });
        const renewal = downgrade(old, target, input.quantity, { tax: input.tax });
        const baseOnly = downgrade(old, target, 0, { tax: input.tax });
        return { before: alone.lines[0], after: callsLine(renewal), renewal, baseOnly };
      };

      it('net to gross: the usage line costs exactly, tax included, what the old plan charged for it, with the same tax; the invoice is the new plan\'s plus that', () => {
        fc.assert(
          fc.property(arbitrary, (input) => {
            const { before, after, renewal, baseOnly } = both(input, 'exclusive', 'inclusive');
            if (!before) return assert.equal(after, undefined);
            assert.equal(after.total, before.total, 'what the customer pays for the usage');
            assert.equal(taxOnAmount('inclusive', after.subtotal - after.discount, after.taxRate), before.tax, 'the tax inside it, taxed alone');
            assert.equal(renewal.total, baseOnly.total + before.total);
          }),
          { numRuns: 500 },
        );
      });

      it('gross to net: the usage line\'s net is the net inside the old gross; taxed alone it gives that gross back whenever any net can, else one cent off', () => {
        fc.assert(
          fc.property(arbitrary, (input) => {
            const { before, after } = both(input, 'inclusive', 'exclusive');
            if (!before) return assert.equal(after, undefined);
            assert.equal(after.subtotal, before.total - before.tax, 'the net the old invoice showed');
            const gross = (net: number) => net + taxOnAmount('exclusive', net, after.taxRate);
            const off = gross(after.subtotal) - before.total;
            assert.ok(Math.abs(off) <= 1, `off by ${off}`);
            // The gross of a net increases by 1 or 2 a cent: only a neighbour could hit it.
            if (off !== 0) for (let net = after.subtotal - 3; net <= after.subtotal + 3; net++) assert.notEqual(gross(net), before.total, `the net ${net} gives it`);
          }),
          { numRuns: 500 },
        );
      });
    });
  });

  describe('properties', () => {
    const arbitrary = fc.record({
      unitAmount: fc.integer({ min: 0, max: 100_000 }),
      quantity: fc.integer({ min: 1, max: 500 }),
      periods: fc.integer({ min: 1, max: 24 }),
      country: fc.constantFrom('DE', 'FR', 'US', 'AT'),
      inclusive: fc.boolean(),
    });

    it('the invoices of N periods without coupon or usage sum to N times the quote\'s recurring total', () => {
      fc.assert(
        fc.property(arbitrary, ({ unitAmount, quantity, periods, country, inclusive }) => {
          const p = aPlan({ taxBehavior: inclusive ? 'inclusive' : 'exclusive', charges: [aCharge({ pricing: { model: 'per_unit', unitAmount } })] });
          const cat = aCatalog({ plans: [p] });
          const t = determineTax(defaultTaxSettings(), { country, type: 'individual' });
          const quote = priceCart({ catalog: cat, cart: { plan: p.code, quantity, customer: { country, type: 'individual' } }, coupon: { status: 'none' }, tax: defaultTaxSettings(), now: at('2026-01-31T10:00:00Z') });
          const sel = selectionOf(cat, p, [{ chargeId: 'chg_seat', quantity }]);
          const anchor = at('2026-01-31T10:00:00Z');
          let sum = 0;
          for (let k = 2; k <= periods + 1; k++) {
            sum += priceRenewal({ plan: p, selection: sel, coupon: null, couponPeriod: k, tax: t, usage: null, ended: periodOf(anchor, MONTH, k - 1), next: periodOf(anchor, MONTH, k) }).total;
          }
          assert.equal(sum, periods * quote.recurring.total);
        }),
        { numRuns: 200 },
      );
    });

    it('a coupon of limited duration discounts exactly its number of periods, then none', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 99 }), (n, pct) => {
          const coupon = aCoupon({ percentage: pct, frequency: 'limited', numberOfPeriods: n });
          let discounted = 0;
          for (let k = 1; k <= 24; k++) {
            const priced = priceRenewal({ plan, selection, coupon, couponPeriod: k, tax, usage: null, ended, next });
            if (priced.discount > 0) discounted++;
          }
          assert.equal(discounted, n);
        }),
        { numRuns: 100 },
      );
    });

    it('period ends are strictly increasing and each period starts where the previous ended, whatever the anchor and interval', () => {
      fc.assert(
        fc.property(
          fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z'), noInvalidDate: true }),
          fc.constantFrom('day' as const, 'week' as const, 'month' as const, 'year' as const),
          fc.integer({ min: 1, max: 3 }),
          (anchor, unit, count) => {
            const interval = { unit, count };
            for (let k = 1; k <= 30; k++) {
              const p = periodOf(anchor, interval, k);
              assert.ok(p.end > p.start);
              assert.equal(p.start.getTime(), (k === 1 ? anchor : addInterval(anchor, interval, k - 1)).getTime());
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('dunning schedule', () => {
    const settings = { retryDays: [1, 3, 5, 7], finalAction: 'cancel' as const };
    const first = at('2026-03-01T10:00:00Z');
    it('when the 1st..4th attempts failed, then the retries come 1, 3, 5 and 7 days after the first failure', () => {
      assert.deepEqual(
        [1, 2, 3, 4].map((n) => {
          const step = afterDecline(settings, first, n);
          return step.kind === 'retry' ? step.at.toISOString() : step.kind;
        }),
        ['2026-03-02T10:00:00.000Z', '2026-03-04T10:00:00.000Z', '2026-03-06T10:00:00.000Z', '2026-03-08T10:00:00.000Z'],
      );
    });
    it('when the last retry failed, then the final action follows; with no retry days at once', () => {
      assert.deepEqual(afterDecline(settings, first, 5), { kind: 'final', action: 'cancel' });
      assert.deepEqual(afterDecline({ retryDays: [], finalAction: 'mark_uncollectible' }, first, 1), { kind: 'final', action: 'mark_uncollectible' });
    });
  });
});
