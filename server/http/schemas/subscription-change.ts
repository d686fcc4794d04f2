import { z } from 'zod';
import { Id } from './common.js';
import { Invoice, Subscription } from './checkout.js';
import { CartFields } from './quote.js';

/** POST /v1/subscriptions/{id}/change (SPEC section 6): the cart's quantities and add-ons, a plan of the family. */
export const SubscriptionChangeInput = z
  .object({
    plan: z.string().min(1).max(255).optional().meta({ description: "The new plan's code or id, in the subscription's family; the current plan when absent." }),
    quantity: CartFields.quantity,
    charges: CartFields.charges,
    addOns: CartFields.addOns.meta({ description: 'The optional charges chosen; with the same plan, the current ones when absent.' }),
    preview: z.boolean().optional().meta({ description: 'Answer what would happen; nothing is saved.' }),
    prorationDate: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: "A preview's prorationDate (at most 10 minutes old, inside the current period): the change is priced at that instant." }),
  })
  .meta({ id: 'SubscriptionChange' });

export const SubscriptionChangeResult = z
  .object({
    effective: z.enum(['now', 'period_end']),
    effectiveAt: z.string(),
    prorationDate: z.string().meta({ description: 'The instant the change was priced at, in whole seconds.' }),
    invoice: Invoice.extend({
      id: Id.nullable().meta({ description: 'null in a preview.' }),
      number: z.string().nullable().meta({ description: 'null in a preview.' }),
    })
      .optional()
      .meta({ description: 'The proration invoice (credit lines are negative; a negative total goes to the customer balance). None for a change at the period end, in a trial, or one that changes nothing.' }),
    // The subscription as it is (in a preview: would be) after the change.
    subscription: Subscription,
    coupon: z.object({ code: z.string(), kept: z.boolean() }).optional().meta({ description: "The subscription's coupon: kept when it can discount the new selection, else dropped." }),
  })
  .meta({ id: 'SubscriptionChangeResult' });
