import { z } from 'zod';
import { EVENT_TYPES } from '../../domain/events.js';
import { DomainError } from '../../domain/errors.js';
import { findEvent, listEvents } from '../../storage/event-repository.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';

export const EventType = z.enum(EVENT_TYPES);

export const Event = z
  .object({
    id: z.string(),
    type: EventType,
    createdAt: z.string(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
  })
  .meta({ id: 'Event', description: 'A state change, written in the same transaction as the change (the outbox).' });

/** GET /v1/events[/{id}]: the outbox, paged, by type (SPEC section 11). */
export function eventRoutes(ctx: RouteContext, { db }: Deps): void {
  const tags = ['Events and webhooks'];
  defineRoute(ctx, { method: 'get', path: '/v1/events', auth: 'secret', summary: 'List events, oldest first', tags, query: PageQuery.extend({ type: EventType.optional() }), response: { status: 200, schema: pageOf(Event) } },
    ({ query }) => listEvents(db, query, { type: query.type }));
  defineRoute(ctx, { method: 'get', path: '/v1/events/{id}', auth: 'secret', summary: 'Get an event', tags, params: z.object({ id: z.string().min(1).max(255) }), response: { status: 200, schema: Event }, problems: [404] },
    async ({ params }) => {
      const event = await findEvent(db, params.id);
      if (!event) throw new DomainError('not_found', 'event_not_found', `No event ${params.id}.`, [{ pointer: '/path/id', detail: 'Unknown event.' }]);
      return event;
    });
}
