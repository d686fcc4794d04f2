import type { Cart } from '../../domain/quote.js';
import type { Deps } from '../deps.js';
import { AcceptLanguageHeader, LocaleQuery, requestLocale, sayLanguage } from '../locale.js';
import { quoteJson } from '../quote-json.js';
import { defineRoute, type RouteContext } from '../route.js';
import { Quote, QuoteInput } from '../schemas/quote.js';

/** POST /v1/quotes: prices a cart. Only catalog prices count; anything else a client sends is ignored. */
export function quoteRoutes(ctx: RouteContext, { quotes }: Deps): void {
  defineRoute(
    ctx,
    { method: 'post', path: '/v1/quotes', auth: 'publishable', summary: "Price a cart (lines named in the buyer's language)", tags: ['Checkout'], body: QuoteInput, query: LocaleQuery, headers: AcceptLanguageHeader, response: { status: 200, schema: Quote }, problems: [404, 422, 429], serialize: quoteJson },
    async ({ body, req, res, query }) => {
      const { locale } = requestLocale(req, query.locale);
      const { quote } = await quotes.quote(body as Cart, locale);
      // Said of the quote's lines; a refusal's problem is not in the buyer's language.
      sayLanguage(res, locale);
      return quote;
    },
  );
}
