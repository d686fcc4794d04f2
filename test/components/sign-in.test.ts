import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/sign-in/sign-in.js';
import type { BillkitSignIn } from '../../components/sign-in/sign-in.js';
import { useLocale } from '../../components/shared/localize.js';
import { json, pending, problem, type Route } from './fixtures.js';
import { aPortalStore, portalRoutes } from './portal-shell-fixtures.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`)!;
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const active = (el: BillkitSignIn) => el.shadowRoot!.activeElement as HTMLElement | null;

async function aSignIn(routes: Record<string, Route> = {}) {
  const { store, calls } = aPortalStore({ ...portalRoutes(), ...routes }, '');
  const el = await fixture<BillkitSignIn>(html`<billkit-sign-in .store=${store}></billkit-sign-in>`);
  return { el, store, calls };
}

async function typeInto(el: BillkitSignIn, value: string) {
  part(el, 'input').focus();
  await sendKeys({ type: value });
}

async function submit(el: BillkitSignIn, value: string) {
  await typeInto(el, value);
  await sendKeys({ press: 'Enter' });
  await waitUntil(() => !part(el, 'submit').hasAttribute('disabled'), 'still sending');
  await el.updateComplete;
}

describe('<billkit-sign-in>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible at the email step', async () => {
      const { el } = await aSignIn();
      await expect(el).to.be.accessible();
    });
    it('is accessible while sending', async () => {
      const { el } = await aSignIn({ 'POST /v1/portal/sign-in': pending });
      await typeInto(el, 'ada@example.com');
      part(el, 'submit').click();
      await el.updateComplete;
      expect(part(el, 'form').getAttribute('aria-busy')).to.equal('true');
      await expect(el).to.be.accessible();
    });
    it('is accessible at the code step and with a wrong code', async () => {
      const { el } = await aSignIn({ 'POST /v1/portal/sign-in/verify': () => json(422, { code: 'sign_in_code_invalid', attemptsLeft: 4 }) });
      await submit(el, 'ada@example.com');
      await expect(el).to.be.accessible();
      await submit(el, '123456');
      expect(part(el, 'input').getAttribute('aria-invalid')).to.equal('true');
      await expect(el).to.be.accessible();
    });
  });

  describe('keyboard alone', () => {
    it('sends the code, moves focus to the code field, and signs in with Enter', async () => {
      const { el, store, calls } = await aSignIn();
      await submit(el, 'ada@example.com');
      expect(calls.at(-1)).to.deep.include({ method: 'POST', path: '/v1/portal/sign-in', body: { email: 'ada@example.com' } });
      expect(text(part(el, 'sent'))).to.equal('If an account uses ada@example.com, we sent it a 6-digit code. It is valid for 10 minutes.');
      const input = part(el, 'input') as HTMLInputElement;
      expect(active(el)).to.equal(input);
      expect(input.getAttribute('inputmode')).to.equal('numeric');
      expect(input.getAttribute('autocomplete')).to.equal('one-time-code');
      let changed = 0;
      store.addEventListener('change', () => changed++);
      const signedIn = oneEvent(el, 'billkit-portal-sign-in');
      await typeInto(el, '123456');
      await sendKeys({ press: 'Enter' });
      const event = await signedIn;
      expect(event.detail).to.deep.equal({ expiresAt: '2026-12-07T01:00:00.000Z' });
      expect(event.bubbles && event.composed).to.equal(true);
      expect(calls.at(-1)!.body).to.deep.equal({ email: 'ada@example.com', code: '123456' });
      expect(store.client.token).to.equal('ps_signed_in');
      expect(changed).to.equal(1);
    });
  });

  describe('errors at the field', () => {
    it('says how many tries are left after a wrong code, and keeps focus in the field', async () => {
      const { el } = await aSignIn({ 'POST /v1/portal/sign-in/verify': () => json(422, { code: 'sign_in_code_invalid', attemptsLeft: 2 }) });
      await submit(el, 'ada@example.com');
      await submit(el, '000000');
      expect(text(part(el, 'error'))).to.equal('That is not the code we sent. 2 tries left.');
      expect(active(el)).to.equal(part(el, 'input'));
    });
    it('asks for a new code when the code is void', async () => {
      const { el } = await aSignIn({ 'POST /v1/portal/sign-in/verify': () => problem(422, 'sign_in_code_expired') });
      await submit(el, 'ada@example.com');
      await submit(el, '000000');
      expect(text(part(el, 'error'))).to.equal('This code has expired or was mistyped too often. Send a new code.');
    });
    it('says how long to wait when rate limited (Retry-After)', async () => {
      const { el } = await aSignIn({
        'POST /v1/portal/sign-in': () => new Response(JSON.stringify({ code: 'rate_limited', status: 429 }), { status: 429, headers: { 'Retry-After': '42' } }),
      });
      await submit(el, 'ada@example.com');
      expect(text(part(el, 'error'))).to.equal('Too many tries. Wait 42 seconds, then try again.');
      expect(part(el, 'input').getAttribute('name')).to.equal('email');
    });
    it('refuses an email that is not one without asking the server', async () => {
      const { el, calls } = await aSignIn();
      await submit(el, 'ada');
      expect(text(part(el, 'error'))).to.equal('Enter a valid email address.');
      expect(part(el, 'input').getAttribute('aria-invalid')).to.equal('true');
      expect(calls).to.have.length(0);
    });
    it('takes a pasted code with a space in it', async () => {
      const { el, calls } = await aSignIn();
      await submit(el, 'ada@example.com');
      await submit(el, '123 456');
      expect(calls.at(-1)!.body.code).to.equal('123456');
    });
    it('refuses a code that is not 6 digits without asking the server', async () => {
      const { el, calls } = await aSignIn();
      await submit(el, 'ada@example.com');
      await submit(el, '12');
      expect(text(part(el, 'error'))).to.equal('Enter the 6 digits from the email.');
      expect(calls.filter((c) => c.path.endsWith('/verify'))).to.have.length(0);
    });
  });

  describe('another email, a new code', () => {
    it('goes back to the email, focused and kept', async () => {
      const { el } = await aSignIn();
      await submit(el, 'ada@example.com');
      const another = [...el.shadowRoot!.querySelectorAll('button')].find((b) => text(b) === 'Use another email')!;
      another.click();
      await el.updateComplete;
      const input = part(el, 'input') as HTMLInputElement;
      expect(input.type).to.equal('email');
      expect(input.value).to.equal('ada@example.com');
      expect(active(el)).to.equal(input);
    });
    it('sends a new code and says the older one no longer works', async () => {
      const { el, calls } = await aSignIn();
      await submit(el, 'ada@example.com');
      const resend = [...el.shadowRoot!.querySelectorAll('button')].find((b) => text(b) === 'Send a new code')!;
      resend.click();
      await waitUntil(() => text(part(el, 'sent')).endsWith('(A new one: the older code no longer works.)'));
      expect(calls.filter((c) => c.path === '/v1/portal/sign-in')).to.have.length(2);
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      const { el } = await aSignIn();
      el.locale = 'de';
      await waitUntil(() => text(part(el, 'submit')) === 'Code senden', 'not German');
      await submit(el, 'ada@example.com');
      expect(text(part(el, 'sent'))).to.contain('6-stelligen Code');
    });
  });
});
