/**
 * The one place documents format money, rates, quantities and dates (SPEC.md section 10: amounts are the
 * stored figures, formatted only here, at rendering). Server-side only: nothing in the browser bundle
 * imports it. Minor units become a decimal string by string arithmetic (Intl formats decimal strings
 * exactly), never by dividing a float.
 */
import { minorUnitExponent } from '../domain/money.js';

export type DocumentLocale = 'en' | 'de';

/** en -> en-GB (day month year, as EU documents read), de -> de-DE. */
const TAGS: Record<DocumentLocale, string> = { en: 'en-GB', de: 'de-DE' };

const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let format = formats.get(key);
  if (!format) formats.set(key, (format = make()));
  return format as T;
}

/** 123456 EUR -> "1234.56"; -5 JPY -> "-5". */
export function decimalOf(minor: number, exponent: number): string {
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** `€1,234.56` (en) / `1.234,56 €` (de), with the currency's own digits. */
export function formatMoney(minor: number, currency: string, locale: DocumentLocale): string {
  const exponent = minorUnitExponent(currency);
  const format = cached(`m:${locale}:${currency}`, () =>
    new Intl.NumberFormat(TAGS[locale], { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }));
  return format.format(decimalOf(minor, exponent) as unknown as number);
}

/** 1900 bp -> "19%" (en) / "19 %" (de); 550 -> "5.5%". */
export function formatRate(basisPoints: number, locale: DocumentLocale): string {
  const format = cached(`r:${locale}`, () => new Intl.NumberFormat(TAGS[locale], { style: 'percent', maximumFractionDigits: 2 }));
  return format.format(decimalOf(basisPoints, 4) as unknown as number);
}

export function formatQuantity(quantity: number, locale: DocumentLocale): string {
  return cached(`q:${locale}`, () => new Intl.NumberFormat(TAGS[locale])).format(quantity);
}

/** The calendar day in UTC (invoices are dated by the UTC day of their issue): "7 December 2026" / "7. Dezember 2026". */
export function formatDate(iso: string, locale: DocumentLocale): string {
  return cached(`d:${locale}`, () => new Intl.DateTimeFormat(TAGS[locale], { dateStyle: 'long', timeZone: 'UTC' })).format(new Date(iso));
}

/** The last instant of a half-open period [start, end): its last day is the UTC day of this. */
export const lastInstant = (end: string): Date => new Date(Date.parse(end) - 1);

/** "1 Jan 2026 – 31 Jan 2026": from the first day to the last day of the period. */
export function formatPeriod(start: string, end: string, locale: DocumentLocale): string {
  const format = cached(`p:${locale}`, () => new Intl.DateTimeFormat(TAGS[locale], { dateStyle: 'medium', timeZone: 'UTC' }));
  return `${format.format(new Date(start))} – ${format.format(lastInstant(end))}`;
}

const regionNames = new Map<DocumentLocale, Intl.DisplayNames>();

/** A country's name in the document's language. */
export function formatCountry(code: string, locale: DocumentLocale): string {
  let names = regionNames.get(locale);
  if (!names) regionNames.set(locale, (names = new Intl.DisplayNames([TAGS[locale]], { type: 'region' })));
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

export const documentLocale = (value: unknown): DocumentLocale => (value === 'de' ? 'de' : 'en');
