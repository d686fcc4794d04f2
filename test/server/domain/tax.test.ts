import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../server/domain/errors.js';
import {
  defaultTaxSettings, determineTax, EU_VAT_RATES, isValidVatId, reverseChargeNote, taxLines, taxOnAmount,
  type TaxCustomer,
} from '../../../server/domain/tax.js';

const settings = defaultTaxSettings();

describe('tax: the shipped rate table', () => {
  it('when the table is loaded, then it has the 27 EU countries and keeps its dates', () => {
    assert.equal(Object.keys(EU_VAT_RATES.rates).length, 27);
    assert.equal(EU_VAT_RATES.validFrom, '2026-01-01');
    assert.match(EU_VAT_RATES.about, /2026-02-02/);
  });
  it('when Greece is looked up, then its VAT prefix is EL', () => assert.equal(EU_VAT_RATES.rates['GR']!.vatPrefix, 'EL'));
  it('when no home country is set, then it is DE', () => assert.equal(settings.homeCountry, 'DE'));
});

describe('tax: VAT ID validation', () => {
  const cases: { situation: string; vatId: string; country: string; valid: boolean }[] = [
    { situation: 'a valid German ID', vatId: 'DE136695976', country: 'DE', valid: true },
    { situation: 'a valid French ID', vatId: 'FR40303265045', country: 'FR', valid: true },
    { situation: 'a valid Dutch ID', vatId: 'NL004495445B01', country: 'NL', valid: true },
    { situation: 'a valid Greek ID with prefix EL', vatId: 'EL094259216', country: 'GR', valid: true },
    { situation: 'a Greek ID with prefix GR', vatId: 'GR094259216', country: 'GR', valid: false },
    { situation: 'a valid ID typed with spaces and lower case', vatId: 'de 136 695 976', country: 'DE', valid: true },
    { situation: 'a German ID with a wrong checksum', vatId: 'DE136695977', country: 'DE', valid: false },
    { situation: 'a valid German ID for a French customer', vatId: 'DE136695976', country: 'FR', valid: false },
    { situation: 'an ID without its prefix', vatId: '136695976', country: 'DE', valid: false },
    { situation: 'a non-EU country', vatId: 'CHE123456789', country: 'CH', valid: false },
  ];
  for (const { situation, vatId, country, valid } of cases) {
    it(`when ${situation}, then it is ${valid ? 'valid' : 'invalid'}`, () => assert.equal(isValidVatId(vatId, country), valid));
  }
});

describe('tax: treatment', () => {
  const cases: { situation: string; customer: TaxCustomer; treatment: string; standard: number; reduced: number }[] = [
    { situation: 'the buyer is outside the EU', customer: { country: 'US', type: 'business' }, treatment: 'outside_scope', standard: 0, reduced: 0 },
    { situation: 'the buyer is a Swiss consumer', customer: { country: 'CH', type: 'individual' }, treatment: 'outside_scope', standard: 0, reduced: 0 },
    { situation: 'a consumer is in the home country', customer: { country: 'DE', type: 'individual' }, treatment: 'domestic', standard: 1900, reduced: 700 },
    {
      situation: 'a business with a valid VAT ID is in the home country',
      customer: { country: 'DE', type: 'business', vatId: 'DE136695976' },
      treatment: 'domestic',
      standard: 1900,
      reduced: 700,
    },
    {
      situation: 'a business in another EU country has a valid VAT ID',
      customer: { country: 'FR', type: 'business', vatId: 'FR40303265045' },
      treatment: 'reverse_charge',
      standard: 0,
      reduced: 0,
    },
    {
      situation: 'a Greek business has a valid EL VAT ID',
      customer: { country: 'GR', type: 'business', vatId: 'EL094259216' },
      treatment: 'reverse_charge',
      standard: 0,
      reduced: 0,
    },
    { situation: 'a business in another EU country has no VAT ID', customer: { country: 'NL', type: 'business' }, treatment: 'oss', standard: 2100, reduced: 900 },
    { situation: 'a consumer is in another EU country', customer: { country: 'FR', type: 'individual' }, treatment: 'oss', standard: 2000, reduced: 550 },
    {
      situation: 'a consumer in another EU country gives a valid VAT ID',
      customer: { country: 'NL', type: 'individual', vatId: 'NL004495445B01' },
      treatment: 'oss',
      standard: 2100,
      reduced: 900,
    },
    { situation: 'the country is typed in lower case', customer: { country: 'fr', type: 'individual' }, treatment: 'oss', standard: 2000, reduced: 550 },
  ];
  for (const { situation, customer, treatment, standard, reduced } of cases) {
    it(`when ${situation}, then the treatment is ${treatment} at ${standard}/${reduced} bp`, () => {
      const tax = determineTax(settings, customer);
      assert.deepEqual([tax.treatment, tax.standard, tax.reduced], [treatment, standard, reduced]);
    });
  }
  it('when the home country is FR, then a German consumer is taxed OSS at 19 %', () => {
    const tax = determineTax(defaultTaxSettings({ homeCountry: 'FR' }), { country: 'DE', type: 'individual' });
    assert.deepEqual([tax.treatment, tax.standard], ['oss', 1900]);
  });
  const invalid: { situation: string; customer: TaxCustomer }[] = [
    { situation: 'a business gives an invalid VAT ID', customer: { country: 'FR', type: 'business', vatId: 'FR00000000000' } },
    { situation: 'a home-country business gives an invalid VAT ID', customer: { country: 'DE', type: 'business', vatId: 'DE123456789' } },
    { situation: 'a consumer gives another country\'s VAT ID', customer: { country: 'AT', type: 'individual', vatId: 'DE136695976' } },
  ];
  for (const { situation, customer } of invalid) {
    it(`when ${situation}, then it is refused with vat_id_invalid at /customer/vatId`, () => {
      assert.throws(
        () => determineTax(settings, customer),
        (error: unknown) =>
          error instanceof DomainError &&
          error.kind === 'unprocessable' &&
          error.code === 'vat_id_invalid' &&
          error.errors?.[0]?.pointer === '/customer/vatId',
      );
    });
  }
  it('when the treatment is reverse charge, then there is a note to print', () => assert.match(reverseChargeNote, /[Rr]everse charge/));
});

describe('tax: amounts', () => {
  const onAmount: { situation: string; behavior: 'exclusive' | 'inclusive'; amount: number; rate: number; expected: number }[] = [
    // 1234 x 19 % = 234.46 -> 234
    { situation: 'exclusive 19 % of 1234', behavior: 'exclusive', amount: 1234, rate: 1900, expected: 234 },
    // 1250 x 19 % = 237.5 -> 238 (half away from zero)
    { situation: 'exclusive 19 % of 1250 (a half)', behavior: 'exclusive', amount: 1250, rate: 1900, expected: 238 },
    // 11900 gross at 19 %: 11900 x 1900 / 11900 = 1900
    { situation: 'inclusive 19 % in 11900', behavior: 'inclusive', amount: 11900, rate: 1900, expected: 1900 },
    // 1000 gross at 20 %: 1000 x 2000 / 12000 = 166.67 -> 167
    { situation: 'inclusive 20 % in 1000', behavior: 'inclusive', amount: 1000, rate: 2000, expected: 167 },
    { situation: 'the rate is 0', behavior: 'exclusive', amount: 1000, rate: 0, expected: 0 },
    // JPY: 980 x 10 % = 98 (same integer rule, exponent 0)
    { situation: 'exclusive 10 % of 980 (JPY)', behavior: 'exclusive', amount: 980, rate: 1000, expected: 98 },
  ];
  for (const { situation, behavior, amount, rate, expected } of onAmount) {
    it(`when ${situation}, then the tax is ${expected}`, () => assert.equal(taxOnAmount(behavior, amount, rate), expected));
  }

  const lines: { situation: string; behavior: 'exclusive' | 'inclusive'; amounts: number[]; rates: number[]; expected: number[] }[] = [
    // one rate group 3000 x 19 % = 570, allocated 1:2
    { situation: 'two lines share a rate', behavior: 'exclusive', amounts: [1000, 2000], rates: [1900, 1900], expected: [190, 380] },
    // standard group 2000 -> 380 split 190/190; reduced 500 x 7 % = 35
    {
      situation: 'lines have two rates',
      behavior: 'exclusive',
      amounts: [1000, 500, 1000],
      rates: [1900, 700, 1900],
      expected: [190, 35, 190],
    },
    // group tax 3000 x 2000/12000 = 500 over three equal lines: 166 each + 2 leftover units to the first two
    { situation: 'an inclusive group ties', behavior: 'inclusive', amounts: [1000, 1000, 1000], rates: [2000, 2000, 2000], expected: [167, 167, 166] },
    // per line 333 x 19 % would be 63.27 -> 63 each (189); the group 999 x 19 % = 189.81 -> 190: one unit more
    { situation: 'the group rounds differently from the lines', behavior: 'exclusive', amounts: [333, 333, 333], rates: [1900, 1900, 1900], expected: [64, 63, 63] },
    { situation: 'a line is zero', behavior: 'exclusive', amounts: [0, 1000], rates: [1900, 1900], expected: [0, 190] },
  ];
  for (const { situation, behavior, amounts, rates, expected } of lines) {
    it(`when ${situation}, then the line taxes are [${expected}]`, () => assert.deepEqual(taxLines(behavior, amounts, rates), expected));
  }
});
