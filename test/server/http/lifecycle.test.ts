import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { addInterval } from '../../../server/domain/periods.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, testAppWith } from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { testDatabases } from '../../support/db.js';
import { advance, billingRun, eventTypes, getSubscription, invoicesOf, post, subscribe } from '../../support/lifecycle.js';
import { aMeteredPlan, anEvent, createMeasurement, postUsage } from '../../support/usage.js';

const MONTH = { unit: 'month' as const, count: 1 };
const DAY_MS = 86_400_000;
/** An invoice without what only issuing gives it (id, number, payment), to compare with the upcoming invoice. */
const stripIssued = (i: Record<string, any>) => {
  const { id: _i, number: _n, issuedAt: _a, dueAt: _d, paidAt: _p, status: _s, amountPaid: _ap, attempts: _at, nextAttemptAt: _na, voidedAt: _v, ...rest } = i;
  return { ...rest, lines: rest.lines.map(({ id: _l, ...line }: Record<string, unknown>) => line) };
};

for (const target of testDatabases()) {
  describe(`the subscription's life on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { testClock: true });
    });
    after(async () => {
      await request(t.app).put('/v1/settings').set(t.sk).send({ dunning: { retryDays: [1, 3, 5, 7], finalAction: 'cancel' } });
      if (target.name === 'postgres') await db.close();
    });

    describe('renewal', () => {
      it('when a monthly subscription reaches its period end, then the run issues one renewal invoice for the next period, charges it, and writes the events', async () => {
        const plan = await aFlatPlan(t, 2900);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        await advance(t, { days: 32 });
        const summary = await billingRun(t);
        assert.ok(summary.subscriptionsRenewed >= 1 && summary.invoicesIssued >= 1 && summary.paymentsSucceeded >= 1, JSON.stringify(summary));

        const renewed = await getSubscription(t, sub.id);
        const end = addInterval(new Date(sub.currentPeriodStart), MONTH, 2).toISOString();
        assert.equal(renewed.currentPeriodStart, sub.currentPeriodEnd, 'period 2 starts where period 1 ended');
        assert.equal(renewed.currentPeriodEnd, end);
        assert.equal(renewed.periodsBilled, 2);
        assert.equal(renewed.status, 'active');
        const [first, second] = await invoicesOf(t, sub.id);
        assert.equal(first!.kind, 'checkout');
        assert.equal(second!.kind, 'renewal');
        assert.equal(second!.status, 'paid');
        assert.deepEqual([second!.subtotal, second!.tax, second!.total, second!.amountPaid], [2900, 551, 3451, 3451]);
        assert.deepEqual([second!.periodStart, second!.periodEnd], [sub.currentPeriodEnd, end]);
        assert.match(second!.number, /^INV-\d{4}-\d{6}$/);
        assert.deepEqual(second!.attempts.map((a: { outcome: string }) => a.outcome), ['succeeded']);
        assert.deepEqual(await eventTypes(db, second!.id), ['invoice.finalized', 'invoice.paid']);
        assert.deepEqual(await eventTypes(db, sub.id), ['subscription.created', 'subscription.renewed']);
        // The run shows the paid invoice from its draft: the event carries exactly what GET answers.
        const { rows } = await db.query<{ data: unknown }>(`select data from events where object_id = $1 and type = 'invoice.paid'`, [second!.id]);
        const paidEvent = (typeof rows[0]!.data === 'string' ? JSON.parse(rows[0]!.data) : rows[0]!.data) as { object: unknown };
        assert.deepEqual(paidEvent.object, second);
      });

      it('when the run runs again at the same clock, then nothing more is invoiced or charged', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        await advance(t, { days: 32 });
        await billingRun(t);
        const again = await billingRun(t);
        assert.equal(again.invoicesIssued, 0);
        assert.equal(again.paymentsSucceeded, 0);
        assert.equal((await invoicesOf(t, sub.id)).length, 2);
      });

      it('when a subscription is three periods behind, then it gets three invoices in order, each for its own period, summing to three periods', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        await advance(t, { days: 3 * 31 + 2 });
        await billingRun(t);
        const renewals = (await invoicesOf(t, sub.id)).filter((i) => i.kind === 'renewal');
        assert.equal(renewals.length, 3);
        const anchor = new Date(sub.currentPeriodStart);
        renewals.forEach((invoice, i) => {
          assert.equal(invoice.periodStart, addInterval(anchor, MONTH, i + 1).toISOString());
          assert.equal(invoice.periodEnd, addInterval(anchor, MONTH, i + 2).toISOString());
        });
        assert.ok(renewals[0]!.number < renewals[1]!.number && renewals[1]!.number < renewals[2]!.number, 'numbered in order');
        assert.equal(renewals.reduce((n, i) => n + i.total, 0), 3 * 1190);
        const now = await getSubscription(t, sub.id);
        assert.equal(now.periodsBilled, 4);
      });

      it('when a trial ends, then trial_will_end comes 3 days before, and the renewal bills period 1 from the trial end and the subscription is active', async () => {
        const plan = await aFlatPlan(t, 2000, { trialDays: 14 });
        const { subscription: sub, invoice } = await subscribe(t, { plan: plan.code });
        assert.equal(sub.status, 'trialing');
        assert.equal(invoice.total, 0);
        await advance(t, { days: 12 });
        const warned = await billingRun(t);
        assert.ok(warned.trialsEnding >= 1);
        assert.deepEqual(await eventTypes(db, sub.id), ['subscription.created', 'subscription.trial_will_end']);
        await advance(t, { days: 3 });
        await billingRun(t);
        const active = await getSubscription(t, sub.id);
        assert.equal(active.status, 'active');
        assert.equal(active.currentPeriodStart, sub.trialEnd);
        assert.equal(active.currentPeriodEnd, addInterval(new Date(sub.trialEnd), MONTH, 1).toISOString());
        assert.equal(active.periodsBilled, 1);
        const renewal = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(renewal.total, 2380);
        assert.equal(renewal.periodStart, sub.trialEnd);
        assert.equal((await eventTypes(db, sub.id)).filter((e) => e === 'subscription.trial_will_end').length, 1, 'warned once');
      });

      it('when a coupon covers 2 periods, then the checkout and the first renewal are discounted and the second renewal is not', async () => {
        const plan = await aFlatPlan(t, 10000);
        const coupon = await createCoupon(t, { percentage: 20, frequency: 'limited', numberOfPeriods: 2 });
        const { subscription: sub, invoice } = await subscribe(t, { plan: plan.code, couponCode: coupon.code });
        assert.equal(invoice.discount, 2000);
        await advance(t, { days: 32 });
        await billingRun(t);
        await advance(t, { days: 31 });
        await billingRun(t);
        const renewals = (await invoicesOf(t, sub.id)).filter((i) => i.kind === 'renewal');
        assert.deepEqual(renewals.map((i) => i.discount), [2000, 0]);
        assert.deepEqual(renewals.map((i) => i.total), [9520, 11900]);
      });

      it('when the customer has a balance, then the renewal uses it before charging and the balance goes down', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub, customer } = await subscribe(t, { plan: plan.code });
        await db.query('update customers set balance = 500 where id = $1', [customer.id]);
        await advance(t, { days: 32 });
        await billingRun(t);
        const renewal = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual([renewal.total, renewal.balanceApplied, renewal.amountDue, renewal.amountPaid], [1190, 500, 690, 690]);
        const res = await request(t.app).get(`/v1/customers/${customer.id}`).set(t.sk);
        assert.equal(res.body.balance, 0);
      });

      it('when usage was recorded in the period, then the renewal bills it in arrears, dated to the ended period, beside the next period in advance', async () => {
        const measurement = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: `api-calls-${Date.now()}`, unit: 'call', type: 'metered', aggregation: 'sum', prorated: false });
        assert.equal(measurement.status, 201, JSON.stringify(measurement.body));
        const product = await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-usage-${Date.now()}`, name: 'API calls', taxGroup: 'standard', measurementId: measurement.body.id });
        assert.equal(product.status, 201, JSON.stringify(product.body));
        const base = await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-base-${Date.now()}`, name: 'Base', taxGroup: 'standard' });
        const plan = await request(t.app).post('/v1/plans').set(t.sk).send({
          code: `metered-${Date.now()}`, name: 'Metered', currency: 'EUR', interval: MONTH, status: 'active', checkoutAllowed: true, trialDays: 0, taxBehavior: 'exclusive',
          charges: [
            { product: base.body.number, type: 'recurring', pricing: { model: 'flat', amount: 1000 } },
            { product: product.body.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: 2 } },
          ],
        });
        assert.equal(plan.status, 201, JSON.stringify(plan.body));
        const { subscription: sub } = await subscribe(t, { plan: plan.body.code });
        const inPeriod = new Date(new Date(sub.currentPeriodStart).getTime() + DAY_MS).toISOString();
        await db.query(
          `insert into usage_events (measurement_id, id, subscription_id, value, at, unique_key) values ($1, 'e1', $2, 300, $3, 'e1'), ($1, 'e2', $2, 200, $3, 'e2')`,
          [measurement.body.id, sub.id, inPeriod],
        );
        const upcoming = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(upcoming.status, 200, JSON.stringify(upcoming.body));
        await advance(t, { days: 32 });
        await billingRun(t);
        const renewal = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        const metered = renewal.lines.find((l: { type: string }) => l.type === 'metered');
        assert.deepEqual([metered.quantity, metered.subtotal, metered.periodStart, metered.periodEnd], [500, 1000, sub.currentPeriodStart, sub.currentPeriodEnd]);
        assert.equal(renewal.subtotal, 2000);
        assert.equal(upcoming.body.total, renewal.total, 'the upcoming invoice showed what was issued');
      });
    });

    describe('the upcoming invoice', () => {
      it('when read at the clock the run then bills at, then it equals the invoice issued, line by line', async () => {
        const plan = await aFlatPlan(t, 4900);
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'lifetime' });
        const { subscription: sub } = await subscribe(t, { plan: plan.code, couponCode: coupon.code });
        await advance(t, { days: 32 });
        const upcoming = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(upcoming.status, 200, JSON.stringify(upcoming.body));
        // Not issued yet: a draft, with no payment attempt scheduled (as a change's preview).
        assert.deepEqual([upcoming.body.status, upcoming.body.nextAttemptAt, upcoming.body.paidAt], ['draft', null, null]);
        // The run issues at its own clock reading: compare everything but the instants.
        await billingRun(t);
        const issued = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual(stripIssued(upcoming.body), stripIssued(issued));
      });

      it('when subscriptions that differ in usage, coupon, tax and a pending downgrade are renewed in one batch, then each invoice equals its own upcoming invoice', async () => {
        // The batch prices each distinct renewal once: twins share one pricing, the others each get their own.
        const calls = await createMeasurement(t);
        const family = await request(t.app).post('/v1/product-families').set(t.sk).send({ code: `fam-${Date.now()}`, name: 'Metered' });
        assert.equal(family.status, 201, JSON.stringify(family.body));
        const plan = await aMeteredPlan(t, [calls], { plan: { familyId: family.body.id } });
        // A cheaper plan of the family with gross prices (5.95 with 19 %), without calls.
        const gross = await aFlatPlan(t, 595, { familyId: family.body.id, taxBehavior: 'inclusive' });
        const coupon = await createCoupon(t, { percentage: 20, frequency: 'lifetime' });
        const carts: [Record<string, unknown>, Record<string, unknown>, number][] = [
          [{}, {}, 10], [{}, {}, 10], [{}, {}, 20], [{ couponCode: coupon.code }, {}, 10], [{}, { country: 'FR' }, 10], [{}, {}, 10],
        ];
        const subs = [];
        for (const [cart, buyer, _] of carts) subs.push((await subscribe(t, { plan: plan.code, ...cart }, buyer)).subscription);
        // One period for all (checkouts a few ms apart would each have their own).
        await db.query('update subscriptions set anchor = $1, current_period_start = $1, current_period_end = $2 where id = any($3::text[])', [
          subs[0]!.currentPeriodStart, subs[0]!.currentPeriodEnd, subs.map((s) => s.id),
        ]);
        for (const [i, sub] of subs.entries()) assert.equal((await postUsage(t, [anEvent(sub.id, calls, { value: carts[i]![2] })])).body.accepted, 1);
        // The last twin of the first goes down to the gross plan at the period's end: its usage at the net price, converted.
        const downgrade = await post(t, `/v1/subscriptions/${subs[5]!.id}/change`, { plan: gross.code });
        assert.equal(downgrade.body.effective, 'period_end', JSON.stringify(downgrade.body));
        await advance(t, { days: 32 });
        const upcoming: Record<string, any>[] = [];
        for (const sub of subs) upcoming.push((await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk)).body);
        await billingRun(t);
        const issued = [];
        for (const sub of subs) issued.push((await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!);
        issued.forEach((invoice, i) => assert.deepEqual(stripIssued(invoice), stripIssued(upcoming[i]!), `subscription ${i}`));
        // 10.00 + 1.00 of usage at 19 % (twins), 10.00 + 2.00, 20 % off 11.00, French VAT (20 %) on 11.00;
        // 5.95 gross + the 1.00 net of usage as 1.19 gross, holding 0.95 + 0.19.
        assert.deepEqual(issued.map((i) => [i.subtotal, i.discount, i.tax, i.total]), [
          [1100, 0, 209, 1309], [1100, 0, 209, 1309], [1200, 0, 228, 1428], [1100, 220, 167, 1047], [1100, 0, 220, 1320], [714, 0, 114, 714],
        ]);
      });

      it('when paused with resumesAt, then it is the invoice the run issues at the resume, dated resumesAt, line by line', async () => {
        const plan = await aFlatPlan(t, 4900);
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'lifetime' });
        const { subscription: sub } = await subscribe(t, { plan: plan.code, couponCode: coupon.code });
        const now = new Date(await advance(t, { seconds: 1 }));
        const resumesAt = new Date(now.getTime() + 10 * DAY_MS).toISOString();
        assert.equal((await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'now', resumesAt })).body.status, 'paused');
        const upcoming = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(upcoming.status, 200, JSON.stringify(upcoming.body));
        assert.deepEqual([upcoming.body.status, upcoming.body.nextAttemptAt, upcoming.body.kind, upcoming.body.issuedAt, upcoming.body.dueAt], ['draft', null, 'renewal', resumesAt, resumesAt]);
        assert.deepEqual([upcoming.body.periodStart, upcoming.body.periodEnd], [resumesAt, addInterval(new Date(resumesAt), MONTH, 1).toISOString()]);
        const count = (await invoicesOf(t, sub.id)).length;
        await advance(t, { seconds: 10 * 86_400 });
        assert.ok((await billingRun(t)).subscriptionsResumed >= 1);
        const all = await invoicesOf(t, sub.id);
        assert.equal(all.length, count + 1, 'one invoice at the resume');
        const issued = all.at(-1)!;
        assert.deepEqual(stripIssued(upcoming.body), stripIssued(issued));
        // The run issues at its own clock reading, just after resumesAt: the period is the resume's.
        assert.deepEqual([issued.periodStart, issued.subtotal, issued.discount, issued.tax, issued.total], [resumesAt, 4900, 490, 838, 5248]);
      });

      it('when a pause is scheduled at the period end with resumesAt, then no invoice comes at the period end and the upcoming invoice is the resume\'s', async () => {
        const plan = await aFlatPlan(t, 2900);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const resumesAt = new Date(new Date(sub.currentPeriodEnd).getTime() + 5 * DAY_MS).toISOString();
        const scheduled = await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'period_end', resumesAt });
        assert.deepEqual([scheduled.body.status, scheduled.body.pausedAt], ['active', sub.currentPeriodEnd], JSON.stringify(scheduled.body));
        const upcoming = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(upcoming.status, 200, JSON.stringify(upcoming.body));
        assert.deepEqual([upcoming.body.issuedAt, upcoming.body.periodStart, upcoming.body.nextAttemptAt], [resumesAt, resumesAt, null]);
        const count = (await invoicesOf(t, sub.id)).length;
        const now = new Date(await advance(t, { seconds: 0 }));
        await advance(t, { seconds: Math.ceil((new Date(sub.currentPeriodEnd).getTime() - now.getTime()) / 1000) });
        await billingRun(t);
        assert.equal((await getSubscription(t, sub.id)).status, 'paused');
        assert.equal((await invoicesOf(t, sub.id)).length, count, 'no invoice at the period end');
        const still = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.deepEqual(stripIssued(still.body), stripIssued(upcoming.body), 'the same once paused');
        await advance(t, { seconds: 5 * 86_400 });
        await billingRun(t);
        const all = await invoicesOf(t, sub.id);
        assert.equal(all.length, count + 1);
        assert.deepEqual(stripIssued(upcoming.body), stripIssued(all.at(-1)!));
        assert.deepEqual([all.at(-1)!.kind, all.at(-1)!.periodStart, all.at(-1)!.total], ['renewal', resumesAt, 3451]);
      });

      it('when a pause is scheduled at the period end with usage to bill, then the upcoming invoice is the pause\'s usage invoice at the period end, then the resume\'s', async () => {
        const calls = await createMeasurement(t);
        const plan = await aMeteredPlan(t, [calls]);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        assert.equal((await postUsage(t, [anEvent(sub.id, calls, { value: 40 })])).body.accepted, 1);
        const resumesAt = new Date(new Date(sub.currentPeriodEnd).getTime() + 3 * DAY_MS).toISOString();
        assert.equal((await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'period_end', resumesAt })).status, 200);
        const usage = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(usage.status, 200, JSON.stringify(usage.body));
        assert.deepEqual([usage.body.kind, usage.body.issuedAt, usage.body.periodEnd], ['usage', sub.currentPeriodEnd, sub.currentPeriodEnd]);
        const now = new Date(await advance(t, { seconds: 0 }));
        await advance(t, { seconds: Math.ceil((new Date(sub.currentPeriodEnd).getTime() - now.getTime()) / 1000) });
        const atEnd = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        await billingRun(t);
        assert.deepEqual(stripIssued(usage.body), stripIssued((await invoicesOf(t, sub.id)).at(-1)!), 'the pause\'s usage invoice');
        const next = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.deepEqual([atEnd.body.kind, next.body.kind, next.body.issuedAt, next.body.periodStart], ['usage', 'renewal', resumesAt, resumesAt]);
        await advance(t, { seconds: 3 * 86_400 });
        await billingRun(t);
        assert.deepEqual(stripIssued(next.body), stripIssued((await invoicesOf(t, sub.id)).at(-1)!), 'the resume\'s invoice');
      });

      it('when paused, now or at the period end, without resumesAt, then there is no upcoming invoice: 404 invoice_upcoming_none, paused until resumed', async () => {
        for (const at of ['now', 'period_end']) {
          const plan = await aFlatPlan(t, 1000);
          const { subscription: sub } = await subscribe(t, { plan: plan.code });
          assert.equal((await post(t, `/v1/subscriptions/${sub.id}/pause`, { at })).status, 200);
          const res = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
          assert.deepEqual([res.status, res.body.code], [404, 'invoice_upcoming_none'], at);
          assert.match(res.body.detail, /paused until resumed/);
        }
      });

      it('when paused with resumesAt after the subscription expires, then its resume invoices nothing: 404 invoice_upcoming_none, never a 500 (found by the fuzz test)', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const now = Date.parse((await request(t.app).post('/v1/test-clock/advance').set(t.sk).send({ seconds: 1 })).body.now);
        const expire = await post(t, `/v1/subscriptions/${sub.id}/expire`, { at: new Date(now + 10 * DAY_MS).toISOString() });
        assert.equal(expire.status, 200, JSON.stringify(expire.body));
        const paused = await post(t, `/v1/subscriptions/${sub.id}/pause`, { resumesAt: new Date(now + 20 * DAY_MS).toISOString() });
        assert.equal(paused.status, 200, JSON.stringify(paused.body));
        const res = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.deepEqual([res.status, res.body.code], [404, 'invoice_upcoming_none'], JSON.stringify(res.body));
      });

      it('when the subscription is cancelled, then there is no upcoming invoice (404 invoice_upcoming_none)', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'now' });
        const res = await request(t.app).get(`/v1/subscriptions/${sub.id}/upcoming-invoice`).set(t.sk);
        assert.equal(res.status, 404);
        assert.equal(res.body.code, 'invoice_upcoming_none');
      });
    });

    describe('dunning', () => {
      it('when renewals keep failing, then the subscription is past_due, retried on days 1, 3, 5, 7 after the first failure, then cancelled with the invoice uncollectible', async () => {
        const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
        const { subscription: sub } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
        await advance(t, { days: 8 });
        const first = await billingRun(t);
        assert.ok(first.paymentsFailed >= 1 && first.subscriptionsPastDue >= 1, JSON.stringify(first));
        let now = await getSubscription(t, sub.id);
        assert.equal(now.status, 'past_due');
        let invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(invoice.status, 'open');
        const failedAt = new Date(invoice.attempts[0].at).getTime();
        assert.equal(invoice.nextAttemptAt, new Date(failedAt + DAY_MS).toISOString());

        for (const [day, next] of [[1, 3], [3, 5], [5, 7]] as const) {
          await advance(t, { days: day === 1 ? 1 : 2 });
          await billingRun(t);
          invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
          assert.equal(invoice.status, 'open', `after the retry of day ${day}`);
          assert.equal(invoice.nextAttemptAt, new Date(failedAt + next * DAY_MS).toISOString());
        }
        await advance(t, { days: 2 });
        await billingRun(t);
        invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        now = await getSubscription(t, sub.id);
        assert.equal(invoice.status, 'uncollectible');
        assert.equal(invoice.attempts.length, 5);
        assert.ok(invoice.attempts.every((a: { outcome: string }) => a.outcome === 'declined'));
        assert.equal(now.status, 'cancelled');
        const types = await eventTypes(db, sub.id);
        assert.deepEqual(types.filter((e) => e !== 'subscription.trial_will_end'), ['subscription.created', 'subscription.renewed', 'subscription.past_due', 'subscription.cancelled']);
        assert.equal((await eventTypes(db, invoice.id)).filter((e) => e === 'invoice.payment_failed').length, 5);
      });

      it('when the final action is mark_uncollectible, then the subscription is unpaid, gets no invoices, and a late payment makes it active again', async () => {
        await request(t.app).put('/v1/settings').set(t.sk).send({ dunning: { retryDays: [1], finalAction: 'mark_uncollectible' } });
        try {
          const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
          const { subscription: sub } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
          await advance(t, { days: 8 });
          await billingRun(t);
          await advance(t, { days: 1 });
          const final = await billingRun(t);
          assert.equal((await getSubscription(t, sub.id)).status, 'unpaid');
          // The run's summary counts the move, as it counts past_due and cancelled.
          assert.ok(final.subscriptionsUnpaid >= 1, JSON.stringify(final));
          await advance(t, { days: 31 });
          await billingRun(t);
          const invoices = (await invoicesOf(t, sub.id)).filter((i) => i.kind === 'renewal');
          assert.equal(invoices.length, 1, 'no invoices while unpaid');
          assert.equal(invoices[0]!.status, 'uncollectible');
          const paid = await post(t, `/v1/invoices/${invoices[0]!.id}/pay`, { paymentMethod: 'pm_card_visa' });
          assert.equal(paid.status, 200, JSON.stringify(paid.body));
          assert.equal(paid.body.status, 'paid');
          assert.equal((await getSubscription(t, sub.id)).status, 'active');
        } finally {
          await request(t.app).put('/v1/settings').set(t.sk).send({ dunning: { retryDays: [1, 3, 5, 7], finalAction: 'cancel' } });
        }
      });

      it('when a past_due subscription gets a new payment method, then its open invoice is retried at once and it is active again; an unknown method is 400', async () => {
        const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
        const { subscription: sub } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
        await advance(t, { days: 8 });
        await billingRun(t);
        assert.equal((await getSubscription(t, sub.id)).status, 'past_due');
        const bad = await post(t, `/v1/subscriptions/${sub.id}/payment-method`, { paymentMethod: 'pm_nope' });
        assert.equal(bad.status, 400);
        const res = await post(t, `/v1/subscriptions/${sub.id}/payment-method`, { paymentMethod: 'pm_card_visa' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.status, 'active');
        assert.deepEqual(res.body.defaultPaymentMethod, { provider: 'test', id: 'pm_card_visa', brand: 'visa', last4: '4242' });
        const invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(invoice.status, 'paid');
        assert.deepEqual(invoice.attempts.map((a: { outcome: string }) => a.outcome), ['declined', 'succeeded']);
      });

      it('when an open invoice is paid with a declining card, then 402 payment_declined and the attempt is recorded; the same invoice paid twice is 409 invoice_status', async () => {
        const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
        const { subscription: sub } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
        await advance(t, { days: 8 });
        await billingRun(t);
        const invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        const declined = await post(t, `/v1/invoices/${invoice.id}/pay`, { paymentMethod: 'pm_card_chargeDeclined' });
        assert.equal(declined.status, 402);
        assert.equal(declined.body.code, 'payment_declined');
        const ok = await post(t, `/v1/invoices/${invoice.id}/pay`, { paymentMethod: 'pm_card_visa' });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.attempts.length, 3);
        const again = await post(t, `/v1/invoices/${invoice.id}/pay`);
        assert.equal(again.status, 409);
        assert.equal(again.body.code, 'invoice_status');
        assert.equal((await getSubscription(t, sub.id)).status, 'active');
      });
    });

    describe('cancel, pause, resume, expire, coupon', () => {
      it('when cancel and pause are sent with no body at all (curl -X POST without -d), then they take their defaults: cancel at the period end, pause now', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const cancelled = await request(t.app).post(`/v1/subscriptions/${sub.id}/cancel`).set(t.sk).set('Content-Type', 'application/json');
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        assert.deepEqual([cancelled.body.status, cancelled.body.cancelAtPeriodEnd], ['active', true]);
        await post(t, `/v1/subscriptions/${sub.id}/uncancel`);
        const paused = await request(t.app).post(`/v1/subscriptions/${sub.id}/pause`).set(t.sk);
        assert.equal(paused.status, 200, JSON.stringify(paused.body));
        assert.equal(paused.body.status, 'paused');
        // A body that is there must still be an object.
        const wrong = await request(t.app).post(`/v1/subscriptions/${sub.id}/resume`).set(t.sk);
        assert.equal(wrong.status, 200, JSON.stringify(wrong.body));
        const list = await request(t.app).post(`/v1/subscriptions/${sub.id}/cancel`).set(t.sk).set('Content-Type', 'application/json').send('[]');
        assert.equal(list.status, 400);
      });

      it('when cancelled at the period end, then it stays active until then, can be uncancelled, and is cancelled by the run at the period end', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const scheduled = await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'period_end', reason: 'too_expensive', comment: 'cheaper elsewhere' });
        assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
        assert.equal(scheduled.body.status, 'active');
        assert.equal(scheduled.body.cancelAtPeriodEnd, true);
        assert.deepEqual(scheduled.body.cancellation, { reason: 'too_expensive', comment: 'cheaper elsewhere' });
        const undone = await post(t, `/v1/subscriptions/${sub.id}/uncancel`);
        assert.equal(undone.body.cancelAtPeriodEnd, false);
        const nothing = await post(t, `/v1/subscriptions/${sub.id}/uncancel`);
        assert.equal(nothing.status, 409);
        assert.equal(nothing.body.code, 'subscription_status');
        await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'period_end' });
        await advance(t, { days: 32 });
        await billingRun(t);
        const ended = await getSubscription(t, sub.id);
        assert.equal(ended.status, 'cancelled');
        assert.equal(ended.endedAt, sub.currentPeriodEnd);
        assert.equal((await invoicesOf(t, sub.id)).length, 1, 'no renewal, and no final invoice without usage');
        assert.deepEqual(await eventTypes(db, sub.id), ['subscription.created', 'subscription.cancel_scheduled', 'subscription.updated', 'subscription.cancel_scheduled', 'subscription.cancelled']);
        const again = await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'now' });
        assert.equal(again.status, 409);
        assert.equal(again.body.code, 'subscription_status');
        assert.match(again.body.detail, /cancelled/);
      });

      it('when cancelled now with a reason outside the eight, then 400 at /reason; with a known one, it ends at once', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const bad = await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'now', reason: 'bored' });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.errors[0].pointer, '/reason');
        const now = await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'now', reason: 'unused' });
        assert.equal(now.status, 200, JSON.stringify(now.body));
        assert.equal(now.body.status, 'cancelled');
        assert.equal(now.body.endedAt, now.body.cancelledAt);
      });

      it('when cancellation.refund is prorate and a subscription is cancelled now, then a credit note refunds the unused time of the period', async () => {
        await request(t.app).put('/v1/settings').set(t.sk).send({
          cancellation: { refund: 'prorate' },
          seller: { name: 'Billkit Test GmbH', address: { line1: 'Weg 1', postalCode: '10115', city: 'Berlin', country: 'DE' }, email: 'seller@example.test' },
        });
        try {
          const plan = await aFlatPlan(t, 3000);
          const { subscription: sub, invoice } = await subscribe(t, { plan: plan.code });
          await advance(t, { days: 10 });
          const cancelled = await post(t, `/v1/subscriptions/${sub.id}/cancel`, { at: 'now', reason: 'unused' });
          assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
          const notes = await request(t.app).get(`/v1/credit-notes?invoiceId=${invoice.id}`).set(t.sk);
          assert.equal(notes.status, 200, JSON.stringify(notes.body));
          assert.equal(notes.body.data.length, 1);
          const note = notes.body.data[0];
          const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
          const unused = seconds(sub.currentPeriodEnd) - seconds(cancelled.body.endedAt);
          const whole = seconds(sub.currentPeriodEnd) - seconds(sub.currentPeriodStart);
          assert.equal(note.total, Math.round((invoice.total * unused) / whole), 'the unused share of what was paid, to the cent');
          assert.ok(note.total > 0 && note.total < invoice.total);
          assert.equal(note.refund?.status, 'succeeded');
        } finally {
          await request(t.app).put('/v1/settings').set(t.sk).send({ cancellation: { refund: 'none' } });
        }
      });

      it('when paused, then no invoices come; resumed, a new period starts at the resume, invoiced and charged at once', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const paused = await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'now' });
        assert.equal(paused.status, 200, JSON.stringify(paused.body));
        assert.equal(paused.body.status, 'paused');
        await advance(t, { days: 40 });
        await billingRun(t);
        assert.equal((await invoicesOf(t, sub.id)).length, 1, 'nothing while paused');
        const pausedAgain = await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'now' });
        assert.equal(pausedAgain.status, 409);
        const resumed = await post(t, `/v1/subscriptions/${sub.id}/resume`);
        assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
        assert.equal(resumed.body.status, 'active');
        const start = new Date(resumed.body.currentPeriodStart);
        assert.equal(resumed.body.currentPeriodEnd, addInterval(start, MONTH, 1).toISOString());
        const renewal = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        assert.equal(renewal.status, 'paid');
        assert.equal(renewal.periodStart, resumed.body.currentPeriodStart);
        assert.deepEqual((await eventTypes(db, sub.id)).slice(-2), ['subscription.paused', 'subscription.resumed']);
      });

      it('when paused with resumesAt, then the run resumes it at that time', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const now = new Date((await advance(t, { seconds: 1 })));
        const resumesAt = new Date(now.getTime() + 10 * DAY_MS).toISOString();
        const bad = await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'now', resumesAt: now.toISOString().slice(0, 10) });
        assert.equal(bad.status, 400, 'a date without a time is not an instant');
        await post(t, `/v1/subscriptions/${sub.id}/pause`, { at: 'now', resumesAt });
        await advance(t, { days: 11 });
        const summary = await billingRun(t);
        assert.ok(summary.subscriptionsResumed >= 1);
        const resumed = await getSubscription(t, sub.id);
        assert.equal(resumed.status, 'active');
        assert.equal(resumed.currentPeriodStart, resumesAt);
      });

      it('when set to expire at a date, then it runs to the end of that period and the run ends it as expired; a past date is 400 at /at', async () => {
        const plan = await aFlatPlan(t, 1000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const past = await post(t, `/v1/subscriptions/${sub.id}/expire`, { at: '2000-01-01T00:00:00Z' });
        assert.equal(past.status, 400);
        assert.equal(past.body.errors[0].pointer, '/at');
        const at = new Date(new Date(sub.currentPeriodEnd).getTime() - DAY_MS).toISOString();
        const set = await post(t, `/v1/subscriptions/${sub.id}/expire`, { at });
        assert.equal(set.status, 200, JSON.stringify(set.body));
        assert.equal(set.body.expiresAt, at);
        await advance(t, { days: 32 });
        await billingRun(t);
        const ended = await getSubscription(t, sub.id);
        assert.equal(ended.status, 'expired');
        assert.equal(ended.endedAt, sub.currentPeriodEnd);
      });

      it('when a coupon is applied to a live subscription, then the next renewal is discounted, its periods counted from there; an unknown code is 422 coupon_not_found', async () => {
        const plan = await aFlatPlan(t, 10000);
        const { subscription: sub } = await subscribe(t, { plan: plan.code });
        const unknown = await post(t, `/v1/subscriptions/${sub.id}/coupon`, { code: 'NOPE-NOPE' });
        assert.equal(unknown.status, 422);
        assert.equal(unknown.body.code, 'coupon_not_found');
        const coupon = await createCoupon(t, { percentage: 50, frequency: 'once' });
        const applied = await post(t, `/v1/subscriptions/${sub.id}/coupon`, { code: coupon.code.toLowerCase() });
        assert.equal(applied.status, 200, JSON.stringify(applied.body));
        assert.equal(applied.body.couponCode, coupon.code);
        await advance(t, { days: 32 });
        await billingRun(t);
        await advance(t, { days: 31 });
        await billingRun(t);
        const renewals = (await invoicesOf(t, sub.id)).filter((i) => i.kind === 'renewal');
        assert.deepEqual(renewals.map((i) => i.discount), [5000, 0], 'once = the first invoice after it was applied');
        const coupons = await request(t.app).get(`/v1/coupons/${coupon.id}`).set(t.sk);
        assert.equal(coupons.body.timesRedeemed, 1);
      });

      it('when a verb names an unknown subscription, then 404 subscription_not_found', async () => {
        const res = await post(t, '/v1/subscriptions/sub_nope/cancel', { at: 'now' });
        assert.equal(res.status, 404);
        assert.equal(res.body.code, 'subscription_not_found');
      });
    });

    describe('invoices', () => {
      it('when an open invoice is voided, then it is void with voidedAt and the past_due subscription is active again; a paid invoice cannot be voided (409 invoice_status)', async () => {
        const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
        const { subscription: sub, invoice: first } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
        await advance(t, { days: 8 });
        await billingRun(t);
        assert.equal((await getSubscription(t, sub.id)).status, 'past_due');
        const invoice = (await invoicesOf(t, sub.id)).find((i) => i.kind === 'renewal')!;
        const voided = await post(t, `/v1/invoices/${invoice.id}/void`);
        assert.equal(voided.status, 200, JSON.stringify(voided.body));
        assert.equal(voided.body.status, 'void');
        assert.ok(voided.body.voidedAt);
        assert.equal((await getSubscription(t, sub.id)).status, 'active');
        assert.deepEqual((await eventTypes(db, invoice.id)).slice(-1), ['invoice.voided']);
        const twice = await post(t, `/v1/invoices/${invoice.id}/mark-uncollectible`);
        assert.equal(twice.status, 409);
        const paidPlan = await aFlatPlan(t, 1000);
        const paid = await subscribe(t, { plan: paidPlan.code });
        const refused = await post(t, `/v1/invoices/${paid.invoice.id}/void`);
        assert.equal(refused.status, 409);
        assert.equal(refused.body.code, 'invoice_status');
        void first;
      });

      it('when invoices are listed by status, then only that status comes; an unknown status is 400 at /query/status', async () => {
        const res = await request(t.app).get('/v1/invoices?status=paid&limit=100').set(t.sk);
        assert.equal(res.status, 200);
        assert.ok(res.body.data.length > 0 && res.body.data.every((i: { status: string }) => i.status === 'paid'));
        const bad = await request(t.app).get('/v1/invoices?status=late').set(t.sk);
        assert.equal(bad.status, 400);
        assert.equal(bad.body.errors[0].pointer, '/query/status');
      });

      it('when billing runs are listed, then the newest comes first with its summary', async () => {
        const run = await billingRun(t);
        const res = await request(t.app).get('/v1/billing-runs?limit=1').set(t.sk);
        assert.equal(res.status, 200);
        assert.equal(res.body.data[0].id, run.id);
        assert.equal(res.body.data[0].invoicesIssued, run.invoicesIssued);
        assert.ok(res.body.data[0].finishedAt);
      });
    });
  });
}
