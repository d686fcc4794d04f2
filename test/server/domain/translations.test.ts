import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Measurement } from '../../../server/domain/catalog.js';
import { localizeMeasurement, mergeTranslations, negotiateLocale } from '../../../server/domain/translations.js';

describe('negotiateLocale (Accept-Language)', () => {
  const cases: [string | undefined, 'en' | 'de' | null][] = [
    [undefined, null],
    ['', null],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['DE-at', 'de'],
    ['en-GB,en;q=0.9', 'en'],
    ['fr-CH, fr;q=0.9, de;q=0.8, en;q=0.5', 'de'],
    ['de;q=0.2, en;q=0.9', 'en'],
    ['en;q=0.5, de;q=0.5', 'en'],
    ['de;q=0, *', 'en'],
    ['en;q=0, *', 'de'],
    ['*', 'en'],
    ['fr, it', null],
    ['de;q=abc', 'de'],
    ['!!, de', 'de'],
    ['x'.repeat(2000), null],
  ];
  for (const [header, expected] of cases) {
    it(`when the header is ${JSON.stringify(header?.slice(0, 40))}, then ${expected}`, () => assert.equal(negotiateLocale(header), expected));
  }
});

describe('localizeMeasurement', () => {
  const calls: Measurement = { id: 'meas_1', code: 'calls', unit: 'call', unitPlural: 'calls', description: 'API calls', type: 'metered', aggregation: 'sum', prorated: false };
  it('when the language has a unit with its plural, then both are taken', () => {
    const m = localizeMeasurement({ ...calls, translations: { de: { unit: 'Aufruf', unitPlural: 'Aufrufe' } } }, 'de');
    assert.deepEqual([m.unit, m.unitPlural, m.description], ['Aufruf', 'Aufrufe', 'API calls']);
  });
  it('when the language has a unit without a plural, then the singular serves for both (never the default plural)', () => {
    const m = localizeMeasurement({ ...calls, translations: { de: { unit: 'GB' } } }, 'de');
    assert.deepEqual([m.unit, m.unitPlural], ['GB', 'GB']);
  });
  it('when the language has no unit, then unit and plural are the default ones', () => {
    const m = localizeMeasurement({ ...calls, translations: { de: { description: 'API-Aufrufe' } } }, 'de');
    assert.deepEqual([m.unit, m.unitPlural, m.description], ['call', 'calls', 'API-Aufrufe']);
  });
});

describe('mergeTranslations (PATCH)', () => {
  it('when a language is given, then it replaces that language whole; null removes; others stay', () => {
    const current = { de: { name: 'A', description: 'B' }, en: { name: 'C' } };
    assert.deepEqual(mergeTranslations(current, { de: { name: 'X' } }), { de: { name: 'X' }, en: { name: 'C' } });
    assert.deepEqual(mergeTranslations(current, { en: null }), { de: { name: 'A', description: 'B' } });
    assert.deepEqual(mergeTranslations(undefined, {}), {});
  });
});
