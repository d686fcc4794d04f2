import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { generateKey } from '../../../server/app/keys.js';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import { StripePaymentProvider } from '../../../server/payments/stripe-provider.js';
import { createPlan, createProduct, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { createCoupon } from '../../support/coupons.js';
import { sharedPglite, unique } from '../../support/db.js';
import { startStripeStandIn, type StripeStandIn } from '../../support/stripe-stand-in.js';

const WEBHOOK_SECRET = 'whsec_test_billkit_checkout';

describe('checkout with Stripe (against a local stand-in of the Stripe API)', () => {
  let standIn: StripeStandIn;
  let app: ReturnType<typeof createApp>;
  let pk: { Authorization: string };
  let sk: { Authorization: string };
  let planCode: string;
  let t: TestApp;

  before(async () => {
    standIn = await startStripeStandIn();
    const provider = new StripePaymentProvider({ secretKey: 'sk_test_x', publishableKey: 'pk_test_stripe', webhookSecret: WEBHOOK_SECRET, maxNetworkRetries: 0, ...standIn.sdkOptions });
    const deps = buildDeps(await sharedPglite(), { allowedOrigins: [] }, undefined, provider);
    const publishable = generateKey('publishable');
    const secret = generateKey('secret');
    await deps.keys.add(publishable);
    await deps.keys.add(secret);
    pk = { Authorization: `Bearer ${publishable}` };
    sk = { Authorization: `Bearer ${secret}` };
    app = createApp(deps);
    t = { app, deps, secret, publishable, sk, pk };
    const product = await createProduct(t);
    planCode = (await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 2500 } }] })).code;
  });
  after(() => standIn.close());

  const start = async (extra: { email?: string; couponCode?: string } = {}) => {
    const res = await request(app)
      .post('/v1/checkouts')
      .set(pk)
      .send({
        plan: planCode,
        ...(extra.couponCode ? { couponCode: extra.couponCode } : {}),
        customer: { email: extra.email ?? `${unique('buyer')}@example.com`, name: 'Ada', country: 'DE', type: 'individual' },
      });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const intentOf = (checkoutId: string) => standIn.list('payment_intent').find((i) => (i.metadata as Record<string, string>).checkoutId === checkoutId)!;
  /** Plays the buyer's browser: Stripe.js confirms the PaymentIntent, the money moves. */
  const pay = (checkoutId: string) => standIn.setStatus(String(intentOf(checkoutId).id), 'succeeded');
  const refundsOf = (checkoutId: string) => standIn.list('refund').filter((r) => r.payment_intent === intentOf(checkoutId).id);
  const webhook = (checkoutId: string) => {
    const { payload, header } = standIn.signWebhook(standIn.event('payment_intent.succeeded', standIn.get(String(intentOf(checkoutId).id))!), WEBHOOK_SECRET);
    return request(app).post('/v1/stripe/webhook').set('Stripe-Signature', header).set('Content-Type', 'application/json').send(payload);
  };
  const confirm = (checkoutId: string) => request(app).post(`/v1/checkouts/${checkoutId}/confirm`).set(pk).send({ paymentMethod: 'pm_from_stripe_js' });
  const customersWith = async (email: string) => {
    const res = await request(app).get('/v1/customers').query({ limit: 100 }).set(sk);
    return (res.body.data as { email: string }[]).filter((c) => c.email === email);
  };

  it('when a checkout starts, then a PaymentIntent for the quote total (2500 + 19% = 2975) is created and its client secret handed out', async () => {
    const checkout = await start();
    assert.equal(checkout.quote.dueToday.total, 2975);
    assert.equal(checkout.payment.provider, 'stripe');
    assert.equal(checkout.payment.publishableKey, 'pk_test_stripe');
    assert.match(checkout.payment.clientSecret, /^pi_.*_secret_/);
    const intent = standIn.list('payment_intent').find((i) => (i.metadata as Record<string, string>).checkoutId === checkout.id);
    assert.equal(intent?.amount, 2975);
    assert.equal(intent?.currency, 'eur');
  });

  it('when Stripe reports the payment succeeded by webhook, then the checkout completes once, even if the event is delivered twice', async () => {
    const checkout = await start();
    const intent = standIn.list('payment_intent').find((i) => (i.metadata as Record<string, string>).checkoutId === checkout.id)!;
    const succeeded = standIn.setStatus(String(intent.id), 'succeeded');
    const event = standIn.event('payment_intent.succeeded', succeeded);
    const { payload, header } = standIn.signWebhook(event, WEBHOOK_SECRET);
    const first = await request(app).post('/v1/stripe/webhook').set('Stripe-Signature', header).set('Content-Type', 'application/json').send(payload);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.handled, true);
    const again = await request(app).post('/v1/stripe/webhook').set('Stripe-Signature', header).set('Content-Type', 'application/json').send(payload);
    assert.equal(again.body.duplicate, true);
    const subs = await request(app).get('/v1/subscriptions').query({ limit: 100 }).set(sk);
    const invoices = await request(app).get('/v1/invoices').query({ limit: 100 }).set(sk);
    const customerId = invoices.body.data.find((i: { total: number; subscriptionId: string }) => subs.body.data.some((s: { id: string }) => s.id === i.subscriptionId))?.customerId;
    assert.ok(customerId);
    // The browser's own confirmation after the webhook answers the same completed checkout.
    const confirm = await request(app).post(`/v1/checkouts/${checkout.id}/confirm`).set(pk).send({ paymentMethod: 'pm_from_stripe_js' });
    assert.equal(confirm.status, 200);
    assert.equal(confirm.body.status, 'complete');
    assert.equal(confirm.body.invoice.total, 2975);
    assert.equal(confirm.body.invoice.status, 'paid');
    const sameCheckoutSubs = subs.body.data.filter((s: { id: string }) => s.id === confirm.body.subscription.id);
    assert.equal(sameCheckoutSubs.length, 1);
  });

  it('when the browser confirms before Stripe has the payment, then requires_action, and nothing is created', async () => {
    const checkout = await start();
    const res = await request(app).post(`/v1/checkouts/${checkout.id}/confirm`).set(pk).send({ paymentMethod: 'pm_x' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'requires_action');
  });

  it('when a webhook signature is wrong, then 400 webhook_signature_invalid', async () => {
    const res = await request(app).post('/v1/stripe/webhook').set('Stripe-Signature', 't=1,v1=deadbeef').set('Content-Type', 'application/json').send('{"id":"evt_1"}');
    problemOf(res, 400, 'webhook_signature_invalid');
  });

  it('when the coupon runs out between a buyer paying and the confirmation, then 409 coupon_exhausted, the payment is refunded in full once, nothing is created, and the checkout stays refused', async () => {
    const coupon = await createCoupon(t, { maxRedemptions: 1, percentage: 20 });
    const first = await start({ couponCode: coupon.code });
    const secondEmail = `${unique('late')}@example.com`;
    const second = await start({ couponCode: coupon.code, email: secondEmail });
    assert.equal(second.quote.dueToday.total, 2380); // 2500 - 20 % = 2000, + 19 % VAT
    pay(first.id);
    pay(second.id);
    const won = await confirm(first.id);
    assert.equal(won.status, 200, JSON.stringify(won.body));
    assert.equal(won.body.invoice.discount, 500);

    const lost = await confirm(second.id);
    const problem = problemOf(lost, 409, 'coupon_exhausted');
    assert.match(String(problem.detail), /refunded in full/);
    const refunds = refundsOf(second.id);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0]!.amount, 2380);
    assert.deepEqual(lost.body.refund, { id: refunds[0]!.id, amount: 2380, currency: 'EUR' });
    assert.equal(refundsOf(first.id).length, 0);
    assert.deepEqual(await customersWith(secondEmail), []);
    
    const view = await request(app).get(`/v1/coupons/${coupon.id}`).set(sk);
    assert.equal(view.body.timesRedeemed, 1);

    // The browser retries, Stripe's webhook arrives: the checkout stays refused, and is refunded only once.
    const again = await confirm(second.id);
    problemOf(again, 409, 'checkout_refunded');
    assert.equal(again.body.refusalCode, 'coupon_exhausted');
    assert.equal(again.body.refund.id, refunds[0]!.id);
    const hook = await webhook(second.id);
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    assert.deepEqual(hook.body, { received: true, handled: true, status: 'refunded' });
    assert.equal(refundsOf(second.id).length, 1);
  });

  it('when the buyer subscribed in another tab before Stripe\'s webhook for this payment arrives, then the webhook refunds it (200, not a failure for Stripe to retry)', async () => {
    const email = `${unique('twotabs')}@example.com`;
    const tabA = await start({ email });
    const tabB = await start({ email });
    pay(tabA.id);
    pay(tabB.id);
    assert.equal((await confirm(tabA.id)).status, 200);
    const hook = await webhook(tabB.id);
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    assert.equal(hook.body.status, 'refunded');
    assert.equal(refundsOf(tabB.id).length, 1);
    assert.equal(refundsOf(tabB.id)[0]!.amount, 2975);
    const customers = await customersWith(email);
    assert.equal(customers.length, 1);
    const subs = await request(app).get('/v1/subscriptions').query({ limit: 100, customerId: (customers[0] as unknown as { id: string }).id }).set(sk);
    assert.equal(subs.body.data.length, 1);
    const browser = await confirm(tabB.id);
    problemOf(browser, 409, 'checkout_refunded');
    assert.equal(browser.body.refusalCode, 'subscription_exists');
  });

  it('when the refund cannot reach Stripe, then 503 and the checkout stays uncompleted; the next attempt makes the refund, once', async () => {
    const coupon = await createCoupon(t, { maxRedemptions: 1 });
    const first = await start({ couponCode: coupon.code });
    const second = await start({ couponCode: coupon.code });
    pay(first.id);
    pay(second.id);
    assert.equal((await confirm(first.id)).status, 200);
    standIn.failNext('/v1/refunds');
    const outage = await confirm(second.id);
    assert.equal(outage.status, 503, JSON.stringify(outage.body));
    assert.equal(refundsOf(second.id).length, 0);
    const retry = await confirm(second.id);
    problemOf(retry, 409, 'checkout_refunded');
    assert.equal(retry.body.refusalCode, 'coupon_exhausted');
    assert.equal(refundsOf(second.id).length, 1);
    assert.equal(retry.body.refund.id, refundsOf(second.id)[0]!.id);
    assert.equal((await confirm(second.id)).body.refund.id, retry.body.refund.id);
    assert.equal(refundsOf(second.id).length, 1);
  });
});
