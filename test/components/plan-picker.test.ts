import { expect, fixture, html, oneEvent, nextFrame, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/plan-picker/plan-picker.js';
import type { BillkitPlanPicker } from '../../components/plan-picker/plan-picker.js';
import { BillkitPlanSelectEvent } from '../../components/shared/events.js';
import { useLocale } from '../../components/shared/localize.js';
import { aCatalog, aClient, byLanguage, pending, problem } from './fixtures.js';

const parts = (el: Element, part: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${part}"]`)];
const part = (el: Element, name: string) => parts(el, name)[0];
const text = (node: Element | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();

async function loaded(markup = html`<billkit-plan-picker family="team" highlight="pro-monthly"></billkit-plan-picker>`, overrides = {}, wait = true) {
  const { client, calls } = aClient(overrides);
  const el = await fixture<BillkitPlanPicker>(markup);
  el.client = client;
  if (wait) await client.catalog().catch(() => undefined);
  await el.updateComplete;
  await nextFrame();
  return { el, calls };
}

describe('<billkit-plan-picker>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading', async () => {
      const { el } = await loaded(undefined, { 'GET /v1/catalog': pending }, false);
      expect(part(el, 'plans').getAttribute('aria-busy')).to.equal('true');
      await expect(el).to.be.accessible();
    });
    it('is accessible when loaded', async () => {
      const { el } = await loaded();
      await expect(el).to.be.accessible();
    });
    it('is accessible when the catalog fails, and says so', async () => {
      const { el } = await loaded(undefined, { 'GET /v1/catalog': () => problem(503, 'unavailable') });
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
      await expect(el).to.be.accessible();
    });
  });

  describe('properties', () => {
    it('shows the family\'s plans at the shortest interval, in the catalog currency', async () => {
      const { el, calls } = await loaded();
      expect(calls[0].headers.Authorization).to.equal('Bearer pk_test_123');
      expect(parts(el, 'card').map((c) => text(c.querySelector('h3')!))).to.deep.equal(['Starter', 'Pro']);
      expect(parts(el, 'amount').map(text)).to.deep.equal(['€9', '€15']);
      expect(text(parts(el, 'price')[1])).to.contain('per unit / month');
    });
    it('shows trial and setup-fee badges, the highlight, and the charges explained', async () => {
      const { el } = await loaded();
      const [starter, pro] = parts(el, 'card');
      expect(text(starter.querySelector('[part~="trial"]')!)).to.equal('14-day free trial');
      expect(text(pro.querySelector('[part~="setup-fee"]')!)).to.equal('Setup fee €49');
      expect(pro.hasAttribute('data-highlighted')).to.be.true;
      expect(text(pro.querySelector('[part~="ribbon"]')!)).to.equal('Most popular');
      const charges = text(pro.querySelector('[part="charges"]')!);
      expect(charges).to.contain('API calls, billed by usage');
      expect(charges).to.contain('1–1,000: €0 per API call');
      expect(charges).to.contain('1,001 and more: €0.02 per API call');
      expect(charges).to.contain('Add-on Priority support: €29');
    });
    it('shows the yearly saving on the toggle and switches interval', async () => {
      const { el } = await loaded();
      const [monthly, yearly] = parts(el, 'interval');
      expect(text(yearly)).to.equal('Yearly Save up to 17%');
      expect(monthly.getAttribute('aria-pressed')).to.equal('true');
      yearly.click();
      await el.updateComplete;
      expect(parts(el, 'amount').map(text)).to.deep.equal(['€90', '€150']);
      expect(text(part(el, 'card').querySelector('[part~="saving"]')!)).to.equal('Save 17%');
    });
    it('highlights a plan in each interval when given several codes', async () => {
      const { el } = await loaded(html`<billkit-plan-picker family="team" highlight="pro-monthly pro-yearly"></billkit-plan-picker>`);
      expect(parts(el, 'card').map((c) => c.hasAttribute('data-highlighted'))).to.deep.equal([false, true]);
      parts(el, 'interval')[1].click();
      await el.updateComplete;
      expect(parts(el, 'card').map((c) => c.hasAttribute('data-highlighted'))).to.deep.equal([false, true]);
      expect(parts(el, 'ribbon')).to.have.length(1);
    });
    it('filters by currency and formats with the currency\'s digits', async () => {
      const { el } = await loaded(html`<billkit-plan-picker family="gulf" currency="KWD"></billkit-plan-picker>`);
      expect(text(part(el, 'amount'))).to.equal('KWD 12.500');
      expect(part(el, 'intervals')).to.equal(undefined);
    });
    it('takes a catalog by property without fetching', async () => {
      const el = await fixture<BillkitPlanPicker>(html`<billkit-plan-picker family="team" .catalog=${aCatalog()}></billkit-plan-picker>`);
      expect(parts(el, 'card')).to.have.length(2);
    });
    it('keeps the loading skeleton the size of a card', async () => {
      const { el } = await loaded(undefined, { 'GET /v1/catalog': pending }, false);
      const skeleton = part(el, 'card').getBoundingClientRect().height;
      const base = part(el, 'base').getBoundingClientRect().height;
      const other = await fixture<BillkitPlanPicker>(html`<billkit-plan-picker family="team" .catalog=${aCatalog()}></billkit-plan-picker>`);
      expect(part(other, 'card').getBoundingClientRect().height).to.equal(skeleton);
      expect(part(other, 'base').getBoundingClientRect().height).to.equal(base);
    });
    it('lets each card be as tall as what it says once the cards stack (a picker narrower than two cards)', async () => {
      const picker = async (width: string) => {
        const box = await fixture<HTMLDivElement>(html`<div style="inline-size:${width}"><billkit-plan-picker family="team" .catalog=${aCatalog()}></billkit-plan-picker></div>`);
        const el = box.firstElementChild as BillkitPlanPicker;
        await el.updateComplete;
        return parts(el, 'card').map((card) => ({ card, box: card.getBoundingClientRect() }));
      };
      const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
      const wide = await picker('48rem');
      expect(wide[1]!.box.top).to.equal(wide[0]!.box.top);
      expect(wide.every(({ box }) => box.height >= 26 * rem)).to.be.true;
      const narrow = await picker('22rem');
      expect(narrow[1]!.box.left).to.equal(narrow[0]!.box.left);
      expect(narrow[0]!.box.height).to.be.below(20 * rem);
      // Nothing is cut off: each card's button still sits inside it.
      for (const { card, box } of narrow) expect(card.querySelector('[part~="action"]')!.getBoundingClientRect().bottom).to.be.at.most(box.bottom);
    });
  });

  describe('events', () => {
    it('emits billkit-plan-select (bubbling, composed, cancelable) and sets the value', async () => {
      const { el } = await loaded();
      const button = parts(el, 'action')[1];
      setTimeout(() => button.click());
      const event = await oneEvent(el, 'billkit-plan-select');
      expect(event).to.be.instanceOf(BillkitPlanSelectEvent);
      expect(event.detail).to.deep.equal({ plan: 'pro-monthly', interval: { unit: 'month', count: 1 }, currency: 'EUR' });
      expect(event.bubbles && event.composed && event.cancelable).to.be.true;
      expect(el.value).to.equal('pro-monthly');
      await el.updateComplete;
      expect(parts(el, 'action')[1].getAttribute('aria-checked')).to.equal('true');
    });
    it('keeps the previous choice when the host cancels', async () => {
      const { el } = await loaded(html`<billkit-plan-picker family="team" value="starter-monthly"></billkit-plan-picker>`);
      el.addEventListener('billkit-plan-select', (e) => e.preventDefault());
      parts(el, 'action')[1].click();
      expect(el.value).to.equal('starter-monthly');
    });
    it('goes to the hosted checkout when standalone with checkout-url', async () => {
      const { el } = await loaded(html`<billkit-plan-picker family="team" checkout-url="https://shop.test/checkout?x=1"></billkit-plan-picker>`);
      let went = '';
      el.navigate = (url) => (went = url);
      parts(el, 'action')[0].click();
      expect(went).to.equal('https://shop.test/checkout?x=1&plan=starter-monthly');
    });
    it('emits nothing when the value is set from code', async () => {
      const { el } = await loaded();
      let count = 0;
      el.addEventListener('billkit-plan-select', () => count++);
      el.addEventListener('change', () => count++);
      el.value = 'pro-monthly';
      await el.updateComplete;
      expect(count).to.equal(0);
      expect(parts(el, 'action')[1].getAttribute('aria-checked')).to.equal('true');
    });
  });

  describe('keyboard', () => {
    it('moves with the arrows and selects with Enter or Space', async () => {
      const { el } = await loaded();
      const actions = parts(el, 'action');
      expect(actions.map((a) => a.tabIndex)).to.deep.equal([0, -1]);
      actions[0].focus();
      await sendKeys({ press: 'ArrowRight' });
      await el.updateComplete;
      expect(el.shadowRoot!.activeElement).to.equal(actions[1]);
      expect(el.value).to.equal('');
      await sendKeys({ press: 'Enter' });
      expect(el.value).to.equal('pro-monthly');
      await sendKeys({ press: 'ArrowLeft' });
      await sendKeys({ press: 'Space' });
      expect(el.value).to.equal('starter-monthly');
      await sendKeys({ press: 'ArrowUp' });
      expect(el.shadowRoot!.activeElement).to.equal(actions[1]);
    });
  });

  describe('form', () => {
    it('submits the chosen plan code and resets to the attribute', async () => {
      const form = await fixture<HTMLFormElement>(html`<form><billkit-plan-picker name="plan" family="team" value="starter-monthly" .catalog=${aCatalog()}></billkit-plan-picker></form>`);
      const el = form.querySelector('billkit-plan-picker')!;
      expect(new FormData(form).get('plan')).to.equal('starter-monthly');
      parts(el, 'action')[1].click();
      expect(new FormData(form).get('plan')).to.equal('pro-monthly');
      form.reset();
      await el.updateComplete;
      expect(el.value).to.equal('starter-monthly');
      expect(new FormData(form).get('plan')).to.equal('starter-monthly');
    });
  });

  describe('i18n', () => {
    it('speaks German with the locale attribute', async () => {
      const { el } = await loaded(html`<billkit-plan-picker family="team" locale="de"></billkit-plan-picker>`);
      await useLocale('de');
      await el.updateComplete;
      expect(parts(el, 'amount').map(text)).to.deep.equal(['9 €', '15 €']);
      expect(text(parts(el, 'interval')[1])).to.equal('Jährlich Bis zu 17 % sparen');
      expect(text(part(el, 'trial'))).to.equal('14 Tage kostenlos testen');
      expect(text(parts(el, 'action')[0])).to.equal('Starter wählen');
    });
    it('asks the catalog in its locale and names plans, products and units as the merchant translated them', async () => {
      const { client, calls } = aClient(byLanguage());
      const el = await fixture<BillkitPlanPicker>(html`<billkit-plan-picker family="team" locale="de-AT" .client=${client}></billkit-plan-picker>`);
      await useLocale('de');
      await waitUntil(() => el.plans.length > 0 && el.plans[0]!.name === 'Einstieg', 'no German catalog');
      await el.updateComplete;
      expect(calls.filter((c) => c.path === '/v1/catalog').map((c) => c.headers['Accept-Language'])).to.deep.equal(['de-AT']);
      expect(el.shadowRoot!.querySelector('h3')!.textContent).to.equal('Einstieg');
      expect(text(part(el, 'description'))).to.equal('Für den Anfang');
      const pro = parts(el, 'card')[1]!;
      expect(text(pro.querySelector('h3')!)).to.equal('Profi');
      // "€ 0,50 je 1 000 API-Aufrufe" (de-AT's digits), not "je 1.000 API call"
      expect(text(pro.querySelector('[part~="charges"]')!)).to.match(/API-Aufrufe, nach Nutzung abgerechnet: € 0,50 je 1 000 API-Aufrufe/);
      expect(text(pro.querySelector('[part~="charges"]')!)).to.contain('Vorrangiger Support');
      expect(text(parts(el, 'action')[1])).to.equal('Profi wählen');
    });
    it('loads the catalog again in the new language when its locale changes', async () => {
      const { client, calls } = aClient(byLanguage());
      const el = await fixture<BillkitPlanPicker>(html`<billkit-plan-picker family="team" locale="en" .client=${client}></billkit-plan-picker>`);
      await waitUntil(() => el.plans[0]?.name === 'Starter', 'no English catalog');
      el.locale = 'de';
      await useLocale('de');
      await waitUntil(() => el.plans[0]?.name === 'Einstieg', 'the German catalog was not loaded');
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('h3')!.textContent).to.equal('Einstieg');
      expect(calls.filter((c) => c.path === '/v1/catalog').map((c) => c.headers['Accept-Language'])).to.deep.equal(['en', 'de']);
    });
    it('falls back to the page lang', async () => {
      const wrapper = await fixture<HTMLDivElement>(html`<div lang="de"><billkit-plan-picker family="team" .catalog=${aCatalog()}></billkit-plan-picker></div>`);
      const el = wrapper.querySelector('billkit-plan-picker')!;
      await useLocale('de');
      await el.updateComplete;
      expect(text(part(el, 'amount'))).to.equal('9 €');
      expect(text(part(el, 'setup-fee'))).to.equal('Einrichtungsgebühr 49 €');
    });
  });
});
