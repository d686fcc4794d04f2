import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PublicCatalog } from '../schemas/catalog.js';

/** GET /v1/catalog: served from the in-process cache, with an ETag; 304 on If-None-Match. */
export function publicCatalogRoutes(ctx: RouteContext, deps: Deps): void {
  defineRoute(
    ctx,
    { method: 'get', path: '/v1/catalog', auth: 'publishable', summary: 'The sellable plans, with charges, products and families', tags: ['Checkout'], response: { status: 200, schema: PublicCatalog } },
    async ({ req, res }) => {
      const entry = await deps.catalogCache.get();
      res.setHeader('ETag', entry.etag);
      res.setHeader('Cache-Control', 'no-cache');
      const match = req.get('if-none-match');
      if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === entry.etag)) {
        res.status(304).end();
        return;
      }
      res.status(200).type('application/json').send(entry.publicBody);
    },
  );
}
