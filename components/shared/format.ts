/**
 * Money, percentages and dates through Intl. Pure: no DOM, no globals besides Intl.
 * Amounts are integer minor units; the currency decides how many digits it has (JPY 0, KWD 3, EUR 2).
 */
import { COUNTRY_CODES } from '../../server/domain/countries.js';

const ISO_DIGITS: Record<string, number> = {
  BHD: 3, BIF: 0, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KMF: 0, KRW: 0, KWD: 3,
  LYD: 3, OMR: 3, PYG: 0, RWF: 0, TND: 3, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

const digitsCache = new Map<string, number>();

/** The number of minor-unit digits of an ISO 4217 currency (ISO table first, Intl as fallback). */
export function currencyDigits(currency: string): number {
  const code = currency.toUpperCase();
  const cached = digitsCache.get(code);
  if (cached !== undefined) return cached;
  let digits = ISO_DIGITS[code];
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
  }
  digitsCache.set(code, digits);
  return digits;
}

/** Minor units to a major-unit number, e.g. (1999, 'EUR') -> 19.99, (500, 'JPY') -> 500. */
export function toMajor(minor: number, currency: string): number {
  const digits = currencyDigits(currency);
  // Build the decimal from the integer's digits so no binary rounding creeps in.
  const negative = minor < 0;
  const text = Math.abs(Math.trunc(minor)).toString().padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return Number(negative ? `-${major}` : major);
}

export interface MoneyOptions {
  /** Drop the fraction when it is zero (pricing tables: "€29" instead of "€29.00"). */
  trimZeros?: boolean;
  /** Show a sign for negative and positive amounts alike ("−€5.00"). */
  signDisplay?: 'auto' | 'always' | 'exceptZero';
}

/** One Intl object per key, made once: for the locale, or in English when the locale tag is not valid. */
function cachedIntl<T>(cache: Map<string, T>, key: string, locale: string, make: (locale: string) => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    try {
      value = make(locale);
    } catch {
      value = make('en');
    }
    cache.set(key, value);
  }
  return value;
}

const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cachedIntl(formatters, `${locale}|${JSON.stringify(options)}`, locale, (tag) => new Intl.NumberFormat(tag, options));
}

/** Formats minor units in the buyer's locale with the currency's own digits. */
export function formatMoney(minor: number, currency: string, locale: string, options: MoneyOptions = {}): string {
  const digits = currencyDigits(currency);
  const whole = minor % 10 ** digits === 0;
  const fraction = options.trimZeros && whole ? 0 : digits;
  return numberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: fraction,
    maximumFractionDigits: fraction,
    signDisplay: options.signDisplay ?? 'auto',
  }).format(toMajor(minor, currency));
}

/** Basis points as a percentage in the locale: 1900 -> "19%" (en), "19 %" (de); 550 -> "5.5%". */
export function formatRate(basisPoints: number, locale: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(basisPoints / 10000);
}

/** A whole percentage such as a saving: 17 -> "17%". */
export function formatPercent(percent: number, locale: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}

/** A plain integer in the locale (quantities, tier bounds): 1000 -> "1,000" / "1.000". */
export function formatNumber(value: number, locale: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A length of time in whole units of an interval: (month, 3) -> "3 months" / "3 Monate"; (week, 1) -> "1 week". */
export function formatDuration(unit: 'day' | 'week' | 'month' | 'year', count: number, locale: string): string {
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(count);
}

/** An ISO date or date-time as a long date in the locale ("March 5, 2026" / "5. März 2026"). */
export function formatDate(iso: string | Date, locale: string, timeZone?: string): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return '';
  const options: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', day: 'numeric' };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(locale, options).format(date);
  } catch {
    return new Intl.DateTimeFormat('en', options).format(date);
  }
}

const regionNames = new Map<string, Intl.DisplayNames>();

/** A country's name in the locale: ('DE', 'de') -> "Deutschland". */
export function formatCountry(code: string, locale: string): string {
  try {
    return cachedIntl(regionNames, locale, locale, (tag) => new Intl.DisplayNames([tag], { type: 'region' })).of(code) ?? code;
  } catch {
    return code;
  }
}

const countryLists = new Map<string, readonly { code: string; name: string }[]>();

/** Every country a buyer may be in (the BFF's list), named in the locale and sorted by name; made once a locale. */
export function countryOptions(locale: string): readonly { code: string; name: string }[] {
  return cachedIntl(countryLists, locale, locale, (tag) => {
    const collator = new Intl.Collator(tag);
    return [...COUNTRY_CODES].map((code) => ({ code, name: formatCountry(code, locale) })).sort((a, b) => collator.compare(a.name, b.name));
  });
}
