import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../server/domain/errors.js';
import {
  add, allocate, assertSameCurrency, isCurrency, minorUnitExponent, money, mulDivRound, multiply,
  roundHalfAwayFromZero, subtract, toSafeAmount,
} from '../../../server/domain/money.js';

describe('money: currencies', () => {
  const exponents: [string, number][] = [
    ['EUR', 2], ['USD', 2], ['JPY', 0], ['KRW', 0], ['KWD', 3], ['BHD', 3], ['JOD', 3], ['OMR', 3], ['TND', 3],
  ];
  for (const [code, exponent] of exponents) {
    it(`when the currency is ${code}, then its minor-unit exponent is ${exponent}`, () => {
      assert.equal(minorUnitExponent(code), exponent);
    });
  }
  const validity: [string, boolean][] = [['EUR', true], ['eur', false], ['XXX', false], ['EU', false], ['', false]];
  for (const [code, valid] of validity) {
    it(`when the code is "${code}", then isCurrency is ${valid}`, () => assert.equal(isCurrency(code), valid));
  }
  it('when an exponent is asked for an unknown code, then it throws', () => {
    assert.throws(() => minorUnitExponent('ABC'), RangeError);
  });
});

describe('money: roundHalfAwayFromZero', () => {
  const cases: [bigint, bigint, bigint][] = [
    [5n, 2n, 3n], // 2.5 -> 3
    [-5n, 2n, -3n], // -2.5 -> -3
    [7n, 3n, 2n], // 2.33 -> 2
    [8n, 3n, 3n], // 2.67 -> 3
    [-7n, 3n, -2n],
    [1n, 2n, 1n], // 0.5 -> 1
    [1n, 3n, 0n],
    [0n, 7n, 0n],
    [5n, -2n, -3n],
    [10n, 5n, 2n],
    [1_000_000_000_000_000_000_005n, 10n, 100_000_000_000_000_000_001n], // ...000.5 -> up
  ];
  for (const [n, d, expected] of cases) {
    it(`when ${n} / ${d}, then ${expected}`, () => assert.equal(roundHalfAwayFromZero(n, d), expected));
  }
  it('when dividing by zero, then it throws', () => assert.throws(() => roundHalfAwayFromZero(1n, 0n), RangeError));
  it('when mulDivRound multiplies past 2^53, then the result is still exact', () => {
    // 9_007_199_254_740_991 x 1900 / 10000 = 1_711_367_858_400_788.29 -> 1_711_367_858_400_788
    assert.equal(mulDivRound(Number.MAX_SAFE_INTEGER, 1900, 10_000), 1_711_367_858_400_788);
  });
});

describe('money: allocate', () => {
  const cases: { situation: string; total: number; bases: number[]; expected: number[] }[] = [
    { situation: 'bases are equal and the total divides', total: 300, bases: [1, 1, 1], expected: [100, 100, 100] },
    // 100/3 = 33.33 each, remainders tie: the leftover unit goes to the earliest line
    { situation: 'remainders tie', total: 100, bases: [1, 1, 1], expected: [34, 33, 33] },
    // 2 units over 3 equal lines: both ties broken by order
    { situation: 'two units tie over three lines', total: 2, bases: [5, 5, 5], expected: [1, 1, 0] },
    // 10 x 1/6 = 1.67, 10 x 2/6 = 3.33, 10 x 3/6 = 5 -> floors 1,3,5 (9), remainders .67,.33,0 -> first gets 1
    { situation: 'remainders differ', total: 10, bases: [1, 2, 3], expected: [2, 3, 5] },
    { situation: 'a base is zero', total: 7, bases: [0, 3, 0, 4], expected: [0, 3, 0, 4] },
    // 5 over [0, 1, 1]: 2.5 each: floors 2,2 then the tie goes to the earlier non-zero line
    { situation: 'a zero base sits before a tie', total: 5, bases: [0, 1, 1], expected: [0, 3, 2] },
    { situation: 'the total is zero', total: 0, bases: [0, 0], expected: [0, 0] },
    { situation: 'there is one line', total: 999, bases: [1], expected: [999] },
    { situation: 'there are no lines and nothing to allocate', total: 0, bases: [], expected: [] },
    // 2^53-1 over [1, 1]: 4503599627370495.5 each -> floor + the odd unit to the first
    {
      situation: 'products pass 2^53',
      total: Number.MAX_SAFE_INTEGER,
      bases: [1_000_000, 1_000_000],
      expected: [4_503_599_627_370_496, 4_503_599_627_370_495],
    },
  ];
  for (const { situation, total, bases, expected } of cases) {
    it(`when ${situation}, then ${total} over [${bases}] is [${expected}]`, () => {
      assert.deepEqual(allocate(total, bases), expected);
    });
  }
  it('when every base is zero and the total is not, then it throws', () => {
    assert.throws(() => allocate(1, [0, 0]), RangeError);
  });
  it('when the total is negative, then it throws', () => assert.throws(() => allocate(-1, [1]), RangeError));
  it('when a base is fractional, then it throws', () => assert.throws(() => allocate(1, [0.5]), RangeError));
});

describe('money: arithmetic', () => {
  it('when two amounts share a currency, then they add and subtract', () => {
    assert.deepEqual(add(money(150, 'EUR'), money(250, 'EUR')), { amount: 400, currency: 'EUR' });
    assert.deepEqual(subtract(money(150, 'EUR'), money(250, 'EUR')), { amount: -100, currency: 'EUR' });
  });
  it('when currencies differ, then the operation throws', () => {
    assert.throws(() => add(money(1, 'EUR'), money(1, 'USD')), /currency mismatch/);
    assert.throws(() => assertSameCurrency('JPY', 'KWD'), /currency mismatch/);
  });
  it('when an amount is not a safe integer, then money() throws', () => {
    assert.throws(() => money(1.5, 'EUR'), RangeError);
    assert.throws(() => money(2 ** 53, 'EUR'), RangeError);
  });
  it('when a product passes 2^53, then multiply refuses it with amount_out_of_range', () => {
    assert.equal(multiply(3_000_000, 1_000_000_000), 3_000_000_000_000_000);
    assert.throws(
      () => multiply(100_000_000, 100_000_000_000),
      (error: unknown) => error instanceof DomainError && error.code === 'amount_out_of_range',
    );
    assert.throws(() => toSafeAmount(2n ** 53n), DomainError);
  });
});
