import { z } from 'zod';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';

const Summary = z.object({ attempted: z.number().int(), succeeded: z.number().int(), failed: z.number().int() });

/** POST /v1/delivery-runs: one pass of webhook and email delivery now, as the worker's timer would run it. */
export function deliveryRunRoutes(ctx: RouteContext, { webhookDelivery, emailDelivery }: Deps): void {
  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/v1/delivery-runs',
      auth: 'secret',
      summary: 'Deliver what is due now (webhooks, then emails) and answer what was attempted',
      tags: ['Events and webhooks'],
      response: { status: 200, schema: z.object({ webhooks: Summary, emails: Summary }) },
    },
    async () => ({ webhooks: await webhookDelivery.runOnce(), emails: await emailDelivery.runOnce() }),
  );
}
