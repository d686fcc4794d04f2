import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/coupon-entry/coupon-entry.js';
import type { BillkitCouponEntry } from '../../components/coupon-entry/coupon-entry.js';
import { useLocale } from '../../components/shared/localize.js';
import { aClient, pending, problem, type Route } from './fixtures.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`)!;
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();

async function anEntry(overrides: Record<string, Route> = {}, attrs = html`<billkit-coupon-entry plan="pro-monthly"></billkit-coupon-entry>`) {
  const { client, calls } = aClient(overrides);
  const el = await fixture<BillkitCouponEntry>(attrs);
  el.client = client;
  await el.updateComplete;
  return { el, calls, quotes: () => calls.filter((c) => c.path === '/v1/quotes') };
}

async function type(el: BillkitCouponEntry, code: string) {
  const input = part(el, 'input') as HTMLInputElement;
  input.value = code;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
}

async function applyCode(el: BillkitCouponEntry, code: string) {
  await type(el, code);
  part(el, 'apply').click();
  await el.updateComplete;
  await waitUntil(() => !part(el, 'apply')?.hasAttribute('disabled'), 'still checking');
  await el.updateComplete;
}

describe('<billkit-coupon-entry>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible when empty', async () => {
      const { el } = await anEntry();
      await expect(el).to.be.accessible();
    });
    it('is accessible while checking', async () => {
      const { el } = await anEntry({ 'POST /v1/quotes': pending });
      await type(el, 'WELCOME20');
      part(el, 'apply').click();
      await el.updateComplete;
      expect(part(el, 'apply').getAttribute('aria-busy')).to.equal('true');
      expect(text(part(el, 'status'))).to.equal('Checking the code…');
      await expect(el).to.be.accessible();
    });
    it('is accessible with an invalid coupon', async () => {
      const { el } = await anEntry();
      await applyCode(el, 'OLD');
      expect(part(el, 'input').getAttribute('aria-invalid')).to.equal('true');
      await expect(el).to.be.accessible();
    });
    it('is accessible with a valid coupon applied', async () => {
      const { el } = await anEntry();
      await applyCode(el, 'welcome20');
      await expect(el).to.be.accessible();
    });
    it('is accessible when the server fails', async () => {
      const { el } = await anEntry({ 'POST /v1/quotes': () => problem(503, 'unavailable') });
      await applyCode(el, 'WELCOME20');
      expect(text(part(el, 'status'))).to.equal('Something went wrong. Please try again.');
      await expect(el).to.be.accessible();
    });
  });

  describe('verdicts', () => {
    const cases: [string, string][] = [
      ['NOPE', 'This code does not exist. Check the spelling.'],
      ['OFF', 'This code is no longer active.'],
      ['OLD', 'This code has expired.'],
      ['GONE', 'This code has been used up.'],
      ['MINE', 'You have already used this code.'],
      ['USD5', 'This code is for another currency.'],
      ['ADDON', 'This code does not apply to anything in your cart.'],
    ];
    for (const [code, words] of cases) {
      it(`when the code is refused (${code}), then the reason is said in words`, async () => {
        const { el, quotes } = await anEntry();
        await applyCode(el, code);
        expect(quotes()[0].body).to.deep.equal({ plan: 'pro-monthly', couponCode: code });
        expect(text(part(el, 'status'))).to.equal(words);
        expect(part(el, 'status').getAttribute('role')).to.equal('status');
        expect(el.value).to.equal('');
      });
    }
    it('when the code is valid, then it shows the discount and a way to remove it', async () => {
      const { el } = await anEntry();
      await applyCode(el, 'welcome20');
      expect(text(part(el, 'code'))).to.equal('WELCOME20');
      expect(text(part(el, 'discount'))).to.equal('-€18.80');
      expect(text(part(el, 'status'))).to.equal('Code WELCOME20 applied: €18.80 off.');
      expect(el.value).to.equal('WELCOME20');
      expect(part(el, 'remove').getAttribute('aria-label')).to.equal('Remove code WELCOME20');
    });
  });

  describe('events', () => {
    it('emits billkit-coupon-apply, cancelable, and asks nothing when cancelled', async () => {
      const { el, quotes } = await anEntry();
      await type(el, 'WELCOME20');
      el.addEventListener('billkit-coupon-apply', (e) => e.preventDefault());
      setTimeout(() => part(el, 'apply').click());
      const event = await oneEvent(el, 'billkit-coupon-apply');
      expect(event.detail).to.deep.equal({ code: 'WELCOME20' });
      expect(event.cancelable && event.bubbles && event.composed).to.be.true;
      await new Promise((r) => setTimeout(r, 10));
      expect(quotes()).to.have.length(0);
    });
    it('emits billkit-coupon-remove and announces it', async () => {
      const { el } = await anEntry();
      await applyCode(el, 'WELCOME20');
      setTimeout(() => part(el, 'remove').click());
      const event = await oneEvent(el, 'billkit-coupon-remove');
      expect(event.detail).to.deep.equal({ code: 'WELCOME20' });
      await el.updateComplete;
      expect(el.value).to.equal('');
      expect(text(part(el, 'status'))).to.equal('Code WELCOME20 removed.');
      expect(el.shadowRoot!.activeElement).to.equal(part(el, 'input'));
    });
    it('emits nothing when the value is set from code, but applies it', async () => {
      const { el, quotes } = await anEntry();
      let count = 0;
      el.addEventListener('billkit-coupon-apply', () => count++);
      el.addEventListener('billkit-coupon-remove', () => count++);
      el.value = 'WELCOME20';
      await waitUntil(() => part(el, 'applied'), 'not applied');
      expect(quotes()).to.have.length(1);
      expect(count).to.equal(0);
    });
  });

  describe('keyboard', () => {
    it('applies with Enter in the field, and focus moves to Remove', async () => {
      const { el, quotes } = await anEntry();
      (part(el, 'input') as HTMLInputElement).focus();
      await sendKeys({ type: 'welcome20' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => part(el, 'applied'), 'not applied');
      expect(quotes()[0].body.couponCode).to.equal('welcome20');
      await waitUntil(() => el.shadowRoot!.activeElement === part(el, 'remove'), 'focus is not on Remove');
    });
  });

  describe('form', () => {
    it('submits the applied code and resets to the attribute', async () => {
      const { client } = aClient();
      const form = await fixture<HTMLFormElement>(html`<form><billkit-coupon-entry name="coupon" plan="pro-monthly" .client=${client}></billkit-coupon-entry></form>`);
      const el = form.querySelector('billkit-coupon-entry')!;
      await applyCode(el, 'WELCOME20');
      expect(new FormData(form).get('coupon')).to.equal('WELCOME20');
      form.reset();
      await el.updateComplete;
      expect(new FormData(form).get('coupon')).to.equal(null);
      expect(part(el, 'input')).to.exist;
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      const { el } = await anEntry({}, html`<billkit-coupon-entry plan="pro-monthly" locale="de"></billkit-coupon-entry>`);
      await useLocale('de');
      await el.updateComplete;
      expect(text(part(el, 'apply'))).to.equal('Einlösen');
      await applyCode(el, 'OLD');
      expect(text(part(el, 'status'))).to.equal('Dieser Code ist abgelaufen.');
      await applyCode(el, 'WELCOME20');
      expect(text(part(el, 'status'))).to.equal('Code WELCOME20 eingelöst: 18,80 € Rabatt.');
    });
  });
});
