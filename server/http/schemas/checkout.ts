import { z } from 'zod';
import { Country, Id, VatId } from './common.js';
import { postalCodeProblem } from '../../domain/addresses.js';
import { CartFields, Quote } from './quote.js';

export const Address = z
  .object({
    line1: z.string().max(200).optional(),
    line2: z.string().max(200).optional(),
    postalCode: z.string().max(20).optional(),
    city: z.string().max(100).optional(),
    state: z.string().max(100).optional(),
    country: Country.optional(),
  })
  .meta({ id: 'Address' });

const Line = (max: number) => z.string().trim().min(1).max(max);

/**
 * The billing address a buyer gives: a street line, a city and, where the country has postal codes that
 * postcode-validator knows, a postal code of that country's shape. Its country is the buyer's (the one that
 * decides the tax); given as well, it must be the same.
 */
export const BillingAddress = z
  .object({
    line1: Line(200),
    line2: z.string().trim().max(200).optional(),
    postalCode: z.string().trim().max(20).transform((code) => code.toUpperCase()).optional(),
    city: Line(100),
    state: z.string().trim().max(100).optional(),
    country: Country.optional(),
  })
  .meta({ id: 'BillingAddress' });

/** The buyer's fields, without the rules that tie them together (a session's prefill is a partial of these). */
export const BuyerFields = z.object({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(200),
    country: Country,
    type: z.enum(['individual', 'business']),
    vatId: VatId,
    address: BillingAddress.optional(),
    locale: z.enum(['en', 'de']).optional().meta({ description: "The buyer's language for emails and documents (the checkout element's locale)." }),
  });

export const Buyer = BuyerFields.superRefine((buyer, ctx) => {
    const address = buyer.address;
    if (!address) return;
    if (address.country !== undefined && address.country !== buyer.country) {
      ctx.addIssue({ code: 'custom', path: ['address', 'country'], message: `The billing address is in the customer's country (${buyer.country}).` });
    }
    const problem = postalCodeProblem(buyer.country, address.postalCode ?? '');
    if (problem) ctx.addIssue({ code: 'custom', path: ['address', 'postalCode'], message: problem });
  });

export const CheckoutInput = z
  .object({
    ...CartFields,
    customer: Buyer,
    customerSession: z.string().min(1).max(255).optional()
      .meta({ description: "A customer session's client secret (cus_sess_...): the checkout is that customer's, its email replacing customer.email." }),
    clientReferenceId: z.string().min(1).max(500).optional()
      .meta({ description: "Your reference, unverified: copied to the subscription's metadata and the checkout.completed event." }),
  })
  .meta({ id: 'CheckoutInput' });

export const Checkout = z
  .object({
    id: Id,
    status: z.enum(['open', 'requires_action', 'complete', 'refunded']),
    locale: z.enum(['en', 'de']).meta({ description: "The buyer's language: the quote's lines are named in it, and so are the first invoice's, the emails and the documents." }),
    quote: Quote,
    payment: z.object({
      provider: z.enum(['test', 'stripe']),
      intentType: z.enum(['payment', 'setup']),
      publishableKey: z.string().optional(),
      clientSecret: z.string().optional(),
    }),
  })
  .meta({ id: 'Checkout' });

export const ConfirmInput = z.object({
  paymentMethod: z.string().min(1).max(255).meta({ description: 'pm_card_visa and friends in test mode; a Stripe payment method otherwise.' }),
  authenticated: z.boolean().optional().meta({ description: 'Test provider: the buyer completed the authentication.' }),
});

/** Who is billed: a customer's details, and an invoice's copy of them as they were when it was issued. */
const BilledParty = {
  email: z.string(),
  name: z.string(),
  country: z.string(),
  type: z.enum(['individual', 'business']),
  vatId: z.string().nullable(),
  address: Address.nullable(),
};

export const Customer = z
  .object({
    id: Id,
    ...BilledParty,
    balance: z.number().int().meta({ description: 'Credit in minor units (from prorations), applied to the next invoices before payment.' }),
    locale: z.string().meta({ description: 'The language of their emails and documents (en, de).' }),
    refKey: z.string().nullable().meta({ description: "Your own id for the customer; unique when set." }),
    metadata: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' });

const Item = z.object({ chargeId: Id, quantity: z.number().int() });

export const SubscriptionStatus = z.enum(['trialing', 'active', 'past_due', 'unpaid', 'paused', 'cancelled', 'expired']);

export const Subscription = z
  .object({
    id: Id,
    customerId: Id,
    planId: Id,
    planCode: z.string(),
    status: SubscriptionStatus,
    items: z.array(Item),
    couponId: z.string().nullable(),
    couponCode: z.string().nullable(),
    periodsBilled: z.number().int(),
    currentPeriodStart: z.string(),
    currentPeriodEnd: z.string(),
    trialEnd: z.string().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    cancelledAt: z.string().nullable(),
    cancellation: z.object({ reason: z.string().optional(), comment: z.string().optional() }).nullable(),
    pausedAt: z.string().nullable(),
    resumesAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    pendingChange: z.object({ plan: z.string(), items: z.array(Item), effectiveAt: z.string() }).nullable(),
    defaultPaymentMethod: z.object({ provider: z.string(), id: z.string(), brand: z.string().optional(), last4: z.string().optional() }).nullable(),
    metadata: z.record(z.string(), z.string()).meta({ description: "Your own data; a checkout's clientReferenceId lands here." }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Subscription' });

export const InvoiceStatus = z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']);
export const InvoiceKind = z.enum(['checkout', 'renewal', 'proration', 'final', 'usage', 'manual']);

export const InvoiceLine = z.object({
  id: Id,
  chargeId: Id,
  productId: Id,
  description: z.string(),
  type: z.string(),
  quantity: z.number().int(),
  unitAmount: z.number().int().optional(),
  trial: z.boolean().optional(),
  proration: z.boolean().optional(),
  subtotal: z.number().int(),
  discount: z.number().int(),
  taxRate: z.number().int(),
  tax: z.number().int(),
  total: z.number().int(),
  periodStart: z.string().nullable(),
  periodEnd: z.string().nullable(),
});

export const Invoice = z
  .object({
    id: Id,
    number: z.string(),
    customerId: Id,
    subscriptionId: z.string().nullable(),
    kind: InvoiceKind,
    status: InvoiceStatus,
    currency: z.string(),
    subtotal: z.number().int(),
    discount: z.number().int(),
    tax: z.number().int(),
    total: z.number().int(),
    balanceApplied: z.number().int(),
    amountDue: z.number().int(),
    amountPaid: z.number().int(),
    taxTreatment: z.string(),
    taxBehavior: z.string(),
    taxBreakdown: z.array(z.object({ rate: z.number().int(), net: z.number().int(), tax: z.number().int() })),
    note: z.string().nullable(),
    billTo: z
      .object({ ...BilledParty, locale: z.string().optional() })
      .meta({ description: 'The buyer as they were when the invoice was issued (the address is the billing address they gave).' }),
    seller: z.record(z.string(), z.unknown()).nullable(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    issuedAt: z.string(),
    dueAt: z.string(),
    paidAt: z.string().nullable(),
    voidedAt: z.string().nullable(),
    attempts: z.array(z.object({ at: z.string(), outcome: z.enum(['pending', 'succeeded', 'declined']), code: z.string().optional() })),
    nextAttemptAt: z.string().nullable(),
    lines: z.array(InvoiceLine),
  })
  .meta({ id: 'Invoice' });

export const ConfirmResult = z
  .union([
    z.object({ status: z.literal('complete'), customer: Customer, subscription: Subscription, invoice: Invoice }),
    z.object({ status: z.literal('requires_action'), checkoutId: Id, reason: z.string(), clientSecret: z.string().optional() }),
  ])
  .meta({ id: 'ConfirmResult' });
