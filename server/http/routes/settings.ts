import { z } from 'zod';
import { CANCELLATION_REASONS, type CancellationReason, type MerchantSettings } from '../../app/catalog-cache.js';
import { EU_VAT_RATES } from '../../domain/tax.js';
import { Code, Country } from '../schemas/common.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { parse } from '../validate.js';

const Text = (max: number) => z.string().trim().min(1).max(max);

const SellerAddress = z.object({ line1: Text(200), line2: z.string().trim().max(200).optional(), postalCode: Text(20), city: Text(100), country: Country }).strict();

const SellerSchema = z
  .object({
    name: Text(200),
    address: SellerAddress,
    vatId: z.string().trim().max(32).optional(),
    taxNumber: z.string().trim().max(64).optional(),
    email: z.email().max(254),
    phone: z.string().trim().min(3).max(40).optional().meta({ description: 'Contact phone; XRechnung requires the seller\'s (BR-DE-6).' }),
    website: z.url().max(500).optional(),
  })
  .strict()
  .meta({ id: 'Seller', description: 'The seller printed on invoices; each invoice keeps a copy as it was when issued.' });

const Reason = z.enum(CANCELLATION_REASONS as [CancellationReason, ...CancellationReason[]]);

const PortalSchema = z
  .object({
    features: z
      .object({
        invoices: z.boolean(), paymentMethod: z.boolean(), billingDetails: z.boolean(), switchPlan: z.boolean(),
        quantity: z.boolean(), cancel: z.boolean(), pause: z.boolean(),
      })
      .partial()
      .strict(),
    switchPlan: z.object({ allowed: z.union([z.literal('family'), z.array(z.object({ from: Code, to: z.array(Code).max(100) }).strict()).max(100)]) }).strict(),
    cancellation: z
      .object({ mode: z.enum(['period_end', 'now', 'choose']), reasons: z.array(Reason).min(1).max(8), retentionCoupon: z.string().trim().min(1).max(100).optional() })
      .partial()
      .strict(),
    pause: z.object({ enabled: z.boolean(), maxPeriods: z.number().int().min(1).max(120).optional() }).partial().strict(),
  })
  .partial()
  .strict();

const Dunning = z
  .object({
    retryDays: z
      .array(z.number().int().min(1).max(60))
      .max(10)
      .refine((days) => days.every((d, i) => i === 0 || d > days[i - 1]!), 'Retry days must increase.'),
    finalAction: z.enum(['cancel', 'mark_uncollectible']),
  })
  .strict();

const Settings = z
  .object({
    homeCountry: z
      .string()
      .refine((c) => Object.hasOwn(EU_VAT_RATES.rates, c), 'The seller must be established in an EU country (ISO 3166-1 alpha-2).')
      .meta({ description: 'Where the seller is established; picks the domestic VAT rate.' }),
    downgrades: z.enum(['period_end', 'immediately']).meta({ description: 'When a plan downgrade takes effect.' }),
    cancellation: z.object({ refund: z.enum(['none', 'prorate']) }).strict().meta({ description: 'Whether a cancellation now credits the unused time.' }),
    dunning: Dunning.meta({ description: 'Retries of a declined renewal, in days after the first failure, and what follows the last.' }),
    portal: PortalSchema,
    seller: SellerSchema,
  })
  .meta({ id: 'Settings' });

/** A PUT names what changes: objects merge key by key (`dunning: {finalAction}` keeps the retry days,
 * `seller: {phone}` the rest of the seller); the seller that results is checked whole (an invoice's seller is
 * complete or absent), so a first seller must be sent with every field it requires. */
const SettingsUpdate = Settings.extend({
  dunning: Dunning.partial().meta({ description: 'Retries of a declined renewal; the fields not sent stay as they are.' }),
  seller: SellerSchema.extend({ address: SellerAddress.partial() })
    .partial()
    .meta({ description: 'The seller printed on invoices; the fields not sent stay as they are, and the seller that results must be complete.' }),
})
  .partial()
  .strict()
  .meta({ id: 'SettingsUpdate' });

const View = Settings.extend({
  portal: z.unknown(),
  seller: SellerSchema.nullable(),
  vatRates: z.object({ validFrom: z.string(), about: z.string() }),
});

/** GET/PUT /v1/settings: merchant settings, stored with the catalog (a change bumps the catalog version). */
export function settingsRoutes(ctx: RouteContext, { settings }: Deps): void {
  const view = (s: MerchantSettings) => ({
    homeCountry: s.homeCountry,
    downgrades: s.downgrades,
    cancellation: s.cancellation,
    dunning: s.dunning,
    portal: s.portal,
    seller: s.seller,
    vatRates: { validFrom: EU_VAT_RATES.validFrom, about: EU_VAT_RATES.about },
  });
  defineRoute(ctx, { method: 'get', path: '/v1/settings', auth: 'secret', summary: 'Read the merchant settings', tags: ['Settings'], response: { status: 200, schema: View } },
    async () => view(await settings.get()));
  defineRoute(ctx, { method: 'put', path: '/v1/settings', auth: 'secret', summary: 'Change the merchant settings', tags: ['Settings'], body: SettingsUpdate, response: { status: 200, schema: View } },
    async ({ body }) =>
      view(await settings.update(body, (merged) => {
        if (body.seller !== undefined) parse(SellerSchema, merged.seller, '/seller');
      })));
}
