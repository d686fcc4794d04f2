import { z } from 'zod';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { SubscriptionChangeInput, SubscriptionChangeResult } from '../schemas/subscription-change.js';

/** POST /v1/subscriptions/{id}/change: another plan of the family, quantities, add-ons; `preview: true` first. */
export function subscriptionChangeRoutes(ctx: RouteContext, { subscriptionChanges }: Deps): void {
  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/v1/subscriptions/{id}/change',
      auth: 'secret',
      summary: 'Change (or preview a change of) plan, quantities or add-ons',
      tags: ['Subscriptions'],
      params: z.object({ id: z.string().min(1).max(255) }),
      body: SubscriptionChangeInput,
      response: { status: 200, schema: SubscriptionChangeResult },
      problems: [404, 409, 422],
      idempotent: true,
    },
    ({ params, body }) => subscriptionChanges.change(params.id, body),
  );
}
