/**
 * A new default payment method for a subscription (the portal's, or the merchant's through the secret API):
 * checked with the provider, saved, and every open invoice of the subscription retried at once with it
 * (SPEC.md section 6: "a new payment method retries at once").
 */
import type { PaymentProvider } from '../payments/provider.js';
import type { Db } from '../storage/db.js';
import { openInvoicesOf } from '../storage/billing-repository.js';
import { findSubscription, type Subscription } from '../storage/commerce-repository.js';
import type { CatalogCache } from './catalog-cache.js';
import type { CollectOutcome, PaymentCollector } from './collect-payment.js';
import { inSubscription, LIVE, saveWithEvents } from './subscription-tx.js';

export async function setPaymentMethod(
  db: Db,
  cache: CatalogCache,
  payments: PaymentProvider,
  collector: PaymentCollector,
  id: string,
  paymentMethod: string,
): Promise<{ subscription: Subscription; payments: CollectOutcome[] }> {
  const method = { provider: payments.name, ...(await payments.describeMethod(paymentMethod, 'save')) };
  const subscription = await inSubscription(db, cache, id, 'given a payment method', LIVE, async (ctx) =>
    saveWithEvents(ctx, { ...ctx.sub, defaultPaymentMethod: method }, 'subscription.updated'),
  );
  const collected = await collector.collect(await openInvoicesOf(db, id));
  // A paid retry may have made it active again: answer it as it is now.
  return { subscription: (await findSubscription(db, id)) ?? subscription, payments: collected };
}
