import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/cancel-flow/cancel-flow.js';
import type { BillkitCancelFlow } from '../../components/cancel-flow/cancel-flow.js';
import { BillkitSubscriptionCancelEvent, BillkitSubscriptionUpdateEvent } from '../../components/shared/events.js';
import { useLocale } from '../../components/shared/localize.js';
import type { PortalConfiguration } from '../../components/shared/portal-types.js';
import { json, pending, problem, type Route } from './fixtures.js';
import { SUB, aConfiguration, aStore, aSubscription, paths } from './subscription-actions.fixtures.js';

const parts = (el: Element, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const part = (el: Element, name: string) => parts(el, name)[0];
const text = (node: Element | undefined | null) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();
const heading = (el: Element) => el.shadowRoot!.querySelector('h2')!;
const button = (el: Element, label: string) => [...el.shadowRoot!.querySelectorAll('button')].find((b) => text(b) === label)!;
const focused = (el: Element) => el.shadowRoot!.activeElement;
const radios = (el: Element, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)];

async function settle(el: BillkitCancelFlow): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r));
    await el.updateComplete;
  }
}

async function aFlow(routes: Record<string, Route> = {}, locale = 'en') {
  const { store, calls } = aStore(routes);
  const el = await fixture<BillkitCancelFlow>(html`<billkit-cancel-flow subscription=${SUB} locale=${locale} .store=${store}></billkit-cancel-flow>`);
  await settle(el);
  return { el, store, calls };
}

const configured = (rights: Parameters<typeof aConfiguration>[0], more: Partial<PortalConfiguration> = {}): Record<string, Route> => ({
  [paths.configuration]: () => json(200, aConfiguration(rights, more)),
});
const cancellation = (over: Partial<PortalConfiguration['cancellation']>) => ({ cancellation: { ...aConfiguration().cancellation, ...over } });

async function click(el: BillkitCancelFlow, label: string): Promise<void> {
  button(el, label).click();
  await settle(el);
}

describe('<billkit-cancel-flow>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading, busy, with a skeleton', async () => {
      const { el } = await aFlow({ [paths.subscription]: pending });
      expect(part(el, 'base').getAttribute('aria-busy')).to.equal('true');
      await expect(el).to.be.accessible();
    });
    it('is accessible when loading fails, says so and retries', async () => {
      let fail = true;
      const { el } = await aFlow({ [paths.subscription]: () => (fail ? problem(503, 'unavailable', 'Try later.') : json(200, aSubscription())) });
      expect(text(part(el, 'error'))).to.equal('Your subscription could not be loaded. Try later.');
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
      await expect(el).to.be.accessible();
      fail = false;
      await click(el, 'Try again');
      expect(text(heading(el))).to.equal('Why are you cancelling?');
    });
    it('is accessible at every step: reasons, offer, confirmation, done, undone', async () => {
      const { el } = await aFlow();
      for (const [title, next] of [
        ['Why are you cancelling?', 'Continue'], ['Before you go', 'No thanks, cancel'], ['Cancel your subscription?', 'Cancel subscription'],
        ['Your subscription is cancelled', 'Undo cancellation'], ['Your subscription continues', ''],
      ]) {
        expect(text(heading(el))).to.equal(title);
        await expect(el).to.be.accessible();
        if (next) await click(el, next);
      }
    });
    it('is accessible when the offer is accepted, and when cancelling now with a choice', async () => {
      const { el } = await aFlow();
      await click(el, 'Continue');
      await click(el, 'Accept offer');
      expect(text(heading(el))).to.equal('Thank you for staying');
      await expect(el).to.be.accessible();
      const { el: now } = await aFlow(configured({ retentionOffer: false }, cancellation({ mode: 'choose' })));
      await click(now, 'Continue');
      await expect(now).to.be.accessible();
    });
    it('is accessible when the subscription cannot be cancelled, and says so', async () => {
      const { el } = await aFlow(configured({ cancel: false }));
      expect(text(part(el, 'summary'))).to.equal('This subscription cannot be cancelled here.');
      await expect(el).to.be.accessible();
    });
  });

  describe('the steps', () => {
    it('lists the configured reasons in words as radio buttons, and an optional comment', async () => {
      const { el } = await aFlow();
      expect(parts(el, 'reason').map(text)).to.deep.equal([
        'It is too expensive', 'Features I need are missing', 'I am switching to another service', 'I do not use it enough',
        'Customer service was not good enough', 'It is too complicated', 'The quality was not good enough', 'Another reason',
      ]);
      const { el: two } = await aFlow(configured({}, cancellation({ reasons: ['unused', 'other'] })));
      expect(radios(two, 'reason').map((r) => r.value)).to.deep.equal(['unused', 'other']);
      expect(part(two, 'comment').querySelector('textarea')!.maxLength).to.equal(1000);
    });
    it('words the offer from the coupon: a percentage for N periods, a fixed amount once, a percentage for good', async () => {
      const offer = aConfiguration().retentionOffer!;
      const cases: [Partial<typeof offer>, string][] = [
        [{}, 'Stay and get 20% off the next 3 months'],
        [{ type: 'fixed_amount', percentage: null, fixedAmount: 500, currency: 'EUR', frequency: 'once', numberOfPeriods: null }, 'Stay and get €5 off your next invoice'],
        [{ percentage: 12.5, frequency: 'lifetime', numberOfPeriods: null }, 'Stay and get 12.5% off every invoice from now on'],
      ];
      for (const [over, said] of cases) {
        const { el } = await aFlow(configured({}, { retentionOffer: { ...offer, ...over } }));
        await click(el, 'Continue');
        expect(text(part(el, 'offer'))).to.equal(said);
      }
    });
    it('skips the offer when the subscription does not get it', async () => {
      const { el } = await aFlow(configured({ retentionOffer: false }));
      await click(el, 'Continue');
      expect(text(heading(el))).to.equal('Cancel your subscription?');
      expect(text(part(el, 'summary'))).to.equal('Your subscription ends on February 3, 2027; you keep access until then.');
    });
    it('states an immediate end, with the credit when the shop refunds unused time', async () => {
      const { el } = await aFlow(configured({ retentionOffer: false }, cancellation({ mode: 'now' })));
      await click(el, 'Continue');
      expect(text(part(el, 'summary'))).to.equal('Your subscription ends now. The rest of this period is not refunded.');
      const { el: refund, calls } = await aFlow(configured({ retentionOffer: false }, cancellation({ mode: 'now', refund: 'prorate' })));
      await click(refund, 'Continue');
      expect(text(part(refund, 'summary'))).to.equal('Your subscription ends now. The unused time of this period is refunded to your payment method.');
      await click(refund, 'Cancel subscription');
      expect(calls.at(-1)!.body).to.deep.equal({ at: 'now' });
      expect(text(heading(refund))).to.equal('Your subscription has ended');
      expect(text(part(refund, 'outcome'))).to.equal('The unused time of this period is refunded to your payment method.');
      await expect(refund).to.be.accessible();
    });
    it('lets the buyer choose when it ends when the mode is choose', async () => {
      const { el, calls } = await aFlow(configured({ retentionOffer: false }, cancellation({ mode: 'choose' })));
      await click(el, 'Continue');
      const [later, now] = radios(el, 'at');
      expect(later.checked).to.be.true;
      expect(text(part(el, 'when'))).to.equal('When should it end? Your subscription ends on February 3, 2027; you keep access until then. Your subscription ends now. The rest of this period is not refunded.');
      now.click();
      await el.updateComplete;
      await click(el, 'Cancel subscription');
      expect(calls.at(-1)!.body).to.deep.equal({ at: 'now' });
    });
    it('starts over when the subscription attribute changes; one the configuration does not list cannot be loaded', async () => {
      const { el, calls } = await aFlow({ 'GET /v1/portal/subscriptions/sub_2': () => json(200, aSubscription({ id: 'sub_2' })) });
      await click(el, 'Continue');
      el.subscription = 'sub_2';
      await settle(el);
      expect(calls.at(-1)!.path).to.equal('/v1/portal/subscriptions/sub_2');
      expect(text(heading(el))).to.equal('Cancel subscription');
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
    });
    it('opens on the pending cancellation with undo when the subscription is already cancelling', async () => {
      const { el } = await aFlow({
        ...configured({ cancel: false, uncancel: true }),
        [paths.subscription]: () => json(200, aSubscription({ cancelAtPeriodEnd: true })),
      });
      expect(text(heading(el))).to.equal('Your subscription is cancelled');
      expect(button(el, 'Undo cancellation')).to.exist;
    });
  });

  describe('events', () => {
    it('on confirm dispatches billkit-subscription-cancel, cancels with the reason and comment, reloads the store and dispatches billkit-subscription-update; undo too', async () => {
      const { el, calls, store } = await aFlow();
      radios(el, 'reason')[3].click();
      const comment = part(el, 'comment').querySelector('textarea')!;
      comment.value = '  Not using it  ';
      comment.dispatchEvent(new Event('input'));
      await click(el, 'Continue');
      await click(el, 'No thanks, cancel');
      const cancels: BillkitSubscriptionCancelEvent[] = [];
      el.addEventListener('billkit-subscription-cancel', (e) => cancels.push(e));
      const version = store.version;
      setTimeout(() => button(el, 'Cancel subscription').click());
      const update = await oneEvent(el, BillkitSubscriptionUpdateEvent.eventName) as BillkitSubscriptionUpdateEvent;
      expect(cancels.map((e) => [e.cancelable, e.detail])).to.deep.equal([[true, { subscriptionId: SUB, at: 'period_end', reason: 'unused' }]]);
      expect(calls.at(-1)).to.include({ method: 'POST', path: `/v1/portal/subscriptions/${SUB}/cancel` });
      expect(calls.at(-1)!.body).to.deep.equal({ at: 'period_end', reason: 'unused', comment: 'Not using it' });
      expect(update.detail).to.deep.equal({ subscriptionId: SUB, action: 'cancelled', status: 'active' });
      expect(store.version).to.equal(version + 1);
      await settle(el);
      expect(text(part(el, 'outcome'))).to.equal('Your subscription ends on February 3, 2027; you keep access until then.');
      setTimeout(() => button(el, 'Undo cancellation').click());
      const undone = await oneEvent(el, BillkitSubscriptionUpdateEvent.eventName) as BillkitSubscriptionUpdateEvent;
      expect(undone.detail.action).to.equal('uncancelled');
      expect(calls.at(-1)!.path).to.equal(`/v1/portal/subscriptions/${SUB}/uncancel`);
      expect(store.version).to.equal(version + 2);
    });
    it('keeps the subscription when the page vetoes billkit-subscription-cancel', async () => {
      const { el, calls } = await aFlow(configured({ retentionOffer: false }));
      await click(el, 'Continue');
      el.addEventListener('billkit-subscription-cancel', (e) => e.preventDefault());
      await click(el, 'Cancel subscription');
      expect(calls.filter((c) => c.method === 'POST')).to.have.length(0);
      expect(text(heading(el))).to.equal('Cancel your subscription?');
    });
    it('accepts the offer: the coupon instead of cancelling, offer_accepted', async () => {
      const { el, calls } = await aFlow();
      await click(el, 'Continue');
      setTimeout(() => button(el, 'Accept offer').click());
      const update = await oneEvent(el, BillkitSubscriptionUpdateEvent.eventName) as BillkitSubscriptionUpdateEvent;
      expect(update.detail).to.deep.equal({ subscriptionId: SUB, action: 'offer_accepted', status: 'active' });
      expect(calls.at(-1)).to.include({ method: 'POST', path: `/v1/portal/subscriptions/${SUB}/retention-offer/accept` });
      await settle(el);
      expect(text(part(el, 'outcome'))).to.equal('Your discount starts with the next invoice.');
      setTimeout(() => button(el, 'Done').click());
      await oneEvent(el, 'close');
    });
    it('closes when the buyer keeps the subscription, at each step', async () => {
      const { el } = await aFlow();
      setTimeout(() => button(el, 'Keep subscription').click());
      const event = await oneEvent(el, 'close');
      expect(event.bubbles && event.composed).to.be.true;
      await click(el, 'Continue');
      await click(el, 'No thanks, cancel');
      setTimeout(() => button(el, 'Keep subscription').click());
      await oneEvent(el, 'close');
    });
    it('shows refusals as an alert in the step: 409 on cancel, 403 on the offer', async () => {
      const { el } = await aFlow({ [paths.cancel]: () => problem(409, 'subscription_status'), [paths.accept]: () => problem(403, 'portal_feature_disabled') });
      await click(el, 'Continue');
      await click(el, 'Accept offer');
      expect(text(part(el, 'error'))).to.equal('The shop does not offer this in the portal.');
      await expect(el).to.be.accessible();
      await click(el, 'No thanks, cancel');
      await click(el, 'Cancel subscription');
      expect(text(heading(el))).to.equal('Cancel your subscription?');
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
      expect(text(part(el, 'error'))).to.equal('Your subscription cannot do this in its current state.');
      await expect(el).to.be.accessible();
    });
  });

  describe('keyboard', () => {
    it('goes through the whole flow with the keyboard alone; focus moves to each step\'s heading', async () => {
      const { el, calls } = await aFlow();
      heading(el).focus();
      await sendKeys({ press: 'Tab' });
      expect(focused(el)).to.equal(radios(el, 'reason')[0]);
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'ArrowDown' });
      expect(radios(el, 'reason')[2].checked).to.be.true;
      await sendKeys({ press: 'Tab' });
      await sendKeys({ type: 'Found a cheaper one' });
      await sendKeys({ press: 'Tab' });
      expect(text(focused(el))).to.equal('Continue');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(text(heading(el))).to.equal('Before you go');
      expect(focused(el)).to.equal(heading(el));
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Tab' });
      expect(text(focused(el))).to.equal('No thanks, cancel');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(focused(el)).to.equal(heading(el));
      await sendKeys({ press: 'Tab' });
      expect(text(focused(el))).to.equal('Cancel subscription');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ at: 'period_end', reason: 'switched_service', comment: 'Found a cheaper one' });
      expect(text(heading(el))).to.equal('Your subscription is cancelled');
      expect(focused(el)).to.equal(heading(el));
      await sendKeys({ press: 'Tab' });
      expect(text(focused(el))).to.equal('Undo cancellation');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(text(heading(el))).to.equal('Your subscription continues');
      expect(focused(el)).to.equal(heading(el));
    });
    it('chooses when it ends with the arrow keys', async () => {
      const { el, calls } = await aFlow(configured({ retentionOffer: false }, cancellation({ mode: 'choose' })));
      await click(el, 'Continue');
      expect(focused(el)).to.equal(heading(el));
      await sendKeys({ press: 'Tab' });
      expect(focused(el)).to.equal(radios(el, 'at')[0]);
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ at: 'now' });
      expect(text(heading(el))).to.equal('Your subscription has ended');
    });
  });

  describe('i18n', () => {
    it('speaks German: the reasons, the offer, the confirmation and the outcome', async () => {
      await useLocale('de');
      const { el } = await aFlow({}, 'de');
      expect(text(heading(el))).to.equal('Warum kündigen Sie?');
      expect(text(parts(el, 'reason')[0])).to.equal('Es ist mir zu teuer');
      await click(el, 'Weiter');
      expect(text(part(el, 'offer'))).to.equal('Bleiben Sie und erhalten Sie 20 % Rabatt für die nächsten 3 Monate');
      await click(el, 'Nein danke, kündigen');
      expect(text(part(el, 'summary'))).to.equal('Ihr Abonnement endet am 3. Februar 2027; bis dahin behalten Sie den Zugang.');
      await click(el, 'Abonnement kündigen');
      expect(text(heading(el))).to.equal('Ihr Abonnement ist gekündigt');
      expect(button(el, 'Kündigung rückgängig machen')).to.exist;
      await expect(el).to.be.accessible();
    });
  });
});
