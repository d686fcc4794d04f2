import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createProduct, pointers, problemOf } from '../../support/api.js';
import { aFlatPlan, aSeatsPlan, FRENCH_BUSINESS, type PlanWithProducts } from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';
import { aMeteredPlan, anEvent, createMeasurement, postUsage, type MeasurementView } from '../../support/usage.js';
import { advance, billingRun, clockedApp, eventTypes, getSubscription, invoicesOf, subscribe } from '../../support/lifecycle.js';

const DAY = 86_400;
/** 30 days: every period has 2,592,000 s whatever the date the clock shows. */
const THIRTY_DAYS = { unit: 'day', count: 30 };

for (const target of testDatabases()) {
  describe(`POST /v1/subscriptions/{id}/change on ${target.name}`, () => {
    const world = clockedApp(target);

    // ------------------------------------------------------------------------------------------ helpers

    const aFamily = async () => {
      const res = await request(world.t.app).post('/v1/product-families').set(world.t.sk).send({ code: unique('fam'), name: 'Team tools' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    /** A flat plan of `amount` every 30 days in `familyId` (override what the test is about). */
    const aPlanIn = (familyId: string, amount: number, overrides: Record<string, unknown> = {}) =>
      aFlatPlan(world.t, amount, { familyId, interval: THIRTY_DAYS, ...overrides });
    /** Two plans of one family: 10.00 and 30.00 every 30 days. */
    const basicAndPro = async () => {
      const family = await aFamily();
      return { basic: await aPlanIn(family, 1000), pro: await aPlanIn(family, 3000) };
    };
    const subscribeTo = (plan: PlanWithProducts, cart: Record<string, unknown> = {}) => subscribe(world.t, { plan: plan.code, ...cart });
    const forward = (seconds: number) => advance(world.t, { seconds });
    const kinds = async (subscriptionId: string) => (await invoicesOf(world.t, subscriptionId)).map((i) => i.kind);
    const eventsOf = (objectId: string) => eventTypes(world.db, objectId);
    const change = (id: string, body: Record<string, unknown>, idempotencyKey?: string) => {
      const req = request(world.t.app).post(`/v1/subscriptions/${id}/change`).set(world.t.sk);
      if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
      return req.send(body);
    };
    const after_ = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
    const figures = (invoice: { lines: { subtotal: number; discount: number; tax: number; total: number }[] }) =>
      invoice.lines.map((l) => [l.subtotal, l.discount, l.tax, l.total]);
    const totals = (i: { subtotal: number; discount: number; tax: number; total: number; balanceApplied: number; amountDue: number }) =>
      [i.subtotal, i.discount, i.tax, i.total, i.balanceApplied, i.amountDue];
    const balanceOf = async (customerId: string) =>
      Number((await world.db.query<{ balance: string }>('select balance from customers where id = $1', [customerId])).rows[0]!.balance);
    const subscriptionRow = async (id: string) =>
      (await world.db.query<Record<string, unknown>>('select plan_id, items, anchor, periods_billed, pending_change, coupon_id from subscriptions where id = $1', [id])).rows[0]!;

    // ----------------------------------------------------------------------------------------- upgrades

    it('when a 10.00 plan is upgraded to 30.00 half-way through the period, then the invoice credits 5.00, charges 15.00, adds 19 % on the net and is paid', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription, customer } = await subscribeTo(basic);
      await forward(15 * DAY);
      const t15 = after_(subscription.currentPeriodStart, 15 * DAY);

      const res = await change(subscription.id, { plan: pro.code, prorationDate: t15 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const { effective, effectiveAt, prorationDate, invoice } = res.body;
      assert.deepEqual([effective, effectiveAt, prorationDate], ['now', new Date(Math.floor(Date.parse(t15) / 1000) * 1000).toISOString(), effectiveAt]);
      assert.deepEqual(figures(invoice), [[-500, 0, -95, -595], [1500, 0, 285, 1785]]);
      assert.deepEqual(totals(invoice), [1000, 0, 190, 1190, 0, 1190]);
      assert.deepEqual([invoice.kind, invoice.status, invoice.amountPaid, invoice.taxTreatment], ['proration', 'paid', 1190, 'domestic']);
      assert.match(invoice.number, /^INV-\d{4}-\d{6}$/);
      assert.deepEqual(invoice.lines.map((l: { proration?: boolean; periodEnd: string }) => [l.proration, l.periodEnd]), [
        [true, subscription.currentPeriodEnd],
        [true, subscription.currentPeriodEnd],
      ]);
      assert.deepEqual(invoice.attempts.map((a: { outcome: string }) => a.outcome), ['succeeded']);
      assert.equal(res.body.subscription.planCode, pro.code);
      assert.equal(res.body.subscription.currentPeriodEnd, subscription.currentPeriodEnd, 'the same interval keeps the period');
      assert.deepEqual(res.body.subscription.items, [{ chargeId: pro.charges[0]!.id, quantity: 1 }]);
      assert.deepEqual(await eventsOf(subscription.id), ['subscription.created', 'subscription.updated']);
      assert.deepEqual(await eventsOf(invoice.id), ['invoice.finalized', 'invoice.paid']);
      assert.equal(await balanceOf(customer.id), 0);
    });

    it('when a preview is followed minutes later by the change with its prorationDate, then the invoice equals the preview to the cent, and the preview saved nothing', async () => {
      const family = await aFamily();
      const seats = await aSeatsPlan(world.t, { familyId: family, interval: THIRTY_DAYS });
      const { subscription } = await subscribeTo(seats, { quantity: 2, addOns: [seats.charges[2]!.id] });
      await forward(11 * DAY + 12_345);

      const preview = await change(subscription.id, { quantity: 7, preview: true });
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      assert.deepEqual([preview.body.invoice.id, preview.body.invoice.number, preview.body.invoice.status], [null, null, 'draft']);
      // Nothing is scheduled for a preview: no payment attempt is due (the change itself charges at once).
      assert.deepEqual([preview.body.invoice.nextAttemptAt, preview.body.invoice.paidAt, preview.body.invoice.attempts], [null, null, []]);
      assert.ok(preview.body.invoice.total > 0);
      assert.deepEqual(preview.body.subscription.items, [
        { chargeId: seats.charges[0]!.id, quantity: 7 },
        { chargeId: seats.charges[1]!.id, quantity: 1 },
        { chargeId: seats.charges[2]!.id, quantity: 1 },
      ], 'the add-on stays when addOns is not given');
      assert.deepEqual(await kinds(subscription.id), ['checkout']);
      assert.deepEqual((await subscriptionRow(subscription.id)).items, subscription.items);

      await forward(300);
      const res = await change(subscription.id, { quantity: 7, prorationDate: preview.body.prorationDate });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.prorationDate, preview.body.prorationDate);
      assert.deepEqual(figures(res.body.invoice), figures(preview.body.invoice));
      assert.deepEqual(totals(res.body.invoice), totals(preview.body.invoice));
      // Only the seats changed: one credit and one charge line, for 5 more seats at 12.00 over the time left.
      assert.deepEqual(res.body.invoice.lines.map((l: { chargeId: string }) => l.chargeId), [
        seats.charges[0]!.id, seats.charges[2]!.id, seats.charges[0]!.id, seats.charges[2]!.id,
      ]);
      const f = (Math.floor(Date.parse(subscription.currentPeriodEnd) / 1000) - Date.parse(res.body.prorationDate) / 1000) / (30 * DAY);
      assert.equal(res.body.invoice.subtotal, Math.round(7 * 1200 * f) - Math.round(2 * 1200 * f));
    });

    it('when the customer is a French business with a VAT ID, then the proration is reverse charged: no VAT, and the note says why', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription } = await subscribe(world.t, { plan: basic.code }, FRENCH_BUSINESS);
      await forward(15 * DAY);
      const res = await change(subscription.id, { plan: pro.code, prorationDate: after_(subscription.currentPeriodStart, 15 * DAY) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(figures(res.body.invoice), [[-500, 0, 0, -500], [1500, 0, 0, 1500]]);
      assert.deepEqual([res.body.invoice.taxTreatment, res.body.invoice.total], ['reverse_charge', 1000]);
      assert.match(res.body.invoice.note, /Reverse charge/);
    });

    it('when the subscription has a 20 % coupon, then the credit is of what was paid and the charge is discounted; the coupon stays', async () => {
      const { basic, pro } = await basicAndPro();
      const coupon = await createCoupon(world.t, { percentage: 20 });
      const { subscription } = await subscribeTo(basic, { couponCode: coupon.code });
      await forward(15 * DAY);
      const res = await change(subscription.id, { plan: pro.code, prorationDate: after_(subscription.currentPeriodStart, 15 * DAY) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(figures(res.body.invoice), [[-400, 0, -76, -476], [1500, 300, 228, 1428]]);
      assert.deepEqual(totals(res.body.invoice), [1100, 300, 152, 952, 0, 952]);
      assert.deepEqual(res.body.coupon, { code: coupon.code, kept: true });
      assert.equal(res.body.subscription.couponCode, coupon.code);
    });

    it('when the coupon cannot discount the new plan, then the preview says it is dropped, the charge is not discounted, and the change drops it', async () => {
      const { basic, pro } = await basicAndPro();
      const coupon = await createCoupon(world.t, { percentage: 20, plans: [basic.code] });
      const { subscription } = await subscribeTo(basic, { couponCode: coupon.code });
      await forward(15 * DAY);
      const prorationDate = after_(subscription.currentPeriodStart, 15 * DAY);
      const preview = await change(subscription.id, { plan: pro.code, prorationDate, preview: true });
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      assert.deepEqual(preview.body.coupon, { code: coupon.code, kept: false });
      assert.equal(preview.body.subscription.couponCode, null);
      // The credit is of what was paid (discounted); the new plan's time is not.
      assert.deepEqual(figures(preview.body.invoice), [[-400, 0, -76, -476], [1500, 0, 285, 1785]]);
      assert.notEqual((await subscriptionRow(subscription.id)).coupon_id, null, 'the preview dropped nothing');

      const res = await change(subscription.id, { plan: pro.code, prorationDate });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(figures(res.body.invoice), figures(preview.body.invoice));
      assert.equal((await subscriptionRow(subscription.id)).coupon_id, null);
    });

    if (target.name === 'postgres') {
      it('when the same upgrade is sent twice at once, then the row lock lets one bill it and the other find nothing left to change', async () => {
        const { basic, pro } = await basicAndPro();
        const { subscription } = await subscribeTo(basic);
        await forward(DAY);
        const answers = await Promise.all([change(subscription.id, { plan: pro.code }), change(subscription.id, { plan: pro.code })]);
        assert.deepEqual(answers.map((a) => a.status), [200, 200], JSON.stringify(answers.map((a) => a.body)));
        assert.equal(answers.filter((a) => a.body.invoice !== undefined).length, 1);
        assert.deepEqual(await kinds(subscription.id), ['checkout', 'proration']);
      });
    }

    it('when the payment of the upgrade is declined, then the change stands, the invoice stays open and the subscription is past_due', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription } = await subscribeTo(basic);
      // The card saved at checkout is replaced by one that declines every off-session charge.
      const card = await request(world.t.app).post(`/v1/subscriptions/${subscription.id}/payment-method`).set(world.t.sk).send({ paymentMethod: 'pm_card_chargeCustomerFail' });
      assert.equal(card.status, 200, JSON.stringify(card.body));
      await forward(DAY);
      const res = await change(subscription.id, { plan: pro.code });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.invoice.status, res.body.invoice.amountPaid], ['open', 0]);
      assert.deepEqual(res.body.invoice.attempts.map((a: { outcome: string }) => a.outcome), ['declined']);
      assert.deepEqual([res.body.subscription.planCode, res.body.subscription.status], [pro.code, 'past_due']);
      assert.deepEqual(await eventsOf(res.body.invoice.id), ['invoice.finalized', 'invoice.payment_failed']);
    });

    // --------------------------------------------------------------------------------------- downgrades

    it('when a plan is downgraded, then it becomes a pendingChange at the period end; asking for the current plan calls it off', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription } = await subscribeTo(pro);
      await forward(DAY);
      const res = await change(subscription.id, { plan: basic.code });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.effective, res.body.effectiveAt, res.body.invoice], ['period_end', subscription.currentPeriodEnd, undefined]);
      assert.equal(res.body.subscription.planCode, pro.code);
      assert.deepEqual(res.body.subscription.pendingChange, {
        plan: basic.code,
        items: [{ chargeId: basic.charges[0]!.id, quantity: 1 }],
        effectiveAt: subscription.currentPeriodEnd,
      });
      assert.deepEqual((await subscriptionRow(subscription.id)).pending_change, { plan: basic.id, items: [{ chargeId: basic.charges[0]!.id, quantity: 1 }], effectiveAt: subscription.currentPeriodEnd });
      assert.deepEqual(await kinds(subscription.id), ['checkout']);

      const back = await change(subscription.id, { plan: pro.code });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.deepEqual([back.body.effective, back.body.invoice, back.body.subscription.pendingChange], ['now', undefined, null]);
      assert.deepEqual(await eventsOf(subscription.id), ['subscription.created', 'subscription.updated', 'subscription.updated']);

      const again = await change(subscription.id, { plan: pro.code });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal((await eventsOf(subscription.id)).length, 3, 'a change that changes nothing writes no event');
    });

    it('when the period of a pending downgrade ends, then the billing run applies it and bills the next period at the new plan, the coupon kept', async () => {
      const { basic, pro } = await basicAndPro();
      const coupon = await createCoupon(world.t, { percentage: 20 });
      const { subscription } = await subscribeTo(pro, { couponCode: coupon.code });
      await forward(DAY);
      assert.equal((await change(subscription.id, { plan: basic.code })).body.effective, 'period_end');
      await forward(30 * DAY);
      await billingRun(world.t);
      const renewed = await getSubscription(world.t, subscription.id);
      assert.deepEqual([renewed.planCode, renewed.pendingChange, renewed.couponCode, renewed.currentPeriodStart], [basic.code, null, coupon.code, subscription.currentPeriodEnd]);
      const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
      assert.deepEqual([renewal.subtotal, renewal.discount, renewal.total], [1000, 200, 952]);
    });

    it('when a pending downgrade has another interval, then its first period starts where the old one ended', async () => {
      const family = await aFamily();
      const yearly = await aPlanIn(family, 12000, { interval: { unit: 'day', count: 360 } });
      const monthly = await aPlanIn(family, 900);
      const { subscription } = await subscribeTo(yearly);
      await forward(DAY);
      const res = await change(subscription.id, { plan: monthly.code });
      assert.equal(res.body.effective, 'period_end', JSON.stringify(res.body));
      await forward(360 * DAY);
      await billingRun(world.t);
      const renewed = await getSubscription(world.t, subscription.id);
      assert.deepEqual(
        [renewed.planCode, renewed.currentPeriodStart, renewed.currentPeriodEnd],
        [monthly.code, subscription.currentPeriodEnd, after_(subscription.currentPeriodEnd, 30 * DAY)],
      );
    });

    it('when settings.downgrades is immediately, then a downgrade half-way credits the difference to the customer balance and nothing is due', async () => {
      const put = (downgrades: string) => request(world.t.app).put('/v1/settings').set(world.t.sk).send({ downgrades });
      const { basic, pro } = await basicAndPro();
      const { subscription, customer } = await subscribeTo(pro);
      assert.equal((await put('immediately')).status, 200);
      try {
        await forward(15 * DAY);
        const res = await change(subscription.id, { plan: basic.code, prorationDate: after_(subscription.currentPeriodStart, 15 * DAY) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.effective, 'now');
        assert.deepEqual(figures(res.body.invoice), [[-1500, 0, -285, -1785], [500, 0, 95, 595]]);
        // total -11.90: all of it goes to the balance (balanceApplied -1190), nothing is due, the invoice is paid.
        assert.deepEqual(totals(res.body.invoice), [-1000, 0, -190, -1190, -1190, 0]);
        assert.deepEqual([res.body.invoice.status, res.body.invoice.attempts], ['paid', []]);
        assert.equal(await balanceOf(customer.id), 1190);
        assert.deepEqual(await eventsOf(customer.id), ['customer.created', 'customer.updated']);

        // Back up at the same instant: 11.90 due, all of it paid from the balance.
        const up = await change(subscription.id, { plan: pro.code, prorationDate: res.body.prorationDate });
        assert.equal(up.status, 200, JSON.stringify(up.body));
        assert.deepEqual(totals(up.body.invoice), [1000, 0, 190, 1190, 1190, 0]);
        assert.deepEqual([up.body.invoice.status, up.body.invoice.attempts], ['paid', []]);
        assert.equal(await balanceOf(customer.id), 0);
        assert.equal(res.body.subscription.planCode, basic.code);
      } finally {
        assert.equal((await put('period_end')).status, 200);
      }
    });

    // ------------------------------------------------------------------------------ intervals and trials

    it('when the interval changes, then the new plan full first period is billed from now, the anchor moves to now and periodsBilled grows', async () => {
      const family = await aFamily();
      const monthly = await aPlanIn(family, 1000);
      const yearly = await aPlanIn(family, 12000, { interval: { unit: 'day', count: 360 } });
      const { subscription } = await subscribeTo(monthly);
      await forward(15 * DAY);
      const t15 = new Date(Math.floor(Date.parse(after_(subscription.currentPeriodStart, 15 * DAY)) / 1000) * 1000).toISOString();
      const res = await change(subscription.id, { plan: yearly.code, prorationDate: t15 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(figures(res.body.invoice), [[-500, 0, -95, -595], [12000, 0, 2280, 14280]]);
      const end = after_(t15, 360 * DAY);
      assert.deepEqual([res.body.invoice.periodStart, res.body.invoice.periodEnd], [t15, end]);
      assert.deepEqual([res.body.subscription.currentPeriodStart, res.body.subscription.currentPeriodEnd, res.body.subscription.periodsBilled], [t15, end, 2]);
      const row = await subscriptionRow(subscription.id);
      assert.equal(new Date(row.anchor as string).toISOString(), t15);

      // The next renewal counts from the new anchor.
      await forward(360 * DAY);
      await billingRun(world.t);
      const renewed = await getSubscription(world.t, subscription.id);
      assert.deepEqual([renewed.currentPeriodStart, renewed.currentPeriodEnd, renewed.periodsBilled], [end, after_(t15, 720 * DAY), 3]);
    });

    it('when a change is sent twice with one Idempotency-Key, then the second answer replays the first and nothing is billed twice', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription } = await subscribeTo(basic);
      await forward(DAY);
      const key = unique('key');
      const first = await change(subscription.id, { plan: pro.code }, key);
      const second = await change(subscription.id, { plan: pro.code }, key);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(second.body, first.body);
      assert.deepEqual(await kinds(subscription.id), ['checkout', 'proration']);
    });

    it('when the interval changes with usage recorded, then the usage so far is billed on the change, and none of it again at the renewal', async () => {
      const family = await aFamily();
      const calls = await createMeasurement(world.t);
      const metered = await aMeteredPlan(world.t, [calls], { plan: { familyId: family, interval: THIRTY_DAYS } });
      // The yearly plan bills the same measurement, through the same product.
      const yearly = await aPlanIn(family, 12000, {
        interval: { unit: 'day', count: 360 },
        charges: [
          { product: (await createProduct(world.t)).number, type: 'recurring', pricing: { model: 'flat', amount: 12000 } },
          { product: metered.charges[1]!.productId, type: 'metered', pricing: { model: 'per_unit', unitAmount: 10 }, quantity: { default: 0, min: 0 } },
        ],
      });
      const { subscription } = await subscribeTo(metered as PlanWithProducts);
      await forward(DAY);
      assert.deepEqual((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 150 })])).body, { accepted: 1, duplicates: 0, rejected: [] });
      await forward(14 * DAY);
      const t15 = new Date(Math.floor(Date.parse(after_(subscription.currentPeriodStart, 15 * DAY)) / 1000) * 1000).toISOString();
      const res = await change(subscription.id, { plan: yearly.code, prorationDate: t15 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      // credit -5.00; 150 calls at 0.10 for [s, t); the 360 days at 120.00.
      assert.deepEqual(figures(res.body.invoice), [[-500, 0, -95, -595], [1500, 0, 285, 1785], [12000, 0, 2280, 14280]]);
      assert.deepEqual([res.body.invoice.lines[1].chargeId, res.body.invoice.lines[1].periodStart, res.body.invoice.lines[1].periodEnd], [metered.charges[1]!.id, subscription.currentPeriodStart, t15]);

      // An event from before t is late now; one after t is the new period's.
      const late = await postUsage(world.t, [anEvent(subscription.id, calls, { value: 1000, timestamp: after_(subscription.currentPeriodStart, 2 * DAY) })]);
      assert.equal(late.body.accepted, 0, JSON.stringify(late.body));
      await forward(DAY);
      assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 7 })])).body.accepted, 1);
      await forward(360 * DAY);
      await billingRun(world.t);
      const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
      assert.deepEqual(
        renewal.lines.map((l: { chargeId: string; quantity: number; periodStart: string }) => [l.chargeId, l.quantity]),
        [[yearly.charges[0]!.id, 1], [yearly.charges[1]!.id, 7]],
        'the renewal bills the usage since the change only',
      );
    });

    /**
     * A 10.00 plan every 30 days billing `measurement` at `unitAmount` a unit, and a plan of its family at
     * `amount` (30.00) that bills it through the same product as `pricing` (or not at all).
     */
    const measuredAndNext = async (measurement: MeasurementView, unitAmount: number, pricing: Record<string, unknown> | null, overrides: Record<string, unknown> = {}, amount = 3000) => {
      const family = await aFamily();
      const basic = await aMeteredPlan(world.t, [measurement], { unitAmount, plan: { familyId: family, interval: THIRTY_DAYS } });
      const charges: Record<string, unknown>[] = [{ product: (await createProduct(world.t)).number, type: 'recurring', pricing: { model: 'flat', amount } }];
      if (pricing) charges.push({ product: basic.charges[1]!.productId, type: 'metered', pricing, quantity: { default: 0, min: 0 } });
      return { basic, next: await aPlanIn(family, amount, { charges, ...overrides }) };
    };
    /** Subscribes to `basic`, records `value` of `measurement` on day 1, and changes to `next` at t = s + 15 days (half the period, to the second). */
    const changeOnDay15 = async (basic: { code: string }, next: { code: string }, measurement: { code: string }, value: number) => {
      const { subscription } = await subscribeTo(basic as PlanWithProducts);
      await forward(DAY);
      assert.equal((await postUsage(world.t, [anEvent(subscription.id, measurement, { value })])).body.accepted, 1);
      await forward(14 * DAY);
      const t = new Date(Math.floor(Date.parse(after_(subscription.currentPeriodStart, 15 * DAY)) / 1000) * 1000).toISOString();
      const res = await change(subscription.id, { plan: next.code, prorationDate: t });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.effective, 'now');
      return { subscription, res, t };
    };
    const usageLines = (invoice: Record<string, any>) =>
      (invoice.lines as { type: string; chargeId: string; quantity: number; subtotal: number; periodStart: string; periodEnd: string }[]).filter((l) => l.type === 'metered').map((l) => [l.chargeId, l.quantity, l.subtotal, l.periodStart, l.periodEnd]);

    describe('metered usage before a change in the same interval', () => {
      /** A 10.00 plan billing calls at 0.10, and a 30.00 plan of its family that bills them as `callsPricing` (or not at all). */
      const meteredAndPro = async (callsPricing: Record<string, unknown> | null) => {
        const calls = await createMeasurement(world.t);
        const { basic, next: pro } = await measuredAndNext(calls, 10, callsPricing);
        return { calls, basic, pro };
      };
      /** Subscribes to `basic`, records 150 calls on day 1, and upgrades to `pro` on day 15. */
      const upgradeWithUsage = (basic: { code: string }, pro: { code: string }, calls: { code: string }) => changeOnDay15(basic, pro, calls, 150);
      const renewalOf = async (subscriptionId: string) => {
        await forward(16 * DAY);
        await billingRun(world.t);
        return (await invoicesOf(world.t, subscriptionId)).find((i) => i.kind === 'renewal')!;
      };

      it('when the new plan bills the measurement at the same price, then the renewal bills the whole period usage, before and after the change', async () => {
        const { calls, basic, pro } = await meteredAndPro({ model: 'per_unit', unitAmount: 10 });
        const { subscription, res } = await upgradeWithUsage(basic, pro, calls);
        assert.deepEqual(usageLines(res.body.invoice), [], 'nothing to bill now: the price stays');
        assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 7 })])).body.accepted, 1);
        const renewal = await renewalOf(subscription.id);
        assert.deepEqual(usageLines(renewal), [[pro.charges[1]!.id, 157, 1570, subscription.currentPeriodStart, subscription.currentPeriodEnd]]);
      });

      it('when the new plan bills the measurement at another price, then the usage so far is billed on the change at the old price, and the renewal bills only the usage since at the new one', async () => {
        const { calls, basic, pro } = await meteredAndPro({ model: 'per_unit', unitAmount: 20 });
        const { subscription, res, t } = await upgradeWithUsage(basic, pro, calls);
        assert.deepEqual(usageLines(res.body.invoice), [[basic.charges[1]!.id, 150, 1500, subscription.currentPeriodStart, t]]);
        // An event dated before the change is late now (its usage is invoiced); one after it is billed at the new price.
        const late = await postUsage(world.t, [anEvent(subscription.id, calls, { value: 1000, timestamp: after_(subscription.currentPeriodStart, 2 * DAY) })]);
        assert.deepEqual(late.body.rejected.map((r: { code: string }) => r.code), ['usage_period_closed']);
        assert.match(late.body.rejected[0].detail, /change of plan/);
        assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 7 })])).body.accepted, 1);
        const upcoming = await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(world.t.sk);
        const renewal = await renewalOf(subscription.id);
        assert.deepEqual(usageLines(renewal), [[pro.charges[1]!.id, 7, 140, t, subscription.currentPeriodEnd]]);
        assert.deepEqual(usageLines(upcoming.body), usageLines(renewal), 'the upcoming invoice showed the same usage');
        // The next period's usage is the whole period again.
        assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 3 })])).body.accepted, 1);
        const view = (await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/usage`).set(world.t.sk)).body.charges;
        assert.deepEqual(view.map((c: { quantity: number; periodStart: string }) => [c.quantity, c.periodStart]), [[3, subscription.currentPeriodEnd]]);
      });

      it('when the new plan drops the measurement, then the usage so far is billed on the change at the old price, and later events are not billed', async () => {
        const { calls, basic, pro } = await meteredAndPro(null);
        const { subscription, res, t } = await upgradeWithUsage(basic, pro, calls);
        assert.deepEqual(usageLines(res.body.invoice), [[basic.charges[1]!.id, 150, 1500, subscription.currentPeriodStart, t]]);
        const later = await postUsage(world.t, [anEvent(subscription.id, calls, { value: 7 })]);
        assert.deepEqual(later.body.rejected.map((r: { code: string }) => r.code), ['measurement_not_billed']);
        const renewal = await renewalOf(subscription.id);
        assert.deepEqual(usageLines(renewal), []);
        assert.deepEqual(renewal.lines.map((l: { chargeId: string }) => l.chargeId), [pro.charges[0]!.id]);
      });

      it('when a downgrade at the period end re-prices or drops the measurement, then the renewal bills the ended period usage at the old plan price, and the next period at the new plan', async () => {
        const { calls, basic, pro } = await meteredAndPro({ model: 'per_unit', unitAmount: 20 });
        const cheapest = await aPlanIn((await request(world.t.app).get(`/v1/plans/${basic.code}`).set(world.t.sk)).body.familyId, 500);
        for (const [from, to] of [[pro, basic], [basic, cheapest]] as const) {
          const { subscription } = await subscribeTo(from as PlanWithProducts);
          await forward(DAY);
          assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 150 })])).body.accepted, 1);
          const res = await change(subscription.id, { plan: to.code });
          assert.equal(res.body.effective, 'period_end', JSON.stringify(res.body));
          const upcoming = (await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(world.t.sk)).body;
          await forward(30 * DAY);
          await billingRun(world.t);
          const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
          const price = from === pro ? 20 : 10;
          assert.deepEqual(usageLines(renewal), [[from.charges[1]!.id, 150, 150 * price, subscription.currentPeriodStart, subscription.currentPeriodEnd]]);
          assert.equal(renewal.lines[0].chargeId, to.charges[0]!.id, 'the next period at the new plan');
          assert.deepEqual(usageLines(upcoming), usageLines(renewal), 'the upcoming invoice showed the same');
        }
      });
    });

    describe('a downgrade at the period end to a plan of the other tax behaviour', () => {
      /** Everything of an invoice but what the run sets when it issues it (ids, number, instants, payment). */
      const strip = (i: Record<string, any>) => {
        const { id: _i, number: _n, issuedAt: _a, dueAt: _d, paidAt: _p, status: _s, amountPaid: _ap, attempts: _at, nextAttemptAt: _na, voidedAt: _v, ...rest } = i;
        return { ...rest, lines: rest.lines.map(({ id: _l, ...line }: Record<string, unknown>) => line) };
      };
      /** A plan of `family` every 30 days: a flat `amount` and, unless `perCall` is null, calls at `perCall`, prices read as `behavior` says. */
      const aPlanWithCalls = async (family: string, behavior: 'inclusive' | 'exclusive', amount: number, calls: MeasurementView, perCall: number | null) => {
        const charges: Record<string, unknown>[] = [{ product: (await createProduct(world.t)).number, type: 'recurring', pricing: { model: 'flat', amount } }];
        if (perCall !== null) {
          const product = await createProduct(world.t, { name: 'API calls', measurementId: calls.id });
          charges.push({ product: product.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: perCall }, quantity: { default: 0, min: 0 } });
        }
        return aPlanIn(family, amount, { taxBehavior: behavior, charges });
      };

      it('when 150 calls were made on the old plan, then the renewal bills them at its price converted into the new plan\'s terms (the same 18.00 or 17.85 tax included), as the upcoming invoice at the same clock showed', async () => {
        const calls = await createMeasurement(world.t);
        const family = await aFamily();
        // 30.00 + 19 % gross with calls at 0.12 gross -> 10.00 net with calls at 0.20 net;
        // 30.00 net with calls at 0.10 net -> 11.90 gross without calls (the measurement is dropped).
        const grossPro = await aPlanWithCalls(family, 'inclusive', 3570, calls, 12);
        const netBasic = await aPlanWithCalls(family, 'exclusive', 1000, calls, 20);
        const netPro = await aPlanWithCalls(family, 'exclusive', 3000, calls, 10);
        const grossBasic = await aPlanWithCalls(family, 'inclusive', 1190, calls, null);
        const cases = [
          // 18.00 gross holds 2.87 of 19 %: net 15.13 beside the 10.00, and 19 % of 25.13 is 4.77 (1.90 + 2.87).
          { from: grossPro, to: netBasic, lines: [[1000, 0, 190, 1190], [1513, 0, 287, 1800]], total: 2990 },
          // 15.00 net + 2.85 = 17.85 gross beside the 11.90, holding 4.75 (1.90 + 2.85).
          { from: netPro, to: grossBasic, lines: [[1190, 0, 190, 1190], [1785, 0, 285, 1785]], total: 2975 },
        ];
        for (const { from, to, lines, total } of cases) {
          const { subscription } = await subscribeTo(from);
          await forward(DAY);
          assert.equal((await postUsage(world.t, [anEvent(subscription.id, calls, { value: 150 })])).body.accepted, 1);
          const res = await change(subscription.id, { plan: to.code });
          assert.equal(res.body.effective, 'period_end', JSON.stringify(res.body));
          await forward(30 * DAY);
          const upcoming = await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(world.t.sk);
          assert.equal(upcoming.status, 200, JSON.stringify(upcoming.body));
          await billingRun(world.t);
          const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
          assert.deepEqual(usageLines(renewal), [[from.charges[1]!.id, 150, lines[1]![0], subscription.currentPeriodStart, subscription.currentPeriodEnd]]);
          assert.deepEqual([renewal.lines[0].chargeId, renewal.taxBehavior], [to.charges[0]!.id, to === netBasic ? 'exclusive' : 'inclusive'], 'the next period at the new plan, in its terms');
          assert.deepEqual([figures({ lines: renewal.lines }), renewal.total], [lines, total]);
          assert.equal(renewal.lines[1].unitAmount, undefined, 'a converted amount is no unit price x quantity');
          assert.deepEqual(strip(upcoming.body), strip(renewal), 'the upcoming invoice at the same clock is the invoice issued');
        }
      });
    });

    describe('a recurring measurement (seats held) and a change', () => {
      /** A 10.00 plan billing seats held at 5.00 a seat a period, and a plan of its family billing them as `seatsPricing` (or not). */
      const seatsAndPro = async (seatsPricing: Record<string, unknown> | null, overrides: Record<string, unknown> = {}, amount = 3000) => {
        const seats = await createMeasurement(world.t, { type: 'recurring', aggregation: 'last_value' });
        const { basic, next: pro } = await measuredAndNext(seats, 500, seatsPricing, overrides, amount);
        return { seats, basic, pro };
      };
      /** Subscribes to `basic`, holds 4 seats from day 1, and changes to `pro` at exactly half the period (day 15). */
      const changeHalfWay = (basic: { code: string }, pro: { code: string }, seats: { code: string }) => changeOnDay15(basic, pro, seats, 4);

      it('when the new plan bills the seats at another price, then the change bills the seats held so far at the old price for [s, t), and the renewal the seats from t at the new one for [t, e)', async () => {
        const { seats, basic, pro } = await seatsAndPro({ model: 'per_unit', unitAmount: 700 });
        const { subscription, res, t } = await changeHalfWay(basic, pro, seats);
        // 4 seats x 5.00 a period, held for half of it: 10.00.
        assert.deepEqual(usageLines(res.body.invoice), [[basic.charges[1]!.id, 4, 1000, subscription.currentPeriodStart, t]]);
        assert.deepEqual(figures(res.body.invoice), [[-500, 0, -95, -595], [1000, 0, 190, 1190], [1500, 0, 285, 1785]]);
        await forward(5 * DAY);
        assert.equal((await postUsage(world.t, [anEvent(subscription.id, seats, { value: 6 })])).body.accepted, 1);
        // The rest of the period at the new price: 6 seats x 7.00 x 1/2 = 21.00 (the value at the period end, not prorated).
        const view = (await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/usage`).set(world.t.sk)).body.charges;
        assert.deepEqual(view.map((c: { quantity: number; amount: number; periodStart: string }) => [c.quantity, c.amount, c.periodStart]), [[6, 2100, t]]);
        const upcoming = (await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(world.t.sk)).body;
        await forward(10 * DAY);
        await billingRun(world.t);
        const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual(usageLines(renewal), [[pro.charges[1]!.id, 6, 2100, t, subscription.currentPeriodEnd]]);
        assert.deepEqual([upcoming.total, usageLines(upcoming)], [renewal.total, usageLines(renewal)], 'the upcoming invoice showed the same');
      });

      it('when the new plan drops the seats, then the change bills the seats held so far at the old price for [s, t), and the renewal none', async () => {
        const { seats, basic, pro } = await seatsAndPro(null);
        const { subscription, res, t } = await changeHalfWay(basic, pro, seats);
        assert.deepEqual(usageLines(res.body.invoice), [[basic.charges[1]!.id, 4, 1000, subscription.currentPeriodStart, t]]);
        await forward(16 * DAY);
        await billingRun(world.t);
        const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual(usageLines(renewal), []);
      });

      it('when the new plan bills the seats alike, then nothing of them is billed at the change and the renewal bills the whole period', async () => {
        const { seats, basic, pro } = await seatsAndPro({ model: 'per_unit', unitAmount: 500 });
        const { subscription, res } = await changeHalfWay(basic, pro, seats);
        assert.deepEqual(usageLines(res.body.invoice), []);
        await forward(16 * DAY);
        await billingRun(world.t);
        const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual(usageLines(renewal), [[pro.charges[1]!.id, 4, 2000, subscription.currentPeriodStart, subscription.currentPeriodEnd]]);
      });

      it('when the interval changes half-way, then the seats held so far bill half the period price (not a full period), and the new period bills them whole', async () => {
        const { seats, basic, pro: yearly } = await seatsAndPro({ model: 'per_unit', unitAmount: 500 }, { interval: { unit: 'day', count: 360 } }, 12000);
        const { subscription, res, t } = await changeHalfWay(basic, yearly, seats);
        // credit -5.00; 4 seats for [s, t) = half of 20.00; the first 360 days at 120.00.
        assert.deepEqual(usageLines(res.body.invoice), [[basic.charges[1]!.id, 4, 1000, subscription.currentPeriodStart, t]]);
        assert.deepEqual(figures(res.body.invoice), [[-500, 0, -95, -595], [1000, 0, 190, 1190], [12000, 0, 2280, 14280]]);
        const upcoming = (await request(world.t.app).get(`/v1/subscriptions/${subscription.id}/upcoming-invoice`).set(world.t.sk)).body;
        await forward(361 * DAY);
        await billingRun(world.t);
        const renewal = (await invoicesOf(world.t, subscription.id)).find((i) => i.kind === 'renewal')!;
        // The carried 4 seats over the new plan's whole first period.
        assert.deepEqual(usageLines(renewal), [[yearly.charges[1]!.id, 4, 2000, t, res.body.subscription.currentPeriodEnd]]);
        assert.deepEqual(usageLines(upcoming), usageLines(renewal));
      });
    });

    it('when a trialing subscription changes plan, then it applies now without an invoice and the trial end stays', async () => {
      const family = await aFamily();
      const trial = await aPlanIn(family, 3000, { trialDays: 14 });
      const basic = await aPlanIn(family, 1000, { trialDays: 14 });
      const { subscription } = await subscribeTo(trial);
      assert.equal(subscription.status, 'trialing');
      await forward(3 * DAY);
      const res = await change(subscription.id, { plan: basic.code });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.effective, res.body.invoice], ['now', undefined]);
      assert.deepEqual(
        [res.body.subscription.planCode, res.body.subscription.status, res.body.subscription.trialEnd, res.body.subscription.currentPeriodEnd],
        [basic.code, 'trialing', subscription.trialEnd, subscription.currentPeriodEnd],
      );
      assert.deepEqual(await kinds(subscription.id), ['checkout']);
    });

    // ----------------------------------------------------------------------------------------- refusals

    it('when the subscription, the plan, the family, the currency, the status or the quantities do not allow the change, then each is refused with its code and pointer', async () => {
      const family = await aFamily();
      const basic = await aPlanIn(family, 1000);
      const seats = await aSeatsPlan(world.t, { familyId: family, interval: THIRTY_DAYS });
      const elsewhere = await aFlatPlan(world.t, 3000, { familyId: await aFamily() });
      const dollars = await aPlanIn(family, 3000, { currency: 'USD' });
      const draft = await aPlanIn(family, 3000, { status: 'draft', checkoutAllowed: false });
      const { subscription } = await subscribeTo(basic);
      const refused = async (id: string, body: Record<string, unknown>, status: number, code: string) =>
        pointers(problemOf(await change(id, body), status, code));

      assert.deepEqual(await refused('sub_nope', { quantity: 1 }, 404, 'subscription_not_found'), ['/path/id']);
      assert.deepEqual(await refused(subscription.id, { plan: 'nope' }, 404, 'plan_not_found'), ['/plan']);
      assert.deepEqual(await refused(subscription.id, { plan: elsewhere.code }, 422, 'plan_not_in_family'), ['/plan']);
      assert.deepEqual(await refused(subscription.id, { plan: dollars.code }, 422, 'currency_mismatch'), ['/plan']);
      assert.deepEqual(await refused(subscription.id, { plan: draft.code }, 422, 'plan_not_available'), ['/plan']);
      assert.deepEqual(await refused(subscription.id, { plan: seats.code, quantity: 0, charges: [{ chargeId: 'chg_nope', quantity: 1 }] }, 400, 'validation_failed'), [
        '/charges/0/chargeId',
        '/quantity',
      ]);
      assert.deepEqual(await refused(subscription.id, { prorationDate: 'yesterday' }, 400, 'validation_failed'), ['/prorationDate']);
      assert.deepEqual(
        await refused(subscription.id, { plan: seats.code, prorationDate: new Date(Date.parse(subscription.currentPeriodStart) - 1000).toISOString() }, 422, 'proration_date_invalid'),
        ['/prorationDate'],
      );
      await forward(11 * 60);
      assert.deepEqual(await refused(subscription.id, { plan: seats.code, prorationDate: subscription.currentPeriodStart }, 422, 'proration_date_invalid'), ['/prorationDate']);

      await world.db.query(`update subscriptions set status = 'paused' where id = $1`, [subscription.id]);
      const paused = problemOf(await change(subscription.id, { plan: seats.code }), 409, 'subscription_status');
      assert.match(paused.detail, /paused/);
      assert.deepEqual(pointers(paused), ['/path/id']);
      assert.deepEqual(await kinds(subscription.id), ['checkout'], 'no refusal wrote an invoice');
    });

    it('when the period has ended and its renewal is not billed yet, then the change waits with 409 subscription_renewal_due', async () => {
      const { basic, pro } = await basicAndPro();
      const { subscription } = await subscribeTo(basic);
      await forward(31 * DAY);
      assert.deepEqual(pointers(problemOf(await change(subscription.id, { plan: pro.code }), 409, 'subscription_renewal_due')), ['/path/id']);
    });
  });
}
