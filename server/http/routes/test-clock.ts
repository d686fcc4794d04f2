import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { LATEST, wholeNumber } from '../schemas/common.js';

const Advance = z
  .object({
    seconds: wholeNumber(0, 10 * 366 * 86_400).optional(),
    days: wholeNumber(0, 10 * 366).optional(),
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
      // Billkit's dates end with 9999 (schemas/common.ts): its clock does too.
      if (Date.now() + (await settings.get()).clockOffsetMs + ms > LATEST)
        throw new DomainError('invalid', 'validation_failed', 'The test clock cannot pass the end of 9999.', [
          { pointer: body.days !== undefined ? '/days' : '/seconds', detail: 'Too far: the clock would pass 9999-12-31.' },
        ]);
      const s = await settings.advanceClock(ms);
      return { now: new Date(Date.now() + s.clockOffsetMs).toISOString(), offsetSeconds: Math.round(s.clockOffsetMs / 1000) };
    },
  );
}
