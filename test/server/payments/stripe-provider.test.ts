import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../server/domain/errors.js';
import { StripePaymentProvider, checkoutPaymentFromEvent } from '../../../server/payments/stripe-provider.js';
import { startStripeStandIn, type StripeStandIn } from '../../support/stripe-stand-in.js';

const WEBHOOK_SECRET = 'whsec_test_billkit';
let standIn: StripeStandIn;
let provider: StripePaymentProvider;

before(async () => {
  standIn = await startStripeStandIn();
  provider = new StripePaymentProvider({
    secretKey: 'sk_test_billkit',
    publishableKey: 'pk_test_billkit',
    webhookSecret: WEBHOOK_SECRET,
    maxNetworkRetries: 0,
    ...standIn.sdkOptions,
  });
});
after(() => standIn.close());
beforeEach(() => standIn.reset());

const customer = { email: 'ada@example.com', name: 'Ada Lovelace' };
const prepare = (checkoutId: string, amount: number, currency = 'EUR') =>
  provider.prepare({ checkoutId, amount, currency, customer, description: 'Billkit Pro, monthly' });

function isDomainError(kind: string, code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.equal(err.code, code);
    return true;
  };
}

test('when a checkout with an amount due is prepared, then a PaymentIntent for exactly that amount is created', async () => {
  const prepared = await prepare('chk_pay', 3451, 'EUR');
  assert.equal(prepared.intentType, 'payment');
  assert.match(prepared.intentId ?? '', /^pi_/);
  assert.equal(prepared.clientSecret, standIn.get(prepared.intentId!)?.client_secret);
  assert.match(prepared.clientSecret ?? '', new RegExp(`^${prepared.intentId}_secret_`));
  assert.match(prepared.providerCustomerId ?? '', /^cus_/);

  const sent = standIn.requests.filter((r) => r.path === '/v1/payment_intents');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.method, 'POST');
  assert.equal(sent[0]!.idempotencyKey, 'checkout-chk_pay');
  assert.deepEqual(sent[0]!.body, {
    amount: '3451',
    currency: 'eur',
    automatic_payment_methods: { enabled: 'true' },
    customer: prepared.providerCustomerId,
    setup_future_usage: 'off_session',
    receipt_email: 'ada@example.com',
    description: 'Billkit Pro, monthly',
    metadata: { checkoutId: 'chk_pay' },
  });
  assert.equal(sent[0]!.headers.authorization, 'Bearer sk_test_billkit');

  const customers = standIn.requests.filter((r) => r.path === '/v1/customers');
  assert.equal(customers.length, 1);
  assert.equal(customers[0]!.idempotencyKey, 'checkout-chk_pay-customer');
  assert.deepEqual(customers[0]!.body, { email: 'ada@example.com', name: 'Ada Lovelace', metadata: { checkoutId: 'chk_pay' } });
});

test('when a zero-decimal or three-decimal currency is prepared, then the minor units go to Stripe unchanged', async () => {
  await prepare('chk_jpy', 1200, 'JPY');
  await prepare('chk_kwd', 12340, 'KWD');
  const bodies = standIn.requests.filter((r) => r.path === '/v1/payment_intents').map((r) => [r.body.amount, r.body.currency]);
  assert.deepEqual(bodies, [
    ['1200', 'jpy'],
    ['12340', 'kwd'],
  ]);
});

test('when a three-decimal currency amount is not a multiple of 10, then prepare refuses before asking Stripe', async () => {
  await assert.rejects(prepare('chk_kwd_odd', 12345, 'KWD'), isDomainError('unprocessable', 'payment_amount_unsupported'));
  assert.equal(standIn.requests.length, 0);
});

test('when a checkout with nothing due today (a trial) is prepared, then a SetupIntent is created and no PaymentIntent', async () => {
  const prepared = await prepare('chk_trial', 0);
  assert.equal(prepared.intentType, 'setup');
  assert.match(prepared.intentId ?? '', /^seti_/);
  assert.match(prepared.clientSecret ?? '', /^seti_.+_secret_/);
  assert.equal(standIn.requests.filter((r) => r.path === '/v1/payment_intents').length, 0);
  const sent = standIn.requests.filter((r) => r.path === '/v1/setup_intents');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.idempotencyKey, 'checkout-chk_trial');
  assert.equal(sent[0]!.body.usage, 'off_session');
  assert.deepEqual(sent[0]!.body.metadata, { checkoutId: 'chk_trial' });
  assert.equal(sent[0]!.body.customer, prepared.providerCustomerId);
});

test('when the same checkout is prepared twice, then Stripe is asked with the same key and one intent exists', async () => {
  const first = await prepare('chk_twice', 990);
  const second = await prepare('chk_twice', 990);
  assert.equal(second.intentId, first.intentId);
  assert.equal(second.clientSecret, first.clientSecret);
  assert.equal(second.providerCustomerId, first.providerCustomerId);
  assert.equal(standIn.list('payment_intent').length, 1);
  assert.equal(standIn.list('customer').length, 1);
  const keys = standIn.requests.filter((r) => r.path === '/v1/payment_intents').map((r) => r.idempotencyKey);
  assert.deepEqual(keys, ['checkout-chk_twice', 'checkout-chk_twice']);
});

test('when two checkouts are prepared, then each gets its own intent', async () => {
  const a = await prepare('chk_a', 990);
  const b = await prepare('chk_b', 990);
  assert.notEqual(a.intentId, b.intentId);
});

test('when a prepared checkout is prepared again with another amount, then the idempotency conflict is a 409', async () => {
  await prepare('chk_changed', 990);
  await assert.rejects(prepare('chk_changed', 1990), isDomainError('conflict', 'payment_idempotency_conflict'));
  assert.equal(standIn.list('payment_intent').length, 1);
});

test('when the browser has confirmed and the intent succeeded, then confirm answers succeeded with the intent id and amount', async () => {
  const prepared = await prepare('chk_ok', 2900);
  standIn.setStatus(prepared.intentId!, 'succeeded');
  const outcome = await provider.confirm({
    checkoutId: 'chk_ok',
    intentId: prepared.intentId,
    amount: 2900,
    currency: 'EUR',
    paymentMethod: 'pm_from_stripe_js',
  });
  assert.deepEqual({ ...outcome, savedMethod: undefined }, { status: 'succeeded', paymentId: prepared.intentId, amount: 2900, savedMethod: undefined });
  assert.equal(outcome.status === 'succeeded' && outcome.savedMethod?.providerCustomerId, prepared.providerCustomerId, 'the saved method is the customer\'s');
  const retrieved = standIn.requests.filter((r) => r.method === 'GET');
  assert.deepEqual(retrieved.map((r) => r.path), [`/v1/payment_intents/${prepared.intentId}`]);
});

test('when the intent requires action, then confirm answers requires_action with the client secret for the browser', async () => {
  const prepared = await prepare('chk_3ds', 2900);
  standIn.setStatus(prepared.intentId!, 'requires_action');
  const outcome = await provider.confirm({ checkoutId: 'chk_3ds', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.deepEqual(outcome, {
    status: 'requires_action',
    paymentId: prepared.intentId,
    reason: 'authentication',
    clientSecret: prepared.clientSecret,
  });
});

test('when the intent is still processing, then confirm answers requires_action with reason processing, not succeeded', async () => {
  const prepared = await prepare('chk_processing', 2900);
  standIn.setStatus(prepared.intentId!, 'processing');
  const outcome = await provider.confirm({ checkoutId: 'chk_processing', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.equal(outcome.status, 'requires_action');
  assert.ok(outcome.status === 'requires_action');
  assert.equal(outcome.reason, 'processing');
});

test('when the browser has not confirmed yet, then confirm answers requires_action with reason payment_method', async () => {
  const prepared = await prepare('chk_early', 2900);
  const outcome = await provider.confirm({ checkoutId: 'chk_early', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.ok(outcome.status === 'requires_action');
  assert.equal(outcome.reason, 'payment_method');
});

test('when the attempt was declined, then confirm answers declined with Stripe\'s last_payment_error message', async () => {
  const prepared = await prepare('chk_declined', 2900);
  standIn.setStatus(prepared.intentId!, 'requires_payment_method', {
    error: { message: 'Your card has insufficient funds.', code: 'card_declined', decline_code: 'insufficient_funds' },
  });
  const outcome = await provider.confirm({ checkoutId: 'chk_declined', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.deepEqual(outcome, {
    status: 'declined',
    code: 'payment_declined',
    message: 'Your card has insufficient funds.',
    declineCode: 'insufficient_funds',
  });
});

test('when the intent\'s amount differs from the server\'s, then confirm refuses with payment_amount_mismatch even if it succeeded', async () => {
  const prepared = await prepare('chk_mismatch', 2900);
  standIn.setStatus(prepared.intentId!, 'succeeded');
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_mismatch', intentId: prepared.intentId, amount: 3900, currency: 'EUR', paymentMethod: 'pm_x' }),
    (err: unknown) => {
      isDomainError('unprocessable', 'payment_amount_mismatch')(err);
      assert.deepEqual((err as DomainError).extra, {
        expected: { amount: 3900, currency: 'EUR' },
        actual: { amount: 2900, currency: 'EUR' },
      });
      return true;
    },
  );
});

test('when the intent\'s currency differs from the server\'s, then confirm refuses with payment_amount_mismatch', async () => {
  const prepared = await prepare('chk_currency', 2900, 'EUR');
  standIn.setStatus(prepared.intentId!, 'succeeded');
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_currency', intentId: prepared.intentId, amount: 2900, currency: 'USD', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_amount_mismatch'),
  );
});

test('when an amount is due but the stored intent is a SetupIntent, then confirm refuses with payment_amount_mismatch', async () => {
  const prepared = await prepare('chk_kind', 0);
  standIn.setStatus(prepared.intentId!, 'succeeded');
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_kind', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_amount_mismatch'),
  );
});

test('when the intent belongs to another checkout, then confirm refuses with payment_intent_mismatch', async () => {
  const prepared = await prepare('chk_owner', 2900);
  standIn.setStatus(prepared.intentId!, 'succeeded');
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_thief', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_intent_mismatch'),
  );
});

test('when the intent was canceled, then confirm refuses with payment_intent_unusable', async () => {
  const prepared = await prepare('chk_canceled', 2900);
  standIn.setStatus(prepared.intentId!, 'canceled');
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_canceled', intentId: prepared.intentId, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_intent_unusable'),
  );
});

test('when the intent is unknown to Stripe or missing, then confirm refuses with a stable code', async () => {
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_x', intentId: 'pi_doesnotexist', amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_intent_not_found'),
  );
  await assert.rejects(
    provider.confirm({ checkoutId: 'chk_x', intentId: null, amount: 2900, currency: 'EUR', paymentMethod: 'pm_x' }),
    isDomainError('unprocessable', 'payment_not_prepared'),
  );
});

test('when a trial\'s SetupIntent succeeded, then confirm answers succeeded with amount 0', async () => {
  const prepared = await prepare('chk_trial_ok', 0);
  standIn.setStatus(prepared.intentId!, 'succeeded');
  const outcome = await provider.confirm({ checkoutId: 'chk_trial_ok', intentId: prepared.intentId, amount: 0, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.deepEqual({ ...outcome, savedMethod: undefined }, { status: 'succeeded', paymentId: prepared.intentId, amount: 0, savedMethod: undefined });
  assert.equal(outcome.status === 'succeeded' && typeof outcome.savedMethod?.id, 'string');
});

test('when a trial\'s SetupIntent requires action or failed, then confirm answers requires_action or declined', async () => {
  const prepared = await prepare('chk_trial_3ds', 0);
  standIn.setStatus(prepared.intentId!, 'requires_action');
  const action = await provider.confirm({ checkoutId: 'chk_trial_3ds', intentId: prepared.intentId, amount: 0, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.ok(action.status === 'requires_action');
  assert.equal(action.reason, 'authentication');
  standIn.setStatus(prepared.intentId!, 'requires_payment_method', { error: { message: 'Your card was declined.', decline_code: 'generic_decline' } });
  const declined = await provider.confirm({ checkoutId: 'chk_trial_3ds', intentId: prepared.intentId, amount: 0, currency: 'EUR', paymentMethod: 'pm_x' });
  assert.deepEqual(declined, { status: 'declined', code: 'payment_declined', message: 'Your card was declined.', declineCode: 'generic_decline' });
});

test('when Stripe cannot be reached, then prepare fails as unavailable (503), not as a crash', async () => {
  const offline = new StripePaymentProvider({
    secretKey: 'sk_test_x',
    publishableKey: 'pk_test_x',
    host: '127.0.0.1',
    port: 1, // nothing listens here
    protocol: 'http',
    maxNetworkRetries: 0,
    timeoutMs: 2000,
  });
  await assert.rejects(
    offline.prepare({ checkoutId: 'chk', amount: 100, currency: 'EUR', customer, description: 'x' }),
    (err: unknown) => {
      isDomainError('unavailable', 'payment_provider_unavailable')(err);
      assert.equal((err as DomainError).extra?.stripeType, 'StripeConnectionError');
      return true;
    },
  );
});

test('when the secret key is refused by Stripe, then prepare fails as unavailable with Stripe\'s error type kept', async () => {
  // The stand-in answers 401 to anything but a Bearer sk_/rk_ key, as Stripe does to an invalid key.
  const refused = new StripePaymentProvider({ secretKey: 'not_a_key', publishableKey: 'pk_test_x', maxNetworkRetries: 0, ...standIn.sdkOptions });
  await assert.rejects(refused.prepare({ checkoutId: 'chk', amount: 100, currency: 'EUR', customer, description: 'x' }), (err: unknown) => {
    isDomainError('unavailable', 'payment_provider_unavailable')(err);
    assert.equal((err as DomainError).extra?.stripeType, 'StripeAuthenticationError');
    return true;
  });
  assert.equal(standIn.list('customer').length, 0);
});

test('when a webhook is signed with the webhook secret, then parseWebhook answers the event and the checkout it concerns', async () => {
  const prepared = await prepare('chk_hook', 2900);
  const intent = standIn.setStatus(prepared.intentId!, 'succeeded');
  const { payload, header } = standIn.signWebhook(standIn.event('payment_intent.succeeded', intent), WEBHOOK_SECRET);
  const event = provider.parseWebhook(Buffer.from(payload), header);
  assert.equal(event.type, 'payment_intent.succeeded');
  assert.deepEqual(checkoutPaymentFromEvent(event), {
    eventId: event.id,
    type: 'payment_intent.succeeded',
    checkoutId: 'chk_hook',
    intentId: prepared.intentId,
    intentType: 'payment',
    status: 'succeeded',
    amount: 2900,
    currency: 'EUR',
  });
});

test('when a setup_intent.succeeded webhook arrives, then the helper names the checkout and the SetupIntent', async () => {
  const prepared = await prepare('chk_hook_trial', 0);
  const intent = standIn.setStatus(prepared.intentId!, 'succeeded');
  const { payload, header } = standIn.signWebhook(standIn.event('setup_intent.succeeded', intent), WEBHOOK_SECRET);
  const info = checkoutPaymentFromEvent(provider.parseWebhook(payload, header));
  assert.deepEqual(info && { ...info, eventId: 'x' }, {
    eventId: 'x',
    type: 'setup_intent.succeeded',
    checkoutId: 'chk_hook_trial',
    intentId: prepared.intentId,
    intentType: 'setup',
    status: 'succeeded',
  });
});

test('when an event is not about a Billkit checkout, then the helper answers null', () => {
  const foreign = standIn.event('payment_intent.succeeded', { id: 'pi_other', object: 'payment_intent', metadata: {}, status: 'succeeded', amount: 1, currency: 'eur' });
  assert.equal(checkoutPaymentFromEvent(foreign), null);
  const other = standIn.event('customer.created', { id: 'cus_1', object: 'customer', metadata: { checkoutId: 'chk' } });
  assert.equal(checkoutPaymentFromEvent(other), null);
});

test('when a webhook\'s signature is wrong, tampered, stale or missing, then parseWebhook refuses with webhook_signature_invalid', async () => {
  const event = standIn.event('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', metadata: { checkoutId: 'chk' } });
  const wrongSecret = standIn.signWebhook(event, 'whsec_someone_else');
  const good = standIn.signWebhook(event, WEBHOOK_SECRET);
  const stale = standIn.signWebhook(event, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600);
  const tampered = good.payload.replace('"livemode": false', '"livemode": true');
  assert.notEqual(tampered, good.payload);
  const cases: [string | Buffer, string | undefined][] = [
    [wrongSecret.payload, wrongSecret.header],
    [tampered, good.header],
    [stale.payload, stale.header],
    [good.payload, undefined],
    [good.payload, 'garbage'],
  ];
  for (const [payload, header] of cases) {
    assert.throws(() => provider.parseWebhook(Buffer.from(payload), header), (err: unknown) => {
      isDomainError('invalid', 'webhook_signature_invalid')(err);
      assert.equal((err as DomainError).errors?.[0]?.pointer, '/header/stripe-signature');
      return true;
    });
  }
});

test('when no webhook secret is configured, then parseWebhook refuses as unavailable', () => {
  const noSecret = new StripePaymentProvider({ secretKey: 'sk_test_x', publishableKey: 'pk_test_x', ...standIn.sdkOptions });
  const { payload, header } = standIn.signWebhook({ id: 'evt_1', object: 'event' }, WEBHOOK_SECRET);
  assert.throws(() => noSecret.parseWebhook(payload, header), isDomainError('unavailable', 'webhook_not_configured'));
});

test('when the provider is built, then it exposes its name and publishable key, never the secret', () => {
  assert.equal(provider.name, 'stripe');
  assert.equal(provider.publishableKey, 'pk_test_billkit');
  assert.doesNotMatch(JSON.stringify({ name: provider.name, publishableKey: provider.publishableKey }), /sk_/);
});

test('when a succeeded payment is refunded, then one full refund of that PaymentIntent is asked for, with a key per checkout, and asking again answers the same refund', async () => {
  const prepared = await prepare('chk_refund', 2975, 'EUR');
  standIn.setStatus(prepared.intentId!, 'succeeded');
  const input = { checkoutId: 'chk_refund', paymentId: prepared.intentId!, amount: 2975, currency: 'EUR', reason: 'coupon_exhausted' };
  const first = await provider.refund(input);
  const again = await provider.refund(input);
  assert.match(first?.refundId ?? '', /^re_/);
  assert.equal(again?.refundId, first?.refundId);
  const refunds = standIn.list('refund');
  assert.equal(refunds.length, 1);
  assert.equal(refunds[0]!.amount, 2975);
  assert.equal(refunds[0]!.payment_intent, prepared.intentId);
  const sent = standIn.requests.filter((r) => r.path === '/v1/refunds');
  assert.equal(sent.length, 2);
  assert.equal(sent[0]!.idempotencyKey, 'checkout-chk_refund-refund');
  assert.deepEqual(sent[0]!.body, {
    payment_intent: prepared.intentId,
    amount: '2975',
    reason: 'requested_by_customer',
    metadata: { checkoutId: 'chk_refund', refusal: 'coupon_exhausted' },
  });
});

test('when a credit note refunds part of an invoice\'s payment, then that amount is refunded once, with a key per credit note', async () => {
  const prepared = await prepare('chk_paid_invoice', 5950, 'EUR');
  standIn.setStatus(prepared.intentId!, 'succeeded');
  const input = { creditNote: { id: 'cn_1', invoiceId: 'inv_1' }, paymentId: prepared.intentId!, amount: 1190, currency: 'EUR', reason: 'goodwill' };
  const first = await provider.refund(input);
  const again = await provider.refund(input);
  assert.equal(again?.refundId, first?.refundId);
  const refunds = standIn.list('refund').filter((r) => r.payment_intent === prepared.intentId);
  assert.equal(refunds.length, 1);
  assert.equal(refunds[0]!.amount, 1190);
  const sent = standIn.requests.filter((r) => r.path === '/v1/refunds' && r.idempotencyKey === 'credit-note-cn_1-refund');
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[0]!.body, {
    payment_intent: prepared.intentId,
    amount: '1190',
    reason: 'requested_by_customer',
    metadata: { creditNoteId: 'cn_1', invoiceId: 'inv_1', reason: 'goodwill' },
  });
});

test('when a saved payment method (a SetupIntent, nothing charged) would be refunded, then nothing is asked of Stripe', async () => {
  const prepared = await prepare('chk_trial_refund', 0, 'EUR');
  standIn.setStatus(prepared.intentId!, 'succeeded');
  const refund = await provider.refund({ checkoutId: 'chk_trial_refund', paymentId: prepared.intentId!, amount: 0, currency: 'EUR', reason: 'subscription_exists' });
  assert.equal(refund, null);
  assert.equal(standIn.requests.filter((r) => r.path === '/v1/refunds').length, 0);
});

test('when Stripe refuses a refund (the payment has no successful charge), then a DomainError, not a silent success', async () => {
  const prepared = await prepare('chk_unpaid_refund', 1000, 'EUR');
  await assert.rejects(
    provider.refund({ checkoutId: 'chk_unpaid_refund', paymentId: prepared.intentId!, amount: 1000, currency: 'EUR', reason: 'coupon_exhausted' }),
    (err: unknown) => err instanceof DomainError,
  );
});
