/**
 * The Stripe provider, on the official `stripe` SDK.
 *
 * prepare: creates a Customer (for renewals after the first payment or the trial) and a PaymentIntent for
 * exactly the server's amount (`setup_future_usage: 'off_session'`), or a SetupIntent
 * (`usage: 'off_session'`) when the amount is 0. Both carry `metadata.checkoutId` and are created with
 * idempotency keys derived from the checkout id (`checkout-<id>` for the intent, `checkout-<id>-customer`
 * for the customer), so preparing a checkout twice makes one of each. Stripe keeps keys for 24 hours.
 *
 * confirm: the browser confirms with Stripe.js; the server retrieves the intent and decides:
 *
 * | intent status                               | outcome                                                  |
 * |---------------------------------------------|----------------------------------------------------------|
 * | `succeeded`                                 | succeeded (only when amount and currency are the server's) |
 * | `requires_action`                           | requires_action, reason `authentication`                 |
 * | `processing`                                | requires_action, reason `processing` (not paid yet: confirm again or wait for the webhook) |
 * | `requires_payment_method` after an attempt  | declined, with `last_payment_error.message`              |
 * | `requires_payment_method` / `requires_confirmation`, no attempt | requires_action, reason `payment_method` |
 * | `canceled`, `requires_capture`, other       | DomainError 422 `payment_intent_unusable`                |
 *
 * Amount, currency, intent kind and `metadata.checkoutId` are checked before the status: an intent that does
 * not match the checkout is a 422 (`payment_amount_mismatch`, `payment_intent_mismatch`), whatever its status.
 * Three-decimal currencies (BHD, JOD, KWD, OMR, TND) must be multiples of 10 minor units at Stripe: another
 * amount is refused up front with 422 `payment_amount_unsupported` (Billkit never rounds a charge).
 * SDK failures become DomainErrors: unreachable/5xx/auth/rate limit 503 `payment_provider_unavailable`,
 * a reused idempotency key with other parameters 409 `payment_idempotency_conflict`, an unknown intent
 * 422 `payment_intent_not_found`, any other refusal 422 `payment_provider_rejected`.
 */
import Stripe from 'stripe';
import { DomainError } from '../domain/errors.js';
import {
  assertChargeableAmount,
  type ConfirmInput,
  type PaymentOutcome,
  type PaymentProvider,
  type PrepareInput,
  type PreparedPayment,
  type RefundInput,
  type OffSessionChargeInput,
  type SavedMethod,
  refundKey,
} from './provider.js';

export interface StripeProviderOptions {
  secretKey: string;
  publishableKey: string;
  /** `whsec_...`; without it `parseWebhook` refuses every event (503 `webhook_not_configured`). */
  webhookSecret?: string;
  /** Another API host, e.g. a local stand-in in tests (default api.stripe.com:443 over https). */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Per-request timeout (default 20 s). */
  timeoutMs?: number;
  /** Automatic retries of failed requests (default 2; safe, every POST carries an idempotency key). */
  maxNetworkRetries?: number;
  /** A ready client (tests); the options above are then ignored except keys and webhook secret. */
  client?: Stripe;
}

/** What a payment/setup intent event says about a checkout. */
export interface CheckoutPaymentEvent {
  eventId: string;
  type: string;
  checkoutId: string;
  intentId: string;
  intentType: 'payment' | 'setup';
  status: string;
  /** PaymentIntent only. */
  amount?: number;
  /** PaymentIntent only, upper case like the rest of Billkit. */
  currency?: string;
}

/**
 * ISO 4217 three-decimal currencies. Stripe takes them in minor units too, but for card processing the last
 * digit must be 0 (https://docs.stripe.com/currencies#three-decimal).
 */
export const STRIPE_THREE_DECIMAL: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export const idempotencyKeyFor = (checkoutId: string) => `checkout-${checkoutId}`;

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  /** Stripe.js confirms the intent in the browser: by the time the BFF confirms, the money has moved. */
  readonly charges = 'before_confirm' as const;
  readonly publishableKey: string;
  readonly stripe: Stripe;
  readonly #webhookSecret: string | undefined;

  constructor(options: StripeProviderOptions) {
    if (!options.secretKey) throw new Error('StripePaymentProvider needs a secret key');
    if (!options.publishableKey) throw new Error('StripePaymentProvider needs a publishable key');
    this.publishableKey = options.publishableKey;
    this.#webhookSecret = options.webhookSecret || undefined;
    this.stripe =
      options.client ??
      new Stripe(options.secretKey, {
        ...(options.host ? { host: options.host } : {}),
        ...(options.port ? { port: options.port } : {}),
        ...(options.protocol ? { protocol: options.protocol } : {}),
        timeout: options.timeoutMs ?? 20_000,
        maxNetworkRetries: options.maxNetworkRetries ?? 2,
        telemetry: false,
        appInfo: { name: 'Billkit' },
      });
  }

  async prepare(input: PrepareInput): Promise<PreparedPayment> {
    assertChargeableAmount(input.amount, input.currency);
    if (STRIPE_THREE_DECIMAL.has(input.currency.toUpperCase()) && input.amount % 10 !== 0) {
      // Stripe refuses these; Billkit never rounds a charge, so it says why before asking.
      throw new DomainError(
        'unprocessable',
        'payment_amount_unsupported',
        `Stripe charges ${input.currency.toUpperCase()} only in multiples of 10 minor units; ${input.amount} is not.`,
      );
    }
    const key = idempotencyKeyFor(input.checkoutId);
    const metadata = { checkoutId: input.checkoutId };
    return call(async () => {
      const customer = await this.stripe.customers.create(
        { email: input.customer.email, name: input.customer.name, metadata },
        { idempotencyKey: `${key}-customer` },
      );
      if (input.amount === 0) {
        const intent = await this.stripe.setupIntents.create(
          {
            usage: 'off_session',
            customer: customer.id,
            automatic_payment_methods: { enabled: true },
            description: input.description,
            metadata,
          },
          { idempotencyKey: key },
        );
        return {
          intentType: 'setup',
          intentId: intent.id,
          clientSecret: intent.client_secret ?? undefined,
          providerCustomerId: customer.id,
        };
      }
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true },
          customer: customer.id,
          setup_future_usage: 'off_session',
          receipt_email: input.customer.email,
          description: input.description,
          metadata,
        },
        { idempotencyKey: key },
      );
      return {
        intentType: 'payment',
        intentId: intent.id,
        clientSecret: intent.client_secret ?? undefined,
        providerCustomerId: customer.id,
      };
    });
  }

  async confirm(input: ConfirmInput): Promise<PaymentOutcome> {
    assertChargeableAmount(input.amount, input.currency);
    const intentId = input.intentId;
    if (!intentId) {
      throw new DomainError('unprocessable', 'payment_not_prepared', 'This checkout has no Stripe payment to confirm.');
    }
    const isSetup = intentId.startsWith('seti_');
    if (isSetup !== (input.amount === 0)) {
      throw amountMismatch(
        input.amount === 0
          ? 'Nothing is due today, but the intent is a payment.'
          : 'An amount is due today, but the intent only saves a payment method.',
        { expected: { amount: input.amount, currency: input.currency.toUpperCase() } },
      );
    }
    return isSetup ? this.#confirmSetup(intentId, input) : this.#confirmPayment(intentId, input);
  }

  /**
   * A refund of the payment's PaymentIntent (Refunds API): a refused checkout's in full, a credit note's
   * share of an invoice's. The idempotency key is per checkout or credit note (`refundKey`), so a retry never
   * refunds twice. A SetupIntent moved no money: nothing to refund.
   */
  async refund(input: RefundInput): Promise<{ refundId: string } | null> {
    if (!input.paymentId.startsWith('pi_')) return null;
    const refund = await call(() =>
      this.stripe.refunds.create(
        {
          payment_intent: input.paymentId,
          amount: input.amount,
          reason: 'requested_by_customer',
          metadata: input.creditNote
            ? { creditNoteId: input.creditNote.id, invoiceId: input.creditNote.invoiceId, reason: input.reason }
            : { checkoutId: input.checkoutId ?? '', refusal: input.reason },
        },
        { idempotencyKey: refundKey(input) },
      ),
    );
    return { refundId: refund.id };
  }

  async #confirmPayment(intentId: string, input: ConfirmInput): Promise<PaymentOutcome> {
    const intent = await call(() => this.stripe.paymentIntents.retrieve(intentId), true);
    checkOwner(intent.metadata, input.checkoutId);
    if (intent.amount !== input.amount || intent.currency.toLowerCase() !== input.currency.toLowerCase()) {
      throw amountMismatch('The payment intent is not for this checkout\'s amount.', {
        expected: { amount: input.amount, currency: input.currency.toUpperCase() },
        actual: { amount: intent.amount, currency: intent.currency.toUpperCase() },
      });
    }
    return withSavedMethod(outcomeOf(intent.id, intent.status, intent.client_secret, intent.last_payment_error, intent.amount), intent);
  }

  async #confirmSetup(intentId: string, input: ConfirmInput): Promise<PaymentOutcome> {
    const intent = await call(() => this.stripe.setupIntents.retrieve(intentId), true);
    checkOwner(intent.metadata, input.checkoutId);
    return withSavedMethod(outcomeOf(intent.id, intent.status, intent.client_secret, intent.last_setup_error, 0), intent);
  }

  /**
   * A PaymentIntent confirmed off-session on the saved method and customer, with the invoice attempt's
   * idempotency key: the same attempt sent again answers the same intent. A card error (a decline, or
   * `authentication_required`) is an outcome, not an error.
   */
  async chargeOffSession(input: OffSessionChargeInput): Promise<PaymentOutcome> {
    assertChargeableAmount(input.amount, input.currency);
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency.toLowerCase(),
          payment_method: input.paymentMethod.id,
          ...(input.paymentMethod.providerCustomerId ? { customer: input.paymentMethod.providerCustomerId } : {}),
          off_session: true,
          confirm: true,
          description: input.description,
          metadata: input.metadata,
        },
        { idempotencyKey: `invoice-${input.idempotencyKey}` },
      );
      return outcomeOf(intent.id, intent.status, null, intent.last_payment_error, intent.amount);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) return declined({ message: err.message, ...(err.decline_code ? { decline_code: err.decline_code } : {}), ...(err.code ? { code: err.code } : {}) });
      return call(() => Promise.reject(err));
    }
  }

  async describeMethod(paymentMethod: string): Promise<SavedMethod> {
    const method = await call(() => this.stripe.paymentMethods.retrieve(paymentMethod), true);
    const customer = typeof method.customer === 'string' ? method.customer : method.customer?.id;
    return {
      id: method.id,
      ...(method.card?.brand ? { brand: method.card.brand } : {}),
      ...(method.card?.last4 ? { last4: method.card.last4 } : {}),
      ...(customer ? { providerCustomerId: customer } : {}),
    };
  }

  /**
   * Verifies a webhook's `Stripe-Signature` over the raw body (as received, before any JSON parsing) and
   * answers the event. Throws 400 `webhook_signature_invalid`, or 503 `webhook_not_configured` without a
   * webhook secret.
   */
  parseWebhook(rawBody: Buffer | string, signatureHeader: string | string[] | undefined): Stripe.Event {
    if (!this.#webhookSecret) {
      throw new DomainError('unavailable', 'webhook_not_configured', 'STRIPE_WEBHOOK_SECRET is not set.');
    }
    if (typeof signatureHeader !== 'string' || signatureHeader === '') {
      throw signatureInvalid('The Stripe-Signature header is missing.');
    }
    try {
      return this.stripe.webhooks.constructEvent(rawBody, signatureHeader, this.#webhookSecret);
    } catch (err) {
      throw signatureInvalid(err instanceof Error ? err.message : 'The signature does not match.');
    }
  }
}

/**
 * What a `payment_intent.*` or `setup_intent.*` event (typically `payment_intent.succeeded` /
 * `setup_intent.succeeded`) says about a Billkit checkout; null for other events and for intents Billkit
 * did not create (no `metadata.checkoutId`). The status is the intent's own; compare amount and currency
 * with the checkout before trusting a `succeeded`.
 */
export function checkoutPaymentFromEvent(event: Stripe.Event): CheckoutPaymentEvent | null {
  if (event.type.startsWith('payment_intent.')) {
    const intent = event.data.object as Stripe.PaymentIntent;
    const checkoutId = intent?.metadata?.checkoutId;
    if (intent?.object !== 'payment_intent' || !checkoutId) return null;
    return {
      eventId: event.id,
      type: event.type,
      checkoutId,
      intentId: intent.id,
      intentType: 'payment',
      status: intent.status,
      amount: intent.amount,
      currency: intent.currency?.toUpperCase(),
    };
  }
  if (event.type.startsWith('setup_intent.')) {
    const intent = event.data.object as Stripe.SetupIntent;
    const checkoutId = intent?.metadata?.checkoutId;
    if (intent?.object !== 'setup_intent' || !checkoutId) return null;
    return {
      eventId: event.id,
      type: event.type,
      checkoutId,
      intentId: intent.id,
      intentType: 'setup',
      status: intent.status,
    };
  }
  return null;
}

/** The succeeded intent's payment method and customer: what renewals will charge. */
function withSavedMethod(outcome: PaymentOutcome, intent: { payment_method?: string | { id: string } | null; customer?: string | { id: string } | null }): PaymentOutcome {
  if (outcome.status !== 'succeeded' || !intent.payment_method) return outcome;
  const id = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method.id;
  const customer = typeof intent.customer === 'string' ? intent.customer : intent.customer?.id;
  return { ...outcome, savedMethod: { id, ...(customer ? { providerCustomerId: customer } : {}) } };
}

const secret = (clientSecret: string | null) => (clientSecret ? { clientSecret } : {});

/**
 * A PaymentIntent's or SetupIntent's status as an outcome (both share Stripe's status names). `charged` is
 * what a succeeded intent took: the PaymentIntent's amount, 0 for a setup.
 */
function outcomeOf(
  id: string,
  status: string,
  clientSecret: string | null,
  lastError: { message?: string; decline_code?: string; code?: string } | null | undefined,
  charged: number,
): PaymentOutcome {
  switch (status) {
    case 'succeeded':
      return { status: 'succeeded', paymentId: id, amount: charged };
    case 'requires_action':
      return { status: 'requires_action', paymentId: id, reason: 'authentication', ...secret(clientSecret) };
    case 'processing':
      return { status: 'requires_action', paymentId: id, reason: 'processing', ...secret(clientSecret) };
    case 'requires_payment_method':
    case 'requires_confirmation':
      if (lastError) return declined(lastError);
      return { status: 'requires_action', paymentId: id, reason: 'payment_method', ...secret(clientSecret) };
    default:
      throw unusable(id, status);
  }
}

function declined(error: { message?: string; decline_code?: string; code?: string }): PaymentOutcome {
  return {
    status: 'declined',
    code: 'payment_declined',
    message: error.message || 'Your payment was declined.',
    ...(error.decline_code ? { declineCode: error.decline_code } : error.code ? { declineCode: error.code } : {}),
  };
}

function checkOwner(metadata: Stripe.Metadata | null, checkoutId: string): void {
  if (metadata?.checkoutId !== checkoutId) {
    throw new DomainError('unprocessable', 'payment_intent_mismatch', 'The payment intent belongs to another checkout.');
  }
}

const amountMismatch = (message: string, extra: Record<string, unknown>) =>
  new DomainError('unprocessable', 'payment_amount_mismatch', message, undefined, extra);

const unusable = (id: string, status: string) =>
  new DomainError('unprocessable', 'payment_intent_unusable', `The payment ${id} is ${status} and cannot complete this checkout.`, undefined, {
    intentStatus: status,
  });

const signatureInvalid = (detail: string) =>
  new DomainError('invalid', 'webhook_signature_invalid', 'The webhook signature could not be verified.', [
    { pointer: '/header/stripe-signature', detail },
  ]);

/** Runs SDK calls, turning Stripe's errors into DomainErrors with stable codes. */
async function call<T>(fn: () => Promise<T>, retrieving = false): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DomainError || !(err instanceof Stripe.errors.StripeError)) throw err;
    const detail = { stripeType: err.type, stripeCode: err.code, requestId: err.requestId };
    switch (err.type) {
      case 'StripeIdempotencyError':
        throw new DomainError('conflict', 'payment_idempotency_conflict', 'This checkout was already prepared with other payment details.', undefined, detail);
      case 'StripeInvalidRequestError':
        if (retrieving && err.code === 'resource_missing') {
          throw new DomainError('unprocessable', 'payment_intent_not_found', 'The payment intent no longer exists.', undefined, detail);
        }
        throw new DomainError('unprocessable', 'payment_provider_rejected', err.message, undefined, detail);
      case 'StripeCardError':
        throw new DomainError('payment', 'payment_declined', err.message, [{ pointer: '/paymentMethod', detail: err.message }], detail);
      default:
        // Connection, 5xx, authentication, permission and rate-limit errors: the provider is not usable now.
        throw new DomainError('unavailable', 'payment_provider_unavailable', 'The payment provider is not reachable.', undefined, detail);
    }
  }
}
