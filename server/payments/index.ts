/**
 * Picks the payment provider from the environment.
 *
 * | variable                 | meaning                                                                  |
 * |--------------------------|--------------------------------------------------------------------------|
 * | `STRIPE_SECRET_KEY`      | `sk_...` or `rk_...`; with the publishable key it switches Stripe on     |
 * | `STRIPE_PUBLISHABLE_KEY` | `pk_...`, handed to the browser                                           |
 * | `STRIPE_WEBHOOK_SECRET`  | `whsec_...`, verifies `POST` webhook signatures (optional)                |
 * | `STRIPE_API_HOST`        | another API host, e.g. a local stand-in (optional, default api.stripe.com)|
 * | `STRIPE_API_PORT`        | its port (optional)                                                       |
 * | `STRIPE_API_PROTOCOL`    | `http` or `https` (optional, default https)                              |
 *
 * Neither key set: the built-in test provider. Exactly one set, or keys of different modes (test/live), is a
 * configuration error thrown at startup: silently falling back to the test provider would accept test
 * cards in production.
 */
import type { PaymentProvider } from './provider.js';
import { StripePaymentProvider, type StripeProviderOptions } from './stripe-provider.js';
import { TestPaymentProvider } from './test-provider.js';

export * from './provider.js';
export { TestPaymentProvider, TEST_PAYMENT_METHODS, isTestPaymentMethod } from './test-provider.js';
export { StripePaymentProvider, checkoutPaymentFromEvent, idempotencyKeyFor } from './stripe-provider.js';
export type { StripeProviderOptions, CheckoutPaymentEvent } from './stripe-provider.js';

export type PaymentsConfig =
  | { provider: 'test' }
  | ({ provider: 'stripe' } & Omit<StripeProviderOptions, 'client' | 'timeoutMs' | 'maxNetworkRetries'>);

/** Reads and checks the payment variables; throws an Error naming the variable on a misconfiguration. */
export function readPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const secretKey = env.STRIPE_SECRET_KEY?.trim() || undefined;
  const publishableKey = env.STRIPE_PUBLISHABLE_KEY?.trim() || undefined;
  if (!secretKey && !publishableKey) return { provider: 'test' };
  if (!secretKey || !publishableKey) {
    throw new Error(
      `Set both STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY to use Stripe, or neither for the test provider (only ${
        secretKey ? 'STRIPE_SECRET_KEY' : 'STRIPE_PUBLISHABLE_KEY'
      } is set).`,
    );
  }
  if (!/^(sk|rk)_/.test(secretKey)) throw new Error('STRIPE_SECRET_KEY must be a secret (sk_...) or restricted (rk_...) key.');
  if (!publishableKey.startsWith('pk_')) throw new Error('STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_...).');
  const mode = (key: string) => (/^[a-z]{2}_live_/.test(key) ? 'live' : /^[a-z]{2}_test_/.test(key) ? 'test' : undefined);
  const secretMode = mode(secretKey);
  const publishableMode = mode(publishableKey);
  if (secretMode && publishableMode && secretMode !== publishableMode) {
    throw new Error(`STRIPE_SECRET_KEY is a ${secretMode} key but STRIPE_PUBLISHABLE_KEY is a ${publishableMode} key.`);
  }

  const host = env.STRIPE_API_HOST?.trim() || undefined;
  let port: number | undefined;
  if (env.STRIPE_API_PORT) {
    port = Number(env.STRIPE_API_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`STRIPE_API_PORT must be a port number, not ${env.STRIPE_API_PORT}`);
    }
  }
  let protocol: 'http' | 'https' | undefined;
  if (env.STRIPE_API_PROTOCOL) {
    if (env.STRIPE_API_PROTOCOL !== 'http' && env.STRIPE_API_PROTOCOL !== 'https') {
      throw new Error(`STRIPE_API_PROTOCOL must be http or https, not ${env.STRIPE_API_PROTOCOL}`);
    }
    protocol = env.STRIPE_API_PROTOCOL;
  }
  return {
    provider: 'stripe',
    secretKey,
    publishableKey,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET?.trim() || undefined,
    ...(host ? { host } : {}),
    ...(port ? { port } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

export function paymentProviderFromConfig(config: PaymentsConfig): PaymentProvider {
  if (config.provider === 'test') return new TestPaymentProvider();
  const { provider: _provider, ...options } = config;
  return new StripePaymentProvider(options);
}

/** `stripe` when both Stripe keys are set, else the built-in `test` provider. */
export function paymentProviderFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentProvider {
  return paymentProviderFromConfig(readPaymentsConfig(env));
}
