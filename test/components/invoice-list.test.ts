import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../components/invoice-list/invoice-list.js';
import type { BillkitInvoiceList } from '../../components/invoice-list/invoice-list.js';
import { useLocale } from '../../components/shared/localize.js';
import { BillkitPaymentMethodUpdateEvent } from '../../components/shared/events.js';
import { aPortal, anInvoice, page, pending, problem, text, type PortalRoute } from './account-fixtures.js';

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const $$ = (el: Element, selector: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
const rows = (el: Element) => $$(el, '[part="row"]');

const INVOICES = 'GET /v1/portal/invoices';

async function aList(routes: Record<string, PortalRoute>, attrs: { subscription?: string; lang?: string } = {}) {
  const portal = aPortal(routes);
  const el = await fixture<BillkitInvoiceList>(html`<billkit-invoice-list .store=${portal.store} subscription=${attrs.subscription ?? ''}
    locale=${attrs.lang ?? 'en'}></billkit-invoice-list>`);
  return { el, ...portal };
}

const loaded = (el: BillkitInvoiceList) => waitUntil(() => el.shadowRoot!.querySelector('table, [part="empty"], [part="error"]'), 'never loaded');

describe('<billkit-invoice-list>', () => {
  afterEach(() => useLocale('en'));

  describe('accessibility', () => {
    it('is accessible while loading (a skeleton announced as loading)', async () => {
      const { el } = await aList({ [INVOICES]: pending });
      await el.updateComplete;
      expect($(el, '[part="skeleton"]').getAttribute('aria-label')).to.equal('Loading invoices');
      await expect(el).to.be.accessible();
    });

    it('is accessible loaded, with a failed download shown at its row', async () => {
      const { el } = await aList({
        [INVOICES]: () => page([anInvoice(2), anInvoice(1, { status: 'open', attempts: [{ at: '2026-01-05T10:00:00Z', outcome: 'declined', code: 'payment_declined' }] })]),
        'GET /v1/portal/invoices/in_2/pdf': () => problem(422, 'seller_missing', 'Documents need the seller.'),
      });
      await loaded(el);
      await expect(el).to.be.accessible();
      $$(el, '[part="download"]')[0]!.click();
      await waitUntil(() => el.shadowRoot!.querySelector('[part="download-error"]'), 'no row error');
      await expect(el).to.be.accessible();
    });

    it('is accessible when empty and when the load failed', async () => {
      const empty = await aList({ [INVOICES]: () => page([]) });
      await loaded(empty.el);
      expect(text($(empty.el, '[part="empty"]'))).to.equal('No invoices yet.');
      await expect(empty.el).to.be.accessible();
      const failed = await aList({ [INVOICES]: () => problem(500, 'internal', 'The server failed.') });
      await loaded(failed.el);
      expect($(failed.el, '[part="error"]').getAttribute('role')).to.equal('alert');
      await expect(failed.el).to.be.accessible();
    });
  });

  describe('the table', () => {
    it('shows number, date, amount and a status badge per invoice', async () => {
      const { el } = await aList({
        [INVOICES]: () => page([
          anInvoice(4),
          anInvoice(3, { status: 'open', attempts: [{ at: '2026-03-05T10:00:00Z', outcome: 'declined' }] }),
          anInvoice(2, { status: 'open', amountPaid: 0 }),
          anInvoice(1, { status: 'void', total: 11900 }),
          anInvoice(5, { status: 'uncollectible' }),
          anInvoice(6, { status: 'open', kind: 'checkout', total: 0, amountDue: 0, amountPaid: 0 }),
        ]),
      });
      await loaded(el);
      const first = rows(el)[0]!;
      expect(text(first.querySelector('th'))).to.equal('INV-2026-000004');
      expect(text(first.querySelectorAll('td')[0])).to.equal('April 5, 2026');
      expect(text(first.querySelectorAll('td')[1])).to.equal('€29.00');
      expect($$(el, '[part~="badge"]').map((b) => [b.getAttribute('part'), text(b)])).to.deep.equal([
        ['badge paid', 'Paid'], ['badge failed', 'Payment failed'], ['badge open', 'Open'], ['badge void', 'Void'],
        ['badge uncollectible', 'Uncollectible'], ['badge open', 'Nothing due'],
      ]);
      expect(text(rows(el)[3]!.querySelectorAll('td')[1])).to.equal('€119.00');
      // Each button says which invoice it downloads.
      expect(text($$(el, '[part="download"]')[1])).to.equal('Download PDF INV-2026-000003');
    });

    it('asks for one subscription\'s invoices with the subscription attribute, a page at a time', async () => {
      const { el, of } = await aList({ [INVOICES]: () => page([anInvoice(1)]) }, { subscription: 'sub_9' });
      await loaded(el);
      const [call] = of(INVOICES);
      expect(call!.query.get('subscriptionId')).to.equal('sub_9');
      expect(call!.query.get('limit')).to.equal('10');
      expect(call!.headers.Authorization).to.equal('Bearer ps_test_1');
    });

    it('shows more: the next page is asked after the cursor, appended, and its first invoice takes the focus', async () => {
      const { el, of } = await aList({
        [INVOICES]: ({ query }) => query.get('startingAfter') === 'in_2'
          ? page([anInvoice(1)])
          : page([anInvoice(3), anInvoice(2)], 'in_2'),
      });
      await loaded(el);
      expect(rows(el)).to.have.length(2);
      $(el, '[part="more"]').click();
      await waitUntil(() => rows(el).length === 3, 'not appended');
      await el.updateComplete;
      expect(of(INVOICES)[1]!.query.get('startingAfter')).to.equal('in_2');
      expect(el.shadowRoot!.activeElement).to.equal(rows(el)[2]!.querySelector('th'));
      // The last page: no more to show.
      expect(el.shadowRoot!.querySelector('[part="more"]')).to.equal(null);
    });

    it('alone without a session, says so instead of loading forever; the session given later loads it', async () => {
      const el = await fixture<BillkitInvoiceList>(html`<billkit-invoice-list api="http://bff.test"></billkit-invoice-list>`);
      await waitUntil(() => el.shadowRoot!.querySelector('[part="error"]'), 'no error');
      expect(text($(el, '[part="error"] p'))).to.equal('Your session has ended. Sign in again.');
      const original = window.fetch;
      const bearers: string[] = [];
      window.fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
        bearers.push((init?.headers as Record<string, string>).Authorization!);
        return page([anInvoice(1)]);
      };
      try {
        el.session = 'ps_later';
        await waitUntil(() => rows(el).length === 1, 'not loaded with the session');
        expect(bearers).to.deep.equal(['Bearer ps_later']);
      } finally {
        window.fetch = original;
      }
    });

    it('retries a failed load with "Try again"', async () => {
      let fail = true;
      const { el } = await aList({ [INVOICES]: () => (fail ? problem(503, 'unavailable', 'Down for a moment.') : page([anInvoice(1)])) });
      await loaded(el);
      expect(text($(el, '[part="error"] p'))).to.equal('Down for a moment.');
      fail = false;
      $(el, '[part="error"] button').click();
      await waitUntil(() => rows(el).length === 1, 'not retried');
    });

    it('reloads when something changed in the portal (a plan switch issued a proration invoice)', async () => {
      let invoices = [anInvoice(1)];
      const { el, store, of } = await aList({ [INVOICES]: () => page(invoices) });
      await loaded(el);
      invoices = [anInvoice(2, { kind: 'proration' }), anInvoice(1)];
      store.changed();
      await waitUntil(() => rows(el).length === 2, 'not reloaded');
      expect(of(INVOICES)).to.have.length(2);
    });

    it('alone on a page, reloads when another part says it paid with a new card', async () => {
      const { el, of } = await aList({ [INVOICES]: () => page([anInvoice(1)]) });
      await loaded(el);
      const other = document.createElement('div');
      document.body.append(other);
      other.dispatchEvent(new BillkitPaymentMethodUpdateEvent({ paymentMethod: 'pm_card_visa', paid: 1, declined: 0 }));
      other.remove();
      await waitUntil(() => of(INVOICES).length === 2, 'not reloaded');
      el.remove();
      window.dispatchEvent(new BillkitPaymentMethodUpdateEvent({ paymentMethod: 'pm_card_visa', paid: 1, declined: 0 }));
      expect(of(INVOICES)).to.have.length(2);
    });

    it('stacks each invoice under its labels at 320 px, still a table', async () => {
      await setViewport({ width: 320, height: 640 });
      try {
        const { el } = await aList({ [INVOICES]: () => page([anInvoice(1)]) });
        await loaded(el);
        const cell = rows(el)[0]!.querySelectorAll('td')[1]!;
        expect(getComputedStyle(cell).display).to.equal('block');
        expect(getComputedStyle(cell, '::before').content).to.equal('"Amount"');
        expect(el.scrollWidth).to.be.at.most(320);
        await expect(el).to.be.accessible();
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });
  });

  describe('download', () => {
    let clicked: HTMLAnchorElement[];
    let revoked: string[];
    const originals = { click: HTMLAnchorElement.prototype.click, create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    beforeEach(() => {
      clicked = [];
      revoked = [];
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        clicked.push(this);
      };
      URL.createObjectURL = () => 'blob:http://bff.test/pdf-1';
      URL.revokeObjectURL = (url: string) => void revoked.push(url);
    });
    afterEach(() => {
      HTMLAnchorElement.prototype.click = originals.click;
      URL.createObjectURL = originals.create;
      URL.revokeObjectURL = originals.revoke;
    });

    it('fetches the PDF with the session, saves it as <number>.pdf, revokes the URL and says so by event', async () => {
      const { el, of } = await aList({
        [INVOICES]: () => page([anInvoice(7)]),
        'GET /v1/portal/invoices/in_7/pdf': () => new Response(new Blob(['%PDF-1.7']), { headers: { 'Content-Type': 'application/pdf' } }),
      });
      await loaded(el);
      const event = oneEvent(el, 'billkit-invoice-download');
      $(el, '[part="download"]').click();
      const { detail } = await event;
      expect(detail).to.deep.equal({ invoiceId: 'in_7', number: 'INV-2026-000007' });
      expect(of('GET /v1/portal/invoices/in_7/pdf')[0]!.headers.Authorization).to.equal('Bearer ps_test_1');
      expect(clicked.map((a) => [a.download, a.href])).to.deep.equal([['INV-2026-000007.pdf', 'blob:http://bff.test/pdf-1']]);
      expect(clicked[0]!.isConnected).to.equal(false);
      await waitUntil(() => revoked.length === 1, 'URL not revoked', { timeout: 3000 });
    });

    it('says at the row when no PDF can be made (422), described by the button', async () => {
      const { el } = await aList({
        [INVOICES]: () => page([anInvoice(1), anInvoice(2)]),
        'GET /v1/portal/invoices/in_2/pdf': () => problem(422, 'seller_missing', 'Documents need the seller.'),
      });
      await loaded(el);
      const button = $$(el, '[part="download"]')[1]!;
      button.click();
      await waitUntil(() => el.shadowRoot!.querySelector('[part="download-error"]'), 'no row error');
      const error = $(el, '[part="download-error"]');
      expect(text(error)).to.equal('No PDF can be made of this invoice yet. Please contact us.');
      expect(button.getAttribute('aria-describedby')).to.equal(error.id);
      expect(rows(el)[1]!.contains(error)).to.equal(true);
      expect(clicked).to.have.length(0);
    });

    it('downloads with the keyboard alone', async () => {
      const { el } = await aList({
        [INVOICES]: () => page([anInvoice(1)]),
        'GET /v1/portal/invoices/in_1/pdf': () => new Response(new Blob(['%PDF']), { headers: { 'Content-Type': 'application/pdf' } }),
      });
      await loaded(el);
      const event = oneEvent(el, 'billkit-invoice-download');
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal($(el, '[part="download"]'));
      await sendKeys({ press: 'Enter' });
      expect((await event).detail.invoiceId).to.equal('in_1');
    });
  });

  describe('i18n', () => {
    it('speaks German with German money and dates', async () => {
      await useLocale('de');
      const { el } = await aList({ [INVOICES]: () => page([anInvoice(3, { status: 'open', attempts: [{ at: '2026-03-05T10:00:00Z', outcome: 'declined' }] })]) }, { lang: 'de' });
      await loaded(el);
      await el.updateComplete;
      expect(text($(el, 'h2'))).to.equal('Rechnungen');
      const cells = rows(el)[0]!.querySelectorAll('td');
      expect(text(cells[0])).to.equal('5. März 2026');
      expect(text(cells[1])).to.equal('29,00 €');
      expect(text($(el, '[part~="badge"]'))).to.equal('Zahlung fehlgeschlagen');
      expect(text($(el, '[part="download"]'))).to.equal('PDF herunterladen INV-2026-000003');
    });
  });
});
