/**
 * PLACEHOLDER until the usage work lands (branch issue-15-usage replaces this file): sums the values of each
 * requested charge's measurement over the period. Only `sum` and `count` are right here.
 */
import type { Measurement } from '../domain/catalog.js';
import type { Queryable } from '../storage/db.js';

export async function periodUsage(
  db: Queryable,
  requests: readonly { subscriptionId: string; start: string; end: string; charges: readonly { chargeId: string; measurement: Measurement }[] }[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of requests) {
    const per = new Map<string, number>();
    for (const { chargeId, measurement } of r.charges) {
      const { rows } = await db.query<{ sum: string | null; count: string }>(
        'select sum(value)::text as sum, count(*)::text as count from usage_events where subscription_id = $1 and measurement_id = $2 and at >= $3 and at < $4',
        [r.subscriptionId, measurement.id, r.start, r.end],
      );
      per.set(chargeId, Number(measurement.aggregation === 'count' ? rows[0]!.count : (rows[0]!.sum ?? 0)));
    }
    out.set(r.subscriptionId, per);
  }
  return out;
}
