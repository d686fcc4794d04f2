import { z } from 'zod';
import { currentUsage } from '../../app/usage.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { SubscriptionUsage, UsageInput, UsageResult } from '../schemas/usage.js';

/** POST /v1/usage and GET /v1/subscriptions/{id}/usage (SPEC section 9). */
export function usageRoutes(ctx: RouteContext, { usage, db, catalogCache }: Deps): void {
  const tags = ['Usage'];
  defineRoute(ctx, { method: 'post', path: '/v1/usage', auth: 'secret', summary: 'Record usage events (1 to 1,000)', tags, body: UsageInput, response: { status: 200, schema: UsageResult } },
    ({ body }) => usage.record(body.events));
  defineRoute(ctx, { method: 'get', path: '/v1/subscriptions/{id}/usage', auth: 'secret', summary: "A subscription's usage in the current period, priced now", tags, params: z.object({ id: z.string().min(1).max(255) }), response: { status: 200, schema: SubscriptionUsage }, problems: [404] },
    ({ params }) => currentUsage(db, catalogCache, params.id));
}
