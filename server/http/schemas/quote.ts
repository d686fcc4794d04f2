import { z } from 'zod';
import { Country, Id, VatId } from './common.js';
import { Pricing } from './catalog.js';

/**
 * Any number here: whether it is a whole number of at least 0, and within the charge's range, is checked
 * with the plan (SPEC 5), so that a cart with several faults is answered with all of them at once.
 */
const Quantity = z.number().meta({ description: 'A whole number, at least 0, within the charge\'s min..max.' });

export const CartCustomer = z.object({
  id: z.string().min(1).max(255).optional(),
  email: z.email().max(254).optional(),
  country: Country,
  type: z.enum(['individual', 'business']),
  vatId: VatId,
});

/** A cart (SPEC section 5). Prices, amounts and totals a client sends are not part of it: they are dropped. */
export const CartFields = {
  plan: z.string().min(1).max(100).meta({ description: 'Plan code.' }),
  quantity: Quantity.optional().meta({ description: 'Sets every adjustable charge at once.' }),
  charges: z.array(z.object({ chargeId: Id, quantity: Quantity })).max(50).optional(),
  addOns: z.array(Id).max(50).optional().meta({ description: 'Optional charges of the plan the buyer chose.' }),
  couponCode: z.string().trim().max(100).optional(),
};

export const QuoteInput = z.object({ ...CartFields, customer: CartCustomer.optional() }).meta({ id: 'Cart' });

const Totals = { subtotal: z.number().int(), discount: z.number().int(), tax: z.number().int(), total: z.number().int() };

export const Quote = z
  .object({
    plan: z.string(),
    currency: z.string(),
    lines: z.array(
      z.object({
        chargeId: Id,
        productId: Id,
        description: z.string(),
        type: z.enum(['recurring', 'one_time', 'metered']),
        quantity: z.number().int(),
        unitAmount: z.number().int().optional(),
        trial: z.literal(true).optional(),
        subtotal: z.number().int(),
        discount: z.number().int(),
        taxRate: z.number().int().meta({ description: 'Basis points: 1900 = 19%.' }),
        tax: z.number().int(),
        total: z.number().int(),
      }),
    ),
    coupon: z
      .object({
        code: z.string(),
        valid: z.boolean(),
        reason: z
          .enum(['coupon_not_found', 'coupon_disabled', 'coupon_expired', 'coupon_exhausted', 'coupon_customer_limit', 'coupon_currency_mismatch', 'coupon_not_applicable'])
          .optional(),
        discount: z.number().int(),
        frequency: z.enum(['once', 'limited', 'lifetime']).optional()
          .meta({ description: "A valid coupon's duration: the first invoice that bills a period, the first numberOfPeriods, or every invoice." }),
        numberOfPeriods: z.number().int().optional().meta({ description: 'With frequency limited: how many billing periods it covers.' }),
      })
      .optional(),
    taxTreatment: z.enum(['domestic', 'oss', 'reverse_charge', 'outside_scope']),
    taxBehavior: z.enum(['exclusive', 'inclusive']),
    dueToday: z.object(Totals),
    recurring: z.object({ interval: z.object({ unit: z.enum(['day', 'week', 'month', 'year']), count: z.number().int() }), ...Totals }),
    trialEndsAt: z.string().optional(),
    meteredCharges: z.array(z.object({ chargeId: Id, description: z.string(), pricing: Pricing })),
  })
  .meta({ id: 'Quote' });
