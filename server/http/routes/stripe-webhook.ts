import express, { type Router } from 'express';
import { endedInRefund } from '../../app/checkout.js';
import { DomainError } from '../../domain/errors.js';
import { checkoutPaymentFromEvent, StripePaymentProvider } from '../../payments/stripe-provider.js';
import type { Deps } from '../deps.js';

/**
 * POST /v1/stripe/webhook: Stripe tells us a payment (or setup) succeeded, e.g. after a redirect-based
 * method or when the buyer closed the tab before the browser confirmed. The signature is checked on the
 * raw body; the checkout is completed exactly as a browser confirmation would (a completed checkout
 * answers its result again; a refused one is refunded), and the event id is recorded so a redelivery does
 * nothing.
 * Registered before the JSON body parser: the signature covers the exact bytes.
 */
export function stripeWebhookRoute(router: Router, deps: Deps): void {
  router.post('/v1/stripe/webhook', express.raw({ type: '*/*', limit: '512kb' }), async (req, res) => {
    const provider = deps.payments;
    if (!(provider instanceof StripePaymentProvider))
      throw new DomainError('not_found', 'route_not_found', 'Stripe is not configured on this server.');
    const event = provider.parseWebhook(req.body as Buffer, req.get('stripe-signature'));
    const payment = checkoutPaymentFromEvent(event);
    if (!payment || payment.status !== 'succeeded') return void res.json({ received: true, handled: false });
    const seen = await deps.db.query('select 1 from webhook_events where id = $1', [event.id]);
    if (seen.rows.length > 0) return void res.json({ received: true, handled: false, duplicate: true });
    // A checkout refused after its payment (its coupon ran out meanwhile, say) is refunded: that is this
    // event handled, not a failure for Stripe to retry for days.
    const status = await deps.checkouts.confirm(payment.checkoutId, { paymentMethod: 'stripe' }).then(
      (result) => result.status,
      (error: unknown) => {
        if (endedInRefund(error)) return 'refunded';
        throw error;
      },
    );
    await deps.db.query('insert into webhook_events (id, type) values ($1, $2) on conflict (id) do nothing', [event.id, event.type]);
    res.json({ received: true, handled: true, status });
  });
}
