import { z } from 'zod';
import { CATALOG_LOCALES } from '../../domain/translations.js';
import { Amount, Code, Currency, Id, wholeNumber } from './common.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().max(max).nullable().optional();

// ------------------------------------------------------------------ translations (issue 18)
// Per language Billkit speaks (domain/translations.ts), the fields a buyer reads; a field left out falls back
// to the default language's (the plain fields). Another language is refused by name.
const languages = <T extends z.ZodType>(entry: T, what: string) =>
  z.strictObject(Object.fromEntries(CATALOG_LOCALES.map((l) => [l, entry.optional()])) as Record<(typeof CATALOG_LOCALES)[number], z.ZodOptional<T>>, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Translations are given per language Billkit speaks (${CATALOG_LOCALES.join(', ')}); not ${issue.keys.join(', ')}.`
        : undefined,
  }).meta({ description: `${what}, per language (${CATALOG_LOCALES.join(', ')}). A field left out is shown in the default language.` });

const TextTranslation = z
  .strictObject({ name: text(255).optional(), description: text(2000).optional() })
  .meta({ id: 'TextTranslation', description: 'A name and description in one language.' });

const UnitTranslation = z
  .strictObject({
    unit: text(255).optional().meta({ description: 'The unit, singular: "Aufruf".' }),
    unitPlural: text(255).optional().meta({ description: 'The plural: "Aufrufe". Only with unit; left out, the singular serves for both.' }),
    description: text(255).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.unitPlural !== undefined && t.unit === undefined)
      ctx.addIssue({ code: 'custom', path: ['unitPlural'], message: 'Give the singular (unit) with its plural.' });
  })
  .meta({ id: 'UnitTranslation', description: "A measurement's unit (singular and plural) and description in one language." });

export const TextTranslations = languages(TextTranslation, 'Translations of name and description');
export const UnitTranslations = languages(UnitTranslation, 'Translations of the unit and description');
/** PATCH: a language given replaces its translation whole; null removes it; languages left out stay. */
const patchOf = <T extends z.ZodType>(entry: T, what: string) => languages(entry.nullable(), `${what} (null removes a language)`);
const TextTranslationsPatch = patchOf(TextTranslation, 'Translations of name and description');
const UnitTranslationsPatch = patchOf(UnitTranslation, 'Translations of the unit and description');
const TextTranslationsOut = z.record(z.string(), z.object({ name: z.string().optional(), description: z.string().optional() }));
const UnitTranslationsOut = z.record(z.string(), z.object({ unit: z.string().optional(), unitPlural: z.string().optional(), description: z.string().optional() }));

export const FamilyInput = z.object({
  code: Code,
  name: text(255),
  description: optionalText(2000),
  translations: TextTranslations.optional(),
});

export const FamilyPatch = z
  .object({ name: text(255), description: optionalText(2000), translations: TextTranslationsPatch })
  .partial()
  .strict();

export const Family = z
  .object({ id: Id, code: z.string(), name: z.string(), description: z.string().nullable(), translations: TextTranslationsOut })
  .meta({ id: 'ProductFamily' });

/** The public catalog's family: in the buyer's language, without the translations. */
export const PublicFamily = z
  .object({ id: Id, code: z.string(), name: z.string(), description: z.string().nullable() })
  .meta({ id: 'CatalogFamily' });

export const MeasurementInput = z
  .object({
    code: z.string().min(1).max(255),
    unit: text(255),
    unitPlural: text(255).nullable().optional().meta({ description: 'The plural of unit ("calls"); left out, the elements add an English s in English.' }),
    description: optionalText(255),
    type: z.enum(['metered', 'recurring', 'instant_metered']),
    aggregation: z.enum(['count', 'count_unique', 'max', 'sum', 'last_value', 'average']),
    prorated: z.boolean().default(false),
    translations: UnitTranslations.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type !== 'metered' && m.aggregation !== 'last_value')
      ctx.addIssue({
        code: 'custom',
        path: ['aggregation'],
        message: `A ${m.type} measurement must use the last_value aggregation.`,
      });
  });

/** What a measurement may change after creation: not its type or aggregation. */
export const MeasurementPatch = z
  .object({
    unit: text(255),
    unitPlural: text(255).nullable(),
    description: optionalText(255),
    translations: UnitTranslationsPatch,
  })
  .partial()
  .strict();

export const Measurement = z
  .object({
    id: Id,
    code: z.string(),
    unit: z.string(),
    unitPlural: z.string().nullable(),
    translations: UnitTranslationsOut,
    description: z.string().nullable(),
    type: z.enum(['metered', 'recurring', 'instant_metered']),
    aggregation: z.enum(['count', 'count_unique', 'max', 'sum', 'last_value', 'average']),
    prorated: z.boolean(),
  })
  .meta({ id: 'Measurement' });

export const ProductInput = z.object({
  number: z.string().trim().min(2).max(255),
  name: text(255),
  internalName: optionalText(255),
  description: optionalText(2000),
  type: z.enum(['product', 'charge', 'plan']).default('product'),
  familyId: z.string().min(1).nullable().optional().meta({ description: 'Family id or code.' }),
  taxGroup: z.enum(['standard', 'reduced']).default('standard'),
  invoiceVisibility: z.enum(['always', 'only_if_charged']).default('always'),
  archived: z.boolean().default(false),
  measurementId: z.string().min(1).nullable().optional().meta({ description: 'Measurement id or code.' }),
  translations: TextTranslations.optional(),
});

export const ProductPatch = z
  .object({
    name: text(255),
    internalName: optionalText(255),
    description: optionalText(2000),
    taxGroup: z.enum(['standard', 'reduced']),
    invoiceVisibility: z.enum(['always', 'only_if_charged']),
    archived: z.boolean(),
    translations: TextTranslationsPatch,
  })
  .partial()
  .strict();

export const Product = z
  .object({
    id: Id,
    number: z.string(),
    name: z.string(),
    internalName: z.string().nullable(),
    description: z.string().nullable(),
    type: z.enum(['product', 'charge', 'plan']),
    familyId: z.string().nullable(),
    taxGroup: z.enum(['standard', 'reduced']),
    invoiceVisibility: z.enum(['always', 'only_if_charged']),
    archived: z.boolean(),
    measurementId: z.string().nullable(),
    translations: TextTranslationsOut,
  })
  .meta({ id: 'Product' });

const Tier = z.object({
  upTo: wholeNumber(1, Number.MAX_SAFE_INTEGER).nullable(),
  unitAmount: Amount,
  flatAmount: Amount.default(0),
});

export const Pricing = z
  .discriminatedUnion('model', [
    z.object({ model: z.literal('flat'), amount: Amount }),
    z.object({ model: z.literal('per_unit'), unitAmount: Amount }),
    z.object({
      model: z.literal('tiered'),
      mode: z.enum(['graduated', 'volume']),
      tiers: z.array(Tier).min(1, 'A tiered price needs at least one tier.').max(50),
    }),
    z.object({
      model: z.literal('package'),
      packageSize: wholeNumber(1, Number.MAX_SAFE_INTEGER),
      amount: Amount,
    }),
  ])
  .superRefine((pricing, ctx) => {
    if (pricing.model !== 'tiered') return;
    const { tiers } = pricing;
    tiers.forEach((tier, i) => {
      const last = i === tiers.length - 1;
      if (last && tier.upTo !== null)
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'upTo'], message: 'The last tier must be open: upTo null.' });
      if (!last && tier.upTo === null)
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'upTo'], message: 'Only the last tier may be open (upTo null).' });
      const previous = i > 0 ? tiers[i - 1]!.upTo : null;
      if (tier.upTo !== null && previous !== null && tier.upTo <= previous)
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'upTo'],
          message: `Tiers must ascend: upTo ${tier.upTo} is not above the previous ${previous}.`,
        });
    });
  })
  .meta({ id: 'Pricing', description: 'How a charge turns a quantity into an amount (SPEC section 2).' });

const Quantity = z.object({
  default: wholeNumber(0, 1_000_000).optional(),
  min: wholeNumber(0, 1_000_000).optional(),
  max: wholeNumber(0, 1_000_000).nullable().optional(),
  adjustable: z.boolean().optional(),
});

export const ChargeInput = z
  .object({
    product: z.string().min(1).meta({ description: 'Product number or id.' }),
    type: z.enum(['recurring', 'one_time', 'metered']),
    pricing: Pricing,
    quantity: Quantity.optional(),
    optional: z.boolean().default(false),
  })
  .transform((c, ctx) => {
    const q = c.quantity ?? {};
    const min = q.min ?? Math.min(1, q.default ?? 1);
    const quantity = {
      default: q.default ?? Math.max(min, 1),
      min,
      max: q.max ?? null,
      adjustable: q.adjustable ?? false,
    };
    if (quantity.max !== null && quantity.min > quantity.max)
      ctx.addIssue({ code: 'custom', path: ['quantity', 'max'], message: `max (${quantity.max}) is below min (${quantity.min}).` });
    else if (quantity.default < quantity.min || (quantity.max !== null && quantity.default > quantity.max))
      ctx.addIssue({ code: 'custom', path: ['quantity', 'default'], message: 'default must lie within min..max.' });
    if (c.pricing.model === 'flat' && (quantity.default !== 1 || quantity.adjustable))
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'A flat charge has quantity 1 and is not adjustable.' });
    if (c.type === 'metered' && quantity.adjustable)
      ctx.addIssue({ code: 'custom', path: ['quantity', 'adjustable'], message: 'A metered charge is measured, not chosen.' });
    return { ...c, quantity };
  });

const PlanFields = {
  code: Code,
  name: text(255),
  description: optionalText(2000),
  familyId: z.string().min(1).nullable().optional().meta({ description: 'Family id or code.' }),
  status: z.enum(['draft', 'active', 'archived', 'inactive']).default('active'),
  checkoutAllowed: z.boolean().default(true),
  currency: Currency,
  interval: z.object({ unit: z.enum(['day', 'week', 'month', 'year']), count: wholeNumber(1, 1000) }),
  trialDays: wholeNumber(0, 3650).default(0),
  taxBehavior: z.enum(['exclusive', 'inclusive']).default('exclusive'),
  translations: TextTranslations.optional(),
};

export const PlanInput = z.object({
  ...PlanFields,
  charges: z.array(ChargeInput).min(1, 'A plan needs at least one charge.').max(50),
});

export const PlanPatch = z
  .object({
    name: PlanFields.name,
    description: PlanFields.description,
    status: z.enum(['draft', 'active', 'archived', 'inactive']),
    checkoutAllowed: z.boolean(),
    trialDays: wholeNumber(0, 3650),
    familyId: z.string().min(1).nullable(),
    translations: TextTranslationsPatch,
  })
  .partial()
  .strict();

const QuantityOut = z.object({
  default: z.number().int(),
  min: z.number().int(),
  max: z.number().int().nullable(),
  adjustable: z.boolean(),
});

export const Charge = z
  .object({
    id: Id,
    productId: Id,
    productNumber: z.string(),
    type: z.enum(['recurring', 'one_time', 'metered']),
    pricing: Pricing,
    quantity: QuantityOut,
    optional: z.boolean(),
  })
  .meta({ id: 'Charge' });

export const Plan = z
  .object({
    id: Id,
    code: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    familyId: z.string().nullable(),
    status: z.enum(['draft', 'active', 'archived', 'inactive']),
    checkoutAllowed: z.boolean(),
    currency: z.string(),
    interval: z.object({ unit: z.enum(['day', 'week', 'month', 'year']), count: z.number().int() }),
    trialDays: z.number().int(),
    taxBehavior: z.enum(['exclusive', 'inclusive']),
    charges: z.array(Charge),
    createdAt: z.string(),
    updatedAt: z.string(),
    translations: TextTranslationsOut,
  })
  .meta({ id: 'Plan' });

export const PublicCharge = z
  .object({
    id: Id,
    productId: Id,
    productNumber: z.string(),
    productName: z.string(),
    productDescription: z.string().nullable(),
    type: z.enum(['recurring', 'one_time', 'metered']),
    pricing: Pricing,
    quantity: QuantityOut,
    optional: z.boolean(),
    measurement: z
      .object({
        code: z.string(),
        unit: z.string(),
        unitPlural: z.string().nullable().meta({ description: 'null: not given (the singular, or an English plural in English).' }),
      })
      .nullable(),
  })
  .meta({ id: 'CatalogCharge', description: "A plan's charge; names and units in the buyer's language (Content-Language)." });

export const PublicPlan = z
  .object({
    id: Id,
    code: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    familyId: z.string().nullable(),
    familyCode: z.string().nullable(),
    currency: z.string(),
    interval: z.object({ unit: z.enum(['day', 'week', 'month', 'year']), count: z.number().int() }),
    trialDays: z.number().int(),
    taxBehavior: z.enum(['exclusive', 'inclusive']),
    charges: z.array(PublicCharge),
  })
  .meta({ id: 'CatalogPlan' });

export const PublicCatalog = z
  .object({ version: z.string(), families: z.array(PublicFamily), plans: z.array(PublicPlan) })
  .meta({
    id: 'Catalog',
    description:
      "The active, checkout-allowed plans with their charges, products and families, named in the buyer's language: ?locale= or else Accept-Language picks it (Content-Language says which), each name falling back to the default language where the merchant gave no translation.",
  });
