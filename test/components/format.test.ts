import { pricingText, unitsOf } from '../../components/shared/messages.js';
import { expect } from '@open-wc/testing';
import {
  countryOptions, currencyDigits, formatCountry, formatDate, formatMoney, formatNumber, formatPercent, formatRate, toMajor,
} from '../../components/shared/format.js';
import { bestSaving, headlinePrice, intervalsOf, priceFor, savingPercent, setupFee } from '../../components/shared/catalog.js';
import { aCatalog } from './fixtures.js';
import type { Charge } from '../../components/shared/types.js';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('shared/format', () => {
  describe('currencyDigits', () => {
    for (const [currency, digits] of [['EUR', 2], ['USD', 2], ['JPY', 0], ['KWD', 3], ['BHD', 3], ['eur', 2]] as const) {
      it(`when the currency is ${currency}, then it has ${digits} minor digits`, () => {
        expect(currencyDigits(currency)).to.equal(digits);
      });
    }
  });

  describe('toMajor', () => {
    it('when minor units are converted, then no binary rounding shows', () => {
      expect(toMajor(1999, 'EUR')).to.equal(19.99);
      expect(toMajor(5, 'EUR')).to.equal(0.05);
      expect(toMajor(-1050, 'EUR')).to.equal(-10.5);
      expect(toMajor(500, 'JPY')).to.equal(500);
      expect(toMajor(12345, 'KWD')).to.equal(12.345);
    });
  });

  describe('formatMoney', () => {
    const cases: [number, string, string, string][] = [
      [1999, 'EUR', 'en', '€19.99'],
      [1999, 'EUR', 'de', '19,99 €'],
      [123456, 'EUR', 'de-DE', '1.234,56 €'],
      [500, 'JPY', 'en', '¥500'],
      [500, 'JPY', 'ja', '￥500'],
      [12345, 'KWD', 'en', 'KWD 12.345'],
      [0, 'EUR', 'en', '€0.00'],
      [100000, 'USD', 'en-US', '$1,000.00'],
    ];
    for (const [amount, currency, locale, expected] of cases) {
      it(`when ${amount} ${currency} is shown in ${locale}, then it reads ${expected}`, () => {
        expect(nbsp(formatMoney(amount, currency, locale))).to.equal(expected);
      });
    }
    it('when trimZeros is asked and the fraction is zero, then it is dropped', () => {
      expect(formatMoney(2900, 'EUR', 'en', { trimZeros: true })).to.equal('€29');
      expect(formatMoney(2950, 'EUR', 'en', { trimZeros: true })).to.equal('€29.50');
    });
    it('when the locale is unknown garbage, then it falls back instead of throwing', () => {
      expect(formatMoney(100, 'EUR', 'not a locale!')).to.equal('€1.00');
    });
  });

  describe('rates, numbers and dates', () => {
    it('when a rate is in basis points, then it shows as a percentage', () => {
      expect(formatRate(1900, 'en')).to.equal('19%');
      expect(nbsp(formatRate(550, 'de'))).to.equal('5,5 %');
      expect(formatPercent(17, 'en')).to.equal('17%');
    });
    it('when a number is large, then it is grouped in the locale', () => {
      expect(formatNumber(1000, 'en')).to.equal('1,000');
      expect(formatNumber(1000, 'de')).to.equal('1.000');
    });
    it('when a date is formatted, then it is a long date in the locale', () => {
      expect(formatDate('2026-03-05T12:00:00Z', 'en', 'UTC')).to.equal('March 5, 2026');
      expect(formatDate('2026-03-05T12:00:00Z', 'de', 'UTC')).to.equal('5. März 2026');
      expect(formatDate('nonsense', 'en')).to.equal('');
    });
    it('when a country code is named, then it is in the locale', () => {
      expect(formatCountry('DE', 'de')).to.equal('Deutschland');
      expect(formatCountry('DE', 'en')).to.equal('Germany');
    });
    it('when the countries are listed, then every country is there once, named in the locale and sorted by name', () => {
      const en = countryOptions('en');
      expect(en.length).to.equal(250);
      expect(new Set(en.map((c) => c.code)).size).to.equal(250);
      expect(en.map((c) => c.code)).to.include.members(['BR', 'IN', 'MX', 'ZA', 'GR', 'GB', 'XK']);
      expect(en.map((c) => c.code)).to.not.include.members(['EL', 'UK', 'EU']);
      const names = en.map((c) => c.name);
      expect(names).to.deep.equal([...names].sort(new Intl.Collator('en').compare));
      expect(countryOptions('de').find((c) => c.code === 'DE')?.name).to.equal('Deutschland');
      expect(countryOptions('en')).to.equal(en, 'made once a locale');
    });
  });
});

describe('shared/catalog', () => {
  it('when each pricing model prices a quantity, then it follows SPEC section 2', () => {
    const tiers = [{ upTo: 10, unitAmount: 500, flatAmount: 1000 }, { upTo: null, unitAmount: 400, flatAmount: 0 }];
    expect(priceFor({ model: 'flat', amount: 900 }, 0)).to.equal(900);
    expect(priceFor({ model: 'per_unit', unitAmount: 1500 }, 3)).to.equal(4500);
    expect(priceFor({ model: 'tiered', mode: 'graduated', tiers }, 12)).to.equal(10 * 500 + 1000 + 2 * 400);
    expect(priceFor({ model: 'tiered', mode: 'volume', tiers }, 12)).to.equal(12 * 400);
    expect(priceFor({ model: 'tiered', mode: 'volume', tiers }, 0)).to.equal(0);
    expect(priceFor({ model: 'package', packageSize: 100, amount: 2000 }, 101)).to.equal(4000);
    expect(priceFor({ model: 'package', packageSize: 100, amount: 2000 }, 0)).to.equal(0);
  });

  it('when plans come monthly and yearly, then the yearly saving is computed against twelve months', () => {
    const plans = aCatalog().plans.filter((p) => p.familyCode === 'team');
    const [starterM, starterY, proM, proY] = plans;
    expect(savingPercent(starterM, starterY)).to.equal(17);
    expect(savingPercent(proM, proY)).to.equal(17);
    expect(bestSaving(plans, { unit: 'year', count: 1 })).to.equal(17);
    expect(bestSaving(plans, { unit: 'month', count: 1 })).to.equal(0);
    expect(intervalsOf(plans).map((i) => i.unit)).to.deep.equal(['month', 'year']);
  });

  it('when a plan is per seat with a setup fee, then the headline is per unit and the fee is separate', () => {
    const pro = aCatalog().plans.find((p) => p.code === 'pro-monthly')!;
    expect(headlinePrice(pro)).to.include({ amount: 1500, from: false });
    expect(headlinePrice(pro).perUnit?.id).to.equal('ch_seats_m');
    expect(setupFee(pro)).to.equal(4900);
  });

  it('when a plan has a base fee and an adjustable tiered charge, then "from" is its price at the least quantity, not the default', () => {
    const pro = aCatalog().plans.find((p) => p.code === 'pro-monthly')!;
    const storage: Charge = { ...pro.charges[0]!, id: 'ch_storage', quantity: { default: 100, min: 0, max: 1000, adjustable: true },
      pricing: { model: 'tiered', mode: 'graduated', tiers: [{ upTo: 50, unitAmount: 0, flatAmount: 0 }, { upTo: null, unitAmount: 200, flatAmount: 0 }] } };
    const business = { ...pro, charges: [{ ...pro.charges[1]!, id: 'ch_base', type: 'recurring' as const, pricing: { model: 'flat' as const, amount: 9900 } }, storage] };
    expect(headlinePrice(business)).to.deep.equal({ amount: 9900, from: true });
    const atLeast60 = { ...business, charges: [business.charges[0]!, { ...storage, quantity: { ...storage.quantity, min: 60 } }] };
    expect(headlinePrice(atLeast60)).to.deep.equal({ amount: 9900 + 10 * 200, from: true });
  });
});

describe('shared/messages', () => {
  it('when a package counts many units, then English names the unit in the plural', () => {
    expect(pricingText({ model: 'package', packageSize: 1000, amount: 50 }, 'EUR', 'en', 'call')).to.deep.equal(['€0.50 per 1,000 calls']);
    expect(pricingText({ model: 'package', packageSize: 1, amount: 50 }, 'EUR', 'en', 'call')).to.deep.equal(['€0.50 per 1 call']);
    expect(unitsOf('calls', 5, 'en')).to.equal('calls');
    expect(unitsOf('query', 5, 'en')).to.equal('queries');
    expect(unitsOf('day', 5, 'en')).to.equal('days');
    expect(unitsOf('Aufruf', 5, 'de')).to.equal('Aufruf');
  });
});
