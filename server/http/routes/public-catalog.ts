import type { Deps } from '../deps.js';
import { AcceptLanguageHeader, LocaleQuery, requestLocale, sayLanguage } from '../locale.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PublicCatalog } from '../schemas/catalog.js';

/**
 * GET /v1/catalog: served from the in-process cache, one body and ETag per language (names in the buyer's
 * language, each falling back to the default); 304 on If-None-Match.
 */
export function publicCatalogRoutes(ctx: RouteContext, deps: Deps): void {
  defineRoute(
    ctx,
    { method: 'get', path: '/v1/catalog', auth: 'publishable', summary: "The sellable plans, with charges, products and families, in the buyer's language", tags: ['Checkout'], query: LocaleQuery, headers: AcceptLanguageHeader, response: { status: 200, schema: PublicCatalog } },
    async ({ req, res, query }) => {
      const { locale } = requestLocale(req, query.locale);
      const catalog = (await deps.catalogCache.get()).localized(locale);
      sayLanguage(res, locale);
      res.setHeader('ETag', catalog.etag);
      res.setHeader('Cache-Control', 'no-cache');
      const match = req.get('if-none-match');
      if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === catalog.etag)) {
        res.status(304).end();
        return;
      }
      res.status(200).type('application/json').send(catalog.publicBody);
    },
  );
}
