import { notFound } from '../domain/errors.js';
import type { Metadata } from '../domain/customers.js';
import { setSubscriptionMetadata } from '../storage/customer-repository.js';
import type { Db } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { CatalogCache } from './catalog-cache.js';
import { subscriptionView, type SubscriptionView } from './views.js';

/**
 * `PATCH /v1/subscriptions/{id} {metadata}`: the merchant's own data on a subscription (replaced whole),
 * with `subscription.updated` in the same transaction.
 */
export class SubscriptionMetadataService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async update(id: string, metadata: Metadata): Promise<SubscriptionView> {
    const entry = await this.cache.get();
    const at = CatalogCache.now(entry).toISOString();
    const planCode = (planId: string) => entry.planByRef.get(planId)?.code ?? planId;
    return this.db.transaction(async (tx) => {
      const subscription = await setSubscriptionMetadata(tx, id, metadata, at);
      if (!subscription) throw notFound('subscription_not_found', `No subscription ${id}.`, [{ pointer: '/path/id', detail: 'Unknown subscription.' }]);
      const view = subscriptionView(subscription, planCode);
      await recordEvents(tx, [{ type: 'subscription.updated', object: view }], at);
      return view;
    });
  }
}
