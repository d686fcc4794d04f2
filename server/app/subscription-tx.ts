/**
 * What every subscription verb shares: one transaction that locks the subscription, the refusal of a status
 * the verb does not take (409 `subscription_status`, naming the status), and the save of the result with its
 * events.
 */
import { conflict, notFound } from '../domain/errors.js';
import type { NewEvent } from '../domain/events.js';
import { lockSubscription, saveSubscriptions } from '../storage/billing-repository.js';
import type { Subscription, SubscriptionStatus } from '../storage/commerce-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';
import { subscriptionView } from './views.js';

export interface VerbContext {
  tx: Tx;
  entry: CatalogEntry;
  now: Date;
  at: string;
  sub: Subscription;
  planCode: (id: string) => string;
}

/** `pointer`: where the id came from, the path by default (a body's `/subscriptionId` otherwise). */
export const subscriptionNotFound = (id: string, pointer = '/path/id') =>
  notFound('subscription_not_found', `No subscription ${id}.`, [{ pointer, detail: 'Unknown subscription.' }]);

export const statusRefused = (sub: Subscription, verb: string, allowed: readonly SubscriptionStatus[]) =>
  conflict(
    'subscription_status',
    `The subscription is ${sub.status}: it cannot be ${verb} (only when ${allowed.join(', ')}).`,
    [{ pointer: '/path/id', detail: `status is ${sub.status}` }],
  );

/** Runs `fn` with the subscription locked, refusing statuses outside `allowed`. */
export async function inSubscription<T>(
  db: Db,
  cache: CatalogCache,
  id: string,
  verb: string,
  allowed: readonly SubscriptionStatus[],
  fn: (ctx: VerbContext) => Promise<T>,
): Promise<T> {
  const entry = await cache.get();
  return db.transaction(async (tx) => {
    const sub = await lockSubscription(tx, id);
    if (!sub) throw subscriptionNotFound(id);
    if (!allowed.includes(sub.status)) throw statusRefused(sub, verb, allowed);
    const now = CatalogCache.now(entry);
    const planCode = (planId: string) => entry.planByRef.get(planId)?.code ?? planId;
    return fn({ tx, entry, now, at: now.toISOString(), sub, planCode });
  });
}

/** Saves the subscription and writes its event (and any others), answering the saved row. */
export async function saveWithEvents(ctx: VerbContext, next: Subscription, type: NewEvent['type'], more: NewEvent[] = []): Promise<Subscription> {
  const [saved] = await saveSubscriptions(ctx.tx, [next], ctx.at);
  await recordEvents(ctx.tx, [...more, { type, object: subscriptionView(saved!, ctx.planCode) }], ctx.at);
  return saved!;
}

export const LIVE: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'unpaid', 'paused'];
