import { z } from 'zod';
import { Invoice } from './checkout.js';
import { Id } from './common.js';

/** A positive amount of minor units, tax included. */
const Gross = z.number().int('Amounts are integers of minor units (cents), not decimals.').min(1).max(Number.MAX_SAFE_INTEGER);

export const CreditNoteInput = z
  .object({
    amount: Gross.optional().meta({ description: 'Gross (tax included), allocated over what is left on the lines. Give amount or lines; neither credits all that is left.' }),
    lines: z
      .array(z.object({ lineId: Id, amount: Gross.optional().meta({ description: 'Gross to credit on this line; all that is left of it when absent.' }) }).strict())
      .min(1)
      .max(500)
      .optional(),
    reason: z.string().trim().min(1).max(500),
    refund: z.boolean().meta({ description: "Give the credit note's total back through the payment provider (once per credit note)." }),
  })
  .strict()
  .refine((body) => body.amount === undefined || body.lines === undefined, { message: 'Give amount or lines, not both.', path: ['lines'] })
  .meta({ id: 'CreditNoteInput' });

const CreditNoteLine = z.object({
  invoiceLineId: Id,
  description: z.string(),
  quantity: z.number().int(),
  amount: z.number().int().meta({ description: 'Net credited (tax excluded).' }),
  taxRate: z.number().int(),
  tax: z.number().int(),
  total: z.number().int(),
  periodStart: z.string().nullable(),
  periodEnd: z.string().nullable(),
});

export const CreditNote = z
  .object({
    id: Id,
    number: z.string().meta({ example: 'CN-2026-000001' }),
    invoiceId: Id,
    customerId: Id,
    currency: z.string(),
    lines: z.array(CreditNoteLine),
    subtotal: z.number().int(),
    tax: z.number().int(),
    total: z.number().int(),
    taxBreakdown: Invoice.shape.taxBreakdown,
    reason: z.string(),
    refund: z
      .object({ amount: z.number().int(), status: z.enum(['pending', 'succeeded', 'failed']), id: z.string().optional(), code: z.string().optional() })
      .nullable(),
    issuedAt: z.string(),
  })
  .meta({ id: 'CreditNote', description: 'A correction of a paid invoice, in its own gapless series.' });

export const EInvoiceQuery = z.object({
  format: z.enum(['ubl', 'factur-x']).meta({ description: 'ubl: XRechnung 3.0 UBL XML; factur-x: Factur-X EN 16931 (PDF/A-3 with factur-x.xml).' }),
});
