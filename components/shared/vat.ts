/** EU countries, their VAT ID prefixes and the shape of their VAT IDs (format only; the BFF checks the rest). */

const FORMATS: Record<string, [prefix: string, pattern: RegExp, example: string]> = {
  AT: ['AT', /^U\d{8}$/, 'ATU12345678'],
  BE: ['BE', /^[01]\d{9}$/, 'BE0123456789'],
  BG: ['BG', /^\d{9,10}$/, 'BG123456789'],
  CY: ['CY', /^\d{8}[A-Z]$/, 'CY12345678X'],
  CZ: ['CZ', /^\d{8,10}$/, 'CZ12345678'],
  DE: ['DE', /^\d{9}$/, 'DE123456789'],
  DK: ['DK', /^\d{8}$/, 'DK12345678'],
  EE: ['EE', /^\d{9}$/, 'EE123456789'],
  ES: ['ES', /^[A-Z0-9]\d{7}[A-Z0-9]$/, 'ESX1234567X'],
  FI: ['FI', /^\d{8}$/, 'FI12345678'],
  FR: ['FR', /^[A-HJ-NP-Z0-9]{2}\d{9}$/, 'FR12345678901'],
  GR: ['EL', /^\d{9}$/, 'EL123456789'],
  HR: ['HR', /^\d{11}$/, 'HR12345678901'],
  HU: ['HU', /^\d{8}$/, 'HU12345678'],
  IE: ['IE', /^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/, 'IE1234567X'],
  IT: ['IT', /^\d{11}$/, 'IT12345678901'],
  LT: ['LT', /^(\d{9}|\d{12})$/, 'LT123456789'],
  LU: ['LU', /^\d{8}$/, 'LU12345678'],
  LV: ['LV', /^\d{11}$/, 'LV12345678901'],
  MT: ['MT', /^\d{8}$/, 'MT12345678'],
  NL: ['NL', /^\d{9}B\d{2}$/, 'NL123456789B01'],
  PL: ['PL', /^\d{10}$/, 'PL1234567890'],
  PT: ['PT', /^\d{9}$/, 'PT123456789'],
  RO: ['RO', /^\d{2,10}$/, 'RO1234567890'],
  SE: ['SE', /^\d{10}01$/, 'SE123456789001'],
  SI: ['SI', /^\d{8}$/, 'SI12345678'],
  SK: ['SK', /^\d{10}$/, 'SK1234567890'],
};


export const isEu = (country: string): boolean => country.toUpperCase() in FORMATS;

/** Upper case without spaces, dots or dashes. */
export function normalizeVatId(vatId: string): string {
  return vatId.toUpperCase().replace(/[\s.\-]/g, '');
}

export type VatCheck = 'empty' | 'valid' | 'invalid';

/** Whether a VAT ID has the shape of the country's (its prefix, then its digits). */
export function checkVatFormat(country: string, vatId: string): VatCheck {
  const id = normalizeVatId(vatId);
  if (!id) return 'empty';
  const format = FORMATS[country.toUpperCase()];
  if (!format) return 'invalid';
  const [prefix, pattern] = format;
  return id.startsWith(prefix) && pattern.test(id.slice(prefix.length)) ? 'valid' : 'invalid';
}

/** An example VAT ID for the country, to show the expected shape. */
export function vatExample(country: string): string {
  return FORMATS[country.toUpperCase()]?.[2] ?? '';
}
