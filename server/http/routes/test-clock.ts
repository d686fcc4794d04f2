import { z } from 'zod';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';

const Advance = z
  .object({
    seconds: z.number().int().min(0).max(10 * 366 * 86_400).optional(),
    days: z.number().int().min(0).max(10 * 366).optional(),
  })
  .refine((a) => a.seconds !== undefined || a.days !== undefined, { message: 'Give seconds or days.', path: ['days'] });

/** POST /v1/test-clock/advance: moves Billkit's clock forward for every process (test mode only). */
export function testClockRoutes(ctx: RouteContext, { settings }: Deps): void {
  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/v1/test-clock/advance',
      auth: 'secret',
      summary: 'Move the test clock forward',
      tags: ['Testing'],
      body: Advance,
      response: { status: 200, schema: z.object({ now: z.string(), offsetSeconds: z.number().int() }) },
    },
    async ({ body }) => {
      const ms = ((body.days ?? 0) * 86_400 + (body.seconds ?? 0)) * 1000;
      const s = await settings.advanceClock(ms);
      return { now: new Date(Date.now() + s.clockOffsetMs).toISOString(), offsetSeconds: Math.round(s.clockOffsetMs / 1000) };
    },
  );
}
