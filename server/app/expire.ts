/**
 * Expire at a date (Upodi's expire): the subscription runs to the end of the period that holds the date and
 * the billing run then ends it as `expired` (SPEC.md section 6, renewal step 1). A date in the past is refused.
 */
import { invalid } from '../domain/errors.js';
import type { Db } from '../storage/db.js';
import type { Subscription } from '../storage/commerce-repository.js';
import type { CatalogCache } from './catalog-cache.js';
import { inSubscription, saveWithEvents } from './subscription-tx.js';

export async function expireSubscription(db: Db, cache: CatalogCache, id: string, input: { at: string }): Promise<Subscription> {
  return inSubscription(db, cache, id, 'set to expire', ['trialing', 'active', 'past_due', 'unpaid', 'paused'], async (ctx) => {
    if (new Date(input.at) < ctx.now) {
      throw invalid('validation_failed', 'The expiry date is in the past.', [{ pointer: '/at', detail: `must be at or after ${ctx.at}` }]);
    }
    return saveWithEvents(ctx, { ...ctx.sub, expiresAt: new Date(input.at).toISOString() }, 'subscription.updated');
  });
}
