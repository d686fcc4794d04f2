/**
 * The catalog in the buyer's language (issue 18). The merchant writes the catalog once, in its default
 * language (the plain fields: a product's `name`, a measurement's `unit`), and may add translations per
 * language: `translations: {de: {name, description}}` on families, products and plans,
 * `translations: {de: {unit, unitPlural, description}}` on measurements. A buyer's copy of the catalog takes
 * each field from the translation into their language and, where that translation leaves a field out (or
 * there is none), from the default: the fallback is per field. Pure: no HTTP, SQL or zod here.
 */
import type { CatalogSnapshot, Measurement, Plan, Product, ProductFamily } from './catalog.js';

/**
 * The languages Billkit speaks: the elements' text, the emails and the documents have these. A catalog
 * translation into another language could never be shown next to Billkit's own text in that language, so
 * the admin API takes translations into these only; adding a language adds it here and to those three.
 */
export const CATALOG_LOCALES = ['en', 'de'] as const;
export type CatalogLocale = (typeof CATALOG_LOCALES)[number];
/** The language asked for when nothing is asked for (and the name of the catalog's plain fields' language). */
export const DEFAULT_LOCALE: CatalogLocale = 'en';

/** A family's, product's or plan's text in one language; a field left out falls back to the default. */
export interface TextTranslation {
  name?: string | undefined;
  description?: string | undefined;
}

/** A measurement's unit in one language, singular and plural ("Aufruf", "Aufrufe"). */
export interface UnitTranslation {
  unit?: string | undefined;
  /** Only with `unit`; left out, the plural is the singular (GB, GB). */
  unitPlural?: string | undefined;
  description?: string | undefined;
}

export type Translations<T> = Partial<Record<CatalogLocale, T>>;

export const isCatalogLocale = (tag: string): tag is CatalogLocale => (CATALOG_LOCALES as readonly string[]).includes(tag);

/** The language of a BCP 47 tag that Billkit speaks: 'de-AT' -> 'de'; null when it speaks none of it. */
export function catalogLocaleOf(tag: string): CatalogLocale | null {
  const language = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return isCatalogLocale(language) ? language : null;
}

/**
 * Per-language replacement, as PATCH applies it: each language given replaces that language's translation
 * whole, `null` removes it, languages not named stay.
 */
export function mergeTranslations<T>(current: Translations<T> | undefined, patch: Partial<Record<CatalogLocale, T | null>>): Translations<T> {
  const next: Translations<T> = { ...(current ?? {}) };
  for (const locale of CATALOG_LOCALES) {
    if (!(locale in patch)) continue;
    const value = patch[locale];
    if (value === null || value === undefined) delete next[locale];
    else next[locale] = value;
  }
  return next;
}

/** `name` and `description` in the language, each falling back to the default's. */
function texts<T extends { name: string; description: string | null; translations?: Translations<TextTranslation> | undefined }>(item: T, locale: CatalogLocale): T {
  const t = item.translations?.[locale];
  if (!t) return item;
  return { ...item, name: t.name ?? item.name, description: t.description ?? item.description };
}

/** The unit in the language: a translated unit brings its own plural (or none: the singular serves). */
export function localizeMeasurement(m: Measurement, locale: CatalogLocale): Measurement {
  const t = m.translations?.[locale];
  if (!t) return m;
  return {
    ...m,
    unit: t.unit ?? m.unit,
    unitPlural: t.unit !== undefined ? (t.unitPlural ?? t.unit) : (m.unitPlural ?? null),
    description: t.description ?? m.description,
  };
}

export const localizeFamily = (f: ProductFamily, locale: CatalogLocale): ProductFamily => texts(f, locale);
export const localizeProduct = (p: Product, locale: CatalogLocale): Product => texts(p, locale);
export const localizePlan = (p: Plan, locale: CatalogLocale): Plan => texts(p, locale);

const mapValues = <K, V>(map: ReadonlyMap<K, V>, fn: (v: V) => V): Map<K, V> => new Map([...map].map(([k, v]) => [k, fn(v)]));

/**
 * The catalog as a buyer who reads `locale` sees it: the same ids, prices and rules, the names, descriptions
 * and units in their language where the merchant gave them. Everything priced from it (a quote's line
 * descriptions, an invoice's lines) reads in that language.
 */
export function localizeSnapshot(snapshot: CatalogSnapshot, locale: CatalogLocale): CatalogSnapshot {
  return {
    families: mapValues(snapshot.families, (f) => localizeFamily(f, locale)),
    products: mapValues(snapshot.products, (p) => localizeProduct(p, locale)),
    measurements: mapValues(snapshot.measurements, (m) => localizeMeasurement(m, locale)),
    plans: mapValues(snapshot.plans, (p) => localizePlan(p, locale)),
  };
}

/**
 * The language of an Accept-Language header (RFC 9110 12.5.4) that Billkit speaks: the ranges in order of
 * their q-value (ties: as written), the first whose language it speaks; `*` is the default; q=0 rules a
 * language out. A header it cannot read is no header (null): browsers send what they send, and a header
 * never makes a request fail.
 */
export function negotiateLocale(header: string | undefined | null): CatalogLocale | null {
  if (!header || header.length > 1000) return null;
  const ranges: { tag: string; q: number; order: number }[] = [];
  const excluded = new Set<string>();
  header.split(',').forEach((part, order) => {
    const [range = '', ...params] = part.trim().split(';');
    const tag = range.trim().toLowerCase();
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(tag)) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/i.exec(param);
      if (match) q = Math.min(1, Number(match[1]));
    }
    if (q === 0) {
      if (tag !== '*') excluded.add(tag.split('-')[0]!);
      return;
    }
    ranges.push({ tag, q, order });
  });
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranges) {
    if (tag === '*') {
      const any = CATALOG_LOCALES.find((l) => !excluded.has(l));
      if (any) return excluded.has(DEFAULT_LOCALE) ? any : DEFAULT_LOCALE;
      continue;
    }
    const locale = catalogLocaleOf(tag);
    if (locale && !excluded.has(locale)) return locale;
  }
  return null;
}
