import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../components/subscription/subscription.js';
import type { BillkitSubscription } from '../../components/subscription/subscription.js';
import { BillkitSubscriptionUpdateEvent } from '../../components/shared/events.js';
import { useLocale } from '../../components/shared/localize.js';
import type { PortalConfiguration, PortalSubscription } from '../../components/shared/portal-types.js';
import { aGermanCatalog, json, pending, problem, type Route } from './fixtures.js';
import { aConfiguration, aPortalStore, aPortalSubscription, portalRoutes } from './portal-shell-fixtures.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();
const button = (el: BillkitSubscription, label: string) =>
  [...el.shadowRoot!.querySelectorAll('button')].find((b) => text(b) === label) as HTMLButtonElement | undefined;
const active = (el: BillkitSubscription) => el.shadowRoot!.activeElement as HTMLElement | null;

async function aSubscription(sub: Partial<PortalSubscription> = {}, config?: PortalConfiguration, routes: Record<string, Route> = {}) {
  const data = aPortalSubscription(sub);
  const { store, calls } = aPortalStore({ ...portalRoutes(data, config ?? aConfiguration({}, { status: data.status })), ...routes });
  const el = await fixture<BillkitSubscription>(html`<billkit-subscription subscription="sub_1" .store=${store}></billkit-subscription>`);
  await waitUntil(() => part(el, 'price') || part(el, 'error'), 'not loaded');
  await el.updateComplete;
  return { el, store, calls };
}

describe('<billkit-subscription>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading (a skeleton)', async () => {
      const { store } = aPortalStore({ ...portalRoutes(), 'GET /v1/portal/subscriptions/sub_1': pending });
      const el = await fixture<BillkitSubscription>(html`<billkit-subscription subscription="sub_1" .store=${store}></billkit-subscription>`);
      expect(part(el, 'skeleton')!.getAttribute('aria-label')).to.equal('Loading your subscription…');
      await expect(el).to.be.accessible();
    });
    it('is accessible when loading failed, with Try again', async () => {
      let fail = true;
      const { el } = await aSubscription({}, undefined, {
        'GET /v1/portal/subscriptions/sub_1': () => (fail ? problem(500, 'internal', 'Billing is down for a moment.') : json(200, aPortalSubscription())),
      });
      expect(text(part(el, 'error'))).to.equal('Billing is down for a moment. Try again');
      await expect(el).to.be.accessible();
      fail = false;
      button(el, 'Try again')!.click();
      await waitUntil(() => part(el, 'price'), 'not retried');
    });
    for (const [name, sub] of [
      ['active', {}],
      ['trialing', { status: 'trialing', trialEnd: '2026-12-15T00:00:00.000Z' }],
      ['past_due', { status: 'past_due' }],
      ['ending', { cancelAtPeriodEnd: true }],
      ['paused', { status: 'paused', pausedAt: '2026-12-01T00:00:00.000Z', resumesAt: '2027-02-01T00:00:00.000Z', upcomingInvoice: null }],
      ['cancelled', { status: 'cancelled', endedAt: '2026-12-05T00:00:00.000Z', upcomingInvoice: null }],
    ] as [string, Partial<PortalSubscription>][]) {
      it(`is accessible when ${name}`, async () => {
        const { el } = await aSubscription(sub);
        await expect(el).to.be.accessible();
      });
    }
  });

  describe('what it shows', () => {
    it('shows plan, status, price, next invoice and usage so far', async () => {
      const { el } = await aSubscription();
      expect(text(el.shadowRoot!.querySelector('h3'))).to.equal('Pro');
      expect(text(part(el, 'badge'))).to.equal('Active');
      expect(el.getAttribute('status')).to.equal('active');
      expect(text(part(el, 'price'))).to.equal('€45.00 / month excl. VAT');
      const details = text(part(el, 'details'));
      expect(details).to.contain('Next invoice €58.55 on January 1, 2027');
      expect(text(part(el, 'usage'))).to.equal('Usage so far API calls: 1,250 API calls (€5.00)');
    });

    it('says a net price is before VAT, so it is not read as the next invoice\'s amount; a gross price says nothing more', async () => {
      const { el } = await aSubscription();
      expect(text(part(el, 'price'))).to.match(/excl\. VAT$/);
      const gross = aPortalSubscription().plan;
      const { el: inclusive } = await aSubscription({ plan: { ...gross, taxBehavior: 'inclusive' } });
      expect(text(part(inclusive, 'price'))).to.equal('€45.00 / month');
    });
    it('says a failed payment needs a new payment method', async () => {
      const { el } = await aSubscription({ status: 'past_due' });
      expect(text(part(el, 'notice'))).to.equal('Payment failed: update your payment method.');
      expect(text(part(el, 'badge'))).to.equal('Past due');
    });
    it('shows the trial end, a pending cancellation, a pending downgrade and a pause', async () => {
      expect(text(part((await aSubscription({ status: 'trialing', trialEnd: '2026-12-15T00:00:00.000Z' })).el, 'details'))).to.match(/Trial ends ?December 15, 2026/);
      expect(text(part((await aSubscription({ cancelAtPeriodEnd: true })).el, 'notice'))).to.equal('Ends on January 1, 2027.');
      const downgrade = await aSubscription({ pendingChange: { plan: 'starter-monthly', items: [], effectiveAt: '2027-01-01T00:00:00.000Z' } });
      expect(text(part(downgrade.el, 'notice'))).to.equal('Switches to Starter on January 1, 2027.');
      const paused = await aSubscription({ status: 'paused', pausedAt: '2026-12-01T00:00:00.000Z', resumesAt: '2027-02-01T00:00:00.000Z' });
      expect(text(part(paused.el, 'notice'))).to.equal('Paused. Resumes on February 1, 2027.');
    });
    it('offers only the actions the configuration allows', async () => {
      const { el } = await aSubscription({}, aConfiguration({}, { switchPlanTo: [], changeQuantity: false, pause: false }));
      expect([...el.shadowRoot!.querySelectorAll('[part~="actions"] button')].map(text)).to.deep.equal(['Cancel subscription']);
    });
  });

  describe('pause, resume, keep', () => {
    it('pauses at the period end after a confirmation, by keyboard alone, then reloads and tells the page', async () => {
      const { el, store, calls } = await aSubscription();
      let changed = 0;
      store.addEventListener('change', () => changed++);
      button(el, 'Pause')!.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(text(el.shadowRoot!.querySelector('#pause-q'))).to.contain('Pause from January 1, 2027?');
      expect(active(el)).to.equal(button(el, 'Pause subscription'));
      await expect(el).to.be.accessible();
      const updated = oneEvent(el, 'billkit-subscription-update');
      await sendKeys({ press: 'Enter' });
      const event = await updated;
      expect(event.detail).to.deep.equal({ subscriptionId: 'sub_1', action: 'paused', status: 'active' });
      expect(calls.find((c) => c.path.endsWith('/pause'))!.body).to.deep.equal({ at: 'period_end' });
      expect(changed).to.equal(1);
    });
    it('backs out of pausing and returns focus to Pause', async () => {
      const { el, calls } = await aSubscription();
      button(el, 'Pause')!.click();
      await el.updateComplete;
      button(el, 'Keep it running')!.click();
      await el.updateComplete;
      expect(active(el)).to.equal(button(el, 'Pause'));
      expect(calls.some((c) => c.path.endsWith('/pause'))).to.equal(false);
    });
    it('keeps a subscription that was to end (uncancel)', async () => {
      const { el, calls } = await aSubscription({ cancelAtPeriodEnd: true }, aConfiguration({}, { uncancel: true }));
      const updated = oneEvent(el, 'billkit-subscription-update');
      button(el, 'Keep subscription')!.click();
      expect((await updated).detail.action).to.equal('uncancelled');
      expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/uncancel'))).to.equal(true);
    });
    it('moves focus to what changed once reloaded: after Keep subscription, the price (the notice is gone)', async () => {
      let current = aPortalSubscription({ cancelAtPeriodEnd: true });
      const { el } = await aSubscription({}, aConfiguration({}, { uncancel: true }), {
        'GET /v1/portal/subscriptions/sub_1': () => json(200, current),
        'POST /v1/portal/subscriptions/sub_1/uncancel': () => json(200, (current = aPortalSubscription())),
      });
      await waitUntil(() => part(el, 'notice'));
      button(el, 'Keep subscription')!.click();
      await waitUntil(() => !part(el, 'notice') && active(el) === part(el, 'price'), 'focus not on the price');
    });
    it('resumes a paused subscription', async () => {
      const { el } = await aSubscription({ status: 'paused', pausedAt: '2026-12-01T00:00:00.000Z' }, aConfiguration({}, { status: 'paused', pause: false, resume: true }));
      const updated = oneEvent(el, 'billkit-subscription-update');
      button(el, 'Resume')!.click();
      expect((await updated).detail).to.deep.include({ action: 'resumed', status: 'active' });
    });
    it('shows a refused action as an error, focused', async () => {
      const { el } = await aSubscription({}, undefined, { 'POST /v1/portal/subscriptions/sub_1/pause': () => problem(500, 'internal') });
      button(el, 'Pause')!.click();
      await el.updateComplete;
      button(el, 'Pause subscription')!.click();
      await waitUntil(() => part(el, 'error'), 'no error');
      expect(active(el)).to.equal(part(el, 'error'));
    });
  });

  describe('the dialog', () => {
    it('when the dialog opens on a 375 px phone, then its part takes the whole width (the ✕ took a column of its own all the way down)', async () => {
      await setViewport({ width: 375, height: 800 });
      try {
        const { el } = await aSubscription();
        button(el, 'Cancel subscription')!.click();
        const dialog = part(el, 'dialog') as HTMLDialogElement;
        const flow = () => dialog.querySelector('billkit-cancel-flow')?.shadowRoot?.querySelector<HTMLElement>('[part="base"]');
        await waitUntil(() => flow()?.querySelector('fieldset'), 'no reasons');
        const style = getComputedStyle(dialog);
        const content = dialog.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        expect(flow()!.getBoundingClientRect().width).to.be.closeTo(content, 1);
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });
    it('opens Change plan in a modal dialog with the plan switch, and returns focus to the button when its part closes', async () => {
      const { el, store } = await aSubscription();
      const change = button(el, 'Change plan')!;
      change.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      const dialog = part(el, 'dialog') as HTMLDialogElement;
      expect(dialog.open).to.equal(true);
      const inner = dialog.querySelector('billkit-plan-switch') as HTMLElement & { store?: unknown };
      expect(inner.getAttribute('subscription')).to.equal('sub_1');
      expect(inner.store).to.equal(store);
      await expect(el).to.be.accessible();
      inner.dispatchEvent(new Event('close', { bubbles: true, composed: true }));
      await el.updateComplete;
      expect(dialog.open).to.equal(false);
      expect(active(el)).to.equal(change);
    });
    it('after its part finished and the buyer closed it, focus goes to what changed (the notice), not to a button that is gone', async () => {
      let current = aPortalSubscription();
      let config = aConfiguration();
      const { el, store } = await aSubscription({}, undefined, {
        'GET /v1/portal/subscriptions/sub_1': () => json(200, current),
        'GET /v1/portal/configuration': () => json(200, config),
      });
      button(el, 'Cancel subscription')!.click();
      await el.updateComplete;
      const dialog = part(el, 'dialog') as HTMLDialogElement;
      const flow = dialog.querySelector('billkit-cancel-flow')!;
      current = aPortalSubscription({ cancelAtPeriodEnd: true });
      config = aConfiguration({}, { cancel: false, uncancel: true });
      store.changed();
      flow.dispatchEvent(new BillkitSubscriptionUpdateEvent({ subscriptionId: 'sub_1', action: 'cancelled', status: 'active' }));
      await waitUntil(() => button(el, 'Keep subscription'), 'not reloaded');
      // The part's outcome stays on screen until the buyer closes it.
      expect(dialog.open).to.equal(true);
      flow.dispatchEvent(new Event('close', { bubbles: true, composed: true }));
      await el.updateComplete;
      expect(dialog.open).to.equal(false);
      expect(active(el)).to.equal(part(el, 'notice'));
      expect(text(part(el, 'notice'))).to.equal('Ends on January 1, 2027.');
    });
    it('closes by Escape and returns focus to the button', async () => {
      const { el } = await aSubscription();
      button(el, 'Cancel subscription')!.click();
      await el.updateComplete;
      const dialog = part(el, 'dialog') as HTMLDialogElement;
      expect(dialog.open).to.equal(true);
      await sendKeys({ press: 'Escape' });
      await waitUntil(() => !dialog.open, 'Escape did not close');
      await el.updateComplete;
      expect(active(el)).to.equal(button(el, 'Cancel subscription'));
    });
    it('opens the deep link (flow) at once', async () => {
      const data = aPortalSubscription();
      const { store } = aPortalStore(portalRoutes(data));
      const el = await fixture<BillkitSubscription>(html`<billkit-subscription subscription="sub_1" flow="cancel" .store=${store}></billkit-subscription>`);
      await waitUntil(() => (part(el, 'dialog') as HTMLDialogElement | null)?.open, 'not opened');
      expect(part(el, 'dialog')!.querySelector('billkit-cancel-flow')).to.exist;
    });
    it('opens nothing for a deep link the subscription may not follow', async () => {
      const data = aPortalSubscription();
      const { store } = aPortalStore(portalRoutes(data, aConfiguration({}, { cancel: false })));
      const el = await fixture<BillkitSubscription>(html`<billkit-subscription subscription="sub_1" flow="cancel" .store=${store}></billkit-subscription>`);
      await waitUntil(() => part(el, 'price'), 'not loaded');
      await el.updateComplete;
      expect((part(el, 'dialog') as HTMLDialogElement).open).to.equal(false);
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      const { el } = await aSubscription({ cancelAtPeriodEnd: true });
      el.locale = 'de';
      await waitUntil(() => text(part(el, 'badge')) === 'Aktiv', 'not German');
      await el.updateComplete;
      expect(text(part(el, 'notice'))).to.equal('Endet am 1. Januar 2027.');
      expect(text(part(el, 'price'))).to.equal('45,00 € / Monat zzgl. MwSt.');
    });
    it('when a German buyer has used no API calls yet, then the usage says the plural the merchant gave (it said "0 API-Aufruf")', async () => {
      const plan = aGermanCatalog().plans.find((p) => p.code === 'pro-monthly') as unknown as PortalSubscription['plan'];
      const usage = aPortalSubscription().usage!;
      const charge = { ...usage.charges[0]!, description: 'API-Aufrufe', quantity: 0, amount: 0, measurement: { ...usage.charges[0]!.measurement, unit: 'API-Aufruf' } };
      const { el } = await aSubscription({ plan, usage: { ...usage, charges: [charge] } });
      el.locale = 'de';
      await waitUntil(() => text(part(el, 'badge')) === 'Aktiv', 'not German');
      expect(text(part(el, 'usage'))).to.equal('Nutzung bisher API-Aufrufe: 0 API-Aufrufe (0,00 €)');
    });
  });
});
