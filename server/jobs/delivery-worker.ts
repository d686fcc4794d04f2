/**
 * The delivery worker of one BFF process: webhooks and emails from the outbox, each in a lane of its own (a
 * backlog of emails never holds webhooks back). A lane runs a pass when an event commits (the fan-out
 * trigger notifies every process) and every `intervalMs` (retries come due by the clock; a notification may
 * be missed), never two passes at once in this process; the processes share the rows through the database
 * (FOR UPDATE SKIP LOCKED). `runOnce()` is one pass of each now (tests; POST /v1/delivery-runs does the same).
 */
import type { Logger } from 'pino';
import type { WebhookDelivery } from '../app/deliver-webhooks.js';
import type { PassSummary } from '../app/delivery-pass.js';
import type { EmailDelivery } from '../app/send-emails.js';
import type { Db } from '../storage/db.js';

export interface DeliveryPass {
  webhooks: PassSummary;
  emails: PassSummary;
}

/** Runs passes one at a time; a wake-up during a pass runs one more after it. */
class Lane {
  #running: Promise<PassSummary> | null = null;
  #again = false;

  constructor(
    private readonly pass: () => Promise<PassSummary>,
    private readonly logger: Logger | undefined,
    private readonly name: string,
  ) {}

  async runOnce(): Promise<PassSummary> {
    while (this.#running) await this.#running.catch(() => {});
    const running = this.pass();
    this.#running = running;
    try {
      return await running;
    } finally {
      this.#running = null;
    }
  }

  wake(stopped: () => boolean): void {
    if (stopped()) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.runOnce()
      .catch((error: unknown) => this.logger?.error({ err: error }, `${this.name} delivery pass failed`))
      .finally(() => {
        if (this.#again) {
          this.#again = false;
          this.wake(stopped);
        }
      });
  }

  settled(): Promise<unknown> {
    return this.#running?.catch(() => {}) ?? Promise.resolve();
  }
}

export class DeliveryWorker {
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = true;
  readonly #webhooks: Lane;
  readonly #emails: Lane;

  constructor(
    private readonly db: Db,
    webhooks: WebhookDelivery,
    emails: EmailDelivery,
    private readonly options: { intervalMs?: number; logger?: Logger | undefined } = {},
  ) {
    this.#webhooks = new Lane(() => webhooks.runOnce(), options.logger, 'webhook');
    this.#emails = new Lane(() => emails.runOnce(), options.logger, 'email');
  }

  /** One pass of each lane, now; a pass already running is awaited and followed by this one. */
  async runOnce(): Promise<DeliveryPass> {
    const [webhooks, emails] = await Promise.all([this.#webhooks.runOnce(), this.#emails.runOnce()]);
    return { webhooks, emails };
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#unlisten = await this.db.listen((topic) => {
      if (topic === 'deliveries' || topic === '*') this.#wake();
    });
    this.#timer = setInterval(() => this.#wake(), this.options.intervalMs ?? 1000);
    this.#timer.unref();
    this.#wake();
  }

  /** Stops waking and waits for the passes in flight (their claims are recorded, or left to their lease). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#unlisten?.();
    await Promise.all([this.#webhooks.settled(), this.#emails.settled()]);
  }

  #wake(): void {
    const stopped = () => this.#stopped;
    this.#webhooks.wake(stopped);
    this.#emails.wake(stopped);
  }
}
