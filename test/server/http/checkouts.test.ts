import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { reverseChargeNote } from '../../../server/domain/tax.js';
import type { Db } from '../../../server/storage/db.js';
import { createPlan, createProduct, pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import {
  aBuyer, aCheckoutInput, aFlatPlan, aSeatsPlan, confirm, customerRow, FRENCH_BUSINESS, postCheckout, RecordingPaymentProvider, rowCounts, startCheckout,
  testAppWith,
  type PlanWithProducts,
} from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { testDatabases, unique } from '../../support/db.js';
import { hitRateLimit } from '../../../server/storage/rate-limit-repository.js';

const INVOICE_NUMBER = /^INV-(\d{4})-(\d{6})$/;
const sequenceOf = (number: string) => Number(INVOICE_NUMBER.exec(number)![2]);
const DAY_MS = 86_400_000;

for (const target of testDatabases()) {
  describe(`checkout API on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    before(async () => {
      db = await target.open();
      // High rate limits: this file confirms far more than 20 times a minute with one key.
      t = await testAppWith(db);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const get = (path: string) => request(t.app).get(path).set(t.sk);
    const family = async () => {
      const res = await request(t.app).post('/v1/product-families').set(t.sk).send({ code: unique('fam'), name: 'Cloud' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; code: string };
    };

    describe('starting a checkout', () => {
      it('when a buyer starts a checkout for 3 seats with the add-on, then it answers 201 with the same quote as /v1/quotes and what the payment form needs', async () => {
        const plan = await aSeatsPlan(t);
        const [seat, setup, support] = plan.charges.map((c) => c.id);
        const buyer = aBuyer();
        const cart = { plan: plan.code, quantity: 3, addOns: [support] };
        const res = await postCheckout(t, { ...cart, customer: buyer });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.body.id, /^co_/);
        assert.equal(res.body.status, 'open');
        assert.deepEqual(res.body.payment, { provider: 'test', intentType: 'payment' });

        // 3 x 12.00 + 50.00 setup + 9.00 add-on = 95.00 net; 19 % of it 18.05, allocated 6.84 / 9.50 / 1.71.
        const quote = res.body.quote;
        assert.equal(quote.plan, plan.code);
        assert.equal(quote.taxTreatment, 'domestic');
        assert.deepEqual(
          quote.lines.map((l: Record<string, unknown>) => [l.chargeId, l.type, l.quantity, l.subtotal, l.discount, l.taxRate, l.tax, l.total]),
          [
            [seat, 'recurring', 3, 3600, 0, 1900, 684, 4284],
            [setup, 'one_time', 1, 5000, 0, 1900, 950, 5950],
            [support, 'recurring', 1, 900, 0, 1900, 171, 1071],
          ],
        );
        assert.deepEqual(quote.dueToday, { subtotal: 9500, discount: 0, tax: 1805, total: 11305 });

        const priced = await request(t.app)
          .post('/v1/quotes')
          .set(t.pk)
          .send({ ...cart, customer: { email: buyer.email, country: buyer.country, type: buyer.type } });
        assert.equal(priced.status, 200, JSON.stringify(priced.body));
        assert.deepEqual(quote, priced.body);
      });

      it('when a trial plan is checked out, then the payment form is told to set up a card, not to take a payment', async () => {
        const plan = await aFlatPlan(t, 1000, { trialDays: 14 });
        const checkout = await startCheckout(t, { plan: plan.code });
        assert.deepEqual(checkout.quote.dueToday, { subtotal: 0, discount: 0, tax: 0, total: 0 });
        assert.equal(checkout.payment.intentType, 'setup');
      });

      const refusals: [string, (plan: PlanWithProducts) => Record<string, unknown>, number, string, string][] = [
        ['the buyer has no email', (p) => ({ plan: p.code, customer: { ...aBuyer(), email: undefined } }), 400, 'validation_failed', '/customer/email'],
        ['the buyer has no name', (p) => ({ plan: p.code, customer: { ...aBuyer(), name: '  ' } }), 400, 'validation_failed', '/customer/name'],
        ['the buyer type is unknown', (p) => aCheckoutInput({ plan: p.code }, { type: 'robot' as 'business' }), 400, 'validation_failed', '/customer/type'],
        ['the seats are above the maximum', (p) => aCheckoutInput({ plan: p.code, quantity: 51 }), 400, 'validation_failed', '/quantity'],
        ['the seats are fractional', (p) => aCheckoutInput({ plan: p.code, quantity: 1.5 }), 400, 'validation_failed', '/quantity'],
        ['the VAT ID has a wrong checksum', (p) => aCheckoutInput({ plan: p.code }, { country: 'FR', type: 'business', vatId: 'FR00000000000' }), 422, 'vat_id_invalid', '/customer/vatId'],
        ['the postal code is not a German one', (p) => aCheckoutInput({ plan: p.code }, { address: { line1: 'Hauptstrasse 1', postalCode: '1011', city: 'Berlin' } }), 400, 'validation_failed', '/customer/address/postalCode'],
        ['a German address has no postal code', (p) => aCheckoutInput({ plan: p.code }, { address: { line1: 'Hauptstrasse 1', city: 'Berlin' } }), 400, 'validation_failed', '/customer/address/postalCode'],
        ['the address has no street line', (p) => aCheckoutInput({ plan: p.code }, { address: { line1: ' ', postalCode: '10115', city: 'Berlin' } }), 400, 'validation_failed', '/customer/address/line1'],
        ['the address has no city', (p) => aCheckoutInput({ plan: p.code }, { address: { line1: 'Hauptstrasse 1', postalCode: '10115' } }), 400, 'validation_failed', '/customer/address/city'],
        ["the address is in another country than the buyer's", (p) => aCheckoutInput({ plan: p.code }, { address: { line1: 'Ring 1', postalCode: '1010', city: 'Wien', country: 'AT' } }), 400, 'validation_failed', '/customer/address/country'],
      ];
      for (const [situation, body, status, code, pointer] of refusals) {
        it(`when ${situation}, then the checkout is refused with ${status} ${code} at ${pointer} and nothing is stored`, async () => {
          const plan = await aSeatsPlan(t);
          const before = await db.query<{ n: number }>('select count(*)::int as n from checkouts');
          const problem = problemOf(await postCheckout(t, body(plan)), status, code);
          assert.ok(pointers(problem).includes(pointer), `pointers ${JSON.stringify(pointers(problem))}`);
          const after = await db.query<{ n: number }>('select count(*)::int as n from checkouts');
          assert.equal(Number(after.rows[0]!.n), Number(before.rows[0]!.n));
        });
      }

      it('when the plan is unknown, then 404 plan_not_found at /plan', async () => {
        const problem = problemOf(await postCheckout(t, aCheckoutInput({ plan: unique('no-such-plan') })), 404, 'plan_not_found');
        assert.deepEqual(pointers(problem), ['/plan']);
      });

      it('when the plan is not sold through checkout, then 422 plan_not_available and nothing is stored', async () => {
        const plan = await aFlatPlan(t, 1000, { checkoutAllowed: false });
        const before = await db.query<{ n: number }>('select count(*)::int as n from checkouts');
        problemOf(await postCheckout(t, aCheckoutInput({ plan: plan.code })), 422, 'plan_not_available');
        const after = await db.query<{ n: number }>('select count(*)::int as n from checkouts');
        assert.equal(Number(after.rows[0]!.n), Number(before.rows[0]!.n));
      });

      it('when the publishable key is used from an origin that is not allowed, then 403 origin_not_allowed', async () => {
        const plan = await aFlatPlan(t, 1000);
        const res = await request(t.app).post('/v1/checkouts').set(t.pk).set('Origin', 'https://evil.test').send(aCheckoutInput({ plan: plan.code }));
        problemOf(res, 403, 'origin_not_allowed');
      });

      it('when no key is sent, then the checkout is refused with 401', async () => {
        const plan = await aFlatPlan(t, 1000);
        problemOf(await request(t.app).post('/v1/checkouts').send(aCheckoutInput({ plan: plan.code })), 401, 'unauthenticated');
      });
    });

    describe('confirming', () => {
      it('when a domestic buyer pays 3 seats with the add-on, then a customer, an active subscription and a paid invoice are created', async () => {
        const plan = await aSeatsPlan(t);
        const [seat, setup, support] = plan.charges.map((c) => c.id);
        const buyer = aBuyer({ email: `${unique('Mixed.Case')}@Example.TEST` });
        const checkout = await startCheckout(t, { plan: plan.code, quantity: 3, addOns: [support] }, buyer);
        const before = Date.now();
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { status, customer, subscription, invoice } = res.body;
        assert.equal(status, 'complete');

        assert.match(customer.id, /^cus_/);
        assert.equal(customer.email, buyer.email!.toLowerCase());
        assert.deepEqual([customer.name, customer.country, customer.type, customer.vatId], [buyer.name, 'DE', 'individual', null]);
        assert.deepEqual(customer.address, buyer.address);

        assert.match(subscription.id, /^sub_/);
        assert.equal(subscription.customerId, customer.id);
        assert.deepEqual([subscription.planId, subscription.planCode, subscription.status], [plan.id, plan.code, 'active']);
        assert.deepEqual(subscription.items, [
          { chargeId: seat, quantity: 3 },
          { chargeId: setup, quantity: 1 },
          { chargeId: support, quantity: 1 },
        ]);
        assert.equal(subscription.couponId, null);
        assert.equal(subscription.trialEnd, null);
        const start = new Date(subscription.currentPeriodStart);
        assert.ok(Math.abs(start.getTime() - before) < 60_000, subscription.currentPeriodStart);
        const oneMonthLater = new Date(start);
        oneMonthLater.setUTCMonth(oneMonthLater.getUTCMonth() + 1);
        // A month from the start (addInterval may clamp the 31st to the month's last day).
        const end = new Date(subscription.currentPeriodEnd).getTime();
        assert.ok(end > start.getTime() + 27 * DAY_MS && end <= oneMonthLater.getTime(), `${subscription.currentPeriodStart} -> ${subscription.currentPeriodEnd}`);

        assert.match(invoice.number, INVOICE_NUMBER);
        assert.equal(INVOICE_NUMBER.exec(invoice.number)![1], String(start.getUTCFullYear()));
        assert.deepEqual([invoice.status, invoice.customerId, invoice.subscriptionId, invoice.currency], ['paid', customer.id, subscription.id, 'EUR']);
        assert.deepEqual([invoice.subtotal, invoice.discount, invoice.tax, invoice.total], [9500, 0, 1805, 11305]);
        assert.deepEqual([invoice.taxTreatment, invoice.taxBehavior, invoice.note], ['domestic', 'exclusive', null]);
        assert.deepEqual(invoice.taxBreakdown, [{ rate: 1900, net: 9500, tax: 1805 }]);
        assert.ok(invoice.paidAt, 'paidAt');
        assert.deepEqual(
          invoice.lines.map((l: Record<string, unknown>) => [l.chargeId, l.type, l.quantity, l.unitAmount, l.subtotal, l.discount, l.taxRate, l.tax, l.total]),
          [
            [seat, 'recurring', 3, 1200, 3600, 0, 1900, 684, 4284],
            [setup, 'one_time', 1, 5000, 5000, 0, 1900, 950, 5950],
            [support, 'recurring', 1, 900, 900, 0, 1900, 171, 1071],
          ],
        );
        assert.deepEqual(
          invoice.lines.map((l: Record<string, unknown>) => l.productId),
          checkout.quote.lines.map((l) => l.productId),
        );
        // Recurring lines bill the first period; the setup fee has none.
        assert.deepEqual(
          invoice.lines.map((l: Record<string, unknown>) => [l.periodStart, l.periodEnd]),
          [
            [subscription.currentPeriodStart, subscription.currentPeriodEnd],
            [null, null],
            [subscription.currentPeriodStart, subscription.currentPeriodEnd],
          ],
        );
        // The invoice bills the buyer as they were at checkout, their billing address included (SPEC 6 and 10).
        assert.deepEqual(invoice.billTo, { name: buyer.name, email: customer.email, country: 'DE', type: 'individual', vatId: null, address: buyer.address, locale: 'en' });
        assert.equal(invoice.kind, 'checkout');
        assert.equal(invoice.amountDue, invoice.total);
        assert.equal(invoice.amountPaid, invoice.total);
        assert.equal('paymentId' in invoice, false, 'paymentId is not part of the API view');
      });

      it('when a 10 % coupon applies, then the invoice carries the discount, the subscription the coupon, and one redemption is recorded', async () => {
        const plan = await aSeatsPlan(t);
        const support = plan.charges[2]!.id;
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'lifetime' });
        const checkout = await startCheckout(t, { plan: plan.code, quantity: 3, addOns: [support], couponCode: coupon.code.toLowerCase() });
        assert.deepEqual(checkout.quote.coupon, { code: coupon.code, valid: true, discount: 950, frequency: 'lifetime' });
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { subscription, invoice, customer } = res.body;
        assert.equal(subscription.couponId, coupon.id);
        // 10 % of 95.00 = 9.50 over 36.00 / 50.00 / 9.00 -> 3.60 / 5.00 / 0.90. Net 85.50; 19 % = 16.245 -> 16.25
        // (half away from zero), allocated by largest remainder: 6.16 / 8.55 / 1.54.
        assert.deepEqual(
          invoice.lines.map((l: Record<string, unknown>) => [l.subtotal, l.discount, l.tax, l.total]),
          [
            [3600, 360, 616, 3856],
            [5000, 500, 855, 5355],
            [900, 90, 154, 964],
          ],
        );
        assert.deepEqual([invoice.subtotal, invoice.discount, invoice.tax, invoice.total], [9500, 950, 1625, 10175]);
        assert.deepEqual(invoice.taxBreakdown, [{ rate: 1900, net: 8550, tax: 1625 }]);
        assert.equal(invoice.total, checkout.quote.dueToday.total);

        const redemptions = await db.query<Record<string, unknown>>('select * from coupon_redemptions where coupon_id = $1', [coupon.id]);
        assert.equal(redemptions.rows.length, 1);
        assert.deepEqual([redemptions.rows[0]!.customer_id, redemptions.rows[0]!.checkout_id], [customer.id, checkout.id]);
        const view = await get(`/v1/coupons/${coupon.id}`);
        assert.deepEqual([view.body.timesRedeemed, view.body.redeemed], [1, true]);
      });

      it('when the request bodies carry prices, amounts and totals, then they are ignored and the charge equals the server quote', async () => {
        const plan = await aSeatsPlan(t);
        const [seat, , support] = plan.charges.map((c) => c.id);
        const res = await postCheckout(t, {
          ...aCheckoutInput({ plan: plan.code, charges: [{ chargeId: seat, quantity: 2, unitAmount: 1, amount: 1 }], addOns: [support] }),
          price: 1,
          amount: 1,
          total: 1,
          currency: 'JPY',
          dueToday: { subtotal: 1, discount: 0, tax: 0, total: 1 },
          lines: [{ chargeId: seat, subtotal: 1, total: 1 }],
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        // 2 x 12.00 + 50.00 + 9.00 = 83.00 net, 19 % = 15.77, total 98.77.
        assert.deepEqual(res.body.quote.dueToday, { subtotal: 8300, discount: 0, tax: 1577, total: 9877 });
        const paid = await confirm(t, res.body.id, 'pm_card_visa', { amount: 1, total: 1, currency: 'JPY' });
        assert.equal(paid.status, 200, JSON.stringify(paid.body));
        assert.equal(paid.body.invoice.total, res.body.quote.dueToday.total);
        assert.equal(paid.body.invoice.status, 'paid');
        assert.equal(paid.body.invoice.total, 9877);
        assert.equal(paid.body.invoice.currency, 'EUR');
        assert.deepEqual(paid.body.subscription.items[0], { chargeId: seat, quantity: 2 });
      });

      it('when the body names an amount, then the payment provider is asked for the quote total in the plan currency, at prepare and at confirm', async () => {
        const provider = new RecordingPaymentProvider();
        const recorded = await testAppWith(db, { payments: provider });
        const plan = await aSeatsPlan(recorded);
        const res = await postCheckout(recorded, { ...aCheckoutInput({ plan: plan.code, quantity: 4 }), amount: 1, total: 1, currency: 'USD' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        // 4 x 12.00 + 50.00 = 98.00 net, 19 % = 18.62: 116.62.
        assert.equal(res.body.quote.dueToday.total, 11662);
        const paid = await confirm(recorded, res.body.id, 'pm_card_visa', { amount: 1, currency: 'USD' });
        assert.equal(paid.status, 200, JSON.stringify(paid.body));
        assert.deepEqual(provider.prepared.map((p) => [p.checkoutId, p.amount, p.currency]), [[res.body.id, 11662, 'EUR']]);
        assert.deepEqual(provider.charged.map((c) => [c.checkoutId, c.amount, c.currency]), [[res.body.id, 11662, 'EUR']]);
        assert.equal(paid.body.invoice.total, 11662);
      });

      it('when a French business with a valid VAT ID pays, then the invoice is reverse charge: 0 tax and the reverse-charge note', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code }, FRENCH_BUSINESS);
        assert.equal(checkout.quote.taxTreatment, 'reverse_charge');
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { invoice, customer } = res.body;
        assert.deepEqual([customer.country, customer.type, customer.vatId], ['FR', 'business', 'FR40303265045']);
        assert.deepEqual([invoice.taxTreatment, invoice.subtotal, invoice.tax, invoice.total, invoice.status], ['reverse_charge', 1000, 0, 1000, 'paid']);
        assert.equal(invoice.note, reverseChargeNote);
        assert.match(invoice.note, /reverse charge/i);
        assert.deepEqual(invoice.taxBreakdown, [{ rate: 0, net: 1000, tax: 0 }]);
        assert.deepEqual(invoice.lines.map((l: Record<string, unknown>) => [l.taxRate, l.tax, l.total]), [[0, 0, 1000]]);
      });

      it('when the VAT ID is typed with spaces and in lower case, then it is still reverse charge and the customer keeps the normalized ID', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code }, { ...FRENCH_BUSINESS, vatId: 'fr 40 303 265 045' });
        assert.equal(checkout.quote.taxTreatment, 'reverse_charge');
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.invoice.taxTreatment, 'reverse_charge');
        assert.equal(res.body.customer.vatId, 'FR40303265045');
      });

      it('when the VAT ID field is left blank, then it counts as not given (OSS, the customer has none); a one-letter one is 422 vat_id_invalid', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code }, { ...FRENCH_BUSINESS, vatId: '   ' });
        assert.equal(checkout.quote.taxTreatment, 'oss');
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.customer.vatId, null);
        const refused = await request(t.app).post('/v1/checkouts').set(t.pk).send(aCheckoutInput({ plan: plan.code }, { ...FRENCH_BUSINESS, vatId: 'F' }));
        assert.deepEqual(pointers(problemOf(refused, 422, 'vat_id_invalid')), ['/customer/vatId']);
      });

      it('when a Swiss business gives its UID, then the invoice is outside scope with no note, and the customer keeps the ID (no EU format applies, so it is not checked)', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code }, { ...FRENCH_BUSINESS, country: 'CH', vatId: 'che-116.281.710 mwst' });
        assert.equal(checkout.quote.taxTreatment, 'outside_scope');
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { invoice, customer } = res.body;
        assert.deepEqual([customer.country, customer.type, customer.vatId], ['CH', 'business', 'CHE116281710MWST']);
        assert.deepEqual([invoice.taxTreatment, invoice.tax, invoice.total, invoice.note ?? null], ['outside_scope', 0, 1000, null]);
      });

      it('when a French private buyer pays, then the invoice is OSS at the French 20 %, without a note', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code }, { country: 'FR' });
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { invoice } = res.body;
        assert.deepEqual([invoice.taxTreatment, invoice.tax, invoice.total, invoice.note], ['oss', 200, 1200, null]);
        assert.deepEqual(invoice.taxBreakdown, [{ rate: 2000, net: 1000, tax: 200 }]);
      });

      it('when a trial plan is confirmed, then the subscription is trialing and its first invoice, with a total of 0, is paid at once', async () => {
        const plan = await aFlatPlan(t, 1000, { trialDays: 14 });
        const checkout = await startCheckout(t, { plan: plan.code });
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { subscription, invoice } = res.body;
        assert.equal(subscription.status, 'trialing');
        const start = Date.parse(subscription.currentPeriodStart);
        assert.equal(Date.parse(subscription.trialEnd), start + 14 * DAY_MS);
        assert.equal(subscription.currentPeriodEnd, subscription.trialEnd);
        assert.deepEqual([invoice.status, invoice.subtotal, invoice.tax, invoice.total, invoice.amountDue, invoice.paidAt], ['paid', 0, 0, 0, 0, invoice.issuedAt]);
        assert.deepEqual(invoice.lines.map((l: Record<string, unknown>) => [l.trial, l.subtotal, l.total]), [[true, 0, 0]]);
      });

      it('when the card is declined, then 402 payment_declined leaves the database as it was, and another card completes the checkout', async () => {
        const plan = await aSeatsPlan(t);
        const coupon = await createCoupon(t, { percentage: 10, maxRedemptions: 5 });
        const checkout = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        const before = await rowCounts(db);
        const problem = problemOf(await confirm(t, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        assert.deepEqual(pointers(problem), ['/paymentMethod']);
        assert.deepEqual(await rowCounts(db), before);
        assert.equal((await get(`/v1/coupons/${coupon.id}`)).body.timesRedeemed, 0);
        const status = await db.query<{ status: string }>('select status from checkouts where id = $1', [checkout.id]);
        assert.equal(status.rows[0]!.status, 'open');

        const res = await confirm(t, checkout.id, 'pm_card_visa');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.status, 'complete');
        const after = await rowCounts(db);
        assert.deepEqual(
          [after.customers, after.subscriptions, after.invoices, after.invoiceLines, after.couponRedemptions, after.timesRedeemed],
          [before.customers + 1, before.subscriptions + 1, before.invoices + 1, before.invoiceLines + 2, before.couponRedemptions + 1, before.timesRedeemed + 1],
        );
      });

      it('when a French business gives its billing address, then the customer keeps it and the invoice bills it (in its country, postal code in capitals)', async () => {
        const plan = await aFlatPlan(t, 1000);
        const address = { line1: '12 rue de la Paix', line2: 'Bâtiment B', postalCode: '75002', city: 'Paris' };
        const checkout = await startCheckout(t, { plan: plan.code }, { ...FRENCH_BUSINESS, address });
        const { customer, invoice } = (await confirm(t, checkout.id)).body;
        assert.deepEqual(customer.address, { ...address, country: 'FR' });
        assert.deepEqual(invoice.billTo, {
          name: FRENCH_BUSINESS.name, email: customer.email, country: 'FR', type: 'business', vatId: 'FR40303265045', address: { ...address, country: 'FR' }, locale: 'en',
        });
        assert.deepEqual((await request(t.app).get(`/v1/invoices/${invoice.id}`).set(t.sk)).body.billTo, invoice.billTo);
        const dutch = await startCheckout(t, { plan: plan.code }, { country: 'NL', address: { line1: 'Dam 1', postalCode: '1012 js', city: 'Amsterdam' } });
        assert.equal((await confirm(t, dutch.id)).body.customer.address.postalCode, '1012 JS');
      });

      it('when the country has no postal codes, then an address without one is accepted', async () => {
        const checkout = await startCheckout(t, { plan: (await aFlatPlan(t, 1000)).code }, { country: 'HK', address: { line1: '1 Queen\'s Road Central', city: 'Hong Kong' } });
        assert.deepEqual((await confirm(t, checkout.id)).body.customer.address, { line1: '1 Queen\'s Road Central', city: 'Hong Kong', country: 'HK' });
      });

      it('when a known customer is declined with new details, then the stored customer is not changed', async () => {
        const buyer = aBuyer();
        const first = await startCheckout(t, { plan: (await aFlatPlan(t, 1000)).code }, buyer);
        assert.equal((await confirm(t, first.id)).status, 200);
        const stored = await customerRow(db, buyer.email);
        // Another plan without a family: the same customer may subscribe to it.
        const second = await startCheckout(t, { plan: (await aFlatPlan(t, 2000)).code }, { ...buyer, name: 'Ada King', country: 'AT', address: { line1: 'Ring 1', postalCode: '1010', city: 'Wien' } });
        const before = await rowCounts(db);
        problemOf(await confirm(t, second.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        assert.deepEqual(await rowCounts(db), before);
        assert.deepEqual(await customerRow(db, buyer.email), stored);
      });

      it('when the card asks for authentication, then the confirmation answers requires_action, and completes on a second confirm with authenticated: true', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code });
        const before = await rowCounts(db);
        const first = await confirm(t, checkout.id, 'pm_card_authenticationRequired');
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.deepEqual(first.body, { status: 'requires_action', checkoutId: checkout.id, reason: 'authentication' });
        assert.deepEqual(await rowCounts(db), before);
        const status = await db.query<{ status: string }>('select status from checkouts where id = $1', [checkout.id]);
        assert.equal(status.rows[0]!.status, 'requires_action');

        const second = await confirm(t, checkout.id, 'pm_card_authenticationRequired', { authenticated: true });
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.equal(second.body.status, 'complete');
        assert.deepEqual([second.body.invoice.status, second.body.invoice.total], ['paid', 1190]);
        const after = await rowCounts(db);
        assert.deepEqual([after.subscriptions, after.invoices], [before.subscriptions + 1, before.invoices + 1]);
      });

      it('when a completed checkout is confirmed again, then it answers the same subscription and invoice and creates nothing', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code });
        const first = await confirm(t, checkout.id);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const before = await rowCounts(db);
        const again = await confirm(t, checkout.id, 'pm_card_chargeDeclined');
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.deepEqual(again.body, first.body);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when the checkout is unknown, then 404 checkout_not_found', async () => {
        const problem = problemOf(await confirm(t, 'co_does_not_exist'), 404, 'checkout_not_found');
        assert.deepEqual(pointers(problem), ['/path/id']);
      });

      it('when the payment method is not one of the test provider\'s, then 400 validation_failed at /paymentMethod and nothing changes', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code });
        const before = await rowCounts(db);
        const problem = problemOf(await confirm(t, checkout.id, '4242424242424242'), 400, 'validation_failed');
        assert.deepEqual(pointers(problem), ['/paymentMethod']);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when the body has no paymentMethod, then 400 validation_failed at /paymentMethod', async () => {
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code });
        const res = await request(t.app).post(`/v1/checkouts/${checkout.id}/confirm`).set(t.pk).send({});
        assert.deepEqual(pointers(problemOf(res, 400, 'validation_failed')), ['/paymentMethod']);
      });
    });

    describe('one live subscription per family', () => {
      it('when a customer with a live subscription in the family starts another checkout in it, then 409 subscription_exists', async () => {
        const fam = await family();
        const basic = await aFlatPlan(t, 1000, { familyId: fam.code });
        const pro = await aFlatPlan(t, 3000, { familyId: fam.code });
        const buyer = aBuyer();
        assert.equal((await confirm(t, (await startCheckout(t, { plan: basic.code }, buyer)).id)).status, 200);

        const before = await rowCounts(db);
        const problem = problemOf(await postCheckout(t, aCheckoutInput({ plan: pro.code }, { ...buyer, email: buyer.email.toUpperCase() })), 409, 'subscription_exists');
        assert.deepEqual(pointers(problem), ['/customer/email']);
        assert.match(problem.detail, /already has a live subscription in this product family/);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when two checkouts in one family were started and the first is paid, then the second confirmation is 409 subscription_exists and changes nothing', async () => {
        const fam = await family();
        const basic = await aFlatPlan(t, 1000, { familyId: fam.code });
        const pro = await aFlatPlan(t, 3000, { familyId: fam.code });
        const coupon = await createCoupon(t, { percentage: 10 });
        const buyer = aBuyer();
        const first = await startCheckout(t, { plan: basic.code }, buyer);
        const second = await startCheckout(t, { plan: pro.code, couponCode: coupon.code }, { ...buyer, name: 'Someone Else' });
        assert.equal((await confirm(t, first.id)).status, 200);
        const stored = await customerRow(db, buyer.email);

        const before = await rowCounts(db);
        const problem = problemOf(await confirm(t, second.id), 409, 'subscription_exists');
        assert.deepEqual(pointers(problem), ['/customer/email']);
        assert.deepEqual(await rowCounts(db), before);
        assert.deepEqual(await customerRow(db, buyer.email), stored);
      });

      it('when the same customer buys plans of different families, then each gets its subscription', async () => {
        const buyer = aBuyer();
        const a = await aFlatPlan(t, 1000, { familyId: (await family()).code });
        const b = await aFlatPlan(t, 1000, { familyId: (await family()).code });
        const first = await confirm(t, (await startCheckout(t, { plan: a.code }, buyer)).id);
        const second = await confirm(t, (await startCheckout(t, { plan: b.code }, buyer)).id);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.equal(second.body.customer.id, first.body.customer.id);
        assert.notEqual(second.body.subscription.id, first.body.subscription.id);
      });
    });

    describe('coupons at confirmation', () => {
      it('when the last redemption was taken by another checkout meanwhile, then 409 coupon_exhausted at /couponCode and the database is as it was', async () => {
        const plan = await aFlatPlan(t, 1000);
        const coupon = await createCoupon(t, { percentage: 10, maxRedemptions: 1 });
        const first = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        const second = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        assert.equal(second.quote.coupon?.valid, true);
        assert.equal((await confirm(t, first.id)).status, 200);

        const before = await rowCounts(db);
        const problem = problemOf(await confirm(t, second.id), 409, 'coupon_exhausted');
        assert.deepEqual(pointers(problem), ['/couponCode']);
        assert.deepEqual(await rowCounts(db), before);
        assert.equal((await get(`/v1/coupons/${coupon.id}`)).body.timesRedeemed, 1);
      });

      it('when the customer reached the per-customer limit meanwhile, then 409 coupon_customer_limit and the database is as it was', async () => {
        const coupon = await createCoupon(t, { percentage: 10, maxRedemptionsPerCustomer: 1 });
        const buyer = aBuyer();
        const first = await startCheckout(t, { plan: (await aFlatPlan(t, 1000)).code, couponCode: coupon.code }, buyer);
        const second = await startCheckout(t, { plan: (await aFlatPlan(t, 1000)).code, couponCode: coupon.code }, buyer);
        assert.equal((await confirm(t, first.id)).status, 200);
        const before = await rowCounts(db);
        problemOf(await confirm(t, second.id), 409, 'coupon_customer_limit');
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when a single-use code was used by another checkout meanwhile, then the second confirmation is refused and the code stays redeemed once', async () => {
        const coupon = await createCoupon(t, { percentage: 10 });
        const codes = await request(t.app).post(`/v1/coupons/${coupon.id}/codes`).set(t.sk).send({ count: 1 });
        assert.equal(codes.status, 201, JSON.stringify(codes.body));
        const code = (codes.body.data ?? codes.body)[0].code as string;
        const plan = await aFlatPlan(t, 1000);
        const first = await startCheckout(t, { plan: plan.code, couponCode: code });
        const second = await startCheckout(t, { plan: plan.code, couponCode: code });
        const paid = await confirm(t, first.id);
        assert.equal(paid.status, 200, JSON.stringify(paid.body));
        assert.equal(paid.body.invoice.discount, 100);
        const before = await rowCounts(db);
        problemOf(await confirm(t, second.id), 409, 'coupon_exhausted');
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when the coupon was disabled after the checkout started, then 409 coupon_disabled (its own reason code) and the database is as it was', async () => {
        const plan = await aFlatPlan(t, 1000);
        const coupon = await createCoupon(t, { percentage: 10 });
        const checkout = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        assert.equal(checkout.quote.coupon?.valid, true);
        const disabled = await request(t.app).patch(`/v1/coupons/${coupon.id}`).set(t.sk).send({ enabled: false });
        assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
        const before = await rowCounts(db);
        const problem = problemOf(await confirm(t, checkout.id), 409, 'coupon_disabled');
        assert.deepEqual(pointers(problem), ['/couponCode']);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when a trial plan with a setup fee takes a once coupon, then the fee is discounted and paid, the subscription trials with the coupon, and one redemption is recorded', async () => {
        const recurring = await createProduct(t);
        const setup = await createProduct(t, { type: 'charge' });
        const plan = await createPlan(t, {
          trialDays: 14,
          charges: [
            { product: recurring.number, type: 'recurring', pricing: { model: 'flat', amount: 1000 } },
            { product: setup.number, type: 'one_time', pricing: { model: 'flat', amount: 5000 } },
          ],
        });
        const coupon = await createCoupon(t, { percentage: 10, frequency: 'once' });
        const checkout = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { subscription, invoice } = res.body;
        assert.deepEqual([subscription.status, subscription.couponId], ['trialing', coupon.id]);
        // The trial line bills nothing; 10 % off the 50.00 fee = 5.00; 19 % of 45.00 = 8.55: 53.55, paid today.
        assert.deepEqual(
          invoice.lines.map((l: Record<string, unknown>) => [l.type, l.trial ?? false, l.subtotal, l.discount, l.tax, l.total]),
          [
            ['recurring', true, 0, 0, 0, 0],
            ['one_time', false, 5000, 500, 855, 5355],
          ],
        );
        assert.deepEqual([invoice.status, invoice.discount, invoice.total], ['paid', 500, 5355]);
        const redemptions = await db.query('select 1 from coupon_redemptions where coupon_id = $1', [coupon.id]);
        assert.equal(redemptions.rows.length, 1);
      });

      it('when a disabled coupon is quoted, then the checkout is priced without it and confirming records no redemption', async () => {
        const coupon = await createCoupon(t, { percentage: 10, enabled: false });
        const plan = await aFlatPlan(t, 1000);
        const checkout = await startCheckout(t, { plan: plan.code, couponCode: coupon.code });
        assert.deepEqual(checkout.quote.coupon, { code: coupon.code, valid: false, reason: 'coupon_disabled', discount: 0 });
        const res = await confirm(t, checkout.id);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.invoice.discount, res.body.invoice.total, res.body.subscription.couponId], [0, 1190, null]);
        const redemptions = await db.query('select 1 from coupon_redemptions where coupon_id = $1', [coupon.id]);
        assert.equal(redemptions.rows.length, 0);
      });
    });

    describe('invoice numbers', () => {
      it('when a payment is declined between successes, then the invoice numbers stay consecutive', async () => {
        const plan = await aFlatPlan(t, 1000);
        const a = await startCheckout(t, { plan: plan.code });
        const b = await startCheckout(t, { plan: plan.code });
        const c = await startCheckout(t, { plan: plan.code });
        const first = await confirm(t, a.id);
        problemOf(await confirm(t, b.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        const second = await confirm(t, c.id);
        const third = await confirm(t, b.id);
        const numbers = [first, second, third].map((r) => {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          return r.body.invoice.number as string;
        });
        const n = sequenceOf(numbers[0]!);
        assert.deepEqual(numbers.map(sequenceOf), [n, n + 1, n + 2]);
        assert.equal(new Set(numbers.map((x) => x.slice(0, 8))).size, 1, 'one year');
      });

      it('when a checkout is refused for subscription_exists, a coupon or authentication, then no number is used up', async () => {
        const fam = await family();
        const plan = await aFlatPlan(t, 1000, { familyId: fam.code });
        const buyer = aBuyer();
        const one = await startCheckout(t, { plan: plan.code }, buyer);
        const twin = await startCheckout(t, { plan: plan.code }, buyer);
        const auth = await startCheckout(t, { plan: plan.code });
        const next = await startCheckout(t, { plan: plan.code });
        const first = await confirm(t, one.id);
        problemOf(await confirm(t, twin.id), 409, 'subscription_exists');
        assert.equal((await confirm(t, auth.id, 'pm_card_authenticationRequired')).body.status, 'requires_action');
        const second = await confirm(t, next.id);
        assert.equal(sequenceOf(second.body.invoice.number), sequenceOf(first.body.invoice.number) + 1);
      });
    });

    describe('admin views', () => {
      it('when customers, subscriptions and invoices are listed with the secret key, then every page is complete and each can be read by id', async () => {
        const plan = await aFlatPlan(t, 1000);
        const made = [];
        for (let i = 0; i < 3; i++) {
          const res = await confirm(t, (await startCheckout(t, { plan: plan.code })).id);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          made.push(res.body);
        }
        for (const [path, pick] of [
          ['/v1/customers', (r: { customer: { id: string } }) => r.customer.id],
          ['/v1/subscriptions', (r: { subscription: { id: string } }) => r.subscription.id],
          ['/v1/invoices', (r: { invoice: { id: string } }) => r.invoice.id],
        ] as const) {
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let page = 0; page < 1000; page++) {
            const res = await get(`${path}?limit=2${cursor ? `&startingAfter=${encodeURIComponent(cursor)}` : ''}`);
            assert.equal(res.status, 200, JSON.stringify(res.body));
            assert.ok(res.body.data.length <= 2);
            seen.push(...res.body.data.map((x: { id: string }) => x.id));
            if (!res.body.hasMore) {
              assert.equal(res.body.nextCursor, null);
              break;
            }
            cursor = res.body.nextCursor;
            assert.equal(cursor, res.body.data.at(-1).id);
          }
          assert.equal(new Set(seen).size, seen.length, `${path}: no duplicates across pages`);
          for (const r of made) assert.ok(seen.includes(pick(r as never)), `${path} lists ${pick(r as never)}`);
        }

        const { customer, subscription, invoice } = made[0]!;
        assert.deepEqual((await get(`/v1/customers/${customer.id}`)).body, customer);
        assert.deepEqual((await get(`/v1/subscriptions/${subscription.id}`)).body, subscription);
        assert.deepEqual((await get(`/v1/invoices/${invoice.id}`)).body, invoice);
        assert.deepEqual((await get(`/v1/invoices/${invoice.number}`)).body, invoice);
        const own = await get(`/v1/subscriptions?customerId=${customer.id}`);
        assert.deepEqual(own.body.data, [subscription]);
        const invoices = await get(`/v1/invoices?customerId=${customer.id}`);
        assert.deepEqual(invoices.body.data, [invoice]);
      });

      for (const path of ['/v1/customers/cus_nope', '/v1/subscriptions/sub_nope', '/v1/invoices/inv_nope']) {
        it(`when ${path} is unknown, then 404 with a problem`, async () => {
          const res = await get(path);
          assert.equal(res.status, 404);
          problemOf(res, 404, res.body.code);
          assert.match(res.body.code, /_not_found$/);
        });
      }

      for (const path of ['/v1/customers', '/v1/subscriptions', '/v1/invoices']) {
        it(`when ${path} is read with the publishable key, then 403 secret_key_required`, async () => {
          problemOf(await request(t.app).get(path).set(t.pk), 403, 'secret_key_required');
        });
      }

      it('when a page size is out of range, then 400 validation_failed at /query/limit', async () => {
        const problem = problemOf(await get('/v1/invoices?limit=101'), 400, 'validation_failed');
        assert.deepEqual(pointers(problem), ['/query/limit']);
      });
    });

    describe('rate limits', () => {
      it('when confirmations are limited to 2 a minute, then the third confirmation answers 429 rate_limited with Retry-After', async () => {
        const limited = await testAppWith(db, { rateLimits: { quotes: 100, checkouts: 100, confirmations: 2 } });
        const plan = await aFlatPlan(limited, 1000);
        const checkout = await startCheckout(limited, { plan: plan.code });
        problemOf(await confirm(limited, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        problemOf(await confirm(limited, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        const before = await rowCounts(db);
        const third = await confirm(limited, checkout.id, 'pm_card_visa');
        problemOf(third, 429, 'rate_limited');
        const retryAfter = Number(third.headers['retry-after']);
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${third.headers['retry-after']}`);
        assert.deepEqual(await rowCounts(db), before);
      });
    });

    describe('rate limits behind a proxy', () => {
      const limits = { quotes: 2, checkouts: 100, confirmations: 100 };
      const quoteFrom = (app: TestApp, plan: string, address: string) =>
        request(app.app).post('/v1/quotes').set(app.pk).set('X-Forwarded-For', address).send({ plan });

      it('when the BFF trusts one proxy (BILLKIT_TRUST_PROXY=1), then each buyer behind it has their own quote limit, named by X-Forwarded-For', async () => {
        const proxied = await testAppWith(db, { rateLimits: limits, trustProxy: 1 });
        const plan = await aFlatPlan(proxied, 1000);
        assert.equal((await quoteFrom(proxied, plan.code, '203.0.113.7')).status, 200);
        assert.equal((await quoteFrom(proxied, plan.code, '203.0.113.7')).status, 200);
        problemOf(await quoteFrom(proxied, plan.code, '203.0.113.7'), 429, 'rate_limited');
        // Another buyer through the same proxy (the same socket address) is not held back by the first.
        assert.equal((await quoteFrom(proxied, plan.code, '198.51.100.4')).status, 200);
        // Only the hop the proxy appended counts: an address the client put in front of it is not believed.
        problemOf(await quoteFrom(proxied, plan.code, '192.0.2.99, 203.0.113.7'), 429, 'rate_limited');
      });

      it("when the rate limits read the client's address, then it is the socket's without a trusted proxy and the proxy's hop with one", async () => {
        const addressOf = (app: TestApp) => {
          const req = Object.create(app.app.request) as { ip: string; socket: unknown; headers: unknown };
          req.socket = { remoteAddress: '192.0.2.1' };
          req.headers = { 'x-forwarded-for': '198.51.100.4, 203.0.113.7' };
          return req.ip;
        };
        assert.equal(addressOf(await testAppWith(db, { rateLimits: limits })), '192.0.2.1');
        assert.equal(addressOf(await testAppWith(db, { rateLimits: limits, trustProxy: 1 })), '203.0.113.7');
        assert.equal(addressOf(await testAppWith(db, { rateLimits: limits, trustProxy: 2 })), '198.51.100.4');
      });

      it('when no proxy is trusted (the default), then X-Forwarded-For is ignored: a client cannot pick a new address to escape the limit', async () => {
        const direct = await testAppWith(db, { rateLimits: limits });
        const plan = await aFlatPlan(direct, 1000);
        assert.equal((await quoteFrom(direct, plan.code, '203.0.113.7')).status, 200);
        assert.equal((await quoteFrom(direct, plan.code, '198.51.100.4')).status, 200);
        problemOf(await quoteFrom(direct, plan.code, '192.0.2.99'), 429, 'rate_limited');
      });
    });

    describe('rate limits across processes', () => {
      it('when two BFF processes share the database, then confirmations count once across both: with a limit of 3, the fourth answers 429 on either', async () => {
        const limits = { quotes: 100, checkouts: 100, confirmations: 3 };
        const a = await testAppWith(db, { rateLimits: limits });
        const b = await testAppWith(db, { rateLimits: limits }, { secret: a.secret, publishable: a.publishable });
        const plan = await aFlatPlan(a, 1000);
        const checkout = await startCheckout(a, { plan: plan.code });
        problemOf(await confirm(a, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        problemOf(await confirm(b, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        problemOf(await confirm(a, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
        const fourth = await confirm(b, checkout.id, 'pm_card_visa');
        problemOf(fourth, 429, 'rate_limited');
        assert.equal(fourth.headers['ratelimit-policy'], '3;w=60');
        problemOf(await confirm(a, checkout.id, 'pm_card_visa'), 429, 'rate_limited');
        // Another key (another merchant's integration, say) has its own window.
        const other = await testAppWith(db, { rateLimits: limits });
        problemOf(await confirm(other, checkout.id, 'pm_card_chargeDeclined'), 402, 'payment_declined');
      });

      it('when two BFF processes share the database, then quotes count across both once they sync: with a limit of 10, the 11th hit across both is refused on either', async () => {
        const limits = { quotes: 10, checkouts: 100, confirmations: 100 };
        const a = await testAppWith(db, { rateLimits: limits });
        const b = await testAppWith(db, { rateLimits: limits }, { secret: a.secret, publishable: a.publishable });
        const plan = await aFlatPlan(a, 1000);
        const sync = (app: TestApp) => (app.app.locals.syncRateLimits as () => Promise<void>)();
        const quote = (app: TestApp) => request(app.app).post('/v1/quotes').set(app.pk).send({ plan: plan.code });
        // Counted in process (no statement per quote) until the sync adds them to the shared row.
        for (let i = 0; i < 6; i++) assert.equal((await quote(a)).status, 200);
        await sync(a);
        assert.equal((await quote(b)).status, 200); // B has not heard of A's 6 yet
        await sync(b); // B adds its 1 and learns the 7
        for (let i = 0; i < 3; i++) assert.equal((await quote(b)).status, 200); // 8, 9, 10
        const refused = await quote(b);
        problemOf(refused, 429, 'rate_limited');
        assert.equal(refused.headers['ratelimit-policy'], '10;w=60');
        // B adds its hits first, then A learns the 11 (run side by side, A could read before B's write).
        await sync(b);
        await sync(a);
        problemOf(await quote(a), 429, 'rate_limited');
        // Another key has its own window.
        const other = await testAppWith(db, { rateLimits: limits });
        assert.equal((await request(other.app).post('/v1/quotes').set(other.pk).send({ plan: plan.code })).status, 200);
      });

      it('when a window has ended, then the next hit starts a new one at 1, on the database clock; no API key is stored in the clear', async () => {
        const key = `confirmations:${unique('window')}`;
        assert.equal((await hitRateLimit(db, key, 60_000)).hits, 1);
        assert.equal((await hitRateLimit(db, key, 60_000)).hits, 2);
        await db.query(`update rate_limit_hits set reset_at = now() - interval '1 second' where key = $1`, [key]);
        const next = await hitRateLimit(db, key, 60_000);
        assert.equal(next.hits, 1);
        assert.ok(next.resetAt.getTime() > Date.now() + 50_000, `reset at ${next.resetAt.toISOString()}`);
        const stored = await db.query<{ key: string }>('select key from rate_limit_hits');
        assert.ok(stored.rows.length > 0);
        for (const { key: k } of stored.rows) assert.doesNotMatch(k, /(pk|sk)_/);
      });
    });

    // Last: the test clock only moves forward, and it moves for every test after it on this database.
    describe('with the test clock', () => {
      it('when the coupon expired between the checkout and its confirmation, then 409 coupon_expired and the database is as it was', async () => {
        const clocked = await testAppWith(db, { testClock: true });
        const plan = await aFlatPlan(clocked, 1000);
        const now = Date.parse((await request(clocked.app).post('/v1/test-clock/advance').set(clocked.sk).send({ seconds: 0 })).body.now);
        const coupon = await createCoupon(clocked, { percentage: 10, expiresAt: new Date(now + DAY_MS).toISOString() });
        const checkout = await startCheckout(clocked, { plan: plan.code, couponCode: coupon.code });
        assert.equal(checkout.quote.coupon?.valid, true);
        const advanced = await request(clocked.app).post('/v1/test-clock/advance').set(clocked.sk).send({ days: 2 });
        assert.equal(advanced.status, 200, JSON.stringify(advanced.body));

        const before = await rowCounts(db);
        const problem = problemOf(await confirm(clocked, checkout.id), 409, 'coupon_expired');
        assert.deepEqual(pointers(problem), ['/couponCode']);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when the clock was moved, then the new customer, its subscription and its invoice are all dated by it', async () => {
        const clocked = await testAppWith(db, { testClock: true });
        const plan = await aFlatPlan(clocked, 1000);
        const now = Date.parse((await request(clocked.app).post('/v1/test-clock/advance').set(clocked.sk).send({ days: 30 })).body.now);
        const checkout = await startCheckout(clocked, { plan: plan.code });
        const done = await confirm(clocked, checkout.id);
        assert.equal(done.status, 200, JSON.stringify(done.body));
        const { customer, subscription, invoice } = done.body;
        for (const [what, at] of [['customer', customer.createdAt], ['subscription', subscription.createdAt], ['invoice', invoice.issuedAt]] as const) {
          assert.ok(Math.abs(Date.parse(at) - now) < 60_000, `${what} dated ${at}, the clock says ${new Date(now).toISOString()}`);
        }
      });
    });
  });
}
