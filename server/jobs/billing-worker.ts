/**
 * The billing run's timer in one BFF process: every `intervalSeconds` it runs the billing run (SPEC.md
 * section 6). Every process has one; they share the work through the database (each batch claims its
 * subscriptions with FOR UPDATE SKIP LOCKED), so two processes never bill the same period twice, and one
 * process that dies leaves its claims to the others when its transaction rolls back. A run never overlaps the
 * previous one of the same process.
 */
import type { Logger } from 'pino';
import type { BillingRunService } from '../app/billing-run.js';

export interface BillingWorker {
  stop(): Promise<void>;
}

export function startBillingWorker(runs: BillingRunService, intervalSeconds: number, logger?: Logger): BillingWorker {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = runs
      .run('schedule')
      .then((summary) => {
        if (summary.invoicesIssued || summary.paymentsFailed || summary.subscriptionsCancelled || summary.subscriptionsExpired) {
          logger?.info({ billingRun: summary }, 'billing run');
        }
      })
      .catch((error: unknown) => logger?.error({ err: error }, 'billing run failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  // The first run soon after start (not at once: the process is still warming up).
  const first = setTimeout(tick, Math.min(5, intervalSeconds) * 1000);
  first.unref();
  return {
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
