import { z } from 'zod';
import { applyCoupon } from '../../app/apply-coupon.js';
import { cancelSubscription, uncancelSubscription } from '../../app/cancel.js';
import { expireSubscription } from '../../app/expire.js';
import { pauseSubscription, resumeSubscription } from '../../app/pause.js';
import { setPaymentMethod } from '../../app/payment-method.js';
import { upcomingInvoice } from '../../app/upcoming-invoice.js';
import { invoiceView, subscriptionView } from '../../app/views.js';
import type { Subscription as Sub } from '../../storage/commerce-repository.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { Invoice, Subscription } from '../schemas/checkout.js';
import { BillingRun, PaymentMethodInput, CancelInput, CouponApplyInput, ExpireInput, PauseInput, PayInput, UpcomingInvoice } from '../schemas/lifecycle.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

/** The subscription's life (SPEC section 6) with the secret key: its verbs, the upcoming invoice, invoice verbs, billing runs. */
export function lifecycleRoutes(ctx: RouteContext, deps: Deps): void {
  const { db, catalogCache: cache, collector, couponCache, billingRuns, invoiceActions } = deps;
  const view = async (s: Sub) => {
    const entry = await cache.cached();
    return subscriptionView(s, (id) => entry.planByRef.get(id)?.code ?? id);
  };
  const tags = ['Subscriptions'];
  const verb = (path: string, summary: string, body: z.ZodType | undefined, problems: number[], run: (id: string, body: never) => Promise<Sub>) =>
    defineRoute(ctx, { method: 'post', path: `/v1/subscriptions/{id}/${path}`, auth: 'secret', summary, tags, params: IdParam, ...(body ? { body } : {}), response: { status: 200, schema: Subscription }, problems },
      async ({ params, body: input }) => view(await run(params.id, input as never)));

  verb('cancel', 'Cancel at the period end (default) or now, with a reason', CancelInput, [404, 409], async (id, input: z.output<typeof CancelInput>) =>
    (await cancelSubscription(db, cache, collector, id, input, deps.creditNotes)).subscription);
  verb('uncancel', 'Undo a pending period-end cancellation', undefined, [404, 409], (id) => uncancelSubscription(db, cache, id));
  verb('pause', 'Pause now (default) or at the period end; no invoices while paused', PauseInput, [404, 409, 422], async (id, input: z.output<typeof PauseInput>) =>
    (await pauseSubscription(db, cache, collector, id, input)).subscription);
  verb('resume', 'Resume: a new period from now, invoiced and charged now', undefined, [404, 409], async (id) =>
    (await resumeSubscription(db, cache, collector, id)).subscription);
  verb('expire', 'End at the end of the period that holds a date', ExpireInput, [400, 404, 409], (id, input: z.output<typeof ExpireInput>) =>
    expireSubscription(db, cache, id, input));
  verb('coupon', 'Apply a coupon (every check of a checkout); its periods count from the next invoice', CouponApplyInput, [404, 409, 422], (id, input: z.output<typeof CouponApplyInput>) =>
    applyCoupon(db, cache, couponCache, id, input));

  verb('payment-method', 'Set the default payment method; open invoices are retried with it at once', PaymentMethodInput, [400, 404, 409], async (id, input: z.output<typeof PaymentMethodInput>) =>
    (await setPaymentMethod(db, cache, deps.payments, collector, id, input.paymentMethod)).subscription);

  defineRoute(ctx, { method: 'get', path: '/v1/subscriptions/{id}/upcoming-invoice', auth: 'secret', summary: 'The next invoice, priced now by the billing run\'s own step', tags, params: IdParam, response: { status: 200, schema: UpcomingInvoice }, problems: [404] },
    ({ params }) => upcomingInvoice(db, cache, params.id));

  const invoiceTags = ['Customers and billing'];
  defineRoute(ctx, { method: 'post', path: '/v1/invoices/{id}/void', auth: 'secret', summary: 'Void an open or uncollectible invoice', tags: invoiceTags, params: IdParam, response: { status: 200, schema: Invoice }, problems: [404, 409] },
    async ({ params }) => invoiceView(await invoiceActions.void(params.id)));
  defineRoute(ctx, { method: 'post', path: '/v1/invoices/{id}/mark-uncollectible', auth: 'secret', summary: 'Mark an open invoice uncollectible', tags: invoiceTags, params: IdParam, response: { status: 200, schema: Invoice }, problems: [404, 409] },
    async ({ params }) => invoiceView(await invoiceActions.markUncollectible(params.id)));
  defineRoute(ctx, { method: 'post', path: '/v1/invoices/{id}/pay', auth: 'secret', summary: 'Charge an open or uncollectible invoice now', tags: invoiceTags, params: IdParam, body: PayInput, response: { status: 200, schema: Invoice }, problems: [402, 404, 409] },
    async ({ params, body }) => invoiceView(await invoiceActions.pay(params.id, body)));

  const runTags = ['Billing runs'];
  defineRoute(ctx, { method: 'post', path: '/v1/billing-runs', auth: 'secret', summary: 'Run the billing run now and answer its summary', tags: runTags, response: { status: 201, schema: BillingRun } },
    () => billingRuns.run('api'));
  defineRoute(ctx, { method: 'get', path: '/v1/billing-runs', auth: 'secret', summary: 'List past billing runs, newest first', tags: runTags, query: PageQuery, response: { status: 200, schema: pageOf(BillingRun) } },
    ({ query }) => billingRuns.list(query));
}
