import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/billing-details/billing-details.js';
import type { BillkitBillingDetails } from '../../components/billing-details/billing-details.js';
import { useLocale } from '../../components/shared/localize.js';
import { aCustomer, aPortal, json, pending, problem, text, type PortalRoute } from './account-fixtures.js';

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const CUSTOMER = 'GET /v1/portal/customer';
const PATCH = 'PATCH /v1/portal/customer';

async function aForm(routes: Record<string, PortalRoute> = {}, lang = 'en') {
  const portal = aPortal({ [CUSTOMER]: () => json(200, aCustomer()), [PATCH]: ({ body }) => json(200, aCustomer(body)), ...routes });
  const el = await fixture<BillkitBillingDetails>(html`<billkit-billing-details .store=${portal.store} locale=${lang}></billkit-billing-details>`);
  await waitUntil(() => el.shadowRoot!.querySelector('form, [part="error"]'), 'never loaded');
  return { el, ...portal };
}

async function fill(el: BillkitBillingDetails, id: string, value: string) {
  const input = $<HTMLInputElement | HTMLSelectElement>(el, `#${id}`);
  input.value = value;
  input.dispatchEvent(new Event('input'));
  input.dispatchEvent(new Event('change'));
  await el.updateComplete;
}

async function asBusiness(el: BillkitBillingDetails) {
  $<HTMLInputElement>(el, 'input[value="business"]').click();
  await el.updateComplete;
}

async function save(el: BillkitBillingDetails) {
  $(el, '[part="submit"]').click();
  await el.updateComplete;
  await waitUntil(() => $(el, '[part="submit"]').getAttribute('aria-disabled') === 'false', 'still saving');
  await el.updateComplete;
}

describe('<billkit-billing-details>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading, loaded, and when the load failed', async () => {
      const loading = aPortal({ [CUSTOMER]: pending });
      const el = await fixture<BillkitBillingDetails>(html`<billkit-billing-details .store=${loading.store}></billkit-billing-details>`);
      await el.updateComplete;
      expect($(el, '[part="skeleton"]').getAttribute('aria-label')).to.equal('Loading billing details');
      await expect(el).to.be.accessible();
      const loaded = await aForm();
      await expect(loaded.el).to.be.accessible();
      const failed = await aForm({ [CUSTOMER]: () => problem(500, 'internal', 'The server failed.') });
      expect(text($(failed.el, '[part="error"] p'))).to.equal('The server failed.');
      await expect(failed.el).to.be.accessible();
    });

    it('is accessible with field errors and once saved', async () => {
      const { el } = await aForm();
      await fill(el, 'name', '');
      await save(el);
      await expect(el).to.be.accessible();
      await fill(el, 'name', 'Ada King');
      await save(el);
      expect(text($(el, '[part="saved"]'))).to.equal('Saved');
      await expect(el).to.be.accessible();
    });
  });

  describe('the details', () => {
    it("fills the form from the customer's details and says that future invoices change", async () => {
      const { el } = await aForm({ [CUSTOMER]: () => json(200, aCustomer({ type: 'business', vatId: 'DE123456789', address: { line1: 'Hauptstraße 1', line2: 'Hof', postalCode: '10115', city: 'Berlin' } })) });
      expect($<HTMLInputElement>(el, '#email').value).to.equal('ada@example.com');
      expect($<HTMLInputElement>(el, '#email').readOnly).to.equal(false);
      expect($<HTMLInputElement>(el, '#name').value).to.equal('Ada Lovelace');
      expect($<HTMLSelectElement>(el, '#country').value).to.equal('DE');
      expect($<HTMLInputElement>(el, 'input[value="business"]').checked).to.equal(true);
      expect($<HTMLInputElement>(el, '#vatId').value).to.equal('DE123456789');
      expect($<HTMLInputElement>(el, '#line2').value).to.equal('Hof');
      expect(text($(el, '[part="note"]'))).to.equal('Changes apply to future invoices; your VAT may change.');
    });

    it('saves the patch, says Saved, dispatches billkit-billing-details-update and tells the portal', async () => {
      const { el, store, of } = await aForm();
      let changed = 0;
      store.addEventListener('change', () => changed++);
      await asBusiness(el);
      await fill(el, 'vatId', 'de 123 456 789');
      await fill(el, 'line2', 'Hinterhaus');
      const event = oneEvent(el, 'billkit-billing-details-update');
      $(el, '[part="submit"]').click();
      expect((await event).detail).to.deep.equal({ customerId: 'cus_1' });
      await el.updateComplete;
      expect(of(PATCH)[0]!.body).to.deep.equal({
        name: 'Ada Lovelace', email: 'ada@example.com', country: 'DE', type: 'business', vatId: 'DE123456789',
        address: { line1: 'Hauptstraße 1', line2: 'Hinterhaus', postalCode: '10115', city: 'Berlin', country: 'DE' },
      });
      expect(text($(el, '[part="saved"]'))).to.equal('Saved');
      expect(changed).to.equal(1);
      // An edit after saving is not saved yet.
      await fill(el, 'name', 'Ada King');
      expect(text($(el, '[part="saved"]'))).to.equal('');
    });

    it('removes the VAT ID and an address no longer given (individual)', async () => {
      const { el, of } = await aForm({ [CUSTOMER]: () => json(200, aCustomer({ type: 'business', vatId: 'DE123456789' })) });
      $<HTMLInputElement>(el, 'input[value="individual"]').click();
      await el.updateComplete;
      for (const id of ['line1', 'postalCode', 'city']) await fill(el, id, '');
      await save(el);
      expect(of(PATCH)[0]!.body).to.include({ type: 'individual', vatId: null, address: null });
    });

    it('checks in the browser first: one message per mistake, the focus on the first', async () => {
      const { el, of } = await aForm();
      await asBusiness(el);
      await fill(el, 'email', 'ada@');
      await fill(el, 'vatId', 'DE12');
      await fill(el, 'postalCode', '1234');
      await save(el);
      expect(of(PATCH)).to.have.length(0);
      expect(text($(el, '#email-error'))).to.equal('Enter a valid email address.');
      expect(text($(el, '#vatId-status'))).to.equal('This is not a VAT ID of Germany (like DE123456789).');
      expect(text($(el, '#postalCode-error'))).to.equal('This is not a postal code of Germany.');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#email'));
    });

    it("says the BFF's vat_id_invalid at the VAT ID, and focuses it", async () => {
      const { el } = await aForm({ [PATCH]: () => problem(422, 'vat_id_invalid', 'The VAT ID DE999999999 is not valid.', [{ pointer: '/vatId', detail: 'checksum' }]) });
      await asBusiness(el);
      await fill(el, 'vatId', 'DE999999999');
      await save(el);
      expect(text($(el, '#vatId-status'))).to.equal('This is not a valid VAT ID of Germany: check it for typos.');
      expect($(el, '#vatId').getAttribute('aria-invalid')).to.equal('true');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#vatId'));
      expect(text($(el, '[part="saved"]'))).to.equal('');
    });

    it('puts field pointers at their fields (the address too) and other refusals above the button', async () => {
      let answer = () => problem(422, 'validation_failed', 'Invalid.', [{ pointer: '/address/postalCode', detail: 'Not a postal code of Germany.' }]);
      const { el } = await aForm({ [PATCH]: () => answer() });
      await save(el);
      expect(text($(el, '#postalCode-error'))).to.equal('Not a postal code of Germany.');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#postalCode'));
      answer = () => problem(409, 'customer_email_taken', 'Another customer has this email address.', [{ pointer: '/email', detail: 'Already taken by another customer.' }]);
      await save(el);
      expect(text($(el, '#email-error'))).to.equal('Another account uses this email address.');
      expect(el.shadowRoot!.querySelector('#postalCode-error')).to.equal(null);
      answer = () => problem(403, 'portal_feature_disabled', 'Billing details cannot be changed here.');
      await save(el);
      expect(text($(el, 'p[part="error"]'))).to.equal('Billing details cannot be changed here.');
      expect(el.shadowRoot!.activeElement).to.equal($(el, 'p[part="error"]'));
    });

    it('reloads when the portal changed, unless the buyer is typing', async () => {
      let name = 'Ada Lovelace';
      const { el, store } = await aForm({ [CUSTOMER]: () => json(200, aCustomer({ name })) });
      name = 'Ada King';
      store.changed();
      await waitUntil(() => $<HTMLInputElement>(el, '#name').value === 'Ada King', 'not reloaded');
      await fill(el, 'city', 'Potsdam');
      name = 'Someone else';
      store.changed();
      await new Promise((r) => setTimeout(r, 20));
      expect($<HTMLInputElement>(el, '#name').value).to.equal('Ada King');
    });
  });

  describe('keyboard', () => {
    it('edits and saves with the keyboard alone (Enter submits)', async () => {
      const { el, of } = await aForm();
      $(el, '#name').focus();
      $<HTMLInputElement>(el, '#name').select();
      await sendKeys({ type: 'Ada King' });
      const event = oneEvent(el, 'billkit-billing-details-update');
      await sendKeys({ press: 'Enter' });
      await event;
      expect(of(PATCH)[0]!.body.name).to.equal('Ada King');
    });
    it('when the buyer saves with Enter on the Save button, then focus stays on Save once Saved is said (it was lost to the page)', async () => {
      // The answer comes after a render, as over a network: the button is busy meanwhile.
      let answer: (() => void) | undefined;
      const { el } = await aForm({ [PATCH]: ({ body }) => new Promise((r) => { answer = () => r(json(200, aCustomer(body))); }) });
      $(el, '[part="submit"]').focus();
      const event = oneEvent(el, 'billkit-billing-details-update');
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => answer, 'not sent');
      await el.updateComplete;
      answer!();
      await event;
      await el.updateComplete;
      expect(text($(el, '[part="saved"]'))).to.equal('Saved');
      expect(el.shadowRoot!.activeElement?.getAttribute('part')).to.equal('submit');
    });
  });

  describe('i18n', () => {
    it('speaks German', async () => {
      // The German templates are a chunk of their own: wait for them, as a German page does.
      await useLocale('de');
      const { el } = await aForm({}, 'de');
      await el.updateComplete;
      expect(text($(el, 'h2'))).to.equal('Rechnungsdaten');
      expect(text($(el, '[part="note"]'))).to.equal('Änderungen gelten für künftige Rechnungen; Ihre Umsatzsteuer kann sich dadurch ändern.');
      expect(text($(el, '[part="submit"]'))).to.equal('Speichern');
      await asBusiness(el);
      expect(text($(el, '#vatId-status'))).to.equal('Sie erscheint auf Ihren künftigen Rechnungen.');
    });
  });
});
