import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { afterDecline } from '../../../server/domain/dunning.js';
import { addInterval } from '../../../server/domain/periods.js';
import { couponPeriodOf, nextPeriod, periodOf, priceRenewal, selectionOf, type Renewable } from '../../../server/domain/renewal.js';
import { priceCart } from '../../../server/domain/quote.js';
import { determineTax, defaultTaxSettings } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan } from '../../support/builders.js';

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
