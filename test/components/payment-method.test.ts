import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { Stripe } from '@stripe/stripe-js';
import '../../components/payment-method/payment-method.js';
import type { BillkitPaymentMethod } from '../../components/payment-method/payment-method.js';
import { useLocale } from '../../components/shared/localize.js';
import { aPortal, anInvoice, aSubscription, json, page, pending, problem, text, type PortalRoute } from './account-fixtures.js';

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const SUBS = 'GET /v1/portal/subscriptions';
const INVOICES = 'GET /v1/portal/invoices';
const SETUP = 'POST /v1/portal/payment-methods/setup';
const SET = 'POST /v1/portal/payment-methods';

const failedInvoice = anInvoice(42, { status: 'open', amountPaid: 0, attempts: [{ at: '2026-11-01T00:00:00Z', outcome: 'declined', code: 'payment_declined' }] });
const pastDue = () => ({
  [SUBS]: () => page([aSubscription({ status: 'past_due', defaultPaymentMethod: { provider: 'test', id: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341' } })]),
  [INVOICES]: () => page([failedInvoice]),
});

/** The BFF's answer to a new payment method: each open invoice retried with it. */
function retried(paymentMethod: string) {
  const paid = paymentMethod === 'pm_card_visa';
  return json(200, {
    subscriptions: [aSubscription({ status: paid ? 'active' : 'past_due', defaultPaymentMethod: { provider: 'test', id: paymentMethod, brand: 'visa', last4: paid ? '4242' : '0002' } })],
    payments: [paid
      ? { invoiceId: 'in_42', outcome: 'paid', paymentId: 'pay_1' }
      : { invoiceId: 'in_42', outcome: 'declined', code: 'payment_declined', message: 'Your card was declined.', subscription: 'past_due' }],
  });
}

async function aMethod(routes: Record<string, PortalRoute> = {}, lang = 'en', markup?: (store: unknown) => ReturnType<typeof html>) {
  const portal = aPortal({
    [SUBS]: () => page([aSubscription()]),
    [INVOICES]: () => page([]),
    [SETUP]: () => json(200, { provider: 'test' }),
    [SET]: ({ body }) => retried(body.paymentMethod),
    ...routes,
  });
  const el = await fixture<BillkitPaymentMethod>(markup?.(portal.store) ?? html`<billkit-payment-method .store=${portal.store} locale=${lang}></billkit-payment-method>`);
  await waitUntil(() => el.shadowRoot!.querySelector('[part="current"], [part="empty"], [part="error"]'), 'never loaded');
  return { el, ...portal };
}

async function openForm(el: BillkitPaymentMethod) {
  $(el, '[part="replace"]').click();
  await waitUntil(() => el.shadowRoot!.querySelector('#card, slot[name="payment-element"]'), 'no card field');
  await el.updateComplete;
}

async function typeCard(el: BillkitPaymentMethod, card: string) {
  const input = $<HTMLInputElement>(el, '#card');
  input.value = card;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
}

async function submit(el: BillkitPaymentMethod) {
  $(el, '[part="submit"]').click();
  await el.updateComplete;
  await waitUntil(() => !el.shadowRoot!.querySelector('[part="submit"][disabled]'), 'still saving');
  await el.updateComplete;
}

describe('<billkit-payment-method>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading, loaded, empty and failed', async () => {
      const loading = aPortal({ [SUBS]: pending, [INVOICES]: pending });
      const el = await fixture<BillkitPaymentMethod>(html`<billkit-payment-method .store=${loading.store}></billkit-payment-method>`);
      await el.updateComplete;
      expect($(el, '[part="skeleton"]').getAttribute('aria-label')).to.equal('Loading payment method');
      await expect(el).to.be.accessible();
      await expect((await aMethod()).el).to.be.accessible();
      const empty = await aMethod({ [SUBS]: () => page([aSubscription({ status: 'cancelled' })]) });
      expect(text($(empty.el, '[part="empty"]'))).to.equal('No active subscription is charged to a payment method.');
      await expect(empty.el).to.be.accessible();
      const failed = await aMethod({ [SUBS]: () => problem(401, 'portal_session_expired', 'Expired.') });
      expect(text($(failed.el, '[part="error"] p'))).to.equal('Your session has ended. Sign in again.');
      await expect(failed.el).to.be.accessible();
    });

    it('is accessible with the form open, a card error, and the outcome', async () => {
      const { el } = await aMethod(pastDue());
      await expect(el).to.be.accessible();
      await openForm(el);
      await expect(el).to.be.accessible();
      await typeCard(el, '4242');
      await submit(el);
      await expect(el).to.be.accessible();
      await typeCard(el, '4242 4242 4242 4242');
      await submit(el);
      await waitUntil(() => el.shadowRoot!.querySelector('[part="outcome"]'), 'no outcome');
      await expect(el).to.be.accessible();
    });
  });

  describe('the current method', () => {
    it('shows the brand and last 4 of the default payment method, and Replace', async () => {
      const { el } = await aMethod();
      expect(text($(el, '[part="current"] span'))).to.equal('Visa ending in 4242');
      expect(text($(el, '[part="replace"]'))).to.equal('Replace');
    });

    it('says a failed payment first, with what is owed', async () => {
      const { el, of } = await aMethod(pastDue());
      expect(of(INVOICES)[0]!.query.get('status')).to.equal('open');
      const first = el.shadowRoot!.querySelector('h2')!.nextElementSibling!;
      expect(first.getAttribute('part')).to.equal('past-due');
      expect(text(first)).to.equal('Your last payment failed: replace your card to pay €29.00.');
    });

    it('shows the card without the invoices feature (its route refused)', async () => {
      const { el } = await aMethod({ [INVOICES]: () => problem(403, 'portal_feature_disabled') });
      expect(text($(el, '[part="current"] span'))).to.equal('Visa ending in 4242');
    });
  });

  describe('replacing the card', () => {
    it('retries the open invoice at once: paid, the event, the portal told, the focus on the outcome', async () => {
      const { el, store, of } = await aMethod(pastDue());
      let changed = 0;
      store.addEventListener('change', () => changed++);
      await openForm(el);
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#card'));
      await typeCard(el, '4242424242424242');
      expect($<HTMLInputElement>(el, '#card').value).to.equal('4242 4242 4242 4242');
      const event = oneEvent(el, 'billkit-payment-method-update');
      $(el, '[part="submit"]').click();
      expect((await event).detail).to.deep.equal({ paymentMethod: 'pm_card_visa', paid: 1, declined: 0 });
      expect(of(SET)[0]!.body).to.deep.equal({ paymentMethod: 'pm_card_visa' });
      await el.updateComplete;
      await el.updateComplete;
      const outcome = $(el, '[part="outcome"]');
      expect(text(outcome)).to.equal('Saved: Visa ending in 4242. Invoice INV-2026-000042 is paid.');
      expect(el.shadowRoot!.activeElement).to.equal(outcome);
      expect(el.shadowRoot!.querySelector('[part="form"]')).to.equal(null);
      expect(changed).to.equal(1);
    });

    it('says a declined retry with its reason and what to do', async () => {
      const { el } = await aMethod(pastDue());
      await openForm(el);
      await typeCard(el, '4000 0000 0000 0002');
      const event = oneEvent(el, 'billkit-payment-method-update');
      $(el, '[part="submit"]').click();
      expect((await event).detail).to.include({ paymentMethod: 'pm_card_chargeDeclined', paid: 0, declined: 1 });
      await el.updateComplete;
      expect(text($(el, '[part="outcome"] li.error'))).to.equal('Invoice INV-2026-000042 was not paid: the card was declined. Use another card, or ask your bank why.');
    });

    it('says a 3-D Secure card cannot pay renewals, in German too', async () => {
      await useLocale('de');
      const { el } = await aMethod({
        ...pastDue(),
        [SET]: () => json(200, { subscriptions: [aSubscription({ status: 'past_due' })], payments: [
          { invoiceId: 'in_42', outcome: 'declined', code: 'authentication_required', message: 'The payment needs the customer to authenticate.' },
        ] }),
      }, 'de');
      await openForm(el);
      await typeCard(el, '4000 0027 6000 3184');
      await submit(el);
      await waitUntil(() => el.shadowRoot!.querySelector('[part="outcome"]'), 'no outcome');
      expect(text($(el, '[part="outcome"] li.error'))).to.equal(
        'Rechnung INV-2026-000042 wurde nicht bezahlt: Ihre Bank möchte jede Zahlung bestätigen lassen, was bei einer Verlängerung nicht möglich ist. Verwenden Sie eine andere Karte.');
    });

    it('refuses a card the test provider does not know, at the field', async () => {
      const { el, of } = await aMethod();
      await openForm(el);
      await typeCard(el, '4111 1111 1111 1111');
      await submit(el);
      expect(of(SET)).to.have.length(0);
      expect(text($(el, '#card-hint'))).to.equal('This card is not accepted in test mode. Use 4242 4242 4242 4242.');
      expect($(el, '#card').getAttribute('aria-invalid')).to.equal('true');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#card'));
    });

    // A save the server refuses (409), and a new card declined on saving (402, 4000 0000 0000 0002).
    for (const [status, code, card, detail] of [
      [409, 'subscription_status', '4242424242424242', 'A payment method is set on a live subscription; there is none.'],
      [402, 'payment_declined', '4000 0000 0000 0002', 'Your card was declined.'],
    ] as const) {
      it(`says a refused save (${status} ${code}) above the button, the form still open for another card`, async () => {
        const { el } = await aMethod({ [SET]: () => problem(status, code, detail) });
        await openForm(el);
        await typeCard(el, card);
        await submit(el);
        const error = $(el, '[part="form"] p[part="error"]');
        expect(text(error)).to.contain(status === 402 ? 'declined' : detail);
        expect(el.shadowRoot!.activeElement).to.equal(error);
        expect($(el, '#card')).to.exist;
      });
    }

    it('cancels back to Replace, which takes the focus again', async () => {
      const { el } = await aMethod();
      await openForm(el);
      [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="form"] button')].find((b) => text(b) === 'Cancel')!.click();
      await el.updateComplete;
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('[part="form"]')).to.equal(null);
      expect(el.shadowRoot!.activeElement).to.equal($(el, '[part="replace"]'));
    });

    it('opens the new-card form from code (the payment_method deep link)', async () => {
      const { el, of } = await aMethod();
      await el.replace();
      await el.updateComplete;
      expect(of(SETUP)).to.have.length(1);
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#card'));
    });

    it('shows a failed setup with Try again', async () => {
      let fail = true;
      const { el } = await aMethod({ [SETUP]: () => (fail ? problem(503, 'unavailable', 'Down.') : json(200, { provider: 'test' })) });
      $(el, '[part="replace"]').click();
      await waitUntil(() => el.shadowRoot!.querySelector('[part="form"] [part="error"]'), 'no error');
      await expect(el).to.be.accessible();
      fail = false;
      $(el, '[part="form"] [part="error"] button').click();
      await waitUntil(() => el.shadowRoot!.querySelector('#card'), 'no card field');
    });

    it("mounts Stripe's Payment Element with the SetupIntent and saves what it confirmed", async () => {
      const mounted: { secret?: string; key?: string; container?: Element } = {};
      const fakeStripe = {
        elements: ({ clientSecret }: { clientSecret: string }) => {
          mounted.secret = clientSecret;
          return {
            create: () => ({ mount: (container: Element) => (mounted.container = container), destroy: () => undefined }),
            submit: async () => ({}),
          };
        },
        confirmSetup: async () => ({ setupIntent: { payment_method: 'pm_stripe_1' } }),
      } as unknown as Stripe;
      const { el, of } = await aMethod({
        [SETUP]: () => json(200, { provider: 'stripe', clientSecret: 'seti_1_secret_x', publishableKey: 'pk_test_stripe' }),
        [SET]: () => json(200, { subscriptions: [aSubscription()], payments: [] }),
      }, 'en', (store) => html`<billkit-payment-method .store=${store} .stripeLoader=${async (key: string) => {
        mounted.key = key;
        return fakeStripe;
      }}></billkit-payment-method>`);
      await openForm(el);
      await waitUntil(() => mounted.container, 'not mounted');
      expect(mounted).to.include({ secret: 'seti_1_secret_x', key: 'pk_test_stripe' });
      expect(mounted.container!.parentElement).to.equal(el);
      expect(mounted.container!.getAttribute('slot')).to.equal('payment-element');
      await submit(el);
      await waitUntil(() => of(SET).length === 1, 'not saved');
      expect(of(SET)[0]!.body).to.deep.equal({ paymentMethod: 'pm_stripe_1' });
    });
  });

  describe('keyboard', () => {
    it('replaces the card with the keyboard alone', async () => {
      const { el } = await aMethod(pastDue());
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal($(el, '[part="replace"]'));
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => el.shadowRoot!.activeElement?.id === 'card', 'focus not in the card field');
      await sendKeys({ type: '4242424242424242' });
      const event = oneEvent(el, 'billkit-payment-method-update');
      await sendKeys({ press: 'Enter' });
      expect((await event).detail.paid).to.equal(1);
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      await useLocale('de');
      const { el } = await aMethod(pastDue(), 'de');
      await el.updateComplete;
      expect(text($(el, 'h2'))).to.equal('Zahlungsmethode');
      expect(text($(el, '[part="past-due"]'))).to.equal('Ihre letzte Zahlung ist fehlgeschlagen: Ersetzen Sie Ihre Karte, um 29,00 € zu bezahlen.');
      expect(text($(el, '[part="current"] span'))).to.equal('Visa mit Endziffern 0341');
      expect(text($(el, '[part="replace"]'))).to.equal('Ersetzen');
    });
  });
});
