import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/plan-switch/plan-switch.js';
import type { BillkitPlanSwitch } from '../../components/plan-switch/plan-switch.js';
import type { BillkitPlanPicker } from '../../components/plan-picker/plan-picker.js';
import { BillkitSubscriptionChangeEvent, BillkitSubscriptionUpdateEvent } from '../../components/shared/events.js';
import { useLocale } from '../../components/shared/localize.js';
import { json, pending, problem, type Route } from './fixtures.js';
import {
  PRORATION_DATE, SUB, aConfiguration, aDowngrade, aStore, aSubscription, anInvoice, anUpgrade, paths, plans,
} from './subscription-actions.fixtures.js';

const parts = (el: Element, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const part = (el: Element, name: string) => parts(el, name)[0];
const text = (node: Element | undefined | null) => (node?.textContent ?? '').replace(/\s+/g, ' ').replace(/[\u00a0\u202f]/g, ' ').trim();
const heading = (el: Element) => el.shadowRoot!.querySelector('h2')!;
const button = (el: Element, label: string) => [...el.shadowRoot!.querySelectorAll('button')].find((b) => text(b).startsWith(label))!;
const picker = (el: Element) => el.shadowRoot!.querySelector<BillkitPlanPicker>('billkit-plan-picker')!;
const focused = (el: Element) => el.shadowRoot!.activeElement;

async function settle(el: BillkitPlanSwitch): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r));
    await el.updateComplete;
  }
  const inner = picker(el);
  if (inner) await inner.updateComplete;
}

async function aSwitch(routes: Record<string, Route> = {}, locale = 'en') {
  const { store, calls } = aStore(routes);
  const el = await fixture<BillkitPlanSwitch>(html`<billkit-plan-switch subscription=${SUB} locale=${locale} .store=${store}></billkit-plan-switch>`);
  await settle(el);
  return { el, store, calls };
}

/** Chooses a plan in the picker as a click would, and waits for the preview. */
async function choose(el: BillkitPlanSwitch, code: string): Promise<void> {
  const action = picker(el).shadowRoot!.querySelector<HTMLButtonElement>(`[part~="action"][data-code="${code}"]`);
  if (!action) {
    // Another interval: switch the toggle first.
    const yearly = [...picker(el).shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="interval"]')].find((b) => b.getAttribute('aria-pressed') === 'false')!;
    yearly.click();
    await picker(el).updateComplete;
    return choose(el, code);
  }
  action.click();
  await settle(el);
}

describe('<billkit-plan-switch>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading, busy, with a skeleton', async () => {
      const { el } = await aSwitch({ [paths.configuration]: pending });
      expect(part(el, 'base').getAttribute('aria-busy')).to.equal('true');
      expect(el.shadowRoot!.querySelector('[role="status"] .skeleton')).to.exist;
      await expect(el).to.be.accessible();
    });
    it('is accessible when the plans are shown', async () => {
      const { el } = await aSwitch();
      expect(text(heading(el))).to.equal('Change plan');
      await expect(el).to.be.accessible();
    });
    it('is accessible when loading fails, says so and retries', async () => {
      let fail = true;
      const { el } = await aSwitch({ [paths.configuration]: () => (fail ? problem(503, 'unavailable', 'Try later.') : json(200, aConfiguration())) });
      expect(part(el, 'error').getAttribute('role')).to.equal('alert');
      expect(text(part(el, 'error'))).to.equal('Your subscription could not be loaded. Try later.');
      await expect(el).to.be.accessible();
      fail = false;
      button(el, 'Try again').click();
      await settle(el);
      expect(picker(el)).to.exist;
    });
    it('is accessible when there is nothing to switch to, and says so', async () => {
      const { el } = await aSwitch({ [paths.configuration]: () => json(200, aConfiguration({ switchPlanTo: [], changeQuantity: false })) });
      expect(text(part(el, 'empty'))).to.equal('There is no other plan or quantity to switch to here.');
      await expect(el).to.be.accessible();
    });
    it('is accessible with a preview, and with its outcome', async () => {
      const { el } = await aSwitch();
      await choose(el, 'pro-yearly');
      expect(text(heading(el))).to.equal('Review your change');
      await expect(el).to.be.accessible();
      button(el, 'Confirm').click();
      await settle(el);
      expect(text(heading(el))).to.equal('Your plan is changed');
      await expect(el).to.be.accessible();
    });
  });

  describe('choosing', () => {
    it('offers the current plan and the ones it may switch to in the plan picker, the current one marked, and the quantity', async () => {
      const { el, calls } = await aSwitch();
      expect(calls[0].headers.Authorization).to.equal('Bearer ps_test_abc');
      const inner = picker(el);
      expect(inner.plans.map((p) => p.code)).to.deep.equal(['starter-monthly', 'pro-monthly', 'pro-yearly']);
      expect(inner.value).to.equal('pro-monthly');
      const current = inner.shadowRoot!.querySelector('[part~="card"][data-selected]')!;
      expect(text(current.querySelector('[part~="current"]'))).to.equal('Your current plan');
      expect(inner.shadowRoot!.querySelector('[part~="trial"]'), 'no trial on a switch').to.equal(null);
      expect(inner.shadowRoot!.querySelector('[part~="setup-fee"]'), 'no setup fee on a switch').to.equal(null);
      expect((part(el, 'quantity').querySelector('input') as HTMLInputElement).value).to.equal('3');
    });
    it('shows only the plans the configuration allows', async () => {
      const { el } = await aSwitch({ [paths.configuration]: () => json(200, aConfiguration({ switchPlanTo: ['starter-monthly'] })) });
      expect(picker(el).plans.map((p) => p.code)).to.deep.equal(['starter-monthly', 'pro-monthly']);
      expect(picker(el).shadowRoot!.querySelectorAll('[part~="interval"]'), 'one interval: no toggle').to.have.length(0);
    });
    it('starts another product\'s quantity from its default, and sends only the charge the buyer sets', async () => {
      const pro = plans().find((p) => p.code === 'pro-monthly')!;
      const storage = { ...pro.charges[0], id: 'ch_storage', productId: 'prod_storage', productName: 'Storage', quantity: { default: 100, min: 0, max: 1000, adjustable: true } };
      const big = { ...pro, id: 'plan_big', code: 'big-monthly', name: 'Big', charges: [storage] };
      const config = aConfiguration({ switchPlanTo: ['big-monthly'] }, { plans: [pro, big] });
      const { el, calls } = await aSwitch({ [paths.configuration]: () => json(200, config), [paths.change]: () => json(200, anUpgrade()) });
      await choose(el, 'big-monthly');
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'big-monthly', charges: [{ chargeId: 'ch_storage', quantity: 100 }], preview: true });
      expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3) to Big / month (Storage: 100)');
    });
    it("keeps the subscription's add-ons on another plan (the same product) and lets the buyer add or drop the chosen plan's add-ons, as the checkout's cart does", async () => {
      const withSupport = aSubscription({ items: [{ chargeId: 'ch_seats_m', quantity: 3 }, { chargeId: 'ch_support_m', quantity: 1 }] });
      const { el, calls } = await aSwitch({ [paths.subscription]: () => json(200, withSupport), [paths.change]: () => json(200, anUpgrade()) });
      const addOns = () => [...part(el, 'add-ons').querySelectorAll('label')];
      expect(text(part(el, 'add-ons').querySelector('legend'))).to.equal('Add-ons');
      expect(addOns().map((l) => [text(l), l.querySelector('input')!.checked])).to.deep.equal([['Priority support €29 / month', true]]);
      await choose(el, 'pro-yearly');
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-yearly', charges: [{ chargeId: 'ch_seats_y', quantity: 3 }], addOns: ['ch_support_y'], preview: true });
      expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3, Priority support) to Pro / year (Seats: 3, Priority support)');
      button(el, 'Back').click();
      await settle(el);
      expect(addOns().map((l) => [text(l), l.querySelector('input')!.checked])).to.deep.equal([['Priority support €290 / year', true]]);
      addOns()[0].querySelector('input')!.click();
      await el.updateComplete;
      button(el, 'Review the change').click();
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-yearly', charges: [{ chargeId: 'ch_seats_y', quantity: 3 }], addOns: [], preview: true });
    });
    it('adds an add-on to the current plan alone, and shows none when the shop does not let buyers change quantities', async () => {
      const { el, calls } = await aSwitch({ [paths.change]: () => json(200, anUpgrade()) });
      part(el, 'add-ons').querySelector('input')!.click();
      await el.updateComplete;
      button(el, 'Review the change').click();
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-monthly', charges: [{ chargeId: 'ch_seats_m', quantity: 3 }], addOns: ['ch_support_m'], preview: true });
      expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3) to Pro / month (Seats: 3, Priority support)');
      const config = aConfiguration();
      config.features = { ...config.features, quantity: false };
      const off = await aSwitch({ [paths.configuration]: () => json(200, config) });
      expect(part(off.el, 'add-ons')).to.equal(undefined);
    });
    it('has no quantity control when the shop does not let buyers change it', async () => {
      const { el } = await aSwitch({ [paths.configuration]: () => json(200, aConfiguration({ changeQuantity: false })) });
      expect(part(el, 'quantity')).to.equal(undefined);
    });
    it('changes the quantity alone, without a plan picker, when switching is off', async () => {
      const { el, calls } = await aSwitch({ [paths.configuration]: () => json(200, aConfiguration({ switchPlanTo: [] })) });
      expect(picker(el)).to.equal(null);
      button(el, 'Review the change').click();
      await settle(el);
      expect(text(part(el, 'note'))).to.equal('Choose another plan or quantity first.');
      expect(calls.filter((c) => c.method === 'POST')).to.have.length(0);
      const input = part(el, 'quantity').querySelector('input')!;
      input.value = '4';
      input.dispatchEvent(new Event('change'));
      await el.updateComplete;
      button(el, 'Review the change').click();
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-monthly', charges: [{ chargeId: 'ch_seats_m', quantity: 4 }], addOns: [], preview: true });
      expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3) to Pro / month (Seats: 4)');
    });
  });

  describe('the preview', () => {
    it('previews a chosen plan at once and shows each line, the credit negative, the tax and the total due now', async () => {
      const { el, calls } = await aSwitch();
      await choose(el, 'pro-yearly');
      expect(calls.at(-1)).to.include({ method: 'POST', path: `/v1/portal/subscriptions/${SUB}/change` });
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-yearly', charges: [{ chargeId: 'ch_seats_y', quantity: 3 }], addOns: [], preview: true });
      const lines = parts(el, 'line');
      expect(lines.map((l) => text(l.querySelector('dt')))).to.deep.equal([
        'Unused time on Seats × 3 until February 3, 2027',
        'Seats × 3 until February 3, 2027',
      ]);
      expect(lines.map((l) => text(l.querySelector('dd')))).to.deep.equal(['-€22.50', '€450.00']);
      expect(lines[0].matches('[part~="credit"]')).to.be.true;
      expect(text(part(el, 'totals'))).to.equal('VAT 19% €81.23 Due now €508.73');
            expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3) to Pro / year (Seats: 3)');
    });
    it('when the charge the buyer sets has a unit, then the summary names it ("Storage: 100 GB"; it said "Storage: 100")', async () => {
      const measured = plans().map((p) => ({ ...p, charges: p.charges.map((c) => c.productId === 'prod_seats' ? { ...c, measurement: { code: 'members', unit: 'member', unitPlural: 'members' } } : c) }));
      const { el } = await aSwitch({ [paths.configuration]: () => json(200, aConfiguration({}, { plans: measured as never })) });
      await choose(el, 'pro-yearly');
      expect(text(part(el, 'summary'))).to.equal('From Pro / month (Seats: 3 members) to Pro / year (Seats: 3 members)');
    });
    it('says when a downgrade takes effect and that nothing is charged now, and that the coupon ends', async () => {
      const { el } = await aSwitch();
      await choose(el, 'starter-monthly');
      expect(text(part(el, 'effective'))).to.equal('Takes effect on February 3, 2027; nothing is charged now.');
      expect(part(el, 'lines')).to.equal(undefined);
      expect(text(part(el, 'coupon'))).to.equal('Your coupon FIRST3 ends with this change.');
      expect(text(button(el, 'Confirm'))).to.equal('Confirm change');
      await expect(el).to.be.accessible();
    });
    it('says a negative total goes to the balance, and a kept coupon stays', async () => {
      const credit = anUpgrade({
        coupon: { code: 'WELCOME20', kept: true },
        invoice: anInvoice([{ ...anUpgrade().invoice!.lines[0] }], { amountDue: 0 }),
      });
      const { el } = await aSwitch({ [paths.change]: () => json(200, credit) });
      await choose(el, 'pro-yearly');
      expect(text(part(el, 'total'))).to.equal('Credit to your balance €26.77');
      expect(text(part(el, 'coupon'))).to.equal('Your coupon WELCOME20 stays on your subscription.');
    });
    it('says a change now that charges nothing (in a trial) takes effect now', async () => {
      const { el } = await aSwitch({ [paths.change]: () => json(200, anUpgrade({ invoice: undefined })) });
      await choose(el, 'pro-yearly');
      expect(text(part(el, 'effective'))).to.equal('Takes effect now; nothing is charged now.');
    });
    it('when the buyer previews a switch in a trial (nothing charged now), then the preview says what the new plan costs after it (it said no price at all)', async () => {
      const trial = { ...aSubscription(), status: 'trialing', planCode: 'pro-yearly', items: [{ chargeId: 'ch_seats_y', quantity: 3 }] };
      const { el } = await aSwitch({ [paths.change]: () => json(200, anUpgrade({ invoice: undefined, subscription: trial as never })) });
      await choose(el, 'pro-yearly');
      expect(text(part(el, 'renewal'))).to.equal('Then €450.00 / year excl. VAT');
    });
    it('when the buyer previews a downgrade at the period end, then the preview says what the new plan costs from then', async () => {
      const later = { ...aSubscription(), pendingChange: { plan: 'starter-monthly', effectiveAt: '2027-02-03T10:00:00.000Z', items: [{ chargeId: 'ch_starter_m', quantity: 1 }] } };
      const { el } = await aSwitch({ [paths.change]: () => json(200, { ...aDowngrade(), subscription: later }) });
      await choose(el, 'starter-monthly');
      expect(text(part(el, 'renewal'))).to.equal('Then €9.00 / month excl. VAT');
    });
    it('goes back to the plans, and the buyer may keep their plan', async () => {
      const { el } = await aSwitch();
      await choose(el, 'pro-yearly');
      button(el, 'Back').click();
      await settle(el);
      expect(text(heading(el))).to.equal('Change plan');
      expect(focused(el)).to.equal(heading(el));
      setTimeout(() => button(el, 'Keep my plan').click());
      const event = await oneEvent(el, 'close');
      expect(event.bubbles && event.composed).to.be.true;
    });
  });

  describe('events', () => {
    it('on confirm dispatches billkit-subscription-change, changes with the preview\'s prorationDate, reloads the store and dispatches billkit-subscription-update', async () => {
      const { el, calls, store } = await aSwitch();
      await choose(el, 'pro-yearly');
      const version = store.version;
      const changes: BillkitSubscriptionChangeEvent[] = [];
      el.addEventListener('billkit-subscription-change', (e) => changes.push(e));
      setTimeout(() => button(el, 'Confirm').click());
      const update = await oneEvent(el, BillkitSubscriptionUpdateEvent.eventName) as BillkitSubscriptionUpdateEvent;
      expect(changes).to.have.length(1);
      expect(changes[0].cancelable).to.be.true;
      expect(changes[0].detail).to.deep.equal({ subscriptionId: SUB, plan: 'pro-yearly', quantity: 3, addOns: [], effective: 'now', amountDue: 50873, currency: 'EUR' });
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-yearly', charges: [{ chargeId: 'ch_seats_y', quantity: 3 }], addOns: [], prorationDate: PRORATION_DATE });
      expect(calls.at(-1)!.headers['Idempotency-Key']).to.be.a('string');
      expect(update.detail).to.deep.equal({ subscriptionId: SUB, action: 'changed', status: 'active' });
      expect(store.version).to.equal(version + 1);
      await settle(el);
      expect(text(part(el, 'outcome'))).to.equal('You are on Pro now. €508.73 was charged.');
      expect(focused(el)).to.equal(heading(el));
      setTimeout(() => button(el, 'Done').click());
      await oneEvent(el, 'close');
    });
    it('changes nothing when the page vetoes billkit-subscription-change', async () => {
      const { el, calls } = await aSwitch();
      await choose(el, 'pro-yearly');
      el.addEventListener('billkit-subscription-change', (e) => e.preventDefault());
      const posts = calls.length;
      button(el, 'Confirm').click();
      await settle(el);
      expect(calls.length).to.equal(posts);
      expect(text(heading(el))).to.equal('Review your change');
    });
    it('says a declined payment leaves the invoice open and the subscription past due, and what to do', async () => {
      const declined = anUpgrade({
        invoice: anInvoice(anUpgrade().invoice!.lines, { id: 'in_9', number: 'INV-2027-000009', status: 'open', attempts: [{ at: PRORATION_DATE, outcome: 'declined', code: 'card_declined' }] }),
        subscription: { ...aSubscription(), status: 'past_due' } as never,
      });
      const { el } = await aSwitch({ [paths.change]: ({ body }) => json(200, body.preview ? anUpgrade() : declined) });
      await choose(el, 'pro-yearly');
      button(el, 'Confirm').click();
      await settle(el);
      expect(text(heading(el))).to.equal('Your payment was declined');
      expect(text(part(el, 'outcome'))).to.equal('You are on Pro now, but invoice INV-2027-000009 for €508.73 stays open and your subscription may be past due. Update your payment method to pay it.');
      await expect(el).to.be.accessible();
    });
    it('prices the change again when the preview is too old to confirm', async () => {
      let confirms = 0;
      const { el, calls } = await aSwitch({
        [paths.change]: ({ body }) => (body.preview ? json(200, anUpgrade()) : (confirms++, problem(422, 'proration_date_invalid'))),
      });
      await choose(el, 'pro-yearly');
      button(el, 'Confirm').click();
      await settle(el);
      expect(confirms).to.equal(1);
      expect(calls.at(-1)!.body.preview).to.be.true;
      expect(text(part(el, 'note'))).to.equal('The preview was out of date and is updated: check it again.');
    });
  });

  describe('refusals', () => {
    const cases: [string, Route, string][] = [
      ['422 plan_switch_not_allowed', () => problem(422, 'plan_switch_not_allowed'), 'This plan change is not offered for your subscription. Choose another plan.'],
      ['403 portal_feature_disabled', () => problem(403, 'portal_feature_disabled'), 'The shop does not offer this in the portal.'],
      ['409 subscription_status', () => problem(409, 'subscription_status'), 'Your subscription cannot do this in its current state.'],
    ];
    for (const [name, route, said] of cases) {
      it(`shows ${name} on the preview as an alert, accessibly`, async () => {
        const { el } = await aSwitch({ [paths.change]: route });
        await choose(el, 'pro-yearly');
        expect(text(heading(el))).to.equal('Change plan');
        expect(part(el, 'error').getAttribute('role')).to.equal('alert');
        expect(text(part(el, 'error'))).to.equal(said);
        await expect(el).to.be.accessible();
      });
    }
    it('shows a refusal on confirm in the preview', async () => {
      const { el } = await aSwitch({ [paths.change]: ({ body }) => (body.preview ? json(200, anUpgrade()) : problem(409, 'subscription_status')) });
      await choose(el, 'pro-yearly');
      button(el, 'Confirm').click();
      await settle(el);
      expect(text(heading(el))).to.equal('Review your change');
      expect(text(part(el, 'error'))).to.contain('current state');
    });
  });

  describe('keyboard', () => {
    it('chooses a plan, reviews and confirms with the keyboard alone; focus moves to the preview, then to the outcome', async () => {
      const { el, calls } = await aSwitch();
      const inner = picker(el);
      // Into the plan cards: the chosen (current) plan's action is the one tab stop of the radio group.
      inner.shadowRoot!.querySelector<HTMLButtonElement>('[part~="action"][aria-checked="true"]')!.focus();
      await sendKeys({ press: 'ArrowLeft' });
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'starter-monthly', preview: true });
      expect(text(heading(el))).to.equal('Review your change');
      expect(focused(el)).to.equal(heading(el));
      await sendKeys({ press: 'Tab' });
      expect(text(focused(el))).to.equal('Confirm change');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(text(heading(el))).to.equal('Your change is scheduled');
      expect(focused(el)).to.equal(heading(el));
      expect(text(part(el, 'outcome'))).to.equal('You move to Starter on February 3, 2027.');
      await sendKeys({ press: 'Tab' });
      setTimeout(() => sendKeys({ press: 'Enter' }));
      await oneEvent(el, 'close');
    });
    it('sets the quantity and the add-ons with the keyboard', async () => {
      const { el, calls } = await aSwitch();
      const input = part(el, 'quantity').querySelector('input')!;
      expect(text(part(el, 'quantity'))).to.equal('Quantity of Seats');
      input.focus();
      await sendKeys({ press: 'ArrowUp' });
      await sendKeys({ press: 'ArrowUp' });
      await sendKeys({ press: 'Tab' });
      await el.updateComplete;
      expect(input.value).to.equal('5');
      expect(focused(el)).to.equal(part(el, 'add-ons').querySelector('input'));
      await sendKeys({ press: 'Space' });
      await sendKeys({ press: 'Tab' });
      await el.updateComplete;
      expect(text(focused(el))).to.equal('Review the change');
      await sendKeys({ press: 'Enter' });
      await settle(el);
      expect(calls.at(-1)!.body).to.deep.equal({ plan: 'pro-monthly', charges: [{ chargeId: 'ch_seats_m', quantity: 5 }], addOns: ['ch_support_m'], preview: true });
      expect(focused(el)).to.equal(heading(el));
    });
  });

  describe('i18n', () => {
    it('speaks German: the steps, the preview and the money', async () => {
      await useLocale('de');
      const { el } = await aSwitch({}, 'de');
      expect(text(heading(el))).to.equal('Tarif wechseln');
      expect(text(picker(el).shadowRoot!.querySelector('[part~="current"]'))).to.equal('Ihr aktueller Tarif');
      await choose(el, 'pro-yearly');
      expect(text(heading(el))).to.equal('Ihre Änderung prüfen');
      expect(text(parts(el, 'line')[0].querySelector('dt'))).to.equal('Ungenutzte Zeit: Seats × 3 bis 3. Februar 2027');
      expect(text(part(el, 'totals'))).to.equal('MwSt. 19 % 81,23 € Jetzt fällig 508,73 €');
      expect(text(part(el, 'renewal'))).to.equal('Danach 450,00 € / Jahr zzgl. MwSt.');
      button(el, 'Zurück').click();
      await settle(el);
      await choose(el, 'starter-monthly');
      expect(text(part(el, 'effective'))).to.equal('Wird am 3. Februar 2027 wirksam; jetzt wird nichts berechnet.');
      button(el, 'Änderung bestätigen').click();
      await settle(el);
      expect(text(part(el, 'outcome'))).to.equal('Sie wechseln am 3. Februar 2027 zu Starter.');
      await expect(el).to.be.accessible();
    });
  });
});
