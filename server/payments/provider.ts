/**
 * Payment providers behind one interface (SPEC §8).
 *
 * The checkout flow talks to a `PaymentProvider` only:
 *
 * 1. `POST /v1/checkouts` computes the quote, then calls `prepare()` with the quote's total due today.
 *    The answer tells the browser how to collect the payment: for Stripe a PaymentIntent's (or, when
 *    nothing is due today, e.g. a trial, a SetupIntent's) client secret for Stripe.js; for the built-in
 *    test provider nothing secret at all. Store `intentId` with the checkout: `confirm()` needs it.
 * 2. `POST /v1/checkouts/{id}/confirm {paymentMethod}` calls `confirm()` with the **stored** amount and
 *    intent id, never figures from the request body. The answer is an outcome value:
 *    - `succeeded`: money moved (or, for amount 0, a payment method was saved); complete the checkout.
 *    - `requires_action`: nothing failed, but the payment is not done; the browser must act (authenticate,
 *      submit its payment details) or wait (`reason: 'processing'`) and then confirm again.
 *    - `declined`: the bank or the provider refused; answer 402 `payment_declined` (see `declinedError`).
 *    A decline is never thrown. Thrown `DomainError`s are for everything that is not a customer's card
 *    saying no: an unknown payment method (400), an intent whose amount or currency is not the server's
 *    (422 `payment_amount_mismatch`), the provider being unreachable (503).
 *
 * Card numbers never reach the BFF: the browser turns them into payment method references (Stripe.js, or
 * the test form's `pm_card_*` names) and the server only ever sees those.
 */
import { DomainError } from '../domain/errors.js';

export type PaymentProviderName = 'test' | 'stripe';

export interface PrepareInput {
  /** The checkout's id; providers derive idempotency keys from it, so preparing twice is harmless. */
  checkoutId: string;
  /** The server's quote total due today, in minor units. 0 (e.g. a trial) saves a payment method only. */
  amount: number;
  /** ISO 4217, any case (Billkit uses upper case, Stripe lower case). */
  currency: string;
  customer: { email: string; name: string };
  /** Shown on the provider's dashboard and statements where supported. */
  description: string;
}

export interface PreparedPayment {
  /** `payment` charges `amount`; `setup` (amount 0) only saves a payment method for later. */
  intentType: 'payment' | 'setup';
  /** The provider's intent id (Stripe `pi_...` / `seti_...`). Store it with the checkout. */
  intentId?: string;
  /** What Stripe.js needs to confirm in the browser. Safe to hand to the checkout's own browser only. */
  clientSecret?: string;
  /** The provider's customer id (Stripe `cus_...`) the payment method will be saved to, for renewals. */
  providerCustomerId?: string;
}

export interface ConfirmInput {
  checkoutId: string;
  /** The intent id `prepare()` returned (from storage, not from the request). */
  intentId?: string | null;
  /** The server's amount for this checkout, in minor units. */
  amount: number;
  currency: string;
  /** The browser's payment method reference (`pm_...`). The test provider decides by it; Stripe ignores it. */
  paymentMethod: string;
  /** The customer completed the authentication the previous `requires_action` asked for (test provider). */
  authenticated?: boolean;
}

export type RequiresActionReason =
  /** 3-D Secure or a similar challenge. */
  | 'authentication'
  /** The provider is still processing (e.g. a bank debit); confirm again later, or wait for the webhook. */
  | 'processing'
  /** The browser has not yet submitted payment details for this intent (or must submit new ones). */
  | 'payment_method';

export type PaymentOutcome =
  | {
      status: 'succeeded';
      /** The provider's payment reference: `pi_...`/`seti_...` for Stripe, `test_pay_...`/`test_setup_...` for test. */
      paymentId: string;
      /** The amount actually charged, in minor units (0 for a setup). */
      amount: number;
      /** The payment method the provider saved for later off-session charges (renewals), where it says. */
      savedMethod?: SavedMethod;
    }
  | {
      status: 'requires_action';
      paymentId?: string;
      reason: RequiresActionReason;
      /** For Stripe: the intent's client secret, so the browser can run `handleNextAction`. */
      clientSecret?: string;
    }
  | {
      status: 'declined';
      code: 'payment_declined';
      /** The provider's customer-facing message ("Your card was declined."). */
      message: string;
      /** The issuer's reason where known (`generic_decline`, `insufficient_funds`, ...). */
      declineCode?: string;
    };

/** A payment method saved for off-session charges: the subscription's default. */
export interface SavedMethod {
  id: string;
  brand?: string;
  last4?: string;
  /** The provider's customer it is attached to (Stripe `cus_...`). */
  providerCustomerId?: string;
}

export interface OffSessionChargeInput {
  /** Derived from the invoice and the attempt (`<invoice id>:<attempt>`): the same attempt charges once, however often it is sent. */
  idempotencyKey: string;
  amount: number;
  currency: string;
  paymentMethod: SavedMethod;
  /** Shown on the provider's dashboard (the invoice's id). */
  description: string;
  metadata: Record<string, string>;
}

export interface RefundInput {
  /**
   * What the refund is for, and so its idempotency key: a refused checkout's payment (in full), or a credit
   * note's share of an invoice's payment (one refund per credit note, however often it is sent).
   */
  checkoutId?: string;
  creditNote?: { id: string; invoiceId: string };
  /** The succeeded outcome's payment reference (`pi_...`; a `seti_...` moved no money). */
  paymentId: string;
  amount: number;
  currency: string;
  /** The refusal that stopped the checkout (`coupon_exhausted`, `subscription_exists`, ...) or the credit note's reason, for the provider's records. */
  reason: string;
}

/** The one key a refund is sent with: per checkout, or per credit note. */
export const refundKey = (input: Pick<RefundInput, 'checkoutId' | 'creditNote'>): string =>
  input.creditNote ? `credit-note-${input.creditNote.id}-refund` : `checkout-${input.checkoutId}-refund`;

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /**
   * When the money moves. `on_confirm` (test): `confirm()` itself charges, so the checkout's transaction
   * calls it only after every refusal had its chance. `before_confirm` (Stripe): the browser has paid
   * before the BFF hears of it, so `confirm()` only reads the outcome; a checkout refused after that gets
   * its payment back through `refund()`.
   */
  readonly charges: 'on_confirm' | 'before_confirm';
  /** What the browser needs to show the payment form (Stripe's publishable key; none for the test provider). */
  readonly publishableKey?: string;
  /**
   * Called when a checkout is created, with the server's quote total due today. Stripe: creates (idempotently
   * per checkout) a PaymentIntent for exactly `amount`, or a SetupIntent when `amount` is 0. Test: answers
   * `{intentType}` only.
   */
  prepare(input: PrepareInput): Promise<PreparedPayment>;
  /** Called by `POST /v1/checkouts/{id}/confirm`. Answers an outcome; never throws for a decline. */
  confirm(input: ConfirmInput): Promise<PaymentOutcome>;
  /**
   * Gives `amount` of a succeeded payment back: a refused checkout's in full, or a credit note's share of an
   * invoice's payment. Idempotent per checkout or credit note (`refundKey`): calling it again answers the
   * same refund. Answers `null` when no money moved (a saved payment method).
   */
  refund(input: RefundInput): Promise<{ refundId: string } | null>;
  /**
   * Charges a saved payment method without the buyer (renewals, prorations, retries). A charge that would
   * need the buyer's authentication fails like a decline (code `authentication_required`): the buyer is
   * sent to the portal. Never throws for a decline.
   */
  chargeOffSession(input: OffSessionChargeInput): Promise<PaymentOutcome>;
  /**
   * A payment method's details, checked with the provider. `save`: it becomes a subscription's default (the
   * portal's new card), so it must be able to pay, as a SetupIntent checks (Stripe's has confirmed it before
   * it gets here); `charge`: it pays one invoice now, and the charge itself says whether it can.
   */
  describeMethod(paymentMethod: string, purpose?: 'save' | 'charge'): Promise<SavedMethod>;
}

/** The 402 problem for a declined outcome, for the HTTP layer. */
export function declinedError(outcome: Extract<PaymentOutcome, { status: 'declined' }>): DomainError {
  return new DomainError(
    'payment',
    outcome.code,
    outcome.message,
    [{ pointer: '/paymentMethod', detail: outcome.message }],
    outcome.declineCode ? { declineCode: outcome.declineCode } : undefined,
  );
}

/** Amounts handed to a provider are the server's own: a non-negative safe integer of minor units. */
export function assertChargeableAmount(amount: number, currency: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new DomainError('unprocessable', 'payment_amount_invalid', `Cannot charge ${amount} minor units.`);
  }
  if (!/^[A-Za-z]{3}$/.test(currency)) {
    throw new DomainError('unprocessable', 'payment_currency_invalid', `Cannot charge in "${currency}".`);
  }
}
