import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/portal/portal.js';
import type { BillkitPortal } from '../../components/portal/portal.js';
import type { BillkitSubscription } from '../../components/subscription/subscription.js';
import { useLocale } from '../../components/shared/localize.js';
import { json, pending, problem, type Route } from './fixtures.js';
import { aConfiguration, aPortalStore, aPortalSubscription, portalRoutes } from './portal-shell-fixtures.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
/** The payment method's new-card form is open, its card field focused. */
const cardFieldFocused = (el: BillkitPortal) =>
  el.shadowRoot!.querySelector('billkit-payment-method')?.shadowRoot?.activeElement?.id === 'card';
const loaded = (el: BillkitPortal) => waitUntil(() => part(el, 'subscriptions') || part(el, 'error') || el.shadowRoot!.querySelector('billkit-sign-in'), 'not loaded');

async function aPortal(routes: Record<string, Route> = {}, token = 'ps_test') {
  const { store, calls } = aPortalStore({ ...portalRoutes(), ...routes }, token);
  const el = await fixture<BillkitPortal>(html`<billkit-portal .store=${store}></billkit-portal>`);
  await loaded(el);
  await el.updateComplete;
  return { el, store, calls };
}

describe('<billkit-portal>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible signed out (the sign-in)', async () => {
      const { el } = await aPortal({}, '');
      expect(el.shadowRoot!.querySelector('billkit-sign-in')).to.exist;
      await expect(el).to.be.accessible();
    });
    it('is accessible while loading', async () => {
      const { store } = aPortalStore({ ...portalRoutes(), 'GET /v1/portal/configuration': pending });
      const el = await fixture<BillkitPortal>(html`<billkit-portal .store=${store}></billkit-portal>`);
      await el.updateComplete;
      expect(part(el, 'skeleton')!.getAttribute('aria-label')).to.equal('Loading your account…');
      await expect(el).to.be.accessible();
    });
    it('is accessible with the account shown', async () => {
      const { el } = await aPortal();
      await waitUntil(() => el.shadowRoot!.querySelector('billkit-subscription')!.shadowRoot!.querySelector('[part~="price"]'));
      await expect(el).to.be.accessible();
    });
    it('is accessible with no subscriptions', async () => {
      const { el } = await aPortal({ 'GET /v1/portal/subscriptions': () => json(200, { data: [], hasMore: false, nextCursor: null }) });
      expect(text(part(el, 'empty'))).to.equal('You have no subscriptions.');
      await expect(el).to.be.accessible();
    });
    it('is accessible when loading failed, and Try again loads again', async () => {
      let fail = true;
      const { el } = await aPortal({ 'GET /v1/portal/configuration': () => (fail ? problem(503, 'unavailable', 'Billing is down for a moment.') : json(200, aConfiguration())) });
      expect(text(part(el, 'error'))).to.equal('Billing is down for a moment. Try again');
      await expect(el).to.be.accessible();
      fail = false;
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="error"] button')!.click();
      await waitUntil(() => part(el, 'subscriptions'), 'not retried');
    });
  });

  describe('the account', () => {
    it('shows who is signed in, the way back, each subscription and the sections the features allow', async () => {
      const { el, store } = await aPortal();
      expect(text(part(el, 'header'))).to.contain('Ada Lovelace ada@example.com');
      const back = part(el, 'back') as HTMLAnchorElement;
      expect(back.href).to.equal('https://shop.example/account');
      expect(text(back)).to.equal('Back to shop.example');
      const subs = [...el.shadowRoot!.querySelectorAll('billkit-subscription')];
      expect(subs.map((s) => s.subscription)).to.deep.equal(['sub_1']);
      // The parts share the portal's store through @lit/context.
      expect((subs[0] as unknown as { portal: unknown }).portal).to.equal(store);
      expect(el.shadowRoot!.querySelector('billkit-invoice-list')).to.exist;
      expect(el.shadowRoot!.querySelector('billkit-payment-method')).to.exist;
      expect(el.shadowRoot!.querySelector('billkit-billing-details')).to.exist;
    });
    it("names the merchant in the way back when the settings name the seller (else the return URL's host)", async () => {
      const { el } = await aPortal({ 'GET /v1/portal/configuration': () => json(200, aConfiguration({ merchantName: 'Nordlicht Software GmbH' })) });
      const back = part(el, 'back') as HTMLAnchorElement;
      expect(back.href).to.equal('https://shop.example/account');
      expect(text(back)).to.equal('Back to Nordlicht Software GmbH');
      el.locale = 'de';
      await waitUntil(() => text(part(el, 'back')) === 'Zurück zu Nordlicht Software GmbH', `not German: ${text(part(el, 'back'))}`);
    });
    it('hides what the merchant turned off, and the way back without a returnUrl', async () => {
      const config = aConfiguration();
      config.features = { ...config.features, invoices: false, paymentMethod: false, billingDetails: false };
      config.session = { ...config.session, returnUrl: null };
      const { el } = await aPortal({ 'GET /v1/portal/configuration': () => json(200, config) });
      expect(part(el, 'back')).to.equal(null);
      for (const name of ['invoices', 'payment-method', 'billing-details']) expect(part(el, name), name).to.equal(null);
    });
  });

  describe('sessions', () => {
    it('when the buyer signs in with the emailed code, then the account shows, session holds the new token and focus goes to the Subscriptions heading (it was lost to the page)', async () => {
      const { el } = await aPortal({}, '');
      const signIn = el.shadowRoot!.querySelector('billkit-sign-in')!;
      signIn.email = 'ada@example.com';
      await signIn.updateComplete;
      await signIn.requestCode();
      const input = signIn.shadowRoot!.querySelector('input')!;
      input.value = '123456';
      const signedIn = oneEvent(el, 'billkit-portal-sign-in');
      signIn.shadowRoot!.querySelector('form')!.requestSubmit();
      await signedIn;
      expect(el.session).to.equal('ps_signed_in');
      await waitUntil(() => part(el, 'subscriptions'), 'no account after sign-in');
      await waitUntil(() => el.shadowRoot!.activeElement?.id === 'subs-title', 'focus not on the Subscriptions heading');
    });
    it('asks to sign in again when the session has expired (401), and tells the page', async () => {
      const { store } = aPortalStore({ ...portalRoutes(), 'GET /v1/portal/configuration': () => problem(401, 'portal_session_expired') });
      const el = document.createElement('billkit-portal');
      el.store = store;
      const signedOut = oneEvent(el, 'billkit-portal-sign-out');
      document.body.append(el);
      expect((await signedOut).detail).to.deep.equal({ reason: 'expired' });
      await el.updateComplete;
      expect(text(part(el, 'error'))).to.equal('Your session has ended. Sign in again.');
      expect(el.shadowRoot!.querySelector('billkit-sign-in')).to.exist;
      el.remove();
    });
    it('signs out: revokes the token and shows the sign-in', async () => {
      const { el, store, calls } = await aPortal();
      const signedOut = oneEvent(el, 'billkit-portal-sign-out');
      part(el, 'sign-out')!.click();
      expect((await signedOut).detail).to.deep.equal({ reason: 'signed_out' });
      expect(calls.some((c) => c.method === 'POST' && c.path === '/v1/portal/sign-out')).to.equal(true);
      expect(store.signedIn).to.equal(false);
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('billkit-sign-in')).to.exist;
    });
    it('when a signed-out buyer tabs into the portal, then Tab reaches the email field (the sign-in is not skipped)', async () => {
      const { el } = await aPortal({}, '');
      const before = document.createElement('button');
      before.textContent = 'Before';
      el.before(before);
      before.focus();
      await sendKeys({ press: 'Tab' });
      const signIn = el.shadowRoot!.querySelector('billkit-sign-in')!;
      expect(signIn.shadowRoot!.activeElement?.id).to.equal('input');
      before.remove();
    });
    it('when the buyer signs out, then focus goes to the email field of the sign-in shown again', async () => {
      const { el } = await aPortal();
      part(el, 'sign-out')!.focus();
      part(el, 'sign-out')!.click();
      await oneEvent(el, 'billkit-portal-sign-out');
      await waitUntil(() => el.shadowRoot!.querySelector('billkit-sign-in')?.shadowRoot?.activeElement?.id === 'input', 'focus not on the email field');
    });
    it('takes the token from the address fragment and removes it from the address bar', async () => {
      const before = window.location.href;
      history.replaceState(null, '', `${window.location.pathname}#session=ps_from_link`);
      const el = await fixture<BillkitPortal>(html`<billkit-portal api="http://bff.test" publishable-key="pk_test_123"></billkit-portal>`);
      expect(el.session).to.equal('ps_from_link');
      expect(window.location.hash).to.equal('');
      history.replaceState(null, '', before);
    });
  });

  describe('deep links', () => {
    it('opens the flow of the session on its subscription', async () => {
      const config = aConfiguration();
      config.session = { ...config.session, flow: { type: 'switch_plan', subscriptionId: 'sub_1' } } as typeof config.session;
      const { el } = await aPortal({ 'GET /v1/portal/configuration': () => json(200, config) });
      const sub = el.shadowRoot!.querySelector('billkit-subscription') as BillkitSubscription;
      await waitUntil(() => (sub.shadowRoot!.querySelector('dialog') as HTMLDialogElement | null)?.open, 'dialog not opened');
      expect(sub.shadowRoot!.querySelector('billkit-plan-switch')).to.exist;
    });
    it('opens the flow once per session: the portal uses the deep link up, so a reload of the session lands on the home', async () => {
      const config = aConfiguration();
      config.session = { ...config.session, flow: { type: 'cancel', subscriptionId: 'sub_1' } } as typeof config.session;
      // The BFF's side: the session keeps its flow until the portal uses it up (one row for every tab and process).
      const routes = {
        'GET /v1/portal/configuration': () => json(200, config),
        'DELETE /v1/portal/session/flow': () => {
          config.session = { ...config.session, flow: null };
          return new Response(null, { status: 204 });
        },
      };
      const dialogOf = (el: BillkitPortal) => el.shadowRoot!.querySelector('billkit-subscription')!.shadowRoot!.querySelector('dialog') as HTMLDialogElement | null;
      const first = await aPortal(routes);
      await waitUntil(() => dialogOf(first.el)?.open, 'the flow did not open');
      expect(first.el.shadowRoot!.querySelector('billkit-subscription')!.shadowRoot!.querySelector('billkit-cancel-flow')).to.exist;
      first.el.remove();
      // The reload: a new page, a new store, the same session.
      const reloaded = await aPortal(routes);
      const sub = reloaded.el.shadowRoot!.querySelector('billkit-subscription') as BillkitSubscription;
      await waitUntil(() => sub.shadowRoot!.querySelector('[part~="price"]'), 'the subscription did not load');
      await reloaded.el.updateComplete;
      await sub.updateComplete;
      expect(dialogOf(reloaded.el)?.open ?? false, 'the flow opened again on the reload').to.equal(false);
      expect(first.calls.filter((c) => c.method === 'DELETE' && c.path === '/v1/portal/session/flow')).to.have.length(1);
    });
    it('says a payment failed and leads to the payment method', async () => {
      const { el } = await aPortal({ 'GET /v1/portal/subscriptions': () => json(200, { data: [aPortalSubscription({ status: 'past_due' })], hasMore: false, nextCursor: null }) });
      expect(text(part(el, 'alert'))).to.contain('Payment failed: update your payment method.');
      await expect(el).to.be.accessible();
      part(el, 'alert')!.querySelector('button')!.click();
      await waitUntil(() => cardFieldFocused(el), 'the new-card form is not open and focused');
    });
    it('opens the new-card form of the payment method for a payment_method flow', async () => {
      const config = aConfiguration();
      config.session = { ...config.session, flow: { type: 'payment_method', subscriptionId: 'sub_1' } } as typeof config.session;
      const { el } = await aPortal({ 'GET /v1/portal/configuration': () => json(200, config) });
      await waitUntil(() => cardFieldFocused(el), 'the new-card form is not open and focused');
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      const { el } = await aPortal({ 'GET /v1/portal/subscriptions': () => json(200, { data: [aPortalSubscription()], hasMore: false, nextCursor: null }) });
      el.locale = 'de';
      await waitUntil(() => text(part(el, 'sign-out')) === 'Abmelden', 'not German');
      expect(text(part(el, 'back'))).to.equal('Zurück zu shop.example');
      expect(el.shadowRoot!.querySelector('billkit-subscription')!.getAttribute('locale')).to.equal('de');
    });
  });
});
