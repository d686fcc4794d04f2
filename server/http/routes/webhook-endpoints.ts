import { z } from 'zod';
import { endpointView } from '../../app/webhook-endpoints.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { Delivery, Endpoint, EndpointInput, EndpointPatch, EndpointWithSecret, RedeliverInput, RotateInput } from '../schemas/webhooks.js';

const tags = ['Events and webhooks'];
const IdParam = z.object({ id: z.string().min(1).max(255) });

/** Webhook endpoints, their deliveries, and redelivering an event (SPEC section 11; secret key). */
export function webhookEndpointRoutes(ctx: RouteContext, { webhookEndpoints: service }: Deps): void {
  defineRoute(ctx, { method: 'post', path: '/v1/webhook-endpoints', auth: 'secret', summary: 'Register a webhook endpoint (its secret is shown in this answer only)', tags, body: EndpointInput, response: { status: 201, schema: EndpointWithSecret }, problems: [422], idempotent: true },
    ({ body }) => service.create(body));
  defineRoute(ctx, { method: 'get', path: '/v1/webhook-endpoints', auth: 'secret', summary: 'List webhook endpoints', tags, query: PageQuery, response: { status: 200, schema: pageOf(Endpoint) } },
    async ({ query }) => {
      const page = await service.list(query);
      return { ...page, data: page.data.map(endpointView) };
    });
  defineRoute(ctx, { method: 'get', path: '/v1/webhook-endpoints/{id}', auth: 'secret', summary: 'Get a webhook endpoint', tags, params: IdParam, response: { status: 200, schema: Endpoint }, problems: [404] },
    async ({ params }) => endpointView(await service.get(params.id)));
  defineRoute(ctx, { method: 'patch', path: '/v1/webhook-endpoints/{id}', auth: 'secret', summary: 'Change a webhook endpoint (enabling it again clears why it was disabled)', tags, params: IdParam, body: EndpointPatch, response: { status: 200, schema: Endpoint }, problems: [404, 422] },
    async ({ params, body }) => endpointView(await service.update(params.id, body)));
  defineRoute(ctx, { method: 'delete', path: '/v1/webhook-endpoints/{id}', auth: 'secret', summary: 'Delete a webhook endpoint and its deliveries', tags, params: IdParam, response: { status: 204 }, problems: [404] },
    async ({ params, res }) => {
      await service.delete(params.id);
      res.status(204).end();
    });
  defineRoute(ctx, { method: 'post', path: '/v1/webhook-endpoints/{id}/rotate-secret', auth: 'secret', summary: 'Replace the signing secret (the new one is shown in this answer only; the old one signs beside it for a while)', tags, params: IdParam, body: RotateInput.optional().default({ previousValidHours: 24 }), response: { status: 200, schema: EndpointWithSecret }, problems: [404] },
    ({ params, body }) => service.rotateSecret(params.id, body.previousValidHours));
  defineRoute(ctx, { method: 'get', path: '/v1/webhook-endpoints/{id}/deliveries', auth: 'secret', summary: "An endpoint's deliveries, newest event first, each with its attempts", tags, params: IdParam, query: PageQuery.extend({ eventId: z.string().min(1).max(255).optional() }), response: { status: 200, schema: pageOf(Delivery) }, problems: [404] },
    ({ params, query }) => service.deliveries(params.id, query));
  defineRoute(ctx, { method: 'post', path: '/v1/events/{id}/redeliver', auth: 'secret', summary: 'Send an event again, now, to every enabled endpoint that takes it (or to one)', tags, params: IdParam, body: RedeliverInput.optional().default({}), response: { status: 202, schema: z.object({ data: z.array(Delivery) }) }, problems: [404, 422] },
    async ({ params, body }) => ({ data: await service.redeliver(params.id, body.endpointId) }));
}
