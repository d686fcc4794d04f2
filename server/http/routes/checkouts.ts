import { z } from 'zod';
import type { ConfirmResult as Result } from '../../app/checkout.js';
import { DomainError } from '../../domain/errors.js';
import type { Cart } from '../../domain/quote.js';
import * as store from '../../storage/commerce-repository.js';
import type { Deps } from '../deps.js';
import { LocaleQuery, requestLocale, sayLanguage } from '../locale.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { Checkout, CheckoutInput, ConfirmInput, ConfirmResult, Invoice, InvoiceStatus, Subscription, SubscriptionStatus } from '../schemas/checkout.js';
import { SubscriptionPatch } from '../schemas/customers.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

import { invoiceView as invoiceDto, subscriptionView as subscriptionDto } from '../../app/views.js';

/** Checkout (publishable key) and the admin views of subscriptions and invoices (secret key). */
export function checkoutRoutes(ctx: RouteContext, deps: Deps): void {
  const { checkouts, db, catalogCache, subscriptionMetadata } = deps;
  // Admin reads name plans from the exact catalog (one version check); a confirmation, on the hot path, from
  // the cached one it was priced and completed with.
  const planCode = async (exact = true) => {
    const entry = exact ? await catalogCache.get() : await catalogCache.cached();
    return (id: string) => entry.planByRef.get(id)?.code ?? id;
  };
  const result = async (r: Result) =>
    r.status === 'complete'
      ? { status: r.status, customer: r.customer, subscription: subscriptionDto(r.subscription, await planCode(false)), invoice: invoiceDto(r.invoice) }
      : r;

  defineRoute(ctx, { method: 'post', path: '/v1/checkouts', auth: 'publishable', summary: 'Start a checkout: price the cart, prepare the payment', tags: ['Checkout'], body: CheckoutInput, query: LocaleQuery, response: { status: 201, schema: Checkout }, problems: [404, 409, 422, 429], idempotent: true },
    async ({ body, req, res, query }) => {
      const { customer, customerSession, clientReferenceId, ...cart } = body;
      // The buyer's language: the form's (the element's), else the customer session's, else the request's
      // (?locale=, Accept-Language). The quote's lines, and so the first invoice's, are named in it.
      const asked = requestLocale(req, query.locale);
      const checkout = await checkouts.create(cart as Cart, customer, { customerSession, clientReferenceId }, asked.explicit ? asked.locale : undefined);
      sayLanguage(res, checkout.locale);
      return checkout;
    });
  defineRoute(ctx, { method: 'post', path: '/v1/checkouts/{id}/confirm', auth: 'publishable', summary: 'Pay and complete a checkout', tags: ['Checkout'], params: IdParam, body: ConfirmInput, response: { status: 200, schema: ConfirmResult }, problems: [402, 404, 409, 422, 429], idempotent: true },
    async ({ params, body }) => result(await checkouts.confirm(params.id, body)));

  const tags = ['Customers and billing'];
  defineRoute(ctx, { method: 'get', path: '/v1/subscriptions', auth: 'secret', summary: 'List subscriptions', tags, query: PageQuery.extend({ customerId: z.string().max(255).optional(), status: SubscriptionStatus.optional() }), response: { status: 200, schema: pageOf(Subscription) } },
    async ({ query }) => {
      const page = await store.listSubscriptions(db, query, query);
      const code = await planCode();
      return { ...page, data: page.data.map((s) => subscriptionDto(s, code)) };
    });
  defineRoute(ctx, { method: 'get', path: '/v1/subscriptions/{id}', auth: 'secret', summary: 'Get a subscription', tags, params: IdParam, response: { status: 200, schema: Subscription }, problems: [404] },
    async ({ params }) => subscriptionDto((await store.findSubscription(db, params.id)) ?? notFound('subscription', params.id), await planCode()));
  defineRoute(ctx, { method: 'patch', path: '/v1/subscriptions/{id}', auth: 'secret', summary: "Set a subscription's metadata (replaced whole)", tags, params: IdParam, body: SubscriptionPatch, response: { status: 200, schema: Subscription }, problems: [404] },
    ({ params, body }) => subscriptionMetadata.update(params.id, body.metadata));
  defineRoute(ctx, { method: 'get', path: '/v1/invoices', auth: 'secret', summary: 'List invoices', tags, query: PageQuery.extend({ customerId: z.string().max(255).optional(), subscriptionId: z.string().max(255).optional(), status: InvoiceStatus.optional() }), response: { status: 200, schema: pageOf(Invoice) } },
    async ({ query }) => {
      const page = await store.listInvoices(db, query, query);
      return { ...page, data: page.data.map(invoiceDto) };
    });
  defineRoute(ctx, { method: 'get', path: '/v1/invoices/{id}', auth: 'secret', summary: 'Get an invoice by id or number', tags, params: IdParam, response: { status: 200, schema: Invoice }, problems: [404] },
    async ({ params }) => invoiceDto((await store.findInvoice(db, params.id)) ?? notFound('invoice', params.id)));
}

function notFound(what: string, id: string): never {
  throw new DomainError('not_found', `${what}_not_found`, `No ${what} ${id}.`, [{ pointer: '/path/id', detail: `Unknown ${what}.` }]);
}
