import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/payment-form/payment-form.js';
import type { BillkitPaymentForm } from '../../components/payment-form/payment-form.js';
import { useLocale } from '../../components/shared/localize.js';
import { tokenizeTestCard, formatCardNumber } from '../../components/shared/test-cards.js';
import { checkVatFormat } from '../../components/shared/vat.js';
import { aCheckout, aClient, completed, json, problem, type Route } from './fixtures.js';

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const part = (el: Element, name: string) => $(el, `[part~="${name}"]`);
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();

async function aForm(overrides: Record<string, Route> = {}, markup = html`<billkit-payment-form plan="pro-monthly"></billkit-payment-form>`) {
  const { client, calls } = aClient(overrides);
  const el = await fixture<BillkitPaymentForm>(markup);
  el.client = client;
  await el.updateComplete;
  return { el, calls, confirms: () => calls.filter((c) => c.path.endsWith('/confirm')) };
}

async function fill(el: BillkitPaymentForm, id: string, value: string) {
  const input = $<HTMLInputElement | HTMLSelectElement>(el, `#${id}`);
  input.value = value;
  input.dispatchEvent(new Event('input'));
  input.dispatchEvent(new Event('change'));
  await el.updateComplete;
}

async function fillDetails(el: BillkitPaymentForm) {
  await fill(el, 'email', 'ada@example.com');
  await fill(el, 'name', 'Ada Lovelace');
}

/** A billing address in France (a business must give one). */
async function fillAddress(el: BillkitPaymentForm, address = { line1: '12 rue de la Paix', postalCode: '75002', city: 'Paris' }) {
  for (const [id, value] of Object.entries(address)) await fill(el, id, value);
}

async function submit(el: BillkitPaymentForm) {
  part(el, 'submit').click();
  await el.updateComplete;
  await waitUntil(() => !part(el, 'submit')?.hasAttribute('disabled'), 'still busy');
  await el.updateComplete;
}

async function toPayment(el: BillkitPaymentForm) {
  await fillDetails(el);
  await submit(el);
  await waitUntil(() => el.shadowRoot!.querySelector('#card, slot[name="payment-element"]'), 'no payment step');
}

async function pay(el: BillkitPaymentForm, card: string) {
  await fill(el, 'card', card);
  await submit(el);
}

describe('<billkit-payment-form>', () => {
  afterEach(() => useLocale('en'));

  describe('test cards and VAT formats (pure)', () => {
    it('turns the test cards into payment methods and refuses others', () => {
      expect(tokenizeTestCard('4242 4242 4242 4242')).to.deep.equal({ ok: true, paymentMethod: 'pm_card_visa', last4: '4242' });
      expect(tokenizeTestCard('4000-0000-0000-0002')).to.include({ paymentMethod: 'pm_card_chargeDeclined' });
      expect(tokenizeTestCard('4000002760003184')).to.include({ paymentMethod: 'pm_card_authenticationRequired' });
      expect(tokenizeTestCard('4111 1111 1111 1111')).to.deep.equal({ ok: false, reason: 'unsupported' });
      expect(tokenizeTestCard('4242')).to.deep.equal({ ok: false, reason: 'incomplete' });
      expect(formatCardNumber('4242424242424242')).to.equal('4242 4242 4242 4242');
    });
    it('checks VAT IDs by country format', () => {
      expect(checkVatFormat('DE', 'DE 123 456 789')).to.equal('valid');
      expect(checkVatFormat('DE', 'DE12345')).to.equal('invalid');
      expect(checkVatFormat('GR', 'EL123456789')).to.equal('valid');
      expect(checkVatFormat('GR', 'GR123456789')).to.equal('invalid');
      expect(checkVatFormat('AT', 'ATU12345678')).to.equal('valid');
      expect(checkVatFormat('NL', 'NL123456789B01')).to.equal('valid');
      expect(checkVatFormat('FR', '')).to.equal('empty');
    });
  });

  describe('accessibility', () => {
    it('is accessible on the details step', async () => {
      const { el } = await aForm();
      await expect(el).to.be.accessible();
    });
    it('is accessible with field errors', async () => {
      const { el, calls } = await aForm();
      await submit(el);
      expect(calls).to.have.length(0);
      expect(text($(el, '#email-error'))).to.equal('Enter a valid email address.');
      expect(el.shadowRoot!.activeElement?.id).to.equal('email');
      await expect(el).to.be.accessible();
    });
    it('is accessible on the payment step', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await expect(el).to.be.accessible();
    });
    it('is accessible with a declined card', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0000 0000 0002');
      expect(text(part(el, 'error'))).to.equal('Your card was declined. Try again or use another card.');
      await expect(el).to.be.accessible();
    });
    it('is accessible with the authentication dialog open', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0027 6000 3184');
      expect($<HTMLDialogElement>(el, 'dialog').open).to.be.true;
      await expect(el).to.be.accessible();
    });
    it('is accessible when complete', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await pay(el, '4242 4242 4242 4242');
      expect(text(part(el, 'complete'))).to.equal('Thank you! Your subscription is active. Invoice INV-2026-000001 · €111.86 paid');
      await expect(el).to.be.accessible();
    });
  });

  describe('details', () => {
    it('asks for a VAT ID only from EU businesses and checks its format as they type', async () => {
      const { el } = await aForm();
      expect(el.shadowRoot!.querySelector('#vatId')).to.equal(null);
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await el.updateComplete;
      await fill(el, 'vatId', 'DE12345');
      expect(text(part(el, 'vat-status'))).to.equal('This is not a VAT ID of Germany (like DE123456789).');
      expect($(el, '#vatId').getAttribute('aria-invalid')).to.equal('true');
      await fill(el, 'vatId', 'DE123456789');
      // Standalone there is no price of this buyer yet: only the format is known.
      expect(text(part(el, 'vat-status'))).to.equal('The format is right.');
      await fill(el, 'country', 'US');
      // Outside the EU: a tax ID for the invoice, not checked against any VAT format.
      expect(text($(el, 'label[for="vatId"]'))).to.equal('Tax ID (optional)');
      expect(text(part(el, 'vat-status'))).to.equal('It goes on your invoice.');
      expect($(el, '#vatId').getAttribute('aria-invalid')).to.equal('false');
    });
    it('creates the checkout with the cart and the buyer, with an Idempotency-Key', async () => {
      const { el, calls } = await aForm();
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await fill(el, 'country', 'FR');
      await fill(el, 'vatId', 'fr 40 303265045');
      await fillAddress(el);
      await toPayment(el);
      const created = calls.find((c) => c.path === '/v1/checkouts')!;
      expect(created.body).to.deep.equal({
        plan: 'pro-monthly',
        customer: {
          email: 'ada@example.com', name: 'Ada Lovelace', country: 'FR', type: 'business', vatId: 'FR40303265045',
          address: { line1: '12 rue de la Paix', postalCode: '75002', city: 'Paris', country: 'FR' },
          locale: 'en',
        },
      });
      expect(created.headers['Idempotency-Key']).to.match(/^[0-9a-f-]{36}$/);
      expect(text(part(el, 'submit'))).to.equal('Pay €94.00'); // reverse charge: no VAT
    });
    it('offers every country, so a business in Brazil can check out, with its tax ID for the invoice', async () => {
      const { el, calls } = await aForm();
      const options = [...el.shadowRoot!.querySelectorAll<HTMLOptionElement>('#country option')];
      expect(options.length).to.equal(250);
      expect(options.find((o) => o.value === 'BR')?.textContent).to.equal('Brazil');
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await fill(el, 'country', 'BR');
      await fill(el, 'vatId', '12 345 678 0001 95');
      await fillAddress(el, { line1: 'Avenida Paulista 1000', postalCode: '01310-100', city: 'São Paulo' });
      await toPayment(el);
      const created = calls.find((c) => c.path === '/v1/checkouts')!;
      expect((created.body as { customer: { country: string; vatId?: string } }).customer).to.include({ country: 'BR', vatId: '12345678000195' });
    });
    it('goes back to the details when the BFF refuses the VAT ID', async () => {
      const { el } = await aForm({ 'POST /v1/checkouts': () => problem(422, 'vat_id_invalid', 'VAT ID invalid',
        [{ pointer: '/customer/vatId', detail: 'expected a VAT ID of DE starting with DE, with a valid checksum' }]) });
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await el.updateComplete;
      await fill(el, 'vatId', 'DE999999999');
      await fillAddress(el, { line1: 'Hauptstrasse 1', postalCode: '10115', city: 'Berlin' });
      await fillDetails(el);
      await submit(el);
      // In the buyer's words and language, not the BFF's English detail; once, at the field, which takes the focus.
      expect(text(part(el, 'vat-status'))).to.equal('This is not a valid VAT ID of Germany: check it for typos.');
      expect(el.shadowRoot!.querySelector('[part="error"]')).to.equal(null);
      expect(el.shadowRoot!.activeElement?.id).to.equal('vatId');
    });
    it('labels the VAT ID as optional but checked when given', async () => {
      const { el } = await aForm();
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await el.updateComplete;
      expect(text($(el, 'label[for="vatId"]'))).to.equal('VAT ID (optional, checked when given)');
    });
  });

  describe('billing address', () => {
    const errorOf = (el: BillkitPaymentForm, id: string) => text(el.shadowRoot!.querySelector(`#${id}-error`));
    it('asks a business for its address, checks the postal code for the country, and sends it with the checkout', async () => {
      const { el, calls } = await aForm();
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await fill(el, 'country', 'FR');
      await fillDetails(el);
      expect(text(el.shadowRoot!.querySelector('fieldset.address legend'))).to.equal('Billing address');
      await submit(el);
      expect(calls.filter((c) => c.path === '/v1/checkouts')).to.have.length(0);
      expect([errorOf(el, 'line1'), errorOf(el, 'postalCode'), errorOf(el, 'city')])
        .to.deep.equal(['Enter the street and house number.', 'Enter the postal code.', 'Enter the city.']);
      expect(el.shadowRoot!.activeElement?.id).to.equal('line1');
      await expect(el).to.be.accessible();
      await fillAddress(el, { line1: '12 rue de la Paix', postalCode: '7500', city: 'Paris' });
      await submit(el);
      expect(errorOf(el, 'postalCode')).to.equal('This is not a postal code of France.');
      expect(el.shadowRoot!.activeElement?.id).to.equal('postalCode');
      // Another country's postal codes: the verdict on this one goes.
      await fill(el, 'country', 'BE');
      expect(el.shadowRoot!.querySelector('#postalCode-error')).to.equal(null);
      await fill(el, 'country', 'FR');
      await fill(el, 'line2', 'Bâtiment B');
      await fill(el, 'postalCode', '75002');
      await toPayment(el);
      expect((calls.find((c) => c.path === '/v1/checkouts')!.body as { customer: { address: unknown } }).customer.address)
        .to.deep.equal({ line1: '12 rue de la Paix', line2: 'Bâtiment B', postalCode: '75002', city: 'Paris', country: 'FR' });
      expect(text(el.shadowRoot!.querySelector('.summary span'))).to.equal('Ada Lovelace · ada@example.com · 75002 Paris · France');
    });
    it('asks an individual for it as optional, and checks one that was started', async () => {
      const { el, calls } = await aForm();
      expect(text(el.shadowRoot!.querySelector('fieldset.address legend'))).to.equal('Billing address (optional)');
      expect($(el, '#line1').hasAttribute('required')).to.be.false;
      await fill(el, 'city', 'Berlin');
      await fillDetails(el);
      await submit(el);
      expect([errorOf(el, 'line1'), errorOf(el, 'postalCode')]).to.deep.equal(['Enter the street and house number.', 'Enter the postal code.']);
      await fill(el, 'city', '');
      await toPayment(el);
      expect((calls.find((c) => c.path === '/v1/checkouts')!.body as { customer: object }).customer).not.to.have.property('address');
    });
    it('takes any postal code, or none, where the country has no known shape', async () => {
      const { el, calls } = await aForm();
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await fill(el, 'country', 'HK');
      await fillAddress(el, { line1: '1 Queen\'s Road Central', postalCode: '', city: 'Hong Kong' });
      await toPayment(el);
      expect((calls.find((c) => c.path === '/v1/checkouts')!.body as { customer: { address: unknown } }).customer.address)
        .to.deep.equal({ line1: '1 Queen\'s Road Central', city: 'Hong Kong', country: 'HK' });
    });
    it('says it in German', async () => {
      const { el } = await aForm({}, html`<billkit-payment-form plan="pro-monthly" locale="de"></billkit-payment-form>`);
      await useLocale('de');
      $<HTMLInputElement>(el, 'input[value="business"]').click();
      await fillDetails(el);
      await fillAddress(el, { line1: 'Hauptstraße 1', postalCode: '1011', city: 'Berlin' });
      await submit(el);
      expect(text($(el, 'label[for="postalCode"]'))).to.equal('Postleitzahl');
      expect(errorOf(el, 'postalCode')).to.equal('Das ist keine Postleitzahl aus Deutschland.');
    });
  });

  describe('after paying', () => {
    it('offers Manage subscription when the page gives its portal, in English and German', async () => {
      const { el } = await aForm({}, html`<billkit-payment-form plan="pro-monthly" portal-url="https://shop.example/account"></billkit-payment-form>`);
      await toPayment(el);
      await pay(el, '4242 4242 4242 4242');
      const link = part(el, 'portal') as HTMLAnchorElement;
      expect([text(link), link.href]).to.deep.equal(['Manage subscription', 'https://shop.example/account']);
      await expect(el).to.be.accessible();
      const { el: de } = await aForm({}, html`<billkit-payment-form plan="pro-monthly" locale="de" portal-url="/konto"></billkit-payment-form>`);
      await useLocale('de');
      await toPayment(de);
      await pay(de, '4242 4242 4242 4242');
      expect(text(part(de, 'complete'))).to.equal('Vielen Dank! Ihr Abonnement ist aktiv. Rechnung INV-2026-000001 · 111,86 € bezahlt Abonnement verwalten');
    });
    it('tells a returning subscriber how to reach the portal instead of getting in touch', async () => {
      const { el } = await aForm({ 'POST /v1/checkouts': () => problem(409, 'subscription_exists', 'x',
        [{ pointer: '/customer/email', detail: 'Has a live subscription in this family.' }]) },
      html`<billkit-payment-form plan="pro-monthly" portal-url="https://shop.example/account"></billkit-payment-form>`);
      await fillDetails(el);
      await submit(el);
      expect(text($(el, '#email-error'))).to.equal('This email already has a subscription in this product family. To change it, use Manage subscription.');
      expect((part(el, 'portal') as HTMLAnchorElement).href).to.equal('https://shop.example/account');
      await fill(el, 'email', 'someone.else@example.com');
      expect(el.shadowRoot!.querySelector('[part~="portal"]')).to.equal(null);
    });
  });

  describe('focus', () => {
    it('moves to the error after a declined card, to the thank-you heading after paying, to the first field after Edit details', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0000 0000 0002');
      // (ids and parts compared, not elements: chai's diff of two elements never ends)
      expect(el.shadowRoot!.activeElement?.getAttribute('part'), 'declined').to.equal('error');
      [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('.summary button')][0].click();
      await el.updateComplete;
      await el.updateComplete;
      expect(el.shadowRoot!.activeElement?.id, 'edit').to.equal('email');
      await submit(el);
      await waitUntil(() => el.shadowRoot!.querySelector('#card'), 'no payment step');
      await pay(el, '4242 4242 4242 4242');
      await el.updateComplete;
      expect(el.shadowRoot!.activeElement?.id, 'thanks').to.equal('thanks');
      expect($(el, '#thanks').localName).to.equal('h3');
    });
  });

  describe('paying', () => {
    it('refuses other cards in the browser and never sends a card number', async () => {
      const { el, calls, confirms } = await aForm();
      await toPayment(el);
      await pay(el, '4111 1111 1111 1111');
      expect(text($(el, '#card-hint'))).to.equal('This card is not accepted in test mode. Use 4242 4242 4242 4242.');
      expect(confirms()).to.have.length(0);
      await pay(el, '4242 4242 4242 4242');
      expect(JSON.stringify(calls)).not.to.match(/4242 ?4242|4111/);
    });
    it('lets the buyer retry after a decline and emits billkit-checkout-complete', async () => {
      const { el, confirms } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0000 0000 0002');
      setTimeout(() => pay(el, '4242 4242 4242 4242'));
      const event = await oneEvent(el, 'billkit-checkout-complete');
      expect(event.detail).to.deep.equal({
        checkoutId: 'co_123', customerId: 'cus_1', subscriptionId: 'sub_1', invoiceId: 'inv_1', invoiceNumber: 'INV-2026-000001',
      });
      expect(event.bubbles && event.composed).to.be.true;
      expect(confirms().map((c) => c.body)).to.deep.equal([{ paymentMethod: 'pm_card_chargeDeclined' }, { paymentMethod: 'pm_card_visa' }]);
      expect(confirms()[0].headers['Idempotency-Key']).not.to.equal(confirms()[1].headers['Idempotency-Key']);
    });
    it('says until when a trial is free instead of calling the subscription active, in English and German', async () => {
      const done = completed as Extract<typeof completed, { status: 'complete' }>;
      // A trial's signup invoice: nothing was due, so it is paid at once.
      const trialing = {
        ...done,
        subscription: { ...done.subscription, status: 'trialing', trialEnd: '2026-12-05T12:00:00.000Z' },
        invoice: { ...done.invoice, status: 'paid', subtotal: 0, tax: 0, total: 0, amountDue: 0, amountPaid: 0 },
      };
      const overrides = { 'POST /v1/checkouts/co_123/confirm': () => json(200, trialing) };
      const { el } = await aForm(overrides);
      await toPayment(el);
      await pay(el, '4242 4242 4242 4242');
      expect(text(part(el, 'complete'))).to.equal('Thank you! Your free trial runs until December 5, 2026. Invoice INV-2026-000001');
      const { el: de } = await aForm(overrides, html`<billkit-payment-form plan="pro-monthly" locale="de"></billkit-payment-form>`);
      await useLocale('de');
      await toPayment(de);
      await pay(de, '4242 4242 4242 4242');
      expect(text(part(de, 'complete'))).to.equal('Vielen Dank! Ihre kostenlose Testphase läuft bis zum 5. Dezember 2026. Rechnung INV-2026-000001');
    });
    it('completes an authentication with a second confirm', async () => {
      const { el, confirms } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0027 6000 3184');
      const complete = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('dialog button')][0];
      setTimeout(() => complete.click());
      await oneEvent(el, 'billkit-checkout-complete');
      expect(confirms().at(-1)!.body).to.deep.equal({ paymentMethod: 'pm_card_authenticationRequired', authenticated: true });
    });
    it('reports a failed authentication and lets the buyer retry', async () => {
      const { el, confirms } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0027 6000 3184');
      const fail = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('dialog button')][1];
      setTimeout(() => fail.click());
      const event = await oneEvent(el, 'billkit-payment-error');
      expect(event.detail).to.deep.equal({ code: 'authentication_failed', checkoutId: 'co_123' });
      await el.updateComplete;
      expect(text(part(el, 'error'))).to.equal('The payment was not confirmed. Try again or use another card.');
      expect(confirms()).to.have.length(1);
      expect(part(el, 'submit').hasAttribute('disabled')).to.be.false;
    });
    it('says when the buyer already has a subscription', async () => {
      const { el } = await aForm({ 'POST /v1/checkouts/co_123/confirm': () => problem(409, 'subscription_exists') });
      await toPayment(el);
      await pay(el, '4242 4242 4242 4242');
      expect(text(part(el, 'error'))).to.contain('You already have a subscription');
    });
    it('when the email already holds a subscription at checkout, says so at the email field in its own words, not the BFF\'s detail', async () => {
      const { el } = await aForm({ 'POST /v1/checkouts': () => problem(409, 'subscription_exists', 'x',
        [{ pointer: '/customer/email', detail: 'Has a live subscription in this family.' }]) });
      await fillDetails(el);
      await submit(el);
      // Once, at the field, with what to do about it.
      expect(text($(el, '#email-error'))).to.equal('This email already has a subscription in this product family. To change it, get in touch with us.');
      expect(el.shadowRoot!.querySelector('[part="error"]')).to.equal(null);
      expect(el.shadowRoot!.activeElement?.id).to.equal('email');
    });
    it('when the coupon ran out after the payment went through, says so and that the payment was refunded, and starts a new checkout on the next submit', async () => {
      let checkouts = 0;
      const refused = () =>
        json(409, { type: 'https://billkit.dev/problems/coupon_exhausted', title: 'coupon exhausted', status: 409, code: 'coupon_exhausted',
          detail: 'The coupon can no longer be redeemed. The payment was refunded in full.', refund: { id: 're_1', amount: 2380, currency: 'EUR' } });
      const { el, calls } = await aForm({
        'POST /v1/checkouts': ({ body }) => {
          checkouts++;
          return json(201, aCheckout(body));
        },
        'POST /v1/checkouts/co_123/confirm': refused,
      });
      await toPayment(el);
      setTimeout(() => void pay(el, '4242 4242 4242 4242'));
      const event = await oneEvent(el, 'billkit-payment-error');
      expect(event.detail).to.deep.equal({ code: 'coupon_exhausted', checkoutId: 'co_123' });
      await el.updateComplete;
      expect(text(part(el, 'error'))).to.equal('This code has been used up. Your payment was refunded in full.');
      // Back on the details step: the refused checkout is over, the next submit asks for a new one.
      expect(el.shadowRoot!.querySelector('#email')).to.exist;
      expect(checkouts).to.equal(1);
      await submit(el);
      expect(checkouts).to.equal(2);
      expect(calls.filter((c) => c.path === '/v1/checkouts')).to.have.length(2);
    });
    it('when a refunded checkout is confirmed again, names the first refusal', async () => {
      const { el } = await aForm({
        'POST /v1/checkouts/co_123/confirm': () =>
          json(409, { status: 409, code: 'checkout_refunded', detail: 'x', refusalCode: 'subscription_exists', refund: { id: 're_1', amount: 2975, currency: 'EUR' } }),
      });
      await toPayment(el);
      await pay(el, '4242 4242 4242 4242');
      expect(text(part(el, 'error'))).to.equal('You already have a subscription in this product family. To change it, get in touch with us. Your payment was refunded in full.');
    });
    it('loads Stripe only when the checkout uses it, through the injected loader', async () => {
      const loaded: string[] = [];
      let mountedInto: Element | null = null;
      const fakeStripe = {
        elements: () => ({
          create: () => ({ mount: (node: Element) => (mountedInto = node), destroy: () => undefined }),
          submit: async () => ({}),
        }),
        confirmPayment: async () => ({ paymentIntent: { payment_method: 'pm_stripe_1' } }),
      };
      const { el, confirms } = await aForm({ 'POST /v1/checkouts': ({ body }) => json(201, aCheckout(body, 'stripe')) });
      el.stripeLoader = async (key) => {
        loaded.push(key);
        return fakeStripe as never;
      };
      await fillDetails(el);
      expect(loaded).to.deep.equal([]);
      await submit(el);
      await waitUntil(() => mountedInto, 'not mounted');
      expect(loaded).to.deep.equal(['pk_test_stripe']);
      expect(mountedInto!.getAttribute('slot')).to.equal('payment-element');
      await submit(el);
      await waitUntil(() => confirms().length === 1);
      expect(confirms()[0].body).to.deep.equal({ paymentMethod: 'pm_stripe_1' });
    });
  });

  describe('events', () => {
    it('emits nothing when properties are set from code', async () => {
      const { el } = await aForm();
      let count = 0;
      el.addEventListener('billkit-checkout-complete', () => count++);
      el.addEventListener('billkit-payment-error', () => count++);
      el.country = 'FR';
      el.plan = 'starter-monthly';
      await el.updateComplete;
      expect(count).to.equal(0);
      expect($<HTMLSelectElement>(el, '#country').value).to.equal('FR');
    });
  });

  describe('keyboard', () => {
    it('fills the form and submits with Enter', async () => {
      const { el, calls } = await aForm();
      $<HTMLInputElement>(el, '#email').focus();
      await sendKeys({ type: 'ada@example.com' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ type: 'Ada Lovelace' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => calls.some((c) => c.path === '/v1/checkouts'), 'not submitted');
      await waitUntil(() => el.shadowRoot!.activeElement?.id === 'card', 'card not focused');
      await sendKeys({ type: '4242424242424242' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => part(el, 'complete'), 'not complete');
    });
    it('closes the authentication dialog with Escape as a failure', async () => {
      const { el } = await aForm();
      await toPayment(el);
      await pay(el, '4000 0027 6000 3184');
      setTimeout(() => sendKeys({ press: 'Escape' }));
      const event = await oneEvent(el, 'billkit-payment-error');
      expect(event.detail.code).to.equal('authentication_failed');
    });
  });

  describe('i18n', () => {
    it("checks out in the buyer's language, so their invoice's lines and documents come in it", async () => {
      const { el, calls } = await aForm({}, html`<billkit-payment-form plan="pro-monthly" locale="de-CH"></billkit-payment-form>`);
      await useLocale('de');
      await toPayment(el);
      expect(calls.find((c) => c.path === '/v1/checkouts')!.body.customer.locale).to.equal('de');
    });
    it('speaks German', async () => {
      const { el } = await aForm({}, html`<billkit-payment-form plan="pro-monthly" locale="de"></billkit-payment-form>`);
      await useLocale('de');
      await el.updateComplete;
      expect(text($(el, 'label[for="email"]'))).to.equal('E-Mail');
      expect(text(part(el, 'submit'))).to.equal('Weiter zur Zahlung');
      expect($<HTMLSelectElement>(el, '#country').selectedOptions[0].textContent).to.equal('Deutschland');
      await toPayment(el);
      expect(text(part(el, 'submit'))).to.equal('111,86 € bezahlen');
      await pay(el, '4000 0000 0000 0002');
      expect(text(part(el, 'error'))).to.equal('Ihre Karte wurde abgelehnt. Versuchen Sie es erneut oder verwenden Sie eine andere Karte.');
    });
  });
  describe('customer session', () => {
    const session: Route = ({ headers }) => headers['Billkit-Customer-Session'] === 'cus_sess_ok'
      ? json(200, { email: 'grace@example.com', name: 'Grace Hopper', country: 'DE', type: 'business', vatId: 'DE123456789', customerId: 'cus_1', expiresAt: '2026-11-21T12:30:00.000Z' })
      : problem(401, 'customer_session_invalid');

    it('standalone, prefills the details, fixes the email, checks out with the session, and lets the email go when the session is removed', async () => {
      const { el, calls } = await aForm({ 'GET /v1/customer-sessions/current': session },
        html`<billkit-payment-form plan="pro-monthly" customer-session="cus_sess_ok" client-reference-id="acct_9"></billkit-payment-form>`);
      await waitUntil(() => $<HTMLInputElement>(el, '#email').readOnly, 'not prefilled');
      expect([$<HTMLInputElement>(el, '#email').value, $<HTMLInputElement>(el, '#name').value, $<HTMLInputElement>(el, '#vatId').value])
        .to.deep.equal(['grace@example.com', 'Grace Hopper', 'DE123456789']);
      await expect(el).to.be.accessible();
      // A business gives its billing address (the session's prefill names no address here).
      await fillAddress(el, { line1: 'Hauptstrasse 1', postalCode: '10115', city: 'Berlin' });
      await submit(el);
      const body = calls.find((c) => c.path === '/v1/checkouts')!.body;
      expect([body.customerSession, body.clientReferenceId, body.customer.email]).to.deep.equal(['cus_sess_ok', 'acct_9', 'grace@example.com']);
      el.removeAttribute('customer-session');
      await el.updateComplete;
      part(el, 'form').querySelector<HTMLButtonElement>('.summary button')?.click();
      await el.updateComplete;
      expect($<HTMLInputElement>(el, '#email').readOnly).to.equal(false);
    });

    it('says in German that the session has expired', async () => {
      await useLocale('de');
      const { el } = await aForm({ 'GET /v1/customer-sessions/current': session },
        html`<billkit-payment-form plan="pro-monthly" locale="de" customer-session="cus_sess_old"></billkit-payment-form>`);
      await waitUntil(() => el.shadowRoot!.querySelector('[part~="error"]'), 'no error');
      expect(text(part(el, 'error'))).to.equal('Ihre Anmeldung für diesen Bestellvorgang ist abgelaufen. Laden Sie die Seite neu, um fortzufahren.');
      await useLocale('en');
    });
  });
});
