/**
 * The built-in test provider: the default, offline and deterministic in its outcomes.
 *
 * The browser's test form turns its test card numbers into Stripe's test payment method names (SPEC §8), so
 * the server only ever sees these names, never a card number:
 *
 * | payment method                   | card in the form    | outcome                                           |
 * |----------------------------------|---------------------|---------------------------------------------------|
 * | `pm_card_visa`                   | 4242 4242 4242 4242 | succeeded                                         |
 * | `pm_card_chargeDeclined`         | 4000 0000 0000 0002 | declined (`payment_declined`)                     |
 * | `pm_card_authenticationRequired` | 4000 0027 6000 3184 | requires_action; with `authenticated: true` succeeds |
 * | `pm_card_chargeCustomerFail`     | 4000 0000 0000 0341 | saves (amount 0) fine; every charge is declined   |
 *
 * Off-session charges (renewals): `pm_card_visa` succeeds, every other card is declined (the 3-D Secure card
 * with `authentication_required`, as Stripe's fails without the buyer). The payment id is derived from the
 * idempotency key, so the same attempt sent twice is one payment.
 *
 * Amount 0 (a trial) charges nothing and answers `test_setup_...`, but the card is still checked as Stripe's
 * SetupIntent would: a declining card is declined and a 3-D Secure card must authenticate, because a trial
 * must end with a card that can be charged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import {
  assertChargeableAmount,
  declinedError,
  type ConfirmInput,
  type PaymentOutcome,
  type PaymentProvider,
  type PrepareInput,
  type RefundInput,
  type PreparedPayment,
  type OffSessionChargeInput,
  type SavedMethod,
} from './provider.js';

export const TEST_PAYMENT_METHODS = {
  pm_card_visa: 'succeeds',
  pm_card_chargeDeclined: 'declined',
  pm_card_authenticationRequired: 'authentication_required',
  pm_card_chargeCustomerFail: 'saves_then_declines',
} as const;

/** The cards behind the names, as Stripe's test cards show them. */
const TEST_CARDS: Record<TestPaymentMethod, { brand: string; last4: string }> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002' },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184' },
  pm_card_chargeCustomerFail: { brand: 'visa', last4: '0341' },
};

export type TestPaymentMethod = keyof typeof TEST_PAYMENT_METHODS;

export const isTestPaymentMethod = (value: unknown): value is TestPaymentMethod =>
  typeof value === 'string' && Object.hasOwn(TEST_PAYMENT_METHODS, value);

/** Stripe's own wording for a generic decline. */
export const TEST_DECLINE_MESSAGE = 'Your card was declined.';

const unknownTestMethod = () =>
  new DomainError('invalid', 'validation_failed', 'Unknown test payment method.', [
    {
      pointer: '/paymentMethod',
      detail: `Must be one of ${Object.keys(TEST_PAYMENT_METHODS).join(', ')} (the test provider's payment methods).`,
    },
  ]);

export interface TestPaymentProviderOptions {
  /** Makes the random part of payment ids; injectable for tests. */
  randomId?: () => string;
}

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;
  readonly publishableKey = undefined;
  /** The test provider's confirm is the charge: the checkout's transaction calls it last. */
  readonly charges = 'on_confirm' as const;
  readonly #randomId: () => string;

  constructor(options: TestPaymentProviderOptions = {}) {
    this.#randomId = options.randomId ?? (() => randomBytes(12).toString('hex'));
  }

  async prepare(input: PrepareInput): Promise<PreparedPayment> {
    assertChargeableAmount(input.amount, input.currency);
    return { intentType: input.amount === 0 ? 'setup' : 'payment' };
  }

  async confirm(input: ConfirmInput): Promise<PaymentOutcome> {
    if (!isTestPaymentMethod(input.paymentMethod)) throw unknownTestMethod();
    assertChargeableAmount(input.amount, input.currency);
    const setup = input.amount === 0;
    switch (TEST_PAYMENT_METHODS[input.paymentMethod]) {
      case 'declined':
        return { status: 'declined', code: 'payment_declined', message: TEST_DECLINE_MESSAGE, declineCode: 'generic_decline' };
      case 'saves_then_declines':
        if (!setup) return { status: 'declined', code: 'payment_declined', message: TEST_DECLINE_MESSAGE, declineCode: 'generic_decline' };
        break;
      case 'authentication_required':
        if (input.authenticated !== true) return { status: 'requires_action', reason: 'authentication' };
        break;
      case 'succeeds':
        break;
    }
    return {
      status: 'succeeded',
      paymentId: `${setup ? 'test_setup_' : 'test_pay_'}${this.#randomId()}`,
      amount: input.amount,
      savedMethod: { id: input.paymentMethod, ...TEST_CARDS[input.paymentMethod] },
    };
  }

  async chargeOffSession(input: OffSessionChargeInput): Promise<PaymentOutcome> {
    assertChargeableAmount(input.amount, input.currency);
    const method = input.paymentMethod.id;
    if (!isTestPaymentMethod(method)) {
      return { status: 'declined', code: 'payment_declined', message: 'This payment method cannot be charged.', declineCode: 'invalid_payment_method' };
    }
    switch (TEST_PAYMENT_METHODS[method]) {
      case 'succeeds':
        return { status: 'succeeded', paymentId: `test_pay_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 24)}`, amount: input.amount };
      case 'authentication_required':
        return { status: 'declined', code: 'payment_declined', message: 'This payment needs the customer to authenticate.', declineCode: 'authentication_required' };
      default:
        return { status: 'declined', code: 'payment_declined', message: TEST_DECLINE_MESSAGE, declineCode: 'generic_decline' };
    }
  }

  async describeMethod(paymentMethod: string, purpose: 'save' | 'charge' = 'charge'): Promise<SavedMethod> {
    if (!isTestPaymentMethod(paymentMethod)) throw unknownTestMethod();
    // Saving is checking, as Stripe's SetupIntent does: the declining card is declined here too (the portal
    // said "Saved: Visa ending in 0002" for a card every charge then declined).
    if (purpose === 'save' && TEST_PAYMENT_METHODS[paymentMethod] === 'declined') {
      throw declinedError({ status: 'declined', code: 'payment_declined', message: TEST_DECLINE_MESSAGE, declineCode: 'generic_decline' });
    }
    return { id: paymentMethod, ...TEST_CARDS[paymentMethod] };
  }

  /** Nothing leaves the machine: the refund is a reference, deterministic per checkout or credit note. */
  async refund(input: RefundInput): Promise<{ refundId: string } | null> {
    if (!input.paymentId.startsWith('test_pay_')) return null;
    return { refundId: `test_refund_${input.creditNote?.id ?? input.checkoutId}` };
  }
}
