/**
 * What webhook and email passes share: Billkit's clock for the pass, and the loop that claims due rows in
 * batches (each pushed a lease ahead as it is claimed), handles a batch at once and claims again until
 * nothing is due.
 */
import { CLAIM_LEASE_MS } from '../domain/notifications.js';
import type { Db, Tx } from '../storage/db.js';
import { CatalogCache } from './catalog-cache.js';

export interface PassSummary {
  attempted: number;
  succeeded: number;
  failed: number;
}

/** A clock that reads Billkit's time (the test clock's offset, read once a pass) as real time goes by. */
export async function passClock(cache: CatalogCache): Promise<() => Date> {
  const offset = CatalogCache.now(await cache.get()).getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

/** Claims and handles batches until none is due; `handle` answers whether the item succeeded. */
export async function drainDue<T>(
  db: Db,
  cache: CatalogCache,
  claim: (tx: Tx, now: string, leaseUntil: string) => Promise<T[]>,
  handle: (item: T, clock: () => Date) => Promise<boolean>,
): Promise<PassSummary> {
  const clock = await passClock(cache);
  const summary: PassSummary = { attempted: 0, succeeded: 0, failed: 0 };
  for (;;) {
    // What came due while the batch before was handled (a webhook_endpoint.disabled event) is in the next one.
    const now = clock();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString();
    const batch = await db.transaction((tx) => claim(tx, now.toISOString(), leaseUntil));
    if (batch.length === 0) return summary;
    await Promise.all(
      batch.map(async (item) => {
        const ok = await handle(item, clock);
        summary.attempted++;
        if (ok) summary.succeeded++;
        else summary.failed++;
      }),
    );
  }
}
