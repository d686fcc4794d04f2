import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { creditNoteFigures, creditSplit, type CreditableLine } from '../../../server/domain/credit-notes.js';
import { DomainError } from '../../../server/domain/errors.js';

const aLine = (overrides: Partial<CreditableLine> = {}): CreditableLine => ({
  id: 'il_1',
  description: 'Seats',
  quantity: 3,
  taxRate: 1900,
  total: 3213,
  tax: 513,
  creditedTotal: 0,
  creditedTax: 0,
  periodStart: null,
  periodEnd: null,
  ...overrides,
});

/** A 19 % line of 32.13 gross and a 7 % line of 10.70 gross. */
const lines = [aLine(), aLine({ id: 'il_2', description: 'E-book', quantity: 1, taxRate: 700, total: 1070, tax: 70 })];

const refusal = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describe('credit notes: figures', () => {
  it('when all that is left is credited, then each line and its tax come back exactly as billed', () => {
    const figures = creditNoteFigures(lines, { amount: 4283 });
    assert.deepEqual(figures.lines.map((l) => [l.invoiceLineId, l.total, l.tax, l.amount]), [['il_1', 3213, 513, 2700], ['il_2', 1070, 70, 1000]]);
    assert.deepEqual([figures.subtotal, figures.tax, figures.total], [3700, 583, 4283]);
    assert.deepEqual(figures.taxBreakdown, [{ rate: 700, net: 1000, tax: 70 }, { rate: 1900, net: 2700, tax: 513 }]);
  });

  it('when a gross amount is credited, then it is allocated over what is left per line and taxed back per rate', () => {
    const figures = creditNoteFigures(lines, { amount: 1000 });
    // 1000 x 3213/4283 = 750.17 -> 750; 1000 x 1070/4283 = 249.82 -> 249, +1 (largest remainder) = 250.
    assert.deepEqual(figures.lines.map((l) => l.total), [750, 250]);
    // round(750 x 19/119) = 120 (119.75); round(250 x 7/107) = 16 (16.36).
    assert.deepEqual(figures.lines.map((l) => l.tax), [120, 16]);
    assert.equal(figures.total, 1000);
  });

  it('when lines are named, then only they are credited: all that is left of each, or the amount given', () => {
    const figures = creditNoteFigures(lines, { lines: [{ lineId: 'il_2' }, { lineId: 'il_1', amount: 119 }] });
    assert.deepEqual(figures.lines.map((l) => [l.invoiceLineId, l.total, l.tax]), [['il_1', 119, 19], ['il_2', 1070, 70]]);
  });

  it('when earlier credit notes took part, then only the rest can be credited, and crediting the rest returns the tax left', () => {
    const partly = [aLine({ creditedTotal: 750, creditedTax: 120 }), lines[1]!];
    assert.throws(() => creditNoteFigures(partly, { amount: 3534 }), refusal('credit_exceeds_remaining'));
    const rest = creditNoteFigures(partly, { lines: [{ lineId: 'il_1' }] });
    assert.deepEqual(rest.lines.map((l) => [l.total, l.tax]), [[2463, 393]]);
  });

  it('when a line is asked for more than is left, unknown or named twice, then each is refused with its pointer', () => {
    assert.throws(() => creditNoteFigures(lines, { lines: [{ lineId: 'il_1', amount: 3214 }] }), (e: unknown) =>
      refusal('credit_exceeds_remaining')(e) && (e as DomainError).errors?.[0]?.pointer === '/lines/0/amount');
    assert.throws(() => creditNoteFigures(lines, { lines: [{ lineId: 'il_x' }] }), (e: unknown) => (e as DomainError).errors?.[0]?.pointer === '/lines/0/lineId');
    assert.throws(() => creditNoteFigures(lines, { lines: [{ lineId: 'il_1' }, { lineId: 'il_1' }] }), (e: unknown) => (e as DomainError).errors?.[0]?.pointer === '/lines/1/lineId');
  });

  it('when a line with nothing left is named without an amount, then the refusal points at its lineId (no amount was sent) and says nothing is left', () => {
    const first = [{ ...lines[0]!, creditedTotal: lines[0]!.total, creditedTax: lines[0]!.tax }, lines[1]!];
    assert.throws(() => creditNoteFigures(first, { lines: [{ lineId: 'il_1' }] }), (e: unknown) =>
      refusal('credit_exceeds_remaining')(e) &&
      JSON.stringify((e as DomainError).errors) === JSON.stringify([{ pointer: '/lines/0/lineId', detail: 'Nothing is left to credit on this line.' }]));
  });

  it('when everything was credited already, then nothing_to_credit', () => {
    const done = lines.map((l) => ({ ...l, creditedTotal: l.total, creditedTax: l.tax }));
    assert.throws(() => creditNoteFigures(done, { amount: 1 }), refusal('nothing_to_credit'));
  });

  it('when credit notes of any amounts follow each other, then they never give back more than was billed, gross or tax', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4283 }), { minLength: 1, maxLength: 8 }), (amounts) => {
        let state = lines.map((l) => ({ ...l }));
        for (const amount of amounts) {
          const left = state.reduce((s, l) => s + l.total - l.creditedTotal, 0);
          if (left === 0) break;
          const figures = creditNoteFigures(state, { amount: Math.min(amount, left) });
          assert.equal(figures.total, Math.min(amount, left));
          assert.equal(figures.subtotal + figures.tax, figures.total);
          state = state.map((l) => {
            const credited = figures.lines.find((c) => c.invoiceLineId === l.id);
            return credited ? { ...l, creditedTotal: l.creditedTotal + credited.total, creditedTax: l.creditedTax + credited.tax } : l;
          });
        }
        for (const l of state) {
          assert.ok(l.creditedTotal <= l.total);
          assert.ok(l.creditedTax <= l.tax, `tax credited ${l.creditedTax} > ${l.tax}`);
          if (l.creditedTotal === l.total) assert.equal(l.creditedTax, l.tax, 'a line credited in full returns its tax exactly');
        }
      }),
    );
  });
});

describe('credit notes: what is due first', () => {
  it('when an open invoice is credited, then the credit takes off what is due first and only the excess is left to refund', () => {
    const open = { status: 'open', amountDue: 1285, amountPaid: 0 };
    assert.deepEqual(creditSplit(open, 500), { prePayment: 500, postPayment: 0, settles: false });
    assert.deepEqual(creditSplit(open, 1285), { prePayment: 1285, postPayment: 0, settles: true });
    assert.deepEqual(creditSplit(open, 1785), { prePayment: 1285, postPayment: 500, settles: true });
    assert.deepEqual(creditSplit({ ...open, status: 'uncollectible' }, 1785), { prePayment: 1285, postPayment: 500, settles: true });
  });

  it('when a paid invoice is credited, then nothing is due: all of it is the excess and nothing settles', () => {
    assert.deepEqual(creditSplit({ status: 'paid', amountDue: 3451, amountPaid: 3451 }, 1000), { prePayment: 0, postPayment: 1000, settles: false });
    assert.deepEqual(creditSplit({ status: 'paid', amountDue: 0, amountPaid: 0 }, 1000), { prePayment: 0, postPayment: 1000, settles: false });
  });

  it('when any credit meets any amount due, then the parts add up to the credit and what is due never goes below 0', () => {
    fc.assert(fc.property(fc.nat(100_000), fc.nat(100_000), fc.constantFrom('open', 'uncollectible', 'paid'), (due, total, status) => {
      const split = creditSplit({ status, amountDue: due, amountPaid: 0 }, total);
      assert.equal(split.prePayment + split.postPayment, total);
      assert.ok(split.prePayment >= 0 && split.postPayment >= 0 && split.prePayment <= (status === 'paid' ? 0 : due));
      assert.equal(split.settles, status !== 'paid' && due > 0 && total >= due);
    }));
  });
});
