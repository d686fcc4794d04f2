/**
 * One pass of webhook delivery: claim what is due on Billkit's clock (a batch, skipping rows another process
 * holds), send the batch at once, record each attempt and what follows it (delivered, a retry on the
 * schedule, failed; a 410 or 5 days of failures disables the endpoint, with an event and a log line).
 * Safe to run twice and to kill anywhere: a claim pushes the row a lease ahead, so a pass killed before it
 * recorded its attempts leaves them due again (at least once).
 */
import type { Logger } from 'pino';
import { afterFailure, disableReason, isDelivered } from '../domain/notifications.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import * as repo from '../storage/webhook-repository.js';
import type { WebhookResult, WebhookSender } from '../notify/webhook-sender.js';
import type { CatalogCache } from './catalog-cache.js';
import { drainDue, type PassSummary } from './delivery-pass.js';
import { endpointView } from './webhook-endpoints.js';
import { NOBODY, type WorkObserver } from './work-observer.js';

export class WebhookDelivery {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly sender: WebhookSender,
    private readonly logger?: Logger,
    /** Deliveries claimed and in flight at once, per pass. */
    private readonly batchSize = 50,
    /** Told each pass's attempts: how long each delivered event took from its creation (the metrics). */
    private readonly observer: WorkObserver = NOBODY,
  ) {}

  /** Delivers everything due now (on Billkit's clock), a batch in flight at once. */
  runOnce(): Promise<PassSummary> {
    return drainDue(
      this.db,
      this.cache,
      (tx, now, leaseUntil) => repo.claimDeliveries(tx, now, leaseUntil, this.batchSize),
      (delivery) => this.sender.send({ url: delivery.endpoint.url, secrets: delivery.endpoint.secrets, eventId: delivery.event.id, body: delivery.event.body }),
      async (tx, sent) => {
        // The common case in two statements for the whole batch; failures one by one (retries, disabling).
        const delivered = sent.filter((s) => isDelivered(s.result.statusCode));
        await repo.recordDelivered(tx, delivered.map(({ item, result, at }) => ({ deliveryId: item.id, endpointId: item.endpoint.id, number: item.attempt, at: at.toISOString(), ...result })));
        for (const s of sent) if (!isDelivered(s.result.statusCode)) await this.#recordFailure(tx, s.item, s.result, s.at);
        return sent.map((s) => isDelivered(s.result.statusCode));
      },
      (sent, outcomes) => {
        // After the commit: what is told is recorded (a pass killed before it told nothing, and delivers again).
        const after = sent.flatMap(({ item, at }, i) => (outcomes[i] ? [(at.getTime() - Date.parse(item.event.createdAt)) / 1000] : []));
        this.observer.webhooksAttempted(after, sent.length - after.length);
      },
    );
  }

  async #recordFailure(tx: Tx, delivery: repo.ClaimedDelivery, result: WebhookResult, at: Date): Promise<void> {
    const attempt: repo.AttemptRecord = { deliveryId: delivery.id, number: delivery.attempt, at: at.toISOString(), ...result };
    const failingSince = await repo.endpointFailed(tx, delivery.endpoint.id, attempt.at);
    const reason = failingSince ? disableReason(result.statusCode, new Date(failingSince), at) : null;
    const next = reason === 'gone' ? ({ kind: 'failed' } as const) : afterFailure(delivery.attempt, at);
    await repo.recordAttempt(tx, attempt, next.kind === 'retry' ? { status: 'pending', retryAt: next.at.toISOString() } : { status: 'failed', retryAt: null });
    if (!reason) return;
    const disabled = await repo.disableEndpoint(tx, delivery.endpoint.id, reason, attempt.at);
    if (!disabled) return;
    await recordEvents(tx, [{ type: 'webhook_endpoint.disabled', object: endpointView(disabled) }], attempt.at);
    this.logger?.warn(
      { endpointId: disabled.id, url: disabled.url, reason, statusCode: result.statusCode },
      reason === 'gone' ? 'webhook endpoint answered 410 Gone: disabled' : 'webhook endpoint failed for 5 days: disabled',
    );
  }
}
