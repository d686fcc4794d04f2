/**
 * Stripe glue for <billkit-payment-form>. Nothing of Stripe is fetched until a checkout answers with
 * provider "stripe": the loader imports @stripe/stripe-js/pure on first use (tests inject their own).
 */
import type { Stripe, StripeElements } from '@stripe/stripe-js';

export type StripeLoader = (publishableKey: string) => Promise<Stripe | null>;

/** The default loader: @stripe/stripe-js/pure, imported lazily, then loadStripe. */
export const loadStripeLazily: StripeLoader = async (publishableKey) => {
  const { loadStripe } = await import('@stripe/stripe-js/pure');
  return loadStripe(publishableKey);
};

export interface MountedStripe {
  stripe: Stripe;
  elements: StripeElements;
  destroy(): void;
}

/**
 * Mounts the Payment Element into the host's light-DOM child slotted as `payment-element` (made when
 * missing): Stripe's iframe cannot live in a shadow root.
 */
export function mountInSlot(host: HTMLElement, loader: StripeLoader | undefined, publishableKey: string, clientSecret: string, locale: string): Promise<MountedStripe> {
  let container = host.querySelector<HTMLElement>(':scope > [slot="payment-element"]');
  if (!container) host.append((container = Object.assign(document.createElement('div'), { slot: 'payment-element' })));
  return mountPaymentElement(loader ?? loadStripeLazily, publishableKey, clientSecret, container, locale);
}

/** Mounts the Payment Element for a client secret into a container (a light-DOM node). */
export async function mountPaymentElement(
  loader: StripeLoader,
  publishableKey: string,
  clientSecret: string,
  container: HTMLElement,
  locale: string,
): Promise<MountedStripe> {
  const stripe = await loader(publishableKey);
  if (!stripe) throw new Error('Stripe.js could not be loaded');
  const elements = stripe.elements({ clientSecret, locale: locale.split('-')[0] as 'auto' });
  const element = elements.create('payment');
  element.mount(container);
  return { stripe, elements, destroy: () => element.destroy() };
}

export type StripeConfirm =
  | { ok: true; paymentMethod: string }
  | { ok: false; code: string; message?: string };

/** Confirms the intent in the browser (3-D Secure handled by Stripe) and returns its payment method id. */
export async function confirmWithStripe(
  mounted: MountedStripe,
  intentType: 'payment' | 'setup',
): Promise<StripeConfirm> {
  const { stripe, elements } = mounted;
  const submitted = await elements.submit();
  if (submitted.error) return { ok: false, code: submitted.error.code ?? 'validation_error', message: submitted.error.message };
  const confirmParams = { return_url: window.location.href };
  const result = intentType === 'setup'
    ? await stripe.confirmSetup({ elements, redirect: 'if_required', confirmParams })
    : await stripe.confirmPayment({ elements, redirect: 'if_required', confirmParams });
  if (result.error) {
    const code = result.error.decline_code || result.error.code === 'card_declined' ? 'payment_declined' : result.error.code ?? 'stripe_error';
    return { ok: false, code, message: result.error.message };
  }
  const intent = 'setupIntent' in result ? result.setupIntent : result.paymentIntent;
  const method = intent?.payment_method;
  const id = typeof method === 'string' ? method : method?.id;
  return id ? { ok: true, paymentMethod: id } : { ok: false, code: 'stripe_error' };
}
