import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../server/domain/errors.js';
import { TestPaymentProvider, TEST_PAYMENT_METHODS } from '../../../server/payments/test-provider.js';
import { declinedError } from '../../../server/payments/provider.js';

const provider = new TestPaymentProvider();
const base = { checkoutId: 'chk_1', intentId: null, amount: 2900, currency: 'EUR' };

test('when a checkout is prepared with the test provider, then it answers the intent type only, nothing secret', async () => {
  const input = { checkoutId: 'chk_1', currency: 'EUR', customer: { email: 'a@example.com', name: 'A' }, description: 'Pro' };
  assert.deepEqual(await provider.prepare({ ...input, amount: 2900 }), { intentType: 'payment' });
  assert.deepEqual(await provider.prepare({ ...input, amount: 0 }), { intentType: 'setup' });
  assert.equal(provider.name, 'test');
  assert.equal(provider.publishableKey, undefined);
});

test('when pm_card_visa confirms, then the payment succeeds for exactly the amount with a test_pay_ id', async () => {
  const outcome = await provider.confirm({ ...base, paymentMethod: 'pm_card_visa' });
  assert.equal(outcome.status, 'succeeded');
  assert.ok(outcome.status === 'succeeded');
  assert.match(outcome.paymentId, /^test_pay_[0-9a-f]{24}$/);
  assert.equal(outcome.amount, 2900);
});

test('when two payments succeed, then their payment ids differ', async () => {
  const a = await provider.confirm({ ...base, paymentMethod: 'pm_card_visa' });
  const b = await provider.confirm({ ...base, paymentMethod: 'pm_card_visa' });
  assert.ok(a.status === 'succeeded' && b.status === 'succeeded');
  assert.notEqual(a.paymentId, b.paymentId);
});

test('when pm_card_chargeDeclined confirms, then the outcome is declined with payment_declined, not a throw', async () => {
  const outcome = await provider.confirm({ ...base, paymentMethod: 'pm_card_chargeDeclined' });
  assert.deepEqual(outcome, {
    status: 'declined',
    code: 'payment_declined',
    message: 'Your card was declined.',
    declineCode: 'generic_decline',
  });
  assert.ok(outcome.status === 'declined');
  const error = declinedError(outcome);
  assert.equal(error.kind, 'payment');
  assert.equal(error.code, 'payment_declined');
  assert.equal(error.errors?.[0]?.pointer, '/paymentMethod');
});

test('when pm_card_authenticationRequired confirms unauthenticated, then it requires action; authenticated, then it succeeds', async () => {
  const first = await provider.confirm({ ...base, paymentMethod: 'pm_card_authenticationRequired' });
  assert.deepEqual(first, { status: 'requires_action', reason: 'authentication' });
  const second = await provider.confirm({ ...base, paymentMethod: 'pm_card_authenticationRequired', authenticated: true });
  assert.equal(second.status, 'succeeded');
  assert.ok(second.status === 'succeeded');
  assert.match(second.paymentId, /^test_pay_/);
  assert.equal(second.amount, 2900);
});

test('when a known card claims authentication it never needed, then it still succeeds', async () => {
  const outcome = await provider.confirm({ ...base, paymentMethod: 'pm_card_visa', authenticated: true });
  assert.equal(outcome.status, 'succeeded');
});

test('when the amount is 0 (a trial), then pm_card_visa succeeds without a charge and a test_setup_ id', async () => {
  const outcome = await provider.confirm({ ...base, amount: 0, paymentMethod: 'pm_card_visa' });
  assert.ok(outcome.status === 'succeeded');
  assert.match(outcome.paymentId, /^test_setup_/);
  assert.equal(outcome.amount, 0);
});

test('when the amount is 0, then a declining card is still declined and a 3-D Secure card still must authenticate', async () => {
  const declined = await provider.confirm({ ...base, amount: 0, paymentMethod: 'pm_card_chargeDeclined' });
  assert.equal(declined.status, 'declined');
  const action = await provider.confirm({ ...base, amount: 0, paymentMethod: 'pm_card_authenticationRequired' });
  assert.equal(action.status, 'requires_action');
  const done = await provider.confirm({ ...base, amount: 0, paymentMethod: 'pm_card_authenticationRequired', authenticated: true });
  assert.ok(done.status === 'succeeded');
  assert.match(done.paymentId, /^test_setup_/);
});

for (const paymentMethod of ['pm_card_unknown', '4242424242424242', '', 'toString', '__proto__']) {
  test(`when the payment method is ${JSON.stringify(paymentMethod)}, then it is refused as invalid with its pointer`, async () => {
    await assert.rejects(provider.confirm({ ...base, paymentMethod }), (err: unknown) => {
      assert.ok(err instanceof DomainError);
      assert.equal(err.kind, 'invalid');
      assert.equal(err.code, 'validation_failed');
      assert.equal(err.errors?.[0]?.pointer, '/paymentMethod');
      assert.match(err.errors?.[0]?.detail ?? '', /pm_card_visa/);
      return true;
    });
  });
}

test('when the amount is negative or fractional, then nothing is charged and the provider refuses', async () => {
  for (const amount of [-1, 10.5, Number.NaN]) {
    await assert.rejects(provider.confirm({ ...base, amount, paymentMethod: 'pm_card_visa' }), { code: 'payment_amount_invalid' });
  }
});

test('when the test payment methods are listed, then they are exactly the four the spec names', () => {
  assert.deepEqual(Object.keys(TEST_PAYMENT_METHODS).sort(), [
    'pm_card_authenticationRequired',
    'pm_card_chargeCustomerFail',
    'pm_card_chargeDeclined',
    'pm_card_visa',
  ]);
});

test('when an id generator is injected, then payment ids are deterministic', async () => {
  const fixed = new TestPaymentProvider({ randomId: () => 'fixed' });
  const outcome = await fixed.confirm({ ...base, paymentMethod: 'pm_card_visa' });
  assert.deepEqual(outcome, { status: 'succeeded', paymentId: 'test_pay_fixed', amount: 2900, savedMethod: { id: 'pm_card_visa', brand: 'visa', last4: '4242' } });
});

test('when pm_card_chargeCustomerFail is saved on a trial (0 due), then it succeeds; charged at checkout or off-session later, it is declined', async () => {
  const saved = await provider.confirm({ ...base, amount: 0, paymentMethod: 'pm_card_chargeCustomerFail' });
  assert.equal(saved.status, 'succeeded');
  const charged = await provider.confirm({ ...base, paymentMethod: 'pm_card_chargeCustomerFail' });
  assert.equal(charged.status, 'declined');
  const later = await provider.chargeOffSession({ idempotencyKey: 'inv_1:1', amount: 2900, currency: 'EUR', paymentMethod: { id: 'pm_card_chargeCustomerFail' }, description: 'inv_1', metadata: {} });
  assert.equal(later.status, 'declined');
});

test('when an off-session charge is sent twice with one idempotency key, then it is one payment; another key is another payment', async () => {
  const charge = (key: string) =>
    provider.chargeOffSession({ idempotencyKey: key, amount: 2900, currency: 'EUR', paymentMethod: { id: 'pm_card_visa' }, description: 'inv_1', metadata: {} });
  const [a, b, c] = [await charge('inv_1:1'), await charge('inv_1:1'), await charge('inv_1:2')];
  assert.equal(a.status, 'succeeded');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('when a 3-D Secure card is charged off-session, then it is declined with authentication_required (the buyer is not there)', async () => {
  const outcome = await provider.chargeOffSession({ idempotencyKey: 'inv_2:1', amount: 2900, currency: 'EUR', paymentMethod: { id: 'pm_card_authenticationRequired' }, description: 'inv_2', metadata: {} });
  assert.equal(outcome.status, 'declined');
  assert.equal(outcome.status === 'declined' && outcome.declineCode, 'authentication_required');
});

test('when a test payment is refunded, then the refund is a reference per checkout; a saved card (no money) has none; the charge happens at confirm', async () => {
  assert.equal(provider.charges, 'on_confirm');
  const input = { checkoutId: 'chk_9', amount: 2900, currency: 'EUR', reason: 'coupon_exhausted' };
  assert.deepEqual(await provider.refund({ ...input, paymentId: 'test_pay_0123' }), { refundId: 'test_refund_chk_9' });
  assert.equal(await provider.refund({ ...input, paymentId: 'test_setup_0123', amount: 0 }), null);
});

test('when a card is saved without a charge (a new default payment method), then the declining card is refused as Stripe\'s SetupIntent refuses it; the others save', async () => {
  await assert.rejects(provider.describeMethod('pm_card_chargeDeclined', 'save'), { code: 'payment_declined' });
  for (const method of ['pm_card_visa', 'pm_card_authenticationRequired', 'pm_card_chargeCustomerFail']) {
    assert.equal((await provider.describeMethod(method, 'save')).id, method);
  }
  // To pay one invoice now, the charge says it (and its attempt is recorded on the invoice).
  assert.equal((await provider.describeMethod('pm_card_chargeDeclined', 'charge')).last4, '0002');
});
