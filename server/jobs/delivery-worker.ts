/**
 * The delivery worker of one BFF process: webhooks and emails from the outbox. It runs a pass when an event
 * commits (the fan-out trigger notifies every process) and every `intervalMs` (retries come due by the
 * clock; a notification may be missed), never two passes at once in this process; the processes share the
 * rows through the database (FOR UPDATE SKIP LOCKED). `runOnce()` is one pass now (tests, admin route).
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

export class DeliveryWorker {
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #running: Promise<DeliveryPass> | null = null;
  #again = false;
  #stopped = true;

  constructor(
    private readonly db: Db,
    private readonly webhooks: WebhookDelivery,
    private readonly emails: EmailDelivery,
    private readonly options: { intervalMs?: number; logger?: Logger | undefined } = {},
  ) {}

  /** One pass of each, now; a pass already running is awaited and followed by this one. */
  async runOnce(): Promise<DeliveryPass> {
    while (this.#running) await this.#running.catch(() => {});
    const pass = (async () => ({ webhooks: await this.webhooks.runOnce(), emails: await this.emails.runOnce() }))();
    this.#running = pass;
    try {
      return await pass;
    } finally {
      this.#running = null;
    }
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

  /** Stops waking and waits for the pass in flight (its claims are recorded, or left to their lease). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#unlisten?.();
    await this.#running?.catch(() => {});
  }

  #wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.runOnce()
      .catch((error: unknown) => this.options.logger?.error({ err: error }, 'delivery pass failed'))
      .finally(() => {
        if (this.#again && !this.#stopped) {
          this.#again = false;
          this.#wake();
        }
      });
  }
}
