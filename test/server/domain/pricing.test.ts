import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pricing, Tier } from '../../../server/domain/catalog.js';
import { DomainError } from '../../../server/domain/errors.js';
import { priceCharge, pricingProblems, tiersAreValid } from '../../../server/domain/pricing.js';
import { aTier } from '../../support/builders.js';

const graduated: Pricing = {
  model: 'tiered',
  mode: 'graduated',
  tiers: [aTier(10, 500, 1000), aTier(20, 400), aTier(null, 300, 200)],
};
const volume: Pricing = {
  model: 'tiered',
  mode: 'volume',
  tiers: [aTier(10, 500, 1000), aTier(20, 400, 2000), aTier(null, 300, 3000)],
};
const pack: Pricing = { model: 'package', packageSize: 10, amount: 2500 };

describe('pricing: priceCharge', () => {
  const cases: { situation: string; pricing: Pricing; quantity: number; expected: number }[] = [
    { situation: 'flat and q = 0', pricing: { model: 'flat', amount: 2900 }, quantity: 0, expected: 2900 },
    { situation: 'flat and q = 5', pricing: { model: 'flat', amount: 2900 }, quantity: 5, expected: 2900 },
    { situation: 'per_unit and q = 3', pricing: { model: 'per_unit', unitAmount: 1250 }, quantity: 3, expected: 3750 },
    { situation: 'per_unit and q = 0', pricing: { model: 'per_unit', unitAmount: 1250 }, quantity: 0, expected: 0 },
    { situation: 'per_unit in JPY (exponent 0)', pricing: { model: 'per_unit', unitAmount: 980 }, quantity: 3, expected: 2940 },
    { situation: 'per_unit in KWD (exponent 3)', pricing: { model: 'per_unit', unitAmount: 4250 }, quantity: 2, expected: 8500 },
    // graduated: tier 1 = 10 x 500 + 1000 = 6000; tier 2 = 400 per unit; tier 3 = 300 per unit + 200
    { situation: 'graduated and q = 0', pricing: graduated, quantity: 0, expected: 0 },
    { situation: 'graduated and q = 1', pricing: graduated, quantity: 1, expected: 1500 },
    { situation: 'graduated and q equals the first upTo (10)', pricing: graduated, quantity: 10, expected: 6000 },
    { situation: 'graduated and q is one past the first upTo (11)', pricing: graduated, quantity: 11, expected: 6400 },
    { situation: 'graduated and q equals the second upTo (20)', pricing: graduated, quantity: 20, expected: 10000 },
    { situation: 'graduated and q enters the open tier (21)', pricing: graduated, quantity: 21, expected: 10500 },
    { situation: 'graduated and q = 30', pricing: graduated, quantity: 30, expected: 13200 },
    // volume: the tier containing q prices all units plus its flat fee
    { situation: 'volume and q = 0', pricing: volume, quantity: 0, expected: 0 },
    { situation: 'volume and q equals the first upTo (10)', pricing: volume, quantity: 10, expected: 6000 },
    { situation: 'volume and q is one past the first upTo (11)', pricing: volume, quantity: 11, expected: 6400 },
    { situation: 'volume in the open tier with its flat fee (25)', pricing: volume, quantity: 25, expected: 10500 },
    // package: ceil(q / 10) x 2500
    { situation: 'package and q = 0', pricing: pack, quantity: 0, expected: 0 },
    { situation: 'package and q = 1 (rounds up)', pricing: pack, quantity: 1, expected: 2500 },
    { situation: 'package and q fills one package', pricing: pack, quantity: 10, expected: 2500 },
    { situation: 'package and q = 11 (rounds up)', pricing: pack, quantity: 11, expected: 5000 },
  ];
  for (const { situation, pricing, quantity, expected } of cases) {
    it(`when ${situation}, then the amount is ${expected}`, () => assert.equal(priceCharge(pricing, quantity), expected));
  }

  it('when unitAmount x q passes 2^53, then it is refused with amount_out_of_range', () => {
    assert.throws(
      () => priceCharge({ model: 'per_unit', unitAmount: 10_000_000_000 }, 10_000_000),
      (error: unknown) => error instanceof DomainError && error.code === 'amount_out_of_range',
    );
  });
  it('when a graduated product passes 2^53 in one tier, then it is refused, not rounded', () => {
    const big: Pricing = { model: 'tiered', mode: 'graduated', tiers: [aTier(null, 10_000_000_000)] };
    assert.throws(() => priceCharge(big, 10_000_000), DomainError);
  });
  it('when the quantity is negative or fractional, then it throws', () => {
    assert.throws(() => priceCharge({ model: 'per_unit', unitAmount: 1 }, -1), RangeError);
    assert.throws(() => priceCharge({ model: 'per_unit', unitAmount: 1 }, 1.5), RangeError);
  });
});

describe('pricing: tiersAreValid', () => {
  const cases: { situation: string; tiers: Tier[]; pointers: string[] }[] = [
    { situation: 'tiers are well formed', tiers: [aTier(10, 1), aTier(null, 0)], pointers: [] },
    { situation: 'there is only the open tier', tiers: [aTier(null, 5, 5)], pointers: [] },
    { situation: 'the list is empty', tiers: [], pointers: ['/tiers'] },
    { situation: 'the last tier is bounded', tiers: [aTier(10, 1), aTier(20, 1)], pointers: ['/tiers/1/upTo'] },
    { situation: 'upTo does not increase', tiers: [aTier(10, 1), aTier(10, 1), aTier(null, 1)], pointers: ['/tiers/1/upTo'] },
    { situation: 'an open tier is not last', tiers: [aTier(null, 1), aTier(null, 1)], pointers: ['/tiers/0/upTo'] },
    { situation: 'upTo is zero', tiers: [aTier(0, 1), aTier(null, 1)], pointers: ['/tiers/0/upTo'] },
    {
      situation: 'amounts are negative or fractional',
      tiers: [aTier(5, -1, 0.5), aTier(null, 1)],
      pointers: ['/tiers/0/unitAmount', '/tiers/0/flatAmount'],
    },
  ];
  for (const { situation, tiers, pointers } of cases) {
    it(`when ${situation}, then the problems point at [${pointers.join(', ')}]`, () => {
      assert.deepEqual(tiersAreValid(tiers).map((problem) => problem.pointer), pointers);
    });
  }
  it('when a base pointer is given, then problems are under it', () => {
    assert.deepEqual(
      pricingProblems({ model: 'tiered', mode: 'volume', tiers: [] }, '/charges/2/pricing').map((p) => p.pointer),
      ['/charges/2/pricing/tiers'],
    );
  });
  it('when a package has size 0 and a negative amount, then both are reported', () => {
    assert.deepEqual(
      pricingProblems({ model: 'package', packageSize: 0, amount: -1 }, '/pricing').map((p) => p.pointer),
      ['/pricing/amount', '/pricing/packageSize'],
    );
  });
});
