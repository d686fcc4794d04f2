import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  paymentProviderFromEnv,
  readPaymentsConfig,
  StripePaymentProvider,
  TestPaymentProvider,
} from '../../../server/payments/index.js';
import { startStripeStandIn, type StripeStandIn } from '../../support/stripe-stand-in.js';

let standIn: StripeStandIn;
before(async () => {
  standIn = await startStripeStandIn();
});
after(() => standIn.close());

const keys = { STRIPE_SECRET_KEY: 'sk_test_billkit', STRIPE_PUBLISHABLE_KEY: 'pk_test_billkit' };

test('when no Stripe key is set, then the test provider is used', () => {
  const provider = paymentProviderFromEnv({});
  assert.ok(provider instanceof TestPaymentProvider);
  assert.equal(provider.name, 'test');
  assert.equal(provider.publishableKey, undefined);
  assert.deepEqual(readPaymentsConfig({ STRIPE_SECRET_KEY: '', STRIPE_PUBLISHABLE_KEY: ' ' }), { provider: 'test' });
});

test('when both Stripe keys are set, then the Stripe provider is used with the publishable key for the browser', () => {
  const provider = paymentProviderFromEnv({ ...keys, STRIPE_WEBHOOK_SECRET: 'whsec_1' });
  assert.ok(provider instanceof StripePaymentProvider);
  assert.equal(provider.name, 'stripe');
  assert.equal(provider.publishableKey, 'pk_test_billkit');
});

test('when only one Stripe key is set, then startup fails instead of silently taking test payments', () => {
  assert.throws(() => paymentProviderFromEnv({ STRIPE_SECRET_KEY: 'sk_test_x' }), /STRIPE_PUBLISHABLE_KEY/);
  assert.throws(() => paymentProviderFromEnv({ STRIPE_PUBLISHABLE_KEY: 'pk_test_x' }), /STRIPE_SECRET_KEY/);
});

test('when the keys are swapped or of different modes, then startup fails naming the variable', () => {
  assert.throws(() => readPaymentsConfig({ STRIPE_SECRET_KEY: 'pk_test_x', STRIPE_PUBLISHABLE_KEY: 'sk_test_x' }), /STRIPE_SECRET_KEY/);
  assert.throws(() => readPaymentsConfig({ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' }), /live key/);
});

test('when the API host variables are set, then they are read and checked', () => {
  assert.deepEqual(readPaymentsConfig({ ...keys, ...standIn.env }), {
    provider: 'stripe',
    secretKey: 'sk_test_billkit',
    publishableKey: 'pk_test_billkit',
    webhookSecret: undefined,
    host: '127.0.0.1',
    port: standIn.port,
    protocol: 'http',
  });
  assert.throws(() => readPaymentsConfig({ ...keys, STRIPE_API_PORT: 'eighty' }), /STRIPE_API_PORT/);
  assert.throws(() => readPaymentsConfig({ ...keys, STRIPE_API_PROTOCOL: 'ftp' }), /STRIPE_API_PROTOCOL/);
});

test('when the provider comes from the environment with a stand-in host, then its requests reach the stand-in', async () => {
  const provider = paymentProviderFromEnv({ ...keys, ...standIn.env });
  const prepared = await provider.prepare({
    checkoutId: 'chk_env',
    amount: 500,
    currency: 'USD',
    customer: { email: 'a@example.com', name: 'A' },
    description: 'x',
  });
  assert.equal(prepared.intentType, 'payment');
  assert.equal(standIn.get(prepared.intentId!)?.amount, 500);
});
