import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { generateKey } from '../../../server/app/keys.js';
import { buildDeps } from '../../../server/compose.js';
import { createApp } from '../../../server/http/app.js';
import { StripePaymentProvider } from '../../../server/payments/stripe-provider.js';
import { createPlan, createProduct, problemOf } from '../../support/api.js';
import { sharedPglite, unique } from '../../support/db.js';
import { startStripeStandIn, type StripeStandIn } from '../../support/stripe-stand-in.js';

const WEBHOOK_SECRET = 'whsec_test_billkit_checkout';

describe('checkout with Stripe (against a local stand-in of the Stripe API)', () => {
  let standIn: StripeStandIn;
  let app: ReturnType<typeof createApp>;
  let pk: { Authorization: string };
  let sk: { Authorization: string };
  let planCode: string;

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
    const t = { app, deps, secret, publishable, sk, pk };
    const product = await createProduct(t);
    planCode = (await createPlan(t, { charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount: 2500 } }] })).code;
  });
  after(() => standIn.close());

  const start = async () => {
    const res = await request(app)
      .post('/v1/checkouts')
      .set(pk)
      .send({ plan: planCode, customer: { email: `${unique('buyer')}@example.com`, name: 'Ada', country: 'DE', type: 'individual' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
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
});
