import { z } from 'zod';
import { EU_VAT_RATES } from '../../domain/tax.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';

const Settings = z
  .object({
    homeCountry: z
      .string()
      .refine((c) => Object.hasOwn(EU_VAT_RATES.rates, c), 'The seller must be established in an EU country (ISO 3166-1 alpha-2).')
      .meta({ description: 'Where the seller is established; picks the domestic VAT rate.' }),
    downgrades: z.enum(['period_end', 'immediately']).meta({ description: 'When a plan downgrade takes effect.' }),
  })
  .meta({ id: 'Settings' });

const View = Settings.extend({ vatRates: z.object({ validFrom: z.string(), about: z.string() }) });

/** GET/PUT /v1/settings: merchant settings, stored with the catalog (a change bumps the catalog version). */
export function settingsRoutes(ctx: RouteContext, { settings }: Deps): void {
  const view = (s: { homeCountry: string; downgrades: string }) => ({
    homeCountry: s.homeCountry,
    downgrades: s.downgrades,
    vatRates: { validFrom: EU_VAT_RATES.validFrom, about: EU_VAT_RATES.about },
  });
  defineRoute(ctx, { method: 'get', path: '/v1/settings', auth: 'secret', summary: 'Read the merchant settings', tags: ['Settings'], response: { status: 200, schema: View } },
    async () => view(await settings.get()));
  defineRoute(ctx, { method: 'put', path: '/v1/settings', auth: 'secret', summary: 'Change the merchant settings', tags: ['Settings'], body: Settings.partial().strict(), response: { status: 200, schema: View } },
    async ({ body }) => view(await settings.update(body)));
}
