import { z } from 'zod';
import { Amount, Currency, Id, Timestamp, wholeNumber } from './common.js';

const refs = (what: string) => z.array(z.string().min(1).max(255)).max(500).meta({ description: what });

/** Without defaults: a PATCH must not fill in what it does not name. */
const CouponShape = z.object({
  code: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'Use letters, digits, dash and underscore.')
    .meta({ description: 'Matched case-insensitively; stored in upper case.' }),
  name: z.string().trim().min(1).max(255),
  type: z.enum(['percentage', 'fixed_amount']),
  percentage: z
    .number()
    .gt(0, 'A percentage is above 0.')
    .lt(100, 'A percentage is below 100.')
    .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, 'At most two decimals.')
    .nullable()
    .optional(),
  fixedAmount: Amount.min(1).nullable().optional(),
  currency: Currency.nullable().optional(),
  frequency: z.enum(['once', 'limited', 'lifetime']),
  numberOfPeriods: wholeNumber(1, 1000).nullable().optional(),
  plans: refs('Plan codes or ids the coupon is limited to.'),
  products: refs('Product numbers or ids the coupon is limited to.'),
  excludedPlans: refs('Plan codes or ids the coupon never applies to.'),
  excludedProducts: refs('Product numbers or ids the coupon never applies to.'),
  expiresAt: Timestamp.nullable().optional(),
  maxRedemptions: wholeNumber(1).nullable().optional(),
  maxRedemptionsPerCustomer: wholeNumber(1).nullable().optional(),
  enabled: z.boolean(),
});

const CouponFields = CouponShape.extend({
  plans: CouponShape.shape.plans.default([]),
  products: CouponShape.shape.products.default([]),
  excludedPlans: CouponShape.shape.excludedPlans.default([]),
  excludedProducts: CouponShape.shape.excludedProducts.default([]),
  enabled: z.boolean().default(true),
});

type CouponShape = z.output<typeof CouponFields>;

function checkShape(c: Partial<CouponShape>, ctx: z.RefinementCtx): void {
  if (c.type === 'percentage') {
    if (c.percentage == null) ctx.addIssue({ code: 'custom', path: ['percentage'], message: 'A percentage coupon needs percentage.' });
    if (c.fixedAmount != null) ctx.addIssue({ code: 'custom', path: ['fixedAmount'], message: 'A percentage coupon has no fixedAmount.' });
  }
  if (c.type === 'fixed_amount') {
    if (c.fixedAmount == null) ctx.addIssue({ code: 'custom', path: ['fixedAmount'], message: 'A fixed_amount coupon needs fixedAmount.' });
    if (c.currency == null) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A fixed_amount coupon needs its currency.' });
    if (c.percentage != null) ctx.addIssue({ code: 'custom', path: ['percentage'], message: 'A fixed_amount coupon has no percentage.' });
  }
  if (c.frequency === 'limited' && c.numberOfPeriods == null)
    ctx.addIssue({ code: 'custom', path: ['numberOfPeriods'], message: 'A limited coupon needs numberOfPeriods.' });
  if (c.frequency && c.frequency !== 'limited' && c.numberOfPeriods != null)
    ctx.addIssue({ code: 'custom', path: ['numberOfPeriods'], message: `A ${c.frequency} coupon has no numberOfPeriods.` });
}

export const CouponInput = CouponFields.superRefine(checkShape);

/** PATCH: a whole new shape is checked after merging with the stored coupon (in the use case). */
export const CouponPatch = CouponShape.partial().strict();
export const checkCouponShape = (c: Partial<CouponShape>) => CouponShape.partial().superRefine(checkShape).safeParse(c);

export const Coupon = z
  .object({
    id: Id,
    code: z.string(),
    name: z.string(),
    type: z.enum(['percentage', 'fixed_amount']),
    percentage: z.number().nullable(),
    fixedAmount: z.number().int().nullable(),
    currency: z.string().nullable(),
    frequency: z.enum(['once', 'limited', 'lifetime']),
    numberOfPeriods: z.number().int().nullable(),
    plans: z.array(z.string()).meta({ description: 'Plan codes.' }),
    planIds: z.array(z.string()),
    products: z.array(z.string()).meta({ description: 'Product numbers.' }),
    productIds: z.array(z.string()),
    excludedPlans: z.array(z.string()),
    excludedPlanIds: z.array(z.string()),
    excludedProducts: z.array(z.string()),
    excludedProductIds: z.array(z.string()),
    expiresAt: z.string().nullable(),
    maxRedemptions: z.number().int().nullable(),
    maxRedemptionsPerCustomer: z.number().int().nullable(),
    enabled: z.boolean(),
    redeemed: z.boolean(),
    timesRedeemed: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Coupon' });

export const CodesInput = z.object({
  count: wholeNumber(1, 1000),
  prefix: z
    .string()
    .max(20)
    .regex(/^[A-Za-z0-9_-]*$/, 'Use letters, digits, dash and underscore.')
    .optional(),
});

export const CouponCode = z
  .object({ id: Id, couponId: Id, code: z.string(), redeemed: z.boolean(), redeemedAt: z.string().nullable() })
  .meta({ id: 'CouponCode' });
