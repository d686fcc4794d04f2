import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/cart/cart.js';
import type { BillkitCart } from '../../components/cart/cart.js';
import { useLocale } from '../../components/shared/localize.js';
import { renewalWithoutCoupon } from '../../components/shared/renewal.js';
import { aClient, aQuote, byLanguage, json, pending, problem, type Route } from './fixtures.js';

const parts = (el: Element, part: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${part}"]`)];
const part = (el: Element, name: string) => parts(el, name)[0];
const text = (node: Element | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();
const button = (el: Element, label: string) =>
  el.shadowRoot!.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`)!;

async function aCart(plan = 'pro-monthly', overrides: Record<string, Route> = {}, debounce = 0) {
  const { client, calls } = aClient(overrides);
  const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan=${plan} debounce=${debounce}></billkit-cart>`);
  const quotes = () => calls.filter((c) => c.path === '/v1/quotes');
  return { el, calls, quotes, client };
}
const priced = async (el: BillkitCart) => {
  await el.updateComplete;
  await waitUntil(() => !el.loading && el.quote, 'no quote');
  await el.updateComplete;
};

describe('<billkit-cart>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading, with a fixed-size skeleton', async () => {
      const { el } = await aCart('pro-monthly', { 'POST /v1/quotes': pending });
      expect(el.shadowRoot!.querySelector('[role="status"]')).to.exist;
      await expect(el).to.be.accessible();
    });
    it('is accessible when priced', async () => {
      const { el } = await aCart();
      await priced(el);
      await expect(el).to.be.accessible();
    });
    it('is accessible with an error: the lines stay, the totals of the cart before are not shown as this one\'s, and come back once it prices', async () => {
      let fail = false;
      const { el } = await aCart('pro-monthly', {
        'POST /v1/quotes': ({ body }) => (fail ? problem(503, 'unavailable', 'Try later') : json(200, aQuote(body))),
      });
      await priced(el);
      fail = true;
      button(el, 'More Seats').click();
      await waitUntil(() => part(el, 'error'), 'no error');
      expect(text(part(el, 'error'))).to.equal('The price could not be updated. Try later');
      expect(text(part(el, 'total'))).to.equal('Due today —');
      expect(text(part(el, 'tax'))).to.equal('VAT —');
      expect(parts(el, 'renewal')).to.have.length(0);
      expect(parts(el, 'line').length).to.be.greaterThan(0);
      await expect(el).to.be.accessible();
      fail = false;
      button(el, 'More Seats').click();
      await waitUntil(() => !part(el, 'error') && text(part(el, 'total')) !== 'Due today —', 'not priced again');
      expect(text(part(el, 'renewal'))).to.match(/^Then /);
    });
    it('says a plan that cannot be bought is for the buyer to change, without a skeleton that never loads', async () => {
      const { el } = await aCart('nope-monthly', {
        'POST /v1/quotes': () => problem(404, 'plan_not_found', 'no plan nope-monthly'),
      });
      await waitUntil(() => part(el, 'error') && !el.loading, 'no error');
      await el.updateComplete;
      expect(text(part(el, 'error'))).to.equal('This plan does not exist. Choose another plan.');
      expect(el.shadowRoot!.querySelector('.skeleton')).to.equal(null);
      await expect(el).to.be.accessible();
    });
  });

  describe('properties', () => {
    it('shows lines, the setup fee as such, tax, due today, renewal and metered charges', async () => {
      const { el, quotes } = await aCart();
      await priced(el);
      expect(quotes()[0].body).to.deep.equal({ plan: 'pro-monthly' });
      expect(parts(el, 'line').map(text)).to.deep.equal([
        'Seats − + €45.00',
        'Onboarding One-time setup fee €49.00',
      ]);
      expect(part(el, 'setup-fee')).to.exist;
      expect(text(part(el, 'tax'))).to.equal('VAT 19% €17.86');
      expect(text(part(el, 'total'))).to.equal('Due today €111.86');
      expect(text(part(el, 'renewal'))).to.equal('Then €53.55 / month');
      expect(text(part(el, 'metered'))).to.contain('API calls: Each tier prices the units that fall into it: 1–1,000: €0 per API call; 1,001 and more: €0.02 per API call');
    });
    it('shows a trial line as such and when the renewal starts', async () => {
      const { el } = await aCart('starter-monthly');
      await priced(el);
      expect(text(part(el, 'trial'))).to.equal('Starter Free trial €0.00');
      expect(text(part(el, 'renewal'))).to.equal('Then €10.71 / month from December 5, 2026');
    });
    it('names the reverse charge', async () => {
      const { el, client } = await aCart('pro-monthly', {
        'POST /v1/quotes': ({ body }) => json(200, aQuote({ ...body, customer: { country: 'FR', type: 'business', vatId: 'FR40303265045' } })),
      });
      await priced(el);
      expect(client).to.exist;
      expect(text(part(el, 'tax'))).to.equal('Reverse charge: VAT is due from the recipient €0.00');
    });
    it('shows a valid coupon as a discount line', async () => {
      const { client } = aClient();
      const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan="pro-monthly" coupon="WELCOME20" debounce="0"></billkit-cart>`);
      await priced(el);
      expect(text(part(el, 'discount'))).to.equal('Coupon WELCOME20 -€18.80');
    });
  });

  describe('announcements', () => {
    it('says the new total in a polite live region once a change is priced', async () => {
      const { el } = await aCart();
      await priced(el);
      const region = part(el, 'announcement');
      expect(region.getAttribute('role')).to.equal('status');
      expect(text(region)).to.equal('Due today €111.86');
      button(el, 'More Seats').click();
      await waitUntil(() => text(part(el, 'announcement')) === 'Due today €129.71', `said ${text(part(el, 'announcement'))}`);
      // The same element, so that screen readers hear its change.
      expect(part(el, 'announcement') === region).to.be.true;
    });
    it('keeps the last totals, marked as not updated, when the VAT ID is refused: the payment form says why', async () => {
      let refuse = false;
      const { el } = await aCart('pro-monthly', {
        'POST /v1/quotes': ({ body }) => (refuse ? problem(422, 'vat_id_invalid', 'no') : json(200, aQuote(body))),
      });
      await priced(el);
      refuse = true;
      button(el, 'More Seats').click();
      await waitUntil(() => part(el, 'not-updated'), 'not marked');
      expect(parts(el, 'error')).to.have.length(0);
      expect(text(part(el, 'total'))).to.equal('Due today €111.86');
      expect(text(part(el, 'not-updated'))).to.equal('Not updated yet');
    });
    it('says Paid today once the order is paid', async () => {
      const { el } = await aCart();
      await priced(el);
      el.readonly = true;
      await el.updateComplete;
      expect(text(part(el, 'total'))).to.equal('Paid today €111.86');
    });
  });

  describe('the renewal with a coupon', () => {
    const withCoupon = async (plan: string, coupon: string, locale = 'en') => {
      const { client } = aClient();
      const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan=${plan} coupon=${coupon} locale=${locale} debounce="0"></billkit-cart>`);
      if (locale === 'de') await useLocale('de');
      await priced(el);
      return text(part(el, 'renewal'));
    };
    it('says how long a limited coupon lasts and what the renewal costs after it', async () => {
      expect(await withCoupon('pro-monthly', 'FIRST3')).to.equal('€42.84 / month for the first 3 months, then €53.55 / month');
      expect(await withCoupon('pro-yearly', 'FIRST3')).to.equal('€428.40 / year for the first 3 years, then €535.50 / year');
    });
    it('says that a once coupon discounts today only', async () => {
      expect(await withCoupon('pro-monthly', 'ONCE20')).to.equal('Then €53.55 / month: the discount applies to today\'s payment only');
    });
    it('says that a lifetime coupon lasts', async () => {
      expect(await withCoupon('pro-monthly', 'WELCOME20')).to.equal('Then €42.84 / month, with the discount for as long as you subscribe');
    });
    it('counts the discounted periods from the end of a trial', async () => {
      expect(await withCoupon('starter-monthly', 'FIRST3')).to.equal('€8.57 / month for 3 months from December 5, 2026, then €10.71 / month');
      expect(await withCoupon('starter-monthly', 'ONCE20')).to.equal('€8.57 / month for 1 month from December 5, 2026, then €10.71 / month');
    });
    it('says it in German', async () => {
      expect(await withCoupon('pro-monthly', 'FIRST3', 'de')).to.equal('42,84 € / Monat für die ersten 3 Monate, danach 53,55 € / Monat');
      expect(await withCoupon('starter-monthly', 'ONCE20', 'de')).to.equal('8,57 € / Monat für 1 Monat ab dem 5. Dezember 2026, danach 10,71 € / Monat');
      expect(await withCoupon('pro-monthly', 'ONCE20', 'de')).to.equal('Danach 53,55 € / Monat: Der Rabatt gilt nur für die heutige Zahlung');
    });
    it('prices the renewal without the coupon per tax rate, as the BFF does (pure)', () => {
      const base = aQuote({ plan: 'pro-monthly', couponCode: 'FIRST3', addOns: ['ch_support_m'] });
      // Seats at 19 %, support at 7 %: 4500 + 855 and 2900 + 203.
      const mixed = { ...base, lines: base.lines.map((l) => (l.chargeId === 'ch_support_m' ? { ...l, taxRate: 700 } : l)) };
      expect(renewalWithoutCoupon(mixed)).to.equal(4500 + 855 + 2900 + 203);
      // One rate: the subtotal taxed once (19 % of 7400).
      expect(renewalWithoutCoupon(base)).to.equal(7400 + 1406);
      expect(renewalWithoutCoupon({ ...base, taxBehavior: 'inclusive' })).to.equal(7400);
      expect(renewalWithoutCoupon(aQuote({ plan: 'pro-monthly' }))).to.equal(5355);
    });
  });

  describe('re-pricing', () => {
    it('keeps quantities within min..max', async () => {
      const { el, quotes } = await aCart();
      await priced(el);
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="number"]')!;
      input.value = '99';
      input.dispatchEvent(new Event('change'));
      await priced(el);
      expect(quotes().at(-1)!.body.charges).to.deep.equal([{ chargeId: 'ch_seats_m', quantity: 50 }]);
      expect(input.value).to.equal('50');
      expect(button(el, 'More Seats').disabled).to.be.true;
      input.value = '0';
      input.dispatchEvent(new Event('change'));
      await priced(el);
      expect(input.value).to.equal('1');
      expect(button(el, 'Fewer Seats').disabled).to.be.true;
    });
    it('debounces changes into one request', async () => {
      const { el, quotes } = await aCart('pro-monthly', {}, 50);
      await priced(el);
      const before = quotes().length;
      for (let i = 0; i < 3; i++) {
        button(el, 'More Seats').click();
        await el.updateComplete;
      }
      await priced(el);
      expect(quotes().length - before).to.equal(1);
      expect(quotes().at(-1)!.body.charges).to.deep.equal([{ chargeId: 'ch_seats_m', quantity: 6 }]);
      expect(text(parts(el, 'line')[0])).to.contain('€90.00');
    });
    it('lets the last request win', async () => {
      const releases: (() => void)[] = [];
      const { el } = await aCart('pro-monthly', {
        'POST /v1/quotes': ({ body }) => new Promise((resolve) => releases.push(() => resolve(json(200, aQuote(body))))),
      });
      await waitUntil(() => releases.length === 1);
      releases[0]();
      await priced(el);
      button(el, 'More Seats').click(); // 4 seats: slow answer
      await waitUntil(() => releases.length === 2);
      button(el, 'More Seats').click(); // 5 seats: fast answer
      await waitUntil(() => releases.length === 3);
      releases[2]();
      await priced(el);
      releases[1]();
      await new Promise((r) => setTimeout(r, 20));
      await el.updateComplete;
      expect(text(parts(el, 'line')[0])).to.contain('€75.00');
    });
    it('adds and removes an add-on', async () => {
      const { el, quotes } = await aCart();
      await priced(el);
      const toggle = el.shadowRoot!.querySelector<HTMLInputElement>('[part="add-ons"] input')!;
      toggle.click();
      await priced(el);
      expect(quotes().at(-1)!.body.addOns).to.deep.equal(['ch_support_m']);
      expect(parts(el, 'line').map(text)).to.include('Priority support €29.00');
      toggle.click();
      await priced(el);
      expect(parts(el, 'line')).to.have.length(2);
    });
  });

  describe('events', () => {
    it('emits billkit-cart-change when the buyer changes a quantity', async () => {
      const { el } = await aCart();
      await priced(el);
      setTimeout(() => button(el, 'More Seats').click());
      const event = await oneEvent(el, 'billkit-cart-change');
      expect(event.detail.cart.charges).to.deep.equal([{ chargeId: 'ch_seats_m', quantity: 4 }]);
      expect(event.bubbles && event.composed).to.be.true;
    });
    it('emits nothing when the plan is set from code, but re-prices', async () => {
      const { el, quotes } = await aCart();
      await priced(el);
      let count = 0;
      el.addEventListener('billkit-cart-change', () => count++);
      el.plan = 'starter-monthly';
      await el.updateComplete;
      await priced(el);
      expect(count).to.equal(0);
      expect(quotes().at(-1)!.body.plan).to.equal('starter-monthly');
    });
  });

  describe('keyboard', () => {
    it('steps the quantity with Enter and Space on the buttons', async () => {
      const { el, quotes } = await aCart();
      await priced(el);
      button(el, 'More Seats').focus();
      await sendKeys({ press: 'Enter' });
      await sendKeys({ press: 'Space' });
      await priced(el);
      expect(quotes().at(-1)!.body.charges).to.deep.equal([{ chargeId: 'ch_seats_m', quantity: 5 }]);
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      const { client } = aClient();
      const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan="starter-monthly" locale="de" debounce="0"></billkit-cart>`);
      await useLocale('de');
      await priced(el);
      expect(text(part(el, 'total'))).to.equal('Heute fällig 0,00 €');
      expect(text(part(el, 'tax'))).to.equal('MwSt. 19 % 0,00 €');
      expect(text(part(el, 'renewal'))).to.equal('Danach 10,71 € / Monat ab dem 5. Dezember 2026');
    });
    it("names lines, add-ons and usage in the merchant's German, asking quote and catalog in its locale", async () => {
      const { client, calls } = aClient(byLanguage());
      const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan="pro-monthly" locale="de" debounce="0"></billkit-cart>`);
      await useLocale('de');
      await priced(el);
      await waitUntil(() => text(part(el, 'add-ons')).includes('Vorrangiger Support'), 'no German add-on');
      expect(parts(el, 'line').map((l) => text(l.querySelector('.label')!).split(' ')[0])).to.deep.equal(['Plätze', 'Einrichtung']);
      expect(text(part(el, 'metered'))).to.contain('API-Aufrufe: 0,50 € je 1.000 API-Aufrufe');
      expect(button(el, 'Mehr Plätze')).to.exist;
      for (const call of calls) expect(call.headers['Accept-Language'], call.path).to.equal('de');
    });
    it('prices again in the new language when its locale changes', async () => {
      const { client, calls } = aClient(byLanguage());
      const el = await fixture<BillkitCart>(html`<billkit-cart .client=${client} plan="pro-monthly" locale="en" debounce="0"></billkit-cart>`);
      await priced(el);
      expect(text(part(el, 'line').querySelector('.label')!)).to.match(/^Seats/);
      el.locale = 'de';
      await useLocale('de');
      await waitUntil(() => el.quote?.lines[0]?.description === 'Plätze', 'not priced again in German');
      await el.updateComplete;
      expect(text(part(el, 'line').querySelector('.label')!)).to.match(/^Plätze/);
      expect(calls.filter((c) => c.path === '/v1/quotes').map((c) => c.headers['Accept-Language'])).to.deep.equal(['en', 'de']);
    });
  });
});
