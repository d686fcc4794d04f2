import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { aFixedCouponInput, createCoupon } from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';
import { advance, billingRun, invoicesOf } from '../../support/lifecycle.js';
import { aMeteredPlan, anEvent, createMeasurement, postUsage, subscribe, type MeasurementView, type MeteredPlan } from '../../support/usage.js';

for (const target of testDatabases()) {
  describe(`usage API on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let calls: MeasurementView;
    let users: MeasurementView;
    let plan: MeteredPlan;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { testClock: true });
      calls = await createMeasurement(t, { aggregation: 'sum' });
      users = await createMeasurement(t, { aggregation: 'count_unique', unit: 'user' });
      plan = await aMeteredPlan(t, [calls, users]);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const stored = async (subscriptionId: string) =>
      (await db.query<{ id: string; value: string; at: Date; unique_key: string }>('select id, value, at, unique_key from usage_events where subscription_id = $1 order by seq', [subscriptionId])).rows;
    const usageOf = (id: string) => request(t.app).get(`/v1/subscriptions/${id}/usage`).set(t.sk);

    describe('recording', () => {
      it('when events are sent for a subscription, then they are accepted and the usage shows the period so far, priced', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const res = await postUsage(t, [
          anEvent(subscription.id, calls, { value: 120 }),
          anEvent(subscription.id, calls, { value: 30 }),
          anEvent(subscription.id, users, { uniqueKey: 'u1' }),
          anEvent(subscription.id, users, { uniqueKey: 'u2' }),
          anEvent(subscription.id, users, { uniqueKey: 'u1' }),
        ]);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, { accepted: 5, duplicates: 0, rejected: [] });

        const usage = await usageOf(subscription.id);
        assert.equal(usage.status, 200, JSON.stringify(usage.body));
        assert.equal(usage.body.currency, 'EUR');
        assert.deepEqual(
          usage.body.charges.map((c: Record<string, unknown>) => [c.chargeId, (c.measurement as { code: string }).code, c.quantity, c.amount, c.periodStart, c.periodEnd]),
          [
            [plan.charges[1]!.id, calls.code, 150, 1500, subscription.currentPeriodStart, subscription.currentPeriodEnd],
            [plan.charges[2]!.id, users.code, 2, 20, subscription.currentPeriodStart, subscription.currentPeriodEnd],
          ],
        );
      });

      it('when a batch is sent twice and repeats an id within itself, then each event is stored once and the repeats are duplicates', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const first = anEvent(subscription.id, calls, { value: 7 });
        const batch = [first, anEvent(subscription.id, calls, { value: 5 }), { ...first, value: 1000 }];
        assert.deepEqual((await postUsage(t, batch)).body, { accepted: 2, duplicates: 1, rejected: [] });
        assert.deepEqual((await postUsage(t, batch)).body, { accepted: 0, duplicates: 3, rejected: [] });
        assert.deepEqual((await stored(subscription.id)).map((r) => Number(r.value)), [7, 5]);
        assert.equal((await usageOf(subscription.id)).body.charges[0].quantity, 12);
      });

      it('when the same id is used for two measurements, then both are stored (ids are per measurement)', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const id = unique('evt');
        assert.deepEqual((await postUsage(t, [anEvent(subscription.id, calls, { id }), anEvent(subscription.id, users, { id })])).body, { accepted: 2, duplicates: 0, rejected: [] });
      });

      it('when events name the customer instead of the subscription, then they go to its live subscription that bills the measurement', async () => {
        const { subscription, customer } = await subscribe(t, plan.code);
        const res = await postUsage(t, [{ id: unique('evt'), measurement: calls.code, customerId: customer.id, value: 4 }]);
        assert.deepEqual(res.body, { accepted: 1, duplicates: 0, rejected: [] });
        assert.deepEqual((await stored(subscription.id)).map((r) => Number(r.value)), [4]);
      });

      it('when no timestamp is given, then the event is dated by the test clock', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const now = Date.parse((await request(t.app).post('/v1/test-clock/advance').set(t.sk).send({ days: 1 })).body.now);
        assert.equal((await postUsage(t, [anEvent(subscription.id, calls)])).body.accepted, 1);
        const [row] = await stored(subscription.id);
        const at = new Date(row!.at).getTime();
        assert.ok(at >= now && at < now + 60_000, `${new Date(at).toISOString()} is not the clock's ${new Date(now).toISOString()}`);
        assert.ok(at - Date.now() > 23 * 3_600_000, 'dated by the system clock, not the test clock');
      });

      it('when no uniqueKey is given, then count_unique counts the event ids', async () => {
        const { subscription } = await subscribe(t, plan.code);
        await postUsage(t, [anEvent(subscription.id, users), anEvent(subscription.id, users), anEvent(subscription.id, users, { uniqueKey: 'same' }), anEvent(subscription.id, users, { uniqueKey: 'same' })]);
        assert.equal((await usageOf(subscription.id)).body.charges[1].quantity, 3);
      });
    });

    describe('refusals per event', () => {
      it('when events are refused for different reasons, then each is reported with its index and code and the others are stored', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const other = await createMeasurement(t);
        const start = Date.parse(subscription.currentPeriodStart);
        const clock = Date.parse((await request(t.app).post('/v1/test-clock/advance').set(t.sk).send({ seconds: 0 })).body.now);
        const res = await postUsage(t, [
          anEvent(subscription.id, calls, { value: 2 }),
          anEvent('sub_unknown', calls),
          anEvent(subscription.id, other),
          anEvent(subscription.id, { code: 'no-such-measurement' }),
          anEvent(subscription.id, calls, { timestamp: new Date(start - 1000).toISOString() }),
          anEvent(subscription.id, calls, { timestamp: new Date(clock + 3_600_000).toISOString() }),
          { id: unique('evt'), measurement: calls.code, customerId: 'cus_unknown' },
          anEvent(subscription.id, calls, { value: 3, timestamp: new Date(clock + 60_000).toISOString() }),
        ]);
        assert.equal(res.status, 200);
        assert.equal(res.body.accepted, 2);
        assert.equal(res.body.duplicates, 0);
        assert.deepEqual(
          res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
          [
            [1, 'subscription_not_found'],
            [2, 'measurement_not_billed'],
            [3, 'measurement_not_billed'],
            [4, 'usage_period_closed'],
            [5, 'usage_timestamp_in_future'],
            [6, 'subscription_not_found'],
          ],
        );
        for (const r of res.body.rejected) assert.ok(r.detail.length > 10, r.detail);
        assert.deepEqual((await stored(subscription.id)).map((r) => Number(r.value)), [2, 3]);
      });

      it('when a customer has no subscription that bills the measurement, then it is subscription_not_found', async () => {
        const flat = await aFlatPlan(t, 500);
        const { customer } = await subscribe(t, flat.code);
        const res = await postUsage(t, [{ id: unique('evt'), measurement: calls.code, customerId: customer.id }]);
        assert.deepEqual(res.body.rejected.map((r: { code: string }) => r.code), ['subscription_not_found']);
      });

      it('when the subscription is cancelled, then its usage is refused as usage_period_closed', async () => {
        const { subscription } = await subscribe(t, plan.code);
        await db.query(`update subscriptions set status = 'cancelled' where id = $1`, [subscription.id]);
        const res = await postUsage(t, [anEvent(subscription.id, calls)]);
        assert.deepEqual(res.body.rejected.map((r: { code: string }) => r.code), ['usage_period_closed']);
        assert.match(res.body.rejected[0].detail, /cancelled/);
        assert.equal((await stored(subscription.id)).length, 0);
      });

      it('when the subscription was paused, then usage dated before the pause is usage_period_closed (the pause invoiced it) and usage after it is accepted', async () => {
        const { subscription } = await subscribe(t, plan.code);
        await request(t.app).post('/v1/test-clock/advance').set(t.sk).send({ days: 1 });
        const paused = await request(t.app).post(`/v1/subscriptions/${subscription.id}/pause`).set(t.sk).send({ at: 'now' });
        assert.equal(paused.status, 200, JSON.stringify(paused.body));
        const before = new Date(Date.parse(subscription.currentPeriodStart) + 1000).toISOString();
        const res = await postUsage(t, [anEvent(subscription.id, calls, { timestamp: before }), anEvent(subscription.id, calls)]);
        assert.equal(res.body.accepted, 1);
        assert.deepEqual(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[0, 'usage_period_closed']]);
      });

      it('when an event already stored is sent again after its period closed, then it is a duplicate, not a refusal', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const event = anEvent(subscription.id, calls, { timestamp: subscription.currentPeriodStart });
        assert.equal((await postUsage(t, [event])).body.accepted, 1);
        await db.query(`update subscriptions set current_period_start = current_period_start + interval '1 second' where id = $1`, [subscription.id]);
        assert.deepEqual((await postUsage(t, [event])).body, { accepted: 0, duplicates: 1, rejected: [] });
      });
    });

    describe('a recurring value (seats) when the period ends now', () => {
      /** A plan every 30 days billing seats held at 5.00 a seat a period; 4 seats from the start, then 15 days (half the period). */
      const halfWayWithSeats = async () => {
        const seats = await createMeasurement(t, { type: 'recurring', aggregation: 'last_value', unit: 'seat' });
        const perMonth = await aMeteredPlan(t, [seats], { unitAmount: 500, plan: { interval: { unit: 'day', count: 30 } } });
        const { subscription } = await subscribe(t, perMonth.code);
        assert.equal((await postUsage(t, [anEvent(subscription.id, seats, { value: 4, timestamp: subscription.currentPeriodStart })])).body.accepted, 1);
        await advance(t, { days: 15 });
        return { subscription, charge: perMonth.charges[1]!.id };
      };
      const seatLines = async (subscriptionId: string, kind: string) =>
        (await invoicesOf(t, subscriptionId)).find((i) => i.kind === kind)!.lines.map((l: { chargeId: string; quantity: number; subtotal: number }) => [l.chargeId, l.quantity, l.subtotal]);

      for (const [verb, done, kind] of [['cancel', 'cancelled', 'final'], ['pause', 'paused', 'usage']] as const) {
        it(`when the subscription is ${done} now half-way, then its ${kind} invoice bills the seats held so far for half the period price, not a whole period's`, async () => {
          const { subscription, charge } = await halfWayWithSeats();
          const res = await request(t.app).post(`/v1/subscriptions/${subscription.id}/${verb}`).set(t.sk).send({ at: 'now' });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          // 4 seats x 5.00 = 20.00 a period, held for 15 of its 30 days: 10.00.
          assert.deepEqual(await seatLines(subscription.id, kind), [[charge, 4, 1000]]);
        });
      }
    });

    describe('malformed batches', () => {
      const cases: { situation: string; events: (sub: string) => unknown[]; pointer: string }[] = [
        { situation: 'the fourth event has a negative value', events: (s) => [anEvent(s, { code: 'x' }), anEvent(s, { code: 'x' }), anEvent(s, { code: 'x' }), anEvent(s, { code: 'x' }, { value: -1 })], pointer: '/events/3/value' },
        { situation: 'a value is a decimal', events: (s) => [anEvent(s, { code: 'x' }, { value: 1.5 })], pointer: '/events/0/value' },
        { situation: 'an event has no id', events: (s) => [{ measurement: 'x', subscriptionId: s }], pointer: '/events/0/id' },
        { situation: 'an event names neither subscription nor customer', events: () => [{ id: 'e', measurement: 'x' }], pointer: '/events/0/subscriptionId' },
        { situation: 'an event names both subscription and customer', events: (s) => [anEvent(s, { code: 'x' }, { customerId: 'cus_1' })], pointer: '/events/0/customerId' },
        { situation: 'a timestamp has no time zone', events: (s) => [anEvent(s, { code: 'x' }, { timestamp: '2026-03-01T12:00:00' })], pointer: '/events/0/timestamp' },
        { situation: 'the batch is empty', events: () => [], pointer: '/events' },
        { situation: 'the batch has 1,001 events', events: (s) => Array.from({ length: 1001 }, () => anEvent(s, { code: 'x' })), pointer: '/events' },
      ];
      for (const { situation, events, pointer } of cases) {
        it(`when ${situation}, then the whole batch is refused with 400 at ${pointer}`, async () => {
          const { subscription } = await subscribe(t, plan.code);
          const batch = (events(subscription.id) as Record<string, unknown>[]).map((e) => (e.measurement === 'x' ? { ...e, measurement: calls.code } : e));
          const body = problemOf(await postUsage(t, [...batch]), 400, 'validation_failed');
          assert.deepEqual(pointers(body), [pointer]);
          assert.equal((await stored(subscription.id)).length, 0);
        });
      }

      it('when a batch of 1,000 events is sent, then the body is read (over 100 kB) and all are accepted', async () => {
        const { subscription } = await subscribe(t, plan.code);
        const batch = Array.from({ length: 1000 }, (_, i) => anEvent(subscription.id, calls, { id: `${unique('evt')}-${'x'.repeat(60)}-${i}`, value: i }));
        assert.ok(JSON.stringify({ events: batch }).length > 100 * 1024);
        const res = await postUsage(t, batch);
        assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
        assert.deepEqual(res.body, { accepted: 1000, duplicates: 0, rejected: [] });
        assert.equal((await usageOf(subscription.id)).body.charges[0].quantity, (999 * 1000) / 2);
      });

      it('when another route gets a body over 100 kB, then it is still 413 (only usage batches may be larger)', async () => {
        const res = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: unique('big'), unit: 'x', type: 'metered', aggregation: 'sum', description: 'x'.repeat(110 * 1024) });
        problemOf(res, 413, 'payload_too_large');
      });

      it('when the publishable key is used, then it is 403', async () => {
        const res = await request(t.app).post('/v1/usage').set(t.pk).send({ events: [] });
        assert.equal(res.status, 403);
      });
    });

    describe('instant_metered: each accepted event billed at once', () => {
      let sms: MeasurementView;
      let smsPlan: MeteredPlan;
      before(async () => {
        sms = await createMeasurement(t, { type: 'instant_metered', aggregation: 'last_value', unit: 'message' });
        // A sum measurement beside it: billed in arrears, never on the usage invoice.
        smsPlan = await aMeteredPlan(t, [sms, calls], { unitAmount: 25 });
      });
      const usageInvoices = async (customerId: string) =>
        ((await request(t.app).get(`/v1/invoices?customerId=${customerId}`).set(t.sk)).body.data as Record<string, any>[]).filter((i) => i.kind === 'usage');

      it('when instant events are accepted, then one usage invoice bills them with tax and is paid off-session; a repeat bills nothing', async () => {
        const { subscription, customer } = await subscribe(t, smsPlan.code);
        const batch = [anEvent(subscription.id, sms, { value: 3 }), anEvent(subscription.id, sms, { value: 4 }), anEvent(subscription.id, calls, { value: 100 })];
        assert.deepEqual((await postUsage(t, batch)).body, { accepted: 3, duplicates: 0, rejected: [] });
        const [invoice, ...more] = await usageInvoices(customer.id);
        assert.equal(more.length, 0);
        assert.equal(invoice!.subscriptionId, subscription.id);
        assert.deepEqual(
          invoice!.lines.map((l: Record<string, unknown>) => [l.chargeId, l.quantity, l.subtotal, l.tax, l.total]),
          [[smsPlan.charges[1]!.id, 7, 175, 33, 208]],
        );
        assert.deepEqual([invoice!.status, invoice!.total, invoice!.amountPaid], ['paid', 208, 208]);
        assert.match(invoice!.number, /^INV-\d{4}-\d{6}$/);
        const events = (await request(t.app).get('/v1/events?type=invoice.finalized&limit=100').set(t.sk)).body.data as { data: { object: { id: string; number: string } } }[];
        assert.equal(events.find((e) => e.data.object.id === invoice!.id)?.data.object.number, invoice!.number);

        assert.deepEqual((await postUsage(t, batch)).body, { accepted: 0, duplicates: 3, rejected: [] });
        assert.equal((await usageInvoices(customer.id)).length, 1);
        // The period's invoice bills the sum measurement in arrears and the instant one no more.
        const view = (await usageOf(subscription.id)).body.charges;
        assert.deepEqual(view.map((c: { quantity: number; amount: number }) => [c.quantity, c.amount]), [[0, 0], [100, 2500]]);
      });

      it('when the saved card declines, then the usage invoice stays open with its declined attempt', async () => {
        const { subscription, customer } = await subscribe(t, smsPlan.code);
        await db.query(`update subscriptions set default_payment_method = jsonb_set(default_payment_method, '{id}', '"pm_card_chargeCustomerFail"') where id = $1`, [subscription.id]);
        assert.equal((await postUsage(t, [anEvent(subscription.id, sms, { value: 2 })])).body.accepted, 1);
        const [invoice] = await usageInvoices(customer.id);
        assert.equal(invoice!.status, 'open');
        assert.deepEqual(invoice!.attempts.map((a: { outcome: string }) => a.outcome), ['declined']);
      });

      it('when a percentage coupon covers the current period, then the usage invoice is discounted; one that covers only later periods, or a fixed amount off, gives nothing off', async () => {
        const subscribeWith = async (couponCode: string) => {
          const checkout = await startCheckout(t, { plan: smsPlan.code, couponCode });
          const res = await confirm(t, checkout.id);
          assert.equal(res.body.status, 'complete', JSON.stringify(res.body));
          return res.body as { subscription: { id: string }; customer: { id: string } };
        };
        const lineFigures = (invoice: Record<string, any>) => invoice.lines.map((l: Record<string, number>) => [l.subtotal, l.discount, l.tax, l.total]);

        const percent = await createCoupon(t, { percentage: 20, frequency: 'lifetime' });
        const covered = await subscribeWith(percent.code);
        assert.equal((await postUsage(t, [anEvent(covered.subscription.id, sms, { value: 7 })])).body.accepted, 1);
        const [discounted] = await usageInvoices(covered.customer.id);
        // 7 x 0.25 = 1.75, 20 % off 0.35, 19 % VAT on 1.40.
        assert.deepEqual(lineFigures(discounted!), [[175, 35, 27, 167]]);
        assert.deepEqual([discounted!.discount, discounted!.total, discounted!.status], [35, 167, 'paid']);

        // Applied after the checkout, a coupon counts its periods from the next one: this period is not covered.
        const { subscription: later, customer: laterCustomer } = await subscribe(t, smsPlan.code);
        const applied = await request(t.app).post(`/v1/subscriptions/${later.id}/coupon`).set(t.sk).send({ code: (await createCoupon(t, { percentage: 20 })).code });
        assert.equal(applied.status, 200, JSON.stringify(applied.body));
        assert.equal((await postUsage(t, [anEvent(later.id, sms, { value: 7 })])).body.accepted, 1);
        assert.deepEqual(lineFigures((await usageInvoices(laterCustomer.id))[0]!), [[175, 0, 33, 208]]);

        const fixed = await createCoupon(t, aFixedCouponInput({ fixedAmount: 100, frequency: 'lifetime' }));
        const withFixed = await subscribeWith(fixed.code);
        assert.equal((await postUsage(t, [anEvent(withFixed.subscription.id, sms, { value: 7 })])).body.accepted, 1);
        assert.deepEqual(lineFigures((await usageInvoices(withFixed.customer.id))[0]!), [[175, 0, 33, 208]]);
      });

      it('when the subscription is in a trial, then instant events are stored and not billed (usage in a trial is free)', async () => {
        const trialPlan = await aMeteredPlan(t, [sms], { plan: { trialDays: 7 } });
        const { subscription, customer } = await subscribe(t, trialPlan.code);
        assert.equal((await postUsage(t, [anEvent(subscription.id, sms, { value: 9 })])).body.accepted, 1);
        assert.deepEqual(await usageInvoices(customer.id), []);
      });
    });

    describe('the usage view', () => {
      it('when the subscription is unknown, then it is 404 subscription_not_found', async () => {
        problemOf(await usageOf('sub_nope'), 404, 'subscription_not_found');
      });

      it('when the subscription is in a trial, then its usage is shown and priced at 0 (usage in a trial is free)', async () => {
        const trialPlan = await aMeteredPlan(t, [calls], { plan: { trialDays: 14 } });
        const { subscription } = await subscribe(t, trialPlan.code);
        assert.equal(subscription.status, 'trialing');
        assert.equal((await postUsage(t, [anEvent(subscription.id, calls, { value: 50 })])).body.accepted, 1);
        const usage = (await usageOf(subscription.id)).body;
        assert.deepEqual([usage.charges[0].quantity, usage.charges[0].amount, usage.charges[0].free], [50, 0, true]);
      });

      it('when the plan has no metered charge, then the usage lists no charges', async () => {
        const flat = await aFlatPlan(t, 500);
        const { subscription } = await subscribe(t, flat.code);
        assert.deepEqual((await usageOf(subscription.id)).body.charges, []);
      });
    });

    // Last: these run the billing run over every subscription of the file at later clocks.
    describe('a recurring value (seats) over a pause and a resume', () => {
      const post = (path: string, body: Record<string, unknown> = {}) => request(t.app).post(path).set(t.sk).send(body);
      const meteredLines = (invoice: Record<string, any>) =>
        invoice.lines.filter((l: { type: string }) => l.type === 'metered').map((l: { quantity: number; subtotal: number; periodStart: string; periodEnd: string }) => [l.quantity, l.subtotal, l.periodStart, l.periodEnd]);
      const cases: { pause: 'now' | 'period_end'; whilePaused: number | null; prorated: boolean; billed: number }[] = [
        { pause: 'now', whilePaused: null, prorated: false, billed: 4 },
        { pause: 'now', whilePaused: null, prorated: true, billed: 4 },
        { pause: 'now', whilePaused: 6, prorated: false, billed: 6 },
        { pause: 'period_end', whilePaused: 6, prorated: true, billed: 6 },
      ];
      it('when calls are made while paused, then neither the resume nor the renewal after it bills them: the paused time is free', async () => {
        const { subscription } = await subscribe(t, plan.code);
        assert.equal((await postUsage(t, [anEvent(subscription.id, calls, { value: 5 })])).body.accepted, 1);
        await advance(t, { days: 3 });
        assert.equal((await post(`/v1/subscriptions/${subscription.id}/pause`, { at: 'now' })).status, 200);
        await advance(t, { days: 1 });
        assert.equal((await postUsage(t, [anEvent(subscription.id, calls, { value: 100 })])).body.accepted, 1);
        await advance(t, { days: 1 });
        const resumed = await post(`/v1/subscriptions/${subscription.id}/resume`);
        assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
        const invoices = await invoicesOf(t, subscription.id);
        // 5 calls at 0.10 on the pause's invoice; the resume bills the base of the new period only.
        assert.deepEqual(invoices.map((i) => [i.kind, meteredLines(i).map((l: number[]) => l.slice(0, 2))]), [['checkout', []], ['usage', [[5, 50]]], ['renewal', []]]);
        await advance(t, { days: 32 });
        await billingRun(t);
        assert.deepEqual(meteredLines((await invoicesOf(t, subscription.id)).at(-1)!), []);
      });

      for (const { pause, whilePaused, prorated, billed } of cases) {
        const set = whilePaused === null ? 'nothing is set while paused' : `${whilePaused} seats are set while paused`;
        it(`when paused ${pause === 'now' ? 'now' : 'at the period end'} with 4 seats (${prorated ? '' : 'not '}prorated) and ${set}, then the resume bills no seats for the paused time and the new period bills ${billed} seats, as its upcoming invoice showed`, async () => {
          const seats = await createMeasurement(t, { type: 'recurring', aggregation: 'last_value', unit: 'seat', prorated });
          const perMonth = await aMeteredPlan(t, [seats], { unitAmount: 500, plan: { interval: { unit: 'day', count: 30 } } });
          const { subscription } = await subscribe(t, perMonth.code);
          assert.equal((await postUsage(t, [anEvent(subscription.id, seats, { value: 4, timestamp: subscription.currentPeriodStart })])).body.accepted, 1);
          await advance(t, { days: 10 });
          const paused = await post(`/v1/subscriptions/${subscription.id}/pause`, { at: pause });
          assert.equal(paused.status, 200, JSON.stringify(paused.body));
          if (pause === 'period_end') {
            await advance(t, { days: 21 });
            await billingRun(t);
            assert.equal((await request(t.app).get(`/v1/subscriptions/${subscription.id}`).set(t.sk)).body.status, 'paused');
          }
          await advance(t, { days: 2 });
          if (whilePaused !== null) assert.equal((await postUsage(t, [anEvent(subscription.id, seats, { value: whilePaused })])).body.accepted, 1);
          await advance(t, { days: 3 });
          const resumed = await post(`/v1/subscriptions/${subscription.id}/resume`);
          assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
          const { currentPeriodStart: start, currentPeriodEnd: end } = resumed.body;
          const resumeInvoice = (await invoicesOf(t, subscription.id)).at(-1)!;
          assert.deepEqual([resumeInvoice.kind, resumeInvoice.periodStart, meteredLines(resumeInvoice)], ['renewal', start, []], 'the paused time is free');
          // From the resume on, the value held is the one set last before it: before the pause, or while paused.
          const view = (await usageOf(subscription.id)).body.charges;
          assert.deepEqual(view.map((c: { quantity: number; amount: number; periodStart: string }) => [c.quantity, c.amount, c.periodStart]), [[billed, billed * 500, start]]);
          await advance(t, { days: 30 });
          const upcoming = (await request(t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(t.sk)).body;
          await billingRun(t);
          const renewal = (await invoicesOf(t, subscription.id)).at(-1)!;
          assert.deepEqual([renewal.kind, renewal.periodStart], ['renewal', end]);
          assert.deepEqual(meteredLines(renewal), [[billed, billed * 500, start, end]]);
          assert.deepEqual([upcoming.total, meteredLines(upcoming)], [renewal.total, meteredLines(renewal)], 'the upcoming invoice showed the same');
        });
      }
    });
  });
}
