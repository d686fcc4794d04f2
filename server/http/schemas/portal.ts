import { z } from 'zod';
import { CANCELLATION_REASONS, type CancellationReason } from '../../app/catalog-cache.js';
import { PublicPlan } from './catalog.js';
import { Coupon } from './coupons.js';
import { Address, Invoice, Subscription, SubscriptionStatus } from './checkout.js';
import { Country, Id, VatId } from './common.js';
import { RefKey } from './customers.js';
import { UpcomingInvoice } from './lifecycle.js';
import { SubscriptionUsage } from './usage.js';

const Locale = z.enum(['en', 'de']);
const Reason = z.enum(CANCELLATION_REASONS as [CancellationReason, ...CancellationReason[]]);
const Flow = z
  .object({
    type: z.enum(['switch_plan', 'cancel', 'payment_method']),
    subscriptionId: Id.meta({ description: "One of the customer's subscriptions." }),
  })
  .strict()
  .meta({ id: 'PortalFlow', description: 'Where the portal opens: straight into switching plan, cancelling or replacing the payment method.' });

export const PortalSessionInput = z
  .object({
    customerId: Id.optional().meta({ description: 'The customer (cus_...). Give this or customerRefKey.' }),
    customerRefKey: RefKey.optional().meta({ description: "Or the customer by your own key for them (their refKey, e.g. your user's id)." }),
    returnUrl: z.url({ protocol: /^https?$/ }).max(2000).optional().meta({ description: "Where the portal's back link leads (the merchant's account page)." }),
    locale: Locale.optional().meta({ description: "The portal's language; the customer's own by default." }),
    flow: Flow.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if ((input.customerId === undefined) === (input.customerRefKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'Give the customer either by customerId or by customerRefKey (one of them).' });
    }
  })
  .meta({ id: 'PortalSessionInput' });

export const PortalSession = z
  .object({
    token: z.string().meta({ description: 'ps_...: the bearer token of the portal routes, shown only here. Hand it to <billkit-portal session="...">.' }),
    url: z.string().meta({ description: 'The hosted portal page with the token in its fragment (never sent to a server).' }),
    expiresAt: z.string(),
  })
  .meta({ id: 'PortalSession' });

export const SignInInput = z.object({ email: z.email().max(254) }).strict().meta({ id: 'PortalSignInInput' });

export const VerifyInput = z
  .object({ email: z.email().max(254), code: z.string().regex(/^\d{6}$/, 'The code is 6 digits.') })
  .strict()
  .meta({ id: 'PortalSignInVerifyInput' });

export const SignedIn = z.object({ token: z.string(), expiresAt: z.string() }).meta({ id: 'PortalSignedIn' });

export const CustomerPatch = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).optional(),
    country: Country.optional(),
    type: z.enum(['individual', 'business']).optional(),
    vatId: VatId.nullable().meta({ description: 'Checked as at checkout (422 vat_id_invalid); blank or null removes it.' }),
    address: Address.nullable().optional(),
    locale: Locale.optional(),
  })
  .strict()
  .meta({ id: 'PortalCustomerPatch', description: 'Only the fields sent change; later invoices use the new details (their tax included).' });

export const PortalSubscription = Subscription.extend({
  plan: PublicPlan,
  upcomingInvoice: UpcomingInvoice.nullable().meta({ description: 'The next invoice priced now; null when none is coming (cancelling, paused, ended).' }),
  usage: SubscriptionUsage.meta({ description: 'Per metered charge, the current period so far, priced now.' }),
}).meta({ id: 'PortalSubscription' });

export const PortalCancelInput = z
  .object({
    at: z.enum(['period_end', 'now']).optional().meta({ description: "Per the merchant's cancellation mode; only `choose` lets the buyer pick (default period_end)." }),
    reason: Reason.optional().meta({ description: "One of the merchant's configured reasons." }),
    comment: z.string().trim().max(1000).optional(),
  })
  .strict()
  .meta({ id: 'PortalCancelInput' });

export const PortalPaymentMethodInput = z
  .object({
    paymentMethod: z.string().min(1).max(255).meta({ description: 'pm_card_visa and friends in test mode; the Stripe payment method the SetupIntent saved otherwise.' }),
    subscriptionId: Id.optional().meta({ description: 'Only this subscription; all live ones by default.' }),
  })
  .strict()
  .meta({ id: 'PortalPaymentMethodInput' });

const Provider = z.object({ provider: z.enum(['test', 'stripe']), publishableKey: z.string().optional() });

export const PaymentMethodSetup = Provider.extend({
  clientSecret: z.string().optional().meta({ description: "Stripe: the SetupIntent's client secret for the Payment Element. Test: none (the test form's cards)." }),
}).meta({ id: 'PortalPaymentMethodSetup' });

const Outcome = z.union([
  z.object({ invoiceId: Id, outcome: z.literal('paid'), paymentId: z.string() }),
  z.object({ invoiceId: Id, outcome: z.literal('declined'), code: z.string(), message: z.string(), subscription: z.enum(['past_due', 'cancelled', 'unpaid']).optional() }),
  z.object({ invoiceId: Id, outcome: z.literal('skipped'), reason: z.string() }),
]);

export const PaymentMethodResult = z
  .object({
    subscriptions: z.array(PortalSubscription),
    payments: z.array(Outcome).meta({ description: 'Each open invoice retried with the new method, and how it went.' }),
  })
  .meta({ id: 'PortalPaymentMethodResult' });

export const PortalConfiguration = z
  .object({
    customer: z.object({ id: Id, email: z.string(), name: z.string(), locale: z.string() }),
    merchantName: z.string().nullable().meta({ description: 'The merchant\'s name (the settings\' seller.name), what "Back to …" names; null without a seller (the return URL\'s host is named instead).' }),
    session: z.object({
      locale: z.string(),
      returnUrl: z.string().nullable(),
      flow: Flow.nullable().meta({ description: 'The deep link to open, once: null after the portal opened it (DELETE /v1/portal/session/flow) or when the session has none.' }),
      expiresAt: z.string(),
    }),
    payments: Provider,
    features: z.object({
      invoices: z.boolean(),
      paymentMethod: z.boolean(),
      billingDetails: z.boolean(),
      switchPlan: z.boolean(),
      quantity: z.boolean(),
      cancel: z.boolean(),
      pause: z.boolean().meta({ description: 'features.pause and pause.enabled both on.' }),
    }),
    cancellation: z.object({
      mode: z.enum(['period_end', 'now', 'choose']),
      reasons: z.array(Reason),
      refund: z.enum(['none', 'prorate']).meta({ description: 'What a cancellation now credits: the unused time of the period (prorate, refunded to the payment method) or nothing.' }),
    }),
    pause: z.object({ maxPeriods: z.number().int().nullable() }),
    downgrades: z.enum(['period_end', 'immediately']).meta({ description: "When a downgrade takes effect (the change's preview says it too)." }),
    retentionOffer: Coupon.pick({ name: true, type: true, percentage: true, fixedAmount: true, currency: true, frequency: true, numberOfPeriods: true })
      .extend({ couponCode: z.string() })
      .nullable()
      .meta({ description: "The coupon offered before a cancellation, with what its wording needs; whether a subscription gets it is each subscription's retentionOffer." }),
    subscriptions: z.array(
      z.object({
        id: Id,
        planCode: z.string(),
        status: SubscriptionStatus,
        switchPlanTo: z.array(z.string()).meta({ description: 'Plan codes the portal accepts for POST .../change (the plans are in `plans`).' }),
        changeQuantity: z.boolean(),
        cancel: z.boolean(),
        uncancel: z.boolean(),
        pause: z.boolean(),
        resume: z.boolean(),
        retentionOffer: z.boolean(),
      }),
    ),
    plans: z.array(PublicPlan).meta({ description: "Each subscription's plan and the plans it may switch to." }),
  })
  .meta({ id: 'PortalConfiguration' });

export { Invoice };
