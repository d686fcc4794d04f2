/**
 * Crash tests on PostgreSQL: BFF processes (server/main.ts, as production runs them) killed with SIGKILL at
 * moments drawn from a seed, started again, the unanswered requests sent again as a client would, then the
 * books checked.
 * - A burst of checkouts: every confirmation answered before a kill is kept, the invoice numbers are
 *   gapless, the coupon's redemptions equal the discounted invoices, every checkout.completed webhook
 *   arrives (the process delivers each as its checkout commits, so the kills land in deliveries too).
 * - Usage ingestion: each event stored once, and an instant_metered event billed once.
 * - The billing run: each due subscription invoiced and charged once (killed at several moments).
 * - The buyers' emails: a burst of receipts over SMTP (smtp-server on 127.0.0.1), the sending process killed
 *   as the server holds a drawn receipt unanswered (a batch in flight, part of it accepted): every receipt
 *   the outbox owes arrives; at least once, so what a killed batch had sent arrives twice (at most a batch,
 *   EMAIL_BATCH_SIZE, per kill), each such receipt claimed again.
 * The seed is printed; CRASH_SEED=<seed> draws the same kill moments (the moments are counts of answers
 * and a delay: the same seed kills at the same point of the work, give or take what is in flight).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { generateKey } from '../../../server/app/keys.js';
import { EMAIL_BATCH_SIZE } from '../../../server/app/send-emails.js';
import type { Db } from '../../../server/storage/db.js';
import type { TestApp } from '../../support/app.js';
import { aMeteredPlan as aSeededPlan, assertEachRenewedOnce, seedDueSubscriptions } from '../../support/billing-seed.js';
import { aBuyer, aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { A_SELLER } from '../../support/documents.js';
import { bffProcess, CRASH_SEED, Random, sendThroughKills, type Bff } from '../../support/crash.js';
import { freshPostgres, withSearchPath } from '../../support/db.js';
import { aMeteredPlan, createMeasurement, subscribe } from '../../support/usage.js';
import { createEndpoint, startMailCatcher, startReceiver, type Receiver } from '../../support/webhooks.js';

const url = process.env.DATABASE_URL;

const count = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

describe(
  url ? `crash tests on PostgreSQL (seed ${CRASH_SEED}; replay with CRASH_SEED=${CRASH_SEED})` : 'crash tests: skipped, DATABASE_URL is not set (they kill processes sharing a PostgreSQL)',
  { skip: !url },
  () => {
    let db: Db;
    let schemaUrl: string;
    let t: TestApp;
    let bff: Bff;
    let receiver: Receiver;
    const random = new Random(CRASH_SEED);
    const keys = { secret: generateKey('secret'), publishable: generateKey('publishable') };

    before(async () => {
      process.stdout.write(`# crash tests: seed ${CRASH_SEED} (replay with CRASH_SEED=${CRASH_SEED})\n`);
      db = await freshPostgres(url!, { max: 10 });
      const schema = (await db.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
      schemaUrl = withSearchPath(url!, schema);
      t = await testAppWith(db, { testClock: true }, keys);
      bff = await bffProcess(schemaUrl, keys);
      receiver = await startReceiver();
    });
    after(async () => {
      await bff?.stop();
      await receiver?.close();
      await db?.close();
    });

    it('when a burst of 160 checkouts is killed twice with SIGKILL and the buyers retry, then every answered confirmation is kept, invoices are gapless, redemptions equal discounted invoices and no webhook is lost', async (ctx) => {
      const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
      const plan = await aFlatPlan(t, 1000);
      const coupon = await createCoupon(t, { percentage: 10, maxRedemptions: 30 });
      interface Cart { i: number; withCoupon: boolean; checkoutId?: string }
      const carts: Cart[] = Array.from({ length: 160 }, (_, i) => ({ i, withCoupon: i % 2 === 0 }));
      const kept = new Map<string, { invoiceId: string; total: number; discount: number }>();
      const refused = new Map<string, string>();
      const { kills, retried } = await sendThroughKills(bff, random, carts, { concurrency: 8, kills: 2, killAfter: () => 10 + random.int(50), jitterMs: 30 }, async (cart) => {
        if (!cart.checkoutId) {
          const started = await bff.post('/v1/checkouts', { plan: plan.code, ...(cart.withCoupon ? { couponCode: coupon.code } : {}), customer: aBuyer({ email: `crash-${cart.i}@example.test` }) });
          assert.equal(started.status, 201, JSON.stringify(started.body));
          cart.checkoutId = String(started.body.id);
        }
        const answer = await bff.post(`/v1/checkouts/${cart.checkoutId}/confirm`, { paymentMethod: 'pm_card_visa' });
        if (answer.status === 200) {
          assert.equal(answer.body.status, 'complete', JSON.stringify(answer.body));
          kept.set(cart.checkoutId, { invoiceId: answer.body.invoice.id, total: answer.body.invoice.total, discount: answer.body.invoice.discount });
        } else {
          refused.set(cart.checkoutId, `${answer.status} ${answer.body.code}`);
        }
      });
      ctx.diagnostic(`seed ${CRASH_SEED}: ${kills} kills, ${retried} requests sent again; ${kept.size} complete, ${refused.size} refused (${[...new Set(refused.values())].join(', ')})`);
      assert.equal(kills, 2);
      assert.deepEqual([...new Set(refused.values())].filter((r) => r !== '409 coupon_exhausted'), [], 'only the exhausted coupon refuses');

      // Every answered confirmation is in the books as it was answered.
      const rows = (await db.query<{ id: string; status: string; invoice_id: string | null; total: string; discount: string; invoice_status: string }>(
        `select c.id, c.status, c.invoice_id, i.total::text, i.discount::text, i.status as invoice_status
         from checkouts c left join invoices i on i.id = c.invoice_id where c.id = any($1::text[])`,
        [[...kept.keys()]],
      )).rows;
      assert.equal(rows.length, kept.size);
      for (const row of rows) {
        const answered = kept.get(row.id)!;
        assert.deepEqual([row.status, row.invoice_id, Number(row.total), Number(row.discount), row.invoice_status], ['complete', answered.invoiceId, answered.total, answered.discount, 'paid'], row.id);
      }
      // One invoice per complete checkout and no other; numbers gapless from 000001.
      assert.equal(await count(db, `select count(*)::int as n from checkouts where status = 'complete'`), kept.size);
      const numbers = (await db.query<{ number: string }>('select number from invoices')).rows.map((r) => Number(r.number.slice(-6))).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: kept.size }, (_, i) => i + 1), 'invoice numbers gapless');
      // The coupon: exactly its 30 redemptions, each one discounted invoice.
      const discounted = [...kept.values()].filter((k) => k.discount > 0).length;
      assert.equal(discounted, 30);
      assert.equal(await count(db, 'select times_redeemed as n from coupons where id = $1', [coupon.id]), 30);
      assert.equal(await count(db, 'select count(*)::int as n from coupon_redemptions where coupon_id = $1', [coupon.id]), 30);
      assert.equal(await count(db, 'select count(*)::int as n from invoices where discount > 0'), 30);
      assert.equal(await count(db, 'select count(*)::int as n from coupon_redemptions r join checkouts c on c.id = r.checkout_id join invoices i on i.id = c.invoice_id where i.discount > 0'), 30);

      // What the killed processes had claimed is leased for a minute of Billkit's clock: past it, a few passes deliver the rest.
      assert.equal((await bff.post('/v1/test-clock/advance', { seconds: 61 }, keys.secret)).status, 200);
      for (let i = 0; i < 50 && (await count(db, `select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and status = 'pending'`, [endpoint.id])) > 0; i++) {
        assert.equal((await bff.post('/v1/delivery-runs', {}, keys.secret)).status, 200);
      }
      const completed = (await db.query<{ id: string }>(`select id from events where type = 'checkout.completed'`)).rows.map((r) => r.id);
      assert.equal(completed.length, kept.size, 'one checkout.completed per complete checkout');
      const arrived = new Set(receiver.verified(endpoint.secret).map((e) => e.id));
      assert.deepEqual(completed.filter((id) => !arrived.has(id)), [], 'every checkout.completed was delivered');
      ctx.diagnostic(`${receiver.received.length} webhook requests for ${completed.length} events (${receiver.received.length - arrived.size} sent again after a kill)`);
      await db.query('update webhook_endpoints set enabled = false where id = $1', [endpoint.id]);
    });

    it('when usage batches are killed twice with SIGKILL and the client sends the unanswered ones again, then each event is stored once and each instant event billed once', async (ctx) => {
      const calls = await createMeasurement(t, { aggregation: 'sum' });
      const sms = await createMeasurement(t, { type: 'instant_metered', aggregation: 'last_value' });
      const metered = await subscribe(t, (await aMeteredPlan(t, [calls])).code);
      const instant = await subscribe(t, (await aMeteredPlan(t, [sms], { unitAmount: 1 })).code);
      // 100 batches of 40: 3,000 metered events and 1,000 instant ones, each event's value 1 to 7.
      const events = Array.from({ length: 4000 }, (_, i) =>
        i % 4 === 3
          ? { id: `sms-${i}`, measurement: sms.code, subscriptionId: instant.subscription.id, value: 1 + (i % 7) }
          : { id: `call-${i}`, measurement: calls.code, subscriptionId: metered.subscription.id, value: 1 + (i % 7) },
      );
      const batches = Array.from({ length: 100 }, (_, b) => events.slice(b * 40, b * 40 + 40));
      let accepted = 0;
      const { kills, retried } = await sendThroughKills(bff, random, batches, { concurrency: 4, kills: 2, killAfter: () => 3 + random.int(25), jitterMs: 10 }, async (batch) => {
        const answer = await bff.post('/v1/usage', { events: batch }, keys.secret);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.deepEqual(answer.body.rejected, []);
        accepted += answer.body.accepted;
      });
      ctx.diagnostic(`seed ${CRASH_SEED}: ${kills} kills, ${retried} batches sent again; ${accepted} events accepted in answers`);
      assert.equal(kills, 2);
      assert.ok(accepted <= events.length, 'no event accepted twice in the answers');

      const stored = async (subscriptionId: string) => {
        const { rows } = await db.query<{ n: number; distinct: number; total: string }>(
          'select count(*)::int as n, count(distinct id)::int as distinct, coalesce(sum(value), 0)::text as total from usage_events where subscription_id = $1',
          [subscriptionId],
        );
        return [rows[0]!.n, rows[0]!.distinct, Number(rows[0]!.total)];
      };
      const expected = (prefix: string) => {
        const mine = events.filter((e) => e.id.startsWith(prefix));
        return [mine.length, mine.length, mine.reduce((n, e) => n + e.value, 0)];
      };
      assert.deepEqual(await stored(metered.subscription.id), expected('call-'), 'each metered event once');
      assert.deepEqual(await stored(instant.subscription.id), expected('sms-'), 'each instant event once');
      // The instant events are billed as they are accepted: the usage invoices' quantities add up to their values, once.
      const billed = await count(
        db,
        `select coalesce(sum(l.quantity), 0)::int as n from invoices i join invoice_lines l on l.invoice_id = i.id where i.subscription_id = $1 and i.kind = 'usage'`,
        [instant.subscription.id],
      );
      assert.equal(billed, expected('sms-')[2], 'each instant event billed once');
      const numbers = (await db.query<{ number: string }>('select number from invoices')).rows.map((r) => Number(r.number.slice(-6))).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => i + 1), 'invoice numbers still gapless');
    });

    it('when the billing run is killed with SIGKILL at two moments drawn from the seed and run again, then each subscription is invoiced once and charged once', async (ctx) => {
      // The BFF process of the tests before is killed too: its own billing worker would take part.
      await bff.kill();
      const plan = await aSeededPlan(t, 'crash');
      await seedDueSubscriptions(db, plan, 2000, 'crash');
      const moments: number[] = [];
      for (let kill = 0; kill < 2; kill++) {
        const issued = () => count(db, `select count(*)::int as n from invoices where kind = 'renewal' and subscription_id like 'sub_crash-%'`);
        const from = await issued();
        const at = from + 1 + random.int(500);
        moments.push(at);
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/billing-child.ts', schemaUrl, String(20 + random.int(80))], { stdio: ['ignore', 'ignore', 'inherit'] });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        let finished = false;
        void exited.then(() => (finished = true));
        // Waits on the database (not the clock) for the drawn number of renewals, then a drawn delay.
        while (!finished && (await issued()) < at) await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, random.int(30)));
        child.kill('SIGKILL');
        await exited;
        assert.ok(!finished || child.signalCode === 'SIGKILL', 'the run was killed before it finished');
      }
      const before = await count(db, `select count(*)::int as n from invoices where kind = 'renewal' and subscription_id like 'sub_crash-%'`);
      ctx.diagnostic(`seed ${CRASH_SEED}: killed at about ${moments.join(' and ')} renewals (${before} of 2000 invoiced before the runs after them)`);
      assert.ok(before < 2000, `killed before the end (${before} of 2000)`);
      // Started again, the worker runs on its schedule. A killed process's batch holds its rows until
      // PostgreSQL has noticed the closed connection and rolled it back; a run skips locked rows, so the
      // next run renews them: run until a run finds nothing left.
      const runs: number[] = [];
      for (let renewed = -1; renewed !== 0 && runs.length < 5; ) {
        renewed = (await t.deps.billingRuns.run('schedule', { batchSize: 200 })).subscriptionsRenewed;
        runs.push(renewed);
      }
      ctx.diagnostic(`runs after the kills renewed ${runs.join(', ')}`);
      await assertEachRenewedOnce(db, 'crash', 2000);
    });

    it('when the BFF process sending a burst of receipts over SMTP is killed twice with SIGKILL mid-batch and started again, then every receipt the outbox owes arrives, and only what a killed batch had sent arrives twice', async (ctx) => {
      // A schema of its own: the receipts of the tests before (and the billing run's 2,000) are not this burst's.
      const mailDb = await freshPostgres(url!, { max: 4 });
      const mailSchema = (await mailDb.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
      const catcher = await startMailCatcher();
      const mailer = await bffProcess(withSearchPath(url!, mailSchema), keys, { BILLKIT_SMTP_URL: catcher.url });
      try {
        const m = await testAppWith(mailDb, { testClock: true }, keys);
        // With a seller, each receipt carries its invoice's PDF, as in production.
        await m.deps.settings.update({ seller: A_SELLER });
        const plan = await aFlatPlan(m, 1900);
        /** Checkouts `from` to `to` - 1, four at a time, each paid: a receipt each. */
        const checkouts = (from: number, to: number) => {
          const queue = Array.from({ length: to - from }, (_, k) => from + k);
          return Promise.all(Array.from({ length: 4 }, async () => {
            for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
              const buyer = aBuyer({ email: `mail-crash-${i}@example.test`, locale: i % 2 ? 'de' : 'en' });
              assert.equal((await confirm(m, (await startCheckout(m, { plan: plan.code }, buyer)).id)).status, 200);
            }
          }));
        };
        // The burst: 60 receipts wait when the process first starts (its first passes claim full batches), and
        // 100 checkouts more come as it sends them, taken here as another BFF process of the shop would.
        await checkouts(0, 60);
        const shop = checkouts(60, 160);
        // Each life of the process ends at a moment drawn from the seed: once it has had a drawn number more of
        // its receipts accepted, the SMTP server holds the next ones unanswered (a batch is in flight, part of
        // it accepted, none of it recorded) and the process is killed with SIGKILL. At most 40 more each time:
        // the backlog and the checkouts always have that many to send.
        const moments: number[] = [];
        for (let kill = 0; kill < 2; kill++) {
          await mailer.start();
          const at = catcher.messages.length + 1 + random.int(40);
          moments.push(at);
          const died = (async () => { while (mailer.running) await new Promise((r) => setTimeout(r, 100)); })();
          await Promise.race([catcher.holdFrom(at), died]);
          assert.ok(mailer.running, `the process died by itself before receipt ${at} was held: ${mailer.output()}`);
          await mailer.kill();
          catcher.release();
        }
        const kills = moments.length;
        await mailer.start();
        await shop;
        // What the killed processes had claimed is leased for a minute of Billkit's clock: past it, passes send the rest.
        assert.equal((await mailer.post('/v1/test-clock/advance', { seconds: 61 }, keys.secret)).status, 200);
        const pending = () => count(mailDb, `select count(*)::int as n from emails where status = 'pending'`);
        for (let i = 0; i < 50 && (await pending()) > 0; i++) assert.equal((await mailer.post('/v1/delivery-runs', {}, keys.secret)).status, 200);

        // What the outbox owes: one receipt per invoice.paid, one invoice.paid per complete checkout.
        const complete = await count(mailDb, `select count(*)::int as n from checkouts where status = 'complete'`);
        assert.equal(complete, 160);
        const owed = (await mailDb.query<{ id: string; status: string; recipient: string; subject: string; attempts: number }>(
          `select m.id, m.status, m.recipient, m.subject, m.attempts from emails m join events e on e.id = m.event_id
           where e.type = 'invoice.paid' and m.template = 'receipt'`,
        )).rows;
        assert.equal(owed.length, complete, 'one receipt per paid invoice');
        assert.deepEqual(owed.filter((e) => e.status !== 'sent').map((e) => `${e.id} ${e.status}`), [], 'every receipt recorded as sent');
        // None lost: each arrived, at its recipient.
        const arrivals = new Map<string, number>();
        for (const message of catcher.messages) {
          const key = `${(Array.isArray(message.to) ? message.to[0] : message.to)?.value[0]?.address} ${message.subject}`;
          arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
        }
        assert.deepEqual(owed.filter((e) => !arrivals.has(`${e.recipient} ${e.subject}`)).map((e) => e.id), [], 'every receipt arrived');
        assert.equal(arrivals.size, owed.length, 'nothing arrived that the outbox did not owe');
        // At least once: a kill between a message's arrival and the commit of its batch's outcomes sends it
        // again after the lease. So only a receipt claimed more than once arrives twice, and at most a batch
        // in flight per kill does.
        const twice = owed.filter((e) => arrivals.get(`${e.recipient} ${e.subject}`)! > 1);
        assert.deepEqual(twice.filter((e) => e.attempts < 2).map((e) => e.id), [], 'a receipt arrived twice only when claimed again');
        assert.ok(twice.every((e) => arrivals.get(`${e.recipient} ${e.subject}`) === 2), 'no receipt arrived three times');
        assert.ok(twice.length <= kills * EMAIL_BATCH_SIZE, `at most ${kills} kills x ${EMAIL_BATCH_SIZE} in flight arrive twice (${twice.length})`);
        ctx.diagnostic(
          `seed ${CRASH_SEED}: killed as receipts ${moments.join(' and ')} were held; ${owed.length} receipts owed, ` +
            `${catcher.messages.length} arrived, ${twice.length} of them twice`,
        );
      } finally {
        await mailer.stop();
        await catcher.close();
        await mailDb.close();
      }
    });
  },
);
