/**
 * The buyer's language of a request (issue 18): `?locale=` when Billkit speaks it, else the best of
 * Accept-Language (q-values), else the catalog's default. A `?locale=` that is no language tag at all is
 * refused (400, by the schema below); one Billkit does not speak (fr) is passed over like a language the
 * buyer prefers but nobody offers. A header never makes a request fail.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CATALOG_LOCALES, DEFAULT_LOCALE, catalogLocaleOf, negotiateLocale, type CatalogLocale } from '../domain/translations.js';

export const LocaleParam = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/, 'A locale is a BCP 47 language tag, like de or de-AT.')
  .meta({
    description: `The buyer's language (BCP 47: de, de-AT); wins over Accept-Language. Billkit speaks ${CATALOG_LOCALES.join(', ')}; another language is passed over.`,
    example: 'de',
  });

/** The query of a route that answers in the buyer's language. */
export const LocaleQuery = z.object({ locale: LocaleParam.optional() });

export const AcceptLanguageHeader = z.object({
  'Accept-Language': z.string().optional().meta({ description: 'The buyer\'s languages with q-values (de-AT, de;q=0.9, en;q=0.5); ?locale= wins.' }),
});

export interface RequestLocale {
  locale: CatalogLocale;
  /** False when nothing in the request named a language Billkit speaks (the default was taken). */
  explicit: boolean;
}

export function requestLocale(req: Request, query?: string): RequestLocale {
  const asked = (query !== undefined ? catalogLocaleOf(query) : null) ?? negotiateLocale(req.get('accept-language'));
  return asked ? { locale: asked, explicit: true } : { locale: DEFAULT_LOCALE, explicit: false };
}

/** Says which language the body is in, and that it depends on Accept-Language (for caches). */
export function sayLanguage(res: Response, locale: CatalogLocale): void {
  res.setHeader('Content-Language', locale);
  res.vary('Accept-Language');
}
