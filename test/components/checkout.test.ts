import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/index.js';
import type { BillkitCart, BillkitCheckout, BillkitCouponEntry, BillkitPaymentForm, BillkitPlanPicker } from '../../components/index.js';
import { resetSharedClients } from '../../components/shared/api-client.js';
import { useLocale } from '../../components/shared/localize.js';
import { aClient, aQuote, fakeFetch, json, pending, problem, type Route } from './fixtures.js';

const inner = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const part = (host: Element, name: string) => host.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`)!;
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();

async function aCheckout(overrides: Record<string, Route> = {}, markup = html`<billkit-checkout plan="pro-monthly"></billkit-checkout>`) {
  const { client, calls } = aClient(overrides);
  const el = await fixture<BillkitCheckout>(markup);
  el.debounce = 0;
  el.client = client;
  await el.updateComplete;
  return { el, calls, quotes: () => calls.filter((c) => c.path === '/v1/quotes') };
}

const cartOf = (el: BillkitCheckout) => inner<BillkitCart>(el, 'billkit-cart');
const pickerOf = (el: BillkitCheckout) => inner<BillkitPlanPicker>(el, 'billkit-plan-picker');
const couponOf = (el: BillkitCheckout) => inner<BillkitCouponEntry>(el, 'billkit-coupon-entry');
const formOf = (el: BillkitCheckout) => inner<BillkitPaymentForm>(el, 'billkit-payment-form');

/** Fills the buyer's details, continues to payment and pays with the test card that succeeds. */
async function payWith4242(form: BillkitPaymentForm) {
  const fill = async (id: string, value: string) => {
    const input = form.shadowRoot!.querySelector<HTMLInputElement>(`#${id}`)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await form.updateComplete;
  };
  await fill('email', 'ada@example.com');
  await fill('name', 'Ada Lovelace');
  part(form, 'submit').click();
  await waitUntil(() => form.shadowRoot!.querySelector('#card'), 'no card field');
  await fill('card', '4242 4242 4242 4242');
  part(form, 'submit').click();
}

/** A ready checkout whose BFF refuses the VAT ID FR40303265046 (its checksum), and a way to fill the form's fields. */
async function aVatRefusingCheckout() {
  const { el, quotes } = await aCheckout({
    'POST /v1/quotes': ({ body }) => body.customer?.vatId === 'FR40303265046'
      ? problem(422, 'vat_id_invalid', 'FR40303265046 is not a valid VAT ID for FR')
      : json(200, aQuote(body)),
  });
  await ready(el);
  const form = formOf(el);
  const set = async (id: string, value: string) => {
    const input = form.shadowRoot!.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('change'));
    await form.updateComplete;
  };
  return { el, form, set, quotes };
}

async function ready(el: BillkitCheckout) {
  await waitUntil(() => el.cart?.quote && !el.cart.state.loading && pickerOf(el) && part(pickerOf(el), 'action'), 'not ready');
  await el.updateComplete;
  await cartOf(el).updateComplete;
}

describe('<billkit-checkout>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading', async () => {
      const { el } = await aCheckout({ 'POST /v1/quotes': pending, 'GET /v1/catalog': pending });
      await expect(el).to.be.accessible();
    });
    it('is accessible when loaded', async () => {
      const { el } = await aCheckout();
      await ready(el);
      await expect(el).to.be.accessible();
    });
  });

  describe('composition', () => {
    it('shares one client and one cart between its parts', async () => {
      const { el, calls } = await aCheckout();
      await ready(el);
      expect(calls.filter((c) => c.path === '/v1/catalog')).to.have.length(1);
      expect(pickerOf(el).getAttribute('family')).to.equal('team');
      expect(pickerOf(el).value).to.equal('pro-monthly');
      expect(text(part(cartOf(el), 'total'))).to.equal('Due today €111.86');
    });
    it('offers every plan when the link names a plan the catalog does not have, and prices the one picked', async () => {
      const { el, quotes } = await aCheckout({
        'POST /v1/quotes': ({ body }) => (body.plan === 'nope-monthly' ? problem(404, 'plan_not_found', 'no plan nope-monthly') : json(200, aQuote(body))),
      }, html`<billkit-checkout plan="nope-monthly"></billkit-checkout>`);
      await waitUntil(() => pickerOf(el) && part(pickerOf(el), 'action'), 'no plan picker');
      expect(pickerOf(el).getAttribute('family')).to.equal('');
      await waitUntil(() => part(cartOf(el), 'error'), 'no error in the cart');
      expect(text(part(cartOf(el), 'error'))).to.equal('This plan does not exist. Choose another plan.');
      part(pickerOf(el), 'action').click();
      await waitUntil(() => el.cart?.quote && !el.cart.state.error, 'not priced');
      expect(quotes().at(-1)!.body.plan).to.equal(pickerOf(el).value);
      await cartOf(el).updateComplete;
      expect(part(cartOf(el), 'error')).to.equal(null);
    });
    it('re-prices when the buyer picks another plan, and keeps it when the host vetoes', async () => {
      const { el, quotes } = await aCheckout();
      await ready(el);
      part(pickerOf(el), 'action').click();
      await waitUntil(() => quotes().at(-1)!.body.plan === 'starter-monthly');
      await ready(el);
      expect(text(part(cartOf(el), 'renewal'))).to.contain('from December 5, 2026');
      document.addEventListener('billkit-plan-select', (e) => e.preventDefault(), { once: true });
      const count = quotes().length;
      [...pickerOf(el).shadowRoot!.querySelectorAll<HTMLElement>('[part~="action"]')][1].click();
      await new Promise((r) => setTimeout(r, 20));
      expect(quotes().length).to.equal(count);
      expect(el.cart!.cart!.plan).to.equal('starter-monthly');
    });
    it('applies the coupon attribute and a coupon typed in, on the shared cart', async () => {
      const { el, quotes } = await aCheckout({}, html`<billkit-checkout plan="pro-monthly" coupon="WELCOME20"></billkit-checkout>`);
      await ready(el);
      expect(quotes()[0].body.couponCode).to.equal('WELCOME20');
      await waitUntil(() => part(couponOf(el), 'applied'), 'coupon not shown');
      expect(text(part(cartOf(el), 'discount'))).to.equal('Coupon WELCOME20 -€18.80');
      part(couponOf(el), 'remove').click();
      await waitUntil(() => !part(cartOf(el), 'discount'), 'discount still shown');
    });
    it('keeps the applied coupon\'s discount in step with the cart: a new quantity, then a plan with a trial (nothing off today, the next invoice discounted)', async () => {
      const { el } = await aCheckout({}, html`<billkit-checkout plan="pro-monthly" coupon="WELCOME20"></billkit-checkout>`);
      await ready(el);
      const coupon = couponOf(el);
      await waitUntil(() => part(coupon, 'applied'), 'coupon not shown');
      expect(text(part(coupon, 'discount'))).to.equal('-€18.80');
      el.cart!.setQuantity('ch_seats_m', 10);
      await waitUntil(() => text(part(coupon, 'discount')) === '-€39.80', `discount still ${text(part(coupon, 'discount'))}`);
      expect(text(part(coupon, 'status'))).to.equal('Code WELCOME20 applied: €39.80 off.');
      expect(text(part(cartOf(el), 'discount'))).to.equal('Coupon WELCOME20 -€39.80');
      part(pickerOf(el), 'action').click();
      await waitUntil(() => text(part(coupon, 'status')) === 'Code WELCOME20 applied: €1.80 off your next invoice.', `status ${text(part(coupon, 'status'))}`);
      expect(text(part(coupon, 'discount'))).to.equal('-€1.80');
    });
    it('says under the VAT ID what the BFF made of it: reverse charge abroad, VAT as usual at home, a refused checksum', async () => {
      const { el, form, set } = await aVatRefusingCheckout();
      form.shadowRoot!.querySelector<HTMLInputElement>('input[value="business"]')!.click();
      await waitUntil(() => text(part(form, 'vat-status')) === 'Your VAT ID goes on the invoice; VAT is charged as usual.', `home: ${text(part(form, 'vat-status'))}`);
      await set('vatId', 'DE136695976');
      await waitUntil(() => text(part(form, 'vat-status')) === 'The format is right.', `home with ID: ${text(part(form, 'vat-status'))}`);
      await set('country', 'FR');
      await set('vatId', 'FR40303265045');
      await waitUntil(() => text(part(form, 'vat-status')) === 'The format is right; no VAT is charged (reverse charge).', `abroad: ${text(part(form, 'vat-status'))}`);
      await set('vatId', 'FR40303265046');
      await waitUntil(() => text(part(form, 'vat-status')) === 'This is not a valid VAT ID of France: check it for typos.', `refused: ${text(part(form, 'vat-status'))}`);
      expect(form.shadowRoot!.querySelector('#vatId')!.getAttribute('aria-invalid')).to.equal('true');
    });
    it('says a refused VAT ID once, at the field, and prices the cart without it meanwhile', async () => {
      const { el, form, set, quotes } = await aVatRefusingCheckout();
      form.shadowRoot!.querySelector<HTMLInputElement>('input[value="business"]')!.click();
      await set('country', 'FR');
      await set('vatId', 'FR40303265046');
      await waitUntil(() => text(part(form, 'vat-status')) === 'This is not a valid VAT ID of France: check it for typos.', 'not refused');
      // The cart is priced for the buyer without the VAT ID (French VAT), with no message of its own.
      await waitUntil(() => quotes().at(-1)!.body.customer?.vatId === undefined && !el.cart!.state.loading && !el.cart!.state.error, 'not priced without it');
      await cartOf(el).updateComplete;
      const cart = cartOf(el);
      expect(cart.shadowRoot!.querySelector('[part~="error"]')).to.equal(null);
      expect(text(part(cart, 'tax'))).to.equal('VAT (EU one-stop shop) 20% €18.80');
      expect(text(part(cart, 'total'))).to.equal('Due today €112.80');
      // Continuing says it at the field again, not in a banner, and asks the BFF nothing.
      await set('email', 'ada@example.com');
      await set('name', 'Ada');
      part(form, 'submit').click();
      await form.updateComplete;
      expect(form.shadowRoot!.querySelector('[part="error"]')).to.equal(null);
      expect(form.shadowRoot!.activeElement?.id).to.equal('vatId');
    });
    it('prices tax for the buyer the payment form describes', async () => {
      const { el, quotes } = await aCheckout();
      await ready(el);
      const form = formOf(el);
      const country = form.shadowRoot!.querySelector<HTMLSelectElement>('#country')!;
      country.value = 'FR';
      country.dispatchEvent(new Event('change'));
      await waitUntil(() => quotes().at(-1)!.body.customer?.country === 'FR');
      await waitUntil(() => text(part(cartOf(el), 'tax')).startsWith('VAT (EU one-stop shop) 20%'), 'tax not updated');
    });
    it('completes a purchase and lets the complete event out', async () => {
      const { el } = await aCheckout();
      await ready(el);
      const form = formOf(el);
      setTimeout(() => void payWith4242(form));
      const event = await oneEvent(el, 'billkit-checkout-complete');
      expect(event.detail.subscriptionId).to.equal('sub_1');
      await el.updateComplete;
      expect(couponOf(el)).to.equal(null);
      // The thank-you message shows (nothing slotted: the form's own message), with the invoice number.
      await form.updateComplete;
      const thanks = part(form, 'complete');
      expect(text(thanks)).to.contain('Thank you');
      expect(thanks.querySelector('slot')!.assignedElements()).to.deep.equal([]);
      // The column's heading no longer asks for details: the order is done.
      expect(text(el.shadowRoot!.querySelector('#pay-title')!)).to.equal('Order confirmed');
      // The paid order can no longer be changed.
      const cart = cartOf(el);
      await cart.updateComplete;
      expect(cart.readonly).to.equal(true);
      expect(cart.hasAttribute('readonly')).to.equal(true);
      expect(cart.shadowRoot!.querySelector('[part~="stepper"]')).to.equal(null);
      expect(cart.shadowRoot!.querySelector('[part~="add-ons"]')).to.equal(null);
      await expect(el).to.be.accessible();
    });
    it('shows what the page slots into "complete" instead of the default thank-you', async () => {
      const { el } = await aCheckout({}, html`<billkit-checkout plan="pro-monthly"><p slot="complete" id="mine">Welcome aboard</p></billkit-checkout>`);
      await ready(el);
      const form = formOf(el);
      setTimeout(() => void payWith4242(form));
      await oneEvent(el, 'billkit-checkout-complete');
      await el.updateComplete;
      await form.updateComplete;
      const slot = part(form, 'complete').querySelector('slot')!;
      const forwarded = slot.assignedElements({ flatten: true });
      expect(forwarded.map((e) => e.id)).to.deep.equal(['mine']);
    });
  });

  describe('keyboard', () => {
    it('tabs through the order first (quantities, coupon), then the details, to Continue to payment last, top to bottom at 375 px', async () => {
      const { client } = aClient();
      const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 375px"><billkit-checkout plan="pro-monthly" .showPlans=${false} debounce="0" .client=${client}></billkit-checkout></div>`);
      const el = wrapper.querySelector('billkit-checkout')!;
      await waitUntil(() => el.cart?.quote && !el.cart.state.loading, 'not priced');
      await el.updateComplete;
      const deepActive = () => {
        let node: Element | null = document.activeElement;
        while (node?.shadowRoot?.activeElement) node = node.shadowRoot.activeElement;
        return node;
      };
      const stops: { name: string; top: number }[] = [];
      for (let i = 0; i < 25; i++) {
        await sendKeys({ press: 'Tab' });
        const node = deepActive();
        if (!node || node === document.body) break;
        stops.push({ name: node.id || node.getAttribute('aria-label') || node.getAttribute('part') || node.localName, top: Math.round(node.getBoundingClientRect().top + window.scrollY) });
        if (node.getAttribute('part') === 'submit') break;
      }
      const names = stops.map((s) => s.name);
      expect(names.indexOf('More Seats'), names.join(', ')).to.be.greaterThan(-1);
      expect(names.indexOf('More Seats')).to.be.lessThan(names.indexOf('email'));
      expect(names.indexOf('code')).to.be.lessThan(names.indexOf('email'));
      expect(names.at(-1)).to.equal('submit');
      // Each stop is on the row of the one before or below it (items of one row differ by a few pixels).
      const upwards = stops.filter((stop, i) => i > 0 && stop.top < stops[i - 1].top - 8).map((stop) => stop.name);
      expect(upwards, JSON.stringify(stops)).to.deep.equal([]);
    });
  });

  describe('layout', () => {
    it('fits 320 px without horizontal scrolling', async () => {
      const { client } = aClient();
      const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 320px"><billkit-checkout plan="pro-monthly" debounce="0" .client=${client}></billkit-checkout></div>`);
      const el = wrapper.querySelector('billkit-checkout')!;
      await ready(el);
      const overflowing = [el, pickerOf(el), cartOf(el), couponOf(el), formOf(el)]
        .flatMap((host) => [host, ...host.shadowRoot!.querySelectorAll('*')])
        .filter((node) => node.getBoundingClientRect().right > wrapper.getBoundingClientRect().right + 0.5)
        .map((node) => node.getAttribute('part') ?? node.localName);
      expect(overflowing).to.deep.equal([]);
    });
  });

  describe('attributes', () => {
    it('works from api and publishable-key alone (window.fetch)', async () => {
      resetSharedClients();
      const { fetch, calls } = fakeFetch();
      const original = window.fetch;
      window.fetch = ((input: RequestInfo | URL, init?: RequestInit) => fetch(String(input), init)) as typeof window.fetch;
      try {
        const el = await fixture<BillkitCheckout>(html`<billkit-checkout api="http://bff.test/" publishable-key="pk_test_abc" plan="starter-monthly"></billkit-checkout>`);
        await waitUntil(() => el.cart?.quote, 'no quote', { timeout: 3000 });
        expect(calls[0].headers.Authorization).to.equal('Bearer pk_test_abc');
        expect(calls.map((c) => c.path)).to.include.members(['/v1/catalog', '/v1/quotes']);
      } finally {
        window.fetch = original;
      }
    });
  });

  describe('customer session', () => {
    const SECRET = 'cus_sess_abc';
    const session: Route = ({ headers }) => headers['Billkit-Customer-Session'] === SECRET
      ? json(200, { email: 'grace@example.com', name: 'Grace Hopper', country: 'FR', type: 'individual', customerId: 'cus_1', expiresAt: '2026-11-21T12:30:00.000Z' })
      : problem(401, 'customer_session_invalid', 'The customer session is unknown or has expired.');
    const withSession = (markup = html`<billkit-checkout plan="pro-monthly" customer-session=${SECRET}></billkit-checkout>`) =>
      aCheckout({ 'GET /v1/customer-sessions/current': session }, markup);
    const email = (form: BillkitPaymentForm) => form.shadowRoot!.querySelector<HTMLInputElement>('#email')!;

    it('shows the session\'s email fixed and its details prefilled, and stays accessible', async () => {
      const { el, calls } = await withSession();
      await ready(el);
      const form = formOf(el);
      await waitUntil(() => email(form).value === 'grace@example.com', 'not prefilled');
      expect(email(form).readOnly).to.equal(true);
      expect(form.shadowRoot!.querySelector<HTMLInputElement>('#name')!.value).to.equal('Grace Hopper');
      expect(form.shadowRoot!.querySelector<HTMLSelectElement>('#country')!.value).to.equal('FR');
      expect(calls.find((c) => c.path === '/v1/customer-sessions/current')!.headers['Billkit-Customer-Session']).to.equal(SECRET);
      await expect(el).to.be.accessible();
    });

    it('checks out with the session and the client reference, and the complete event carries the customer', async () => {
      const { el, calls } = await withSession(html`<billkit-checkout plan="pro-monthly" customer-session=${SECRET} client-reference-id="user_42"></billkit-checkout>`);
      await ready(el);
      const form = formOf(el);
      await waitUntil(() => email(form).readOnly, 'not prefilled');
      part(form, 'submit').click();
      await waitUntil(() => form.shadowRoot!.querySelector('#card'), 'no card field');
      const card = form.shadowRoot!.querySelector<HTMLInputElement>('#card')!;
      card.value = '4242 4242 4242 4242';
      card.dispatchEvent(new Event('input'));
      await form.updateComplete;
      setTimeout(() => part(form, 'submit').click());
      const event = await oneEvent(el, 'billkit-checkout-complete');
      expect(event.detail.customerId).to.equal('cus_1');
      const body = calls.find((c) => c.path === '/v1/checkouts')!.body;
      expect([body.customerSession, body.clientReferenceId, body.customer.email]).to.deep.equal([SECRET, 'user_42', 'grace@example.com']);
    });

    it('without a session, passes the client reference alone and leaves the email editable', async () => {
      const { el, calls } = await aCheckout({}, html`<billkit-checkout plan="pro-monthly" client-reference-id="user_7"></billkit-checkout>`);
      await ready(el);
      const form = formOf(el);
      expect(email(form).readOnly).to.equal(false);
      setTimeout(() => void payWith4242(form));
      await oneEvent(el, 'billkit-checkout-complete');
      const body = calls.find((c) => c.path === '/v1/checkouts')!.body;
      expect(body.clientReferenceId).to.equal('user_7');
      expect(body).not.to.have.property('customerSession');
      expect(calls.some((c) => c.path === '/v1/customer-sessions/current')).to.equal(false);
    });

    it('says so when the session has expired, and the email stays editable', async () => {
      const { el } = await withSession(html`<billkit-checkout plan="pro-monthly" customer-session="cus_sess_old"></billkit-checkout>`);
      await ready(el);
      const form = formOf(el);
      await waitUntil(() => form.shadowRoot!.querySelector('[part~="error"]'), 'no error shown');
      expect(text(part(form, 'error'))).to.equal('Your sign-in for this checkout has expired. Reload the page to continue.');
      expect(email(form).readOnly).to.equal(false);
    });
  });

  describe('i18n', () => {
    it('hands its locale to every part', async () => {
      const { el } = await aCheckout({}, html`<billkit-checkout plan="pro-monthly" locale="de"></billkit-checkout>`);
      await useLocale('de');
      await ready(el);
      expect(text(inner(el, '#plans-title'))).to.equal('Wählen Sie Ihren Tarif');
      expect(text(part(cartOf(el), 'total'))).to.equal('Heute fällig 111,86 €');
      expect(text(part(couponOf(el), 'apply'))).to.equal('Einlösen');
      expect(text(part(formOf(el), 'submit'))).to.equal('Weiter zur Zahlung');
    });
  });
});
