import { z } from 'zod';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { CodesInput, Coupon, CouponCode, CouponInput, CouponPatch, checkCouponShape } from '../schemas/coupons.js';
import { fieldErrors } from '../validate.js';

const tags = ['Coupons'];
const IdParam = z.object({ id: z.string().min(1).max(255).meta({ description: 'Coupon id or code.' }) });

/** Coupon administration with the secret key. */
export function couponRoutes(ctx: RouteContext, { coupons }: Deps): void {
  defineRoute(ctx, { method: 'post', path: '/v1/coupons', auth: 'secret', summary: 'Create a coupon', tags, body: CouponInput, response: { status: 201, schema: Coupon }, problems: [409], idempotent: true },
    async ({ body }) => coupons.view(await coupons.create(body)));
  defineRoute(ctx, { method: 'get', path: '/v1/coupons', auth: 'secret', summary: 'List coupons', tags, query: PageQuery, response: { status: 200, schema: pageOf(Coupon) } },
    async ({ query }) => {
      const page = await coupons.list(query);
      return { ...page, data: await Promise.all(page.data.map((c) => coupons.view(c))) };
    });
  defineRoute(ctx, { method: 'get', path: '/v1/coupons/{id}', auth: 'secret', summary: 'Get a coupon', tags, params: IdParam, response: { status: 200, schema: Coupon }, problems: [404] },
    async ({ params }) => coupons.view(await coupons.get(params.id)));
  defineRoute(ctx, { method: 'patch', path: '/v1/coupons/{id}', auth: 'secret', summary: 'Edit a coupon (only `enabled` once redeemed)', tags, params: IdParam, body: CouponPatch, response: { status: 200, schema: Coupon }, problems: [404, 409] },
    async ({ params, body }) =>
      coupons.view(
        await coupons.update(params.id, body, (merged) => {
          const result = checkCouponShape(merged);
          return result.success ? [] : fieldErrors(result.error);
        }),
      ));
  defineRoute(ctx, { method: 'delete', path: '/v1/coupons/{id}', auth: 'secret', summary: 'Delete a coupon nobody redeemed', tags, params: IdParam, response: { status: 204 }, problems: [404, 409] },
    async ({ params, res }) => {
      await coupons.delete(params.id);
      res.status(204).end();
    });
  defineRoute(ctx, { method: 'post', path: '/v1/coupons/{id}/codes', auth: 'secret', summary: 'Generate single-use codes for a coupon', tags, params: IdParam, body: CodesInput, response: { status: 201, schema: z.object({ data: z.array(CouponCode) }) }, problems: [404], idempotent: true },
    async ({ params, body }) => ({ data: await coupons.generateCodes(params.id, body.count, body.prefix) }));
  defineRoute(ctx, { method: 'get', path: '/v1/coupons/{id}/codes', auth: 'secret', summary: "List a coupon's single-use codes", tags, params: IdParam, query: PageQuery, response: { status: 200, schema: pageOf(CouponCode) }, problems: [404] },
    ({ params, query }) => coupons.listCodes(params.id, query));
}
