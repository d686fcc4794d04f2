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

/** One item of a batch as it was sent: what came back, and when on Billkit's clock. */
export interface Sent<T, R> {
  item: T;
  result: R;
  at: Date;
}

/**
 * Claims and handles batches until none is due: every item of a batch is sent at once, then every outcome is
 * recorded in one transaction (`record` answers, item by item, whether it succeeded). A pass killed before that
 * transaction commits leaves the whole batch to the lease: sent again later, never lost.
 */
export async function drainDue<T, R>(
  db: Db,
  cache: CatalogCache,
  claim: (tx: Tx, now: string, leaseUntil: string) => Promise<T[]>,
  send: (item: T, clock: () => Date) => Promise<R>,
  record: (tx: Tx, sent: Sent<T, R>[]) => Promise<boolean[]>,
  /** Called once a batch's outcomes are committed. */
  recorded?: (sent: Sent<T, R>[], outcomes: boolean[]) => void,
): Promise<PassSummary> {
  const clock = await passClock(cache);
  const summary: PassSummary = { attempted: 0, succeeded: 0, failed: 0 };
  for (;;) {
    // What came due while the batch before was handled (a webhook_endpoint.disabled event) is in the next one.
    const now = clock();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString();
    const batch = await db.transaction((tx) => claim(tx, now.toISOString(), leaseUntil));
    if (batch.length === 0) return summary;
    const sent = await Promise.all(batch.map(async (item) => ({ item, result: await send(item, clock), at: clock() })));
    const outcomes = await db.transaction((tx) => record(tx, sent));
    recorded?.(sent, outcomes);
    for (const ok of outcomes) {
      summary.attempted++;
      if (ok) summary.succeeded++;
      else summary.failed++;
    }
  }
}
