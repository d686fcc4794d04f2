/**
 * What the background work tells whoever watches it, as it goes: a billing run's summary and duration, a
 * usage batch's outcome, the attempts of a webhook or email pass. server/http/metrics.ts turns it into Prometheus
 * counters and histograms; by default nobody listens. What is told here is this process's own work only:
 * several processes sharing one database each count theirs (the backlog and the outbox lag, which are
 * about everyone's work, are read from the database when /metrics is scraped).
 */
import { BillingRunService, type RunOptions, type RunSummary } from './billing-run.js';
import { UsageRecorder, type UsageEventInput, type UsageResult } from './record-usage.js';

export interface WorkObserver {
  /** A billing run ended with `summary` after `seconds`. */
  billingRunFinished(summary: RunSummary, seconds: number): void;
  /** A billing run threw after `seconds` (what its batches committed stays; the next run carries on). */
  billingRunFailed(trigger: RunSummary['trigger'], seconds: number): void;
  /** A batch of usage events was recorded (each accepted, a duplicate, or refused). */
  usageRecorded(result: UsageResult): void;
  /** A webhook pass recorded attempts: for each delivered one, the seconds from its event's creation; then the failed ones. */
  webhooksAttempted(deliveredAfterSeconds: readonly number[], failed: number): void;
  /**
   * An email pass recorded attempts, each with its outcome (sent, kept, skipped, failed, or pending: a retry);
   * for each sent one (accepted by the SMTP server), the seconds from its event's creation.
   */
  emailsAttempted(outcomes: readonly string[], sentAfterSeconds: readonly number[]): void;
}

export const NOBODY: WorkObserver = {
  billingRunFinished: () => {},
  billingRunFailed: () => {},
  usageRecorded: () => {},
  webhooksAttempted: () => {},
  emailsAttempted: () => {},
};

const since = (started: number) => (performance.now() - started) / 1000;

/** The billing run, timed and its summary told to `observer` (the worker and POST /v1/billing-runs both run it). */
export class ObservedBillingRuns extends BillingRunService {
  readonly #observer: WorkObserver;

  constructor(observer: WorkObserver, ...args: ConstructorParameters<typeof BillingRunService>) {
    super(...args);
    this.#observer = observer;
  }

  override async run(trigger: RunSummary['trigger'], options?: RunOptions): Promise<RunSummary> {
    const started = performance.now();
    let summary: RunSummary;
    try {
      summary = await super.run(trigger, options);
    } catch (error) {
      this.#observer.billingRunFailed(trigger, since(started));
      throw error;
    }
    this.#observer.billingRunFinished(summary, since(started));
    return summary;
  }
}

/** Usage recording, each batch's outcome told to `observer`. */
export class ObservedUsageRecorder extends UsageRecorder {
  readonly #observer: WorkObserver;

  constructor(observer: WorkObserver, ...args: ConstructorParameters<typeof UsageRecorder>) {
    super(...args);
    this.#observer = observer;
  }

  override async record(events: readonly UsageEventInput[]): Promise<UsageResult> {
    const result = await super.record(events);
    this.#observer.usageRecorded(result);
    return result;
  }
}
