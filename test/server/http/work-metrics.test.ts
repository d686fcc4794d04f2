/**
 * /metrics shows the background work: after a usage batch, a webhook pass, an email pass over SMTP and a
 * billing run, their counters and histograms have moved by what was done, and the outbox's backlog and lag
 * (read from the database at the scrape) follow the pending deliveries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SmtpTransport } from '../../../server/notify/mail-transport.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { advance, billingRun, clockedApp } from '../../support/lifecycle.js';
import { aMeteredPlan, anEvent, createMeasurement, postUsage, subscribe } from '../../support/usage.js';
import { createEndpoint, deliverNow, startMailCatcher, startReceiver, type Receiver } from '../../support/webhooks.js';

type Labels = Record<string, string>;

/** Every sample of a Prometheus text exposition: name, labels, value. */
function samples(text: string): { name: string; labels: Labels; value: number }[] {
  return text.split('\n').flatMap((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) return [];
    const labels: Labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    return [{ name: m[1]!, labels, value: Number(m[3]) }];
  });
}

/** The value of the one sample named `name` with exactly `labels` (0 when absent). */
function value(text: string, name: string, labels: Labels = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = samples(text).find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  return found?.value ?? 0;
}

/** Between two scrapes, the histogram `name` took `n` observations, each between `seconds` and 60 s. */
function assertLatency(before: string, after: string, name: string, n: number, seconds: number) {
  const moved = (suffix: string, labels: Labels = {}) => value(after, `${name}_${suffix}`, labels) - value(before, `${name}_${suffix}`, labels);
  assert.equal(moved('count'), n);
  assert.ok(moved('sum') >= n * seconds, `each was delivered ${seconds} s or more after its event (${moved('sum')} s in all)`);
  assert.equal(moved('bucket', { le: '10' }), 0);
  assert.equal(moved('bucket', { le: '60' }), n);
}

const scrape = async (t: TestApp) => {
  const res = await request(t.app).get('/metrics').set(t.sk);
  assert.equal(res.status, 200);
  return res.text;
};

for (const target of testDatabases()) {
  describe(`the background work in /metrics on ${target.name}`, () => {
    const world = clockedApp(target);
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => receiver?.close());

    it('when nothing ran yet, then every series of the work is there at 0 and the outbox is read from the database', async () => {
      const text = await scrape(world.t);
      assert.equal(value(text, 'billkit_billing_run_duration_seconds_count', { trigger: 'schedule', outcome: 'finished' }), 0);
      assert.equal(value(text, 'billkit_billing_run_payments_total', { outcome: 'failed' }), 0);
      assert.equal(value(text, 'billkit_usage_events_total', { outcome: 'accepted' }), 0);
      assert.match(text, /^billkit_usage_events_total\{outcome="refused"\} 0$/m);
      assert.match(text, /^billkit_webhook_attempts_total\{outcome="delivered"\} 0$/m);
      assert.match(text, /^billkit_outbox_pending\{outbox="webhooks"\} \d+$/m);
      assert.match(text, /^billkit_outbox_lag_seconds\{outbox="emails"\} [\d.e+-]+$/m);
      assert.equal(value(text, 'billkit_database_up'), 1);
    });

    it('when a usage batch, a webhook pass and a billing run are done, then their metrics move by what each did', async () => {
      const { t } = world;
      const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed', 'invoice.paid'] });
      const calls = await createMeasurement(t, { aggregation: 'sum' });
      const plan = await aMeteredPlan(t, [calls]);
      const { subscription } = await subscribe(t, plan.code);
      const start = await scrape(t);

      // The usage batch: two accepted, one duplicate of the first, one refused (an unknown measurement).
      const first = anEvent(subscription.id, calls, { value: 3 });
      const usage = await postUsage(t, [first, anEvent(subscription.id, calls, { value: 4 }), first, anEvent(subscription.id, { code: 'no-such-measurement' }, { value: 1 })]);
      assert.equal(usage.status, 200, JSON.stringify(usage.body));
      assert.deepEqual([usage.body.accepted, usage.body.duplicates, usage.body.rejected.length], [2, 1, 1]);
      const afterUsage = await scrape(t);
      const moved = (text: string, name: string, labels: Labels = {}) => value(text, name, labels) - value(start, name, labels);
      assert.equal(moved(afterUsage, 'billkit_usage_events_total', { outcome: 'accepted' }), 2);
      assert.equal(moved(afterUsage, 'billkit_usage_events_total', { outcome: 'duplicate' }), 1);
      assert.equal(moved(afterUsage, 'billkit_usage_events_total', { outcome: 'refused' }), 1);
      assert.equal(moved(afterUsage, 'billkit_usage_events_refused_total', { code: 'measurement_not_billed' }), 1);

      // The checkout's two events wait for the endpoint; 30 s later on Billkit's clock they are 30 s old.
      const pending = (text: string) => value(text, 'billkit_outbox_pending', { outbox: 'webhooks' });
      assert.equal(pending(afterUsage), 2, 'checkout.completed and invoice.paid are pending');
      await advance(t, { seconds: 30 });
      const waiting = await scrape(t);
      assert.ok(value(waiting, 'billkit_outbox_lag_seconds', { outbox: 'webhooks' }) >= 30, waiting.match(/^billkit_outbox_lag.*$/gm)?.join('; '));

      const pass = await deliverNow(t);
      assert.equal(pass.webhooks.succeeded, 2);
      assert.equal(receiver.verified(endpoint.secret).length, 2);
      const delivered = await scrape(t);
      assert.equal(moved(delivered, 'billkit_webhook_attempts_total', { outcome: 'delivered' }), 2);
      assertLatency(start, delivered, 'billkit_webhook_delivery_latency_seconds', 2, 30);
      assert.equal(pending(delivered), 0);
      // The same pass sent the checkout's emails (kept in the database: no SMTP here).
      assert.ok(pass.emails.attempted >= 1, JSON.stringify(pass.emails));
      const emailed = ['sent', 'kept', 'skipped', 'failed', 'retry'].map((outcome) => moved(delivered, 'billkit_email_attempts_total', { outcome }));
      assert.equal(emailed.reduce((a, b) => a + b, 0), pass.emails.attempted, JSON.stringify(emailed));
      assert.equal(moved(delivered, 'billkit_email_delivery_latency_seconds_count'), 0, 'a kept email reached no SMTP server: no latency');
      assert.equal(value(delivered, 'billkit_outbox_pending', { outbox: 'emails' }), 0);
      assert.equal(value(delivered, 'billkit_outbox_lag_seconds', { outbox: 'webhooks' }), 0);

      // A month later the billing run renews the subscription and collects its invoice.
      await advance(t, { days: 32 });
      const run = await billingRun(t);
      assert.ok(run.invoicesIssued >= 1 && run.paymentsSucceeded >= 1, JSON.stringify(run));
      const billed = await scrape(t);
      assert.equal(moved(billed, 'billkit_billing_run_duration_seconds_count', { trigger: 'api', outcome: 'finished' }), 1);
      assert.ok(moved(billed, 'billkit_billing_run_duration_seconds_sum', { trigger: 'api', outcome: 'finished' }) > 0);
      assert.equal(moved(billed, 'billkit_billing_run_invoices_issued_total'), run.invoicesIssued);
      assert.equal(moved(billed, 'billkit_billing_run_payments_total', { outcome: 'succeeded' }), run.paymentsSucceeded);
      assert.equal(moved(billed, 'billkit_billing_run_payments_total', { outcome: 'failed' }), run.paymentsFailed);
      assert.equal(moved(billed, 'billkit_billing_run_subscriptions_total', { change: 'renewed' }), run.subscriptionsRenewed);
      assert.ok(run.subscriptionsRenewed >= 1);
      // The renewal's invoice.paid is now pending for the endpoint.
      assert.ok(pending(billed) >= 1);
    });

    it('when emails go out over SMTP 30 s after their event, then the email delivery latency histogram counts each from its event to the SMTP server\'s acceptance', async () => {
      // What earlier tests left in the outbox is kept first, so this pass sends only this test's receipt.
      await deliverNow(world.t);
      const catcher = await startMailCatcher();
      const transport = new SmtpTransport(catcher.url);
      try {
        const smtp = await testAppWith(world.db, { testClock: true, notify: { mail: transport } });
        const start = await scrape(smtp);
        const moved = (text: string, name: string, labels: Labels = {}) => value(text, name, labels) - value(start, name, labels);
        const plan = await aFlatPlan(smtp, 1900);
        assert.equal((await confirm(smtp, (await startCheckout(smtp, { plan: plan.code })).id)).status, 200);
        await advance(smtp, { seconds: 30 });
        const pass = await deliverNow(smtp);
        assert.equal(pass.emails.succeeded, 1, JSON.stringify(pass.emails));
        assert.equal(catcher.messages.length, 1, 'the receipt reached the SMTP server');
        const sent = await scrape(smtp);
        assert.equal(moved(sent, 'billkit_email_attempts_total', { outcome: 'sent' }), 1);
        assertLatency(start, sent, 'billkit_email_delivery_latency_seconds', 1, 30);
      } finally {
        transport.close();
        await catcher.close();
      }
    });

    it('when the database cannot be read at a scrape, then the outbox series are absent and billkit_database_up is 0', async () => {
      const { t } = world;
      const query = t.deps.db.query;
      t.deps.db.query = (() => Promise.reject(new Error('connection refused'))) as typeof query;
      let text: string;
      try {
        text = (await t.deps.metrics!.render()).body;
      } finally {
        t.deps.db.query = query;
      }
      assert.equal(value(text, 'billkit_database_up'), 0);
      assert.doesNotMatch(text, /^billkit_outbox_pending\{/m);
      assert.doesNotMatch(text, /^billkit_outbox_lag_seconds\{/m);
    });
  });
}
