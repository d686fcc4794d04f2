import type { Request } from 'express';
import { z } from 'zod';
import type { PortalCaller } from '../../app/portal-session.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { sendDocument } from './documents.js';
import { Customer, Invoice, InvoiceStatus } from '../schemas/checkout.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { PauseInput, UpcomingInvoice } from '../schemas/lifecycle.js';
import { SubscriptionChangeInput, SubscriptionChangeResult } from '../schemas/subscription-change.js';
import {
  CustomerPatch,
  PaymentMethodResult,
  PaymentMethodSetup,
  PortalCancelInput,
  PortalConfiguration,
  PortalPaymentMethodInput,
  PortalSession,
  PortalSessionInput,
  PortalSubscription,
  SignedIn,
  SignInInput,
  VerifyInput,
} from '../schemas/portal.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

/** The portal session's caller: set by the `portal` auth level on every route below that uses it. */
const caller = (req: Request): PortalCaller => req.auth!.portal!;

/**
 * The customer portal (SPEC.md section 12): sessions (secret key), the hosted page's sign-in (publishable
 * key), and the buyer's own routes (portal session token), each one customer's own: anything else is 404.
 */
export function portalRoutes(ctx: RouteContext, deps: Deps): void {
  const { portal, portalSessions, signIn } = deps;
  const tags = ['Portal'];

  defineRoute(ctx, { method: 'post', path: '/v1/portal-sessions', auth: 'secret', summary: "Open a portal session for a customer (the merchant's signed-in user)", tags, body: PortalSessionInput, response: { status: 201, schema: PortalSession }, problems: [404] },
    ({ body }) => portalSessions.create(body));

  defineRoute(ctx, { method: 'post', path: '/v1/portal/sign-in', auth: 'publishable', summary: 'Mail a 6-digit sign-in code (202 whether or not a customer has the email)', tags, body: SignInInput, response: { status: 202, description: 'Accepted: a code is mailed if a customer has this email.' }, problems: [429] },
    async ({ body, res }) => {
      await signIn.requestCode(body.email);
      res.status(202).end();
    });
  defineRoute(ctx, { method: 'post', path: '/v1/portal/sign-in/verify', auth: 'publishable', summary: 'Exchange the emailed code for a portal session', tags, body: VerifyInput, response: { status: 200, schema: SignedIn }, problems: [422, 429] },
    ({ body }) => signIn.verify(body.email, body.code));
  defineRoute(ctx, { method: 'post', path: '/v1/portal/sign-out', auth: 'portal', summary: 'Revoke this portal session', tags, response: { status: 204, description: 'Signed out: the token is refused from now on (401).' } },
    async ({ req, res }) => {
      await portalSessions.revoke(caller(req).sessionId);
      res.status(204).end();
    });
  defineRoute(ctx, { method: 'delete', path: '/v1/portal/session/flow', auth: 'portal', summary: "Use up the session's deep link (the portal opened it): later loads of the session land on the portal's home", tags, response: { status: 204, description: 'The configuration carries no flow from now on (also when it had none).' } },
    async ({ req, res }) => {
      await portalSessions.clearFlow(caller(req).sessionId);
      res.status(204).end();
    });
  defineRoute(ctx, { method: 'get', path: '/v1/portal/configuration', auth: 'portal', summary: 'What this customer may do in the portal (from the rules the routes enforce)', tags, response: { status: 200, schema: PortalConfiguration } },
    ({ req }) => portal.configuration(caller(req)));

  defineRoute(ctx, { method: 'get', path: '/v1/portal/customer', auth: 'portal', summary: "The customer's details", tags, response: { status: 200, schema: Customer } },
    ({ req }) => portal.customer(caller(req).customerId));
  defineRoute(ctx, { method: 'patch', path: '/v1/portal/customer', auth: 'portal', summary: 'Change billing details (later invoices use them)', tags, body: CustomerPatch, response: { status: 200, schema: Customer }, problems: [409, 422] },
    ({ req, body }) => portal.updateCustomer(caller(req).customerId, body));

  defineRoute(ctx, { method: 'get', path: '/v1/portal/subscriptions', auth: 'portal', summary: "The customer's subscriptions with their plan, next invoice and usage so far", tags, query: PageQuery, response: { status: 200, schema: pageOf(PortalSubscription) } },
    ({ req, query }) => portal.subscriptions(caller(req).customerId, query));
  defineRoute(ctx, { method: 'get', path: '/v1/portal/subscriptions/{id}', auth: 'portal', summary: 'One subscription with its plan, next invoice and usage so far', tags, params: IdParam, response: { status: 200, schema: PortalSubscription }, problems: [404] },
    ({ req, params }) => portal.subscription(caller(req).customerId, params.id));
  defineRoute(ctx, { method: 'get', path: '/v1/portal/subscriptions/{id}/upcoming-invoice', auth: 'portal', summary: 'The next invoice, priced now', tags, params: IdParam, response: { status: 200, schema: UpcomingInvoice }, problems: [404] },
    ({ req, params }) => portal.upcomingInvoice(caller(req).customerId, params.id));

  const verb = <B extends z.ZodType | undefined>(path: string, summary: string, body: B, problems: number[], run: (customerId: string, id: string, body: B extends z.ZodType ? z.output<B> : undefined) => Promise<unknown>) =>
    defineRoute(ctx, { method: 'post', path: `/v1/portal/subscriptions/{id}/${path}`, auth: 'portal', summary, tags, params: IdParam, ...(body ? { body } : {}), response: { status: 200, schema: PortalSubscription }, problems: [403, 404, ...problems] },
      ({ req, params, body: input }) => run(caller(req).customerId, params.id, input as never));

  verb('cancel', "Cancel as the merchant's cancellation mode allows, with one of its reasons", PortalCancelInput, [409, 422], (customerId, id, input) => portal.cancel(customerId, id, input));
  defineRoute(ctx, { method: 'post', path: '/v1/portal/subscriptions/{id}/change', auth: 'portal', summary: "Change (or preview) plan, quantities or add-ons, as the merchant's switchPlan rules allow", tags, params: IdParam, body: SubscriptionChangeInput, response: { status: 200, schema: SubscriptionChangeResult }, problems: [403, 404, 409, 422], idempotent: true },
    ({ req, params, body }) => portal.change(caller(req).customerId, params.id, body));
  verb('uncancel', 'Undo a pending period-end cancellation', undefined, [409], (customerId, id) => portal.uncancel(customerId, id));
  verb('pause', 'Pause (when the merchant allows it; at most pause.maxPeriods periods)', PauseInput, [409, 422], (customerId, id, input) => portal.pause(customerId, id, input));
  verb('resume', 'Resume: a new period from now, invoiced and charged now', undefined, [409], (customerId, id) => portal.resume(customerId, id));
  verb('retention-offer/accept', "Accept the retention offer: the merchant's coupon from the next invoice, instead of cancelling", undefined, [409, 422], (customerId, id) => portal.acceptRetentionOffer(customerId, id));

  defineRoute(ctx, { method: 'get', path: '/v1/portal/invoices', auth: 'portal', summary: "The customer's invoices, newest first", tags, query: PageQuery.extend({ subscriptionId: z.string().max(255).optional(), status: InvoiceStatus.optional() }), response: { status: 200, schema: pageOf(Invoice) }, problems: [403] },
    ({ req, query }) => portal.invoices(caller(req).customerId, query));
  defineRoute(ctx, { method: 'get', path: '/v1/portal/invoices/{id}', auth: 'portal', summary: 'One of the customer\'s invoices, by id or number', tags, params: IdParam, response: { status: 200, schema: Invoice }, problems: [403, 404] },
    ({ req, params }) => portal.invoice(caller(req).customerId, params.id));

  defineRoute(ctx, { method: 'get', path: '/v1/portal/invoices/{id}/pdf', auth: 'portal', summary: "One of the customer's invoices as a PDF", tags, params: IdParam, response: { status: 200, description: "application/pdf: A4, in the customer's language (en, de)." }, problems: [403, 404, 422] },
    async ({ req, params, res }) => sendDocument(res, await portal.invoicePdf(caller(req).customerId, params.id)));

  defineRoute(ctx, { method: 'post', path: '/v1/portal/payment-methods/setup', auth: 'portal', summary: 'What the payment form needs to take a new payment method', tags, response: { status: 200, schema: PaymentMethodSetup }, problems: [403] },
    ({ req }) => portal.paymentMethodSetup(caller(req)));
  defineRoute(ctx, { method: 'post', path: '/v1/portal/payment-methods', auth: 'portal', summary: 'Make a payment method the default of the live subscriptions; open invoices are retried at once', tags, body: PortalPaymentMethodInput, response: { status: 200, schema: PaymentMethodResult }, problems: [400, 403, 404, 409] },
    ({ req, body }) => portal.setPaymentMethod(caller(req).customerId, body));
}
