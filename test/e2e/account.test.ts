/**
 * End to end, the portal's account parts on a merchant's page (each alone, with api + publishable-key +
 * session) against `npm start`: a trial bought with a card that fails ends past_due; the buyer sees the
 * invoice and downloads its PDF, replaces the card (the invoice is paid at once), and edits the billing
 * details (the BFF's VAT verdict at the field). Screenshots at 1280 and 320 px, light and dark, English and
 * German land in BILLKIT_SCREENSHOTS (test-results/screenshots by default) as account-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBillkit, type RunningBillkit } from '../support/server-process.js';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.BILLKIT_SCREENSHOTS || 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

describe('a buyer on the account page', () => {
  let billkit: RunningBillkit;
  let browser: Browser;
  let token = '';
  before(async () => {
    billkit = await startBillkit();
    browser = await chromium.launch({ executablePath: CHROME, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await billkit?.stop();
  });

  async function call(method: string, path: string, key: string, body?: unknown) {
    const res = await fetch(`${billkit.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** The account page: the three parts alone on the demo shop's page, in a language and a theme. */
  async function accountPage(width: number, lang = 'en', dark = false): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => assert.fail(e.message));
    // The demo's own theme and language switches, as the buyer left them.
    await page.addInitScript(({ lang, dark }) => {
      localStorage.setItem('billkit-demo-theme', dark ? 'dark' : 'light');
      localStorage.setItem('billkit-demo-lang', lang);
    }, { lang, dark });
    await page.goto(`${billkit.url}/`);
    await page.waitForFunction((dark) => document.documentElement.classList.contains('dark') === dark, dark);
    await page.evaluate(({ url, key, session }) => {
      const main = document.querySelector('main')!;
      main.replaceChildren();
      for (const tag of ['billkit-payment-method', 'billkit-invoice-list', 'billkit-billing-details']) {
        const el = document.createElement(tag);
        for (const [name, value] of Object.entries({ api: url, 'publishable-key': key, session })) el.setAttribute(name, value);
        el.style.marginBlock = '2rem';
        main.append(el);
      }
    }, { url: billkit.url, key: billkit.keys.publishable, session: token });
    await page.locator('billkit-invoice-list [part="row"]').first().waitFor();
    await page.locator('billkit-billing-details form').waitFor();
    await page.locator('billkit-payment-method [part="current"]').waitFor();
    return page;
  }

  it('when a trial ends past_due on a failing card, then the portal session opens on an open invoice', async () => {
    const checkout = await call('POST', '/v1/checkouts', billkit.keys.publishable, {
      plan: 'team-monthly',
      customer: { email: `lena-${Date.now()}@example.de`, name: 'Lena Schmidt', country: 'DE', type: 'individual' },
    });
    const done = await call('POST', `/v1/checkouts/${checkout.id}/confirm`, billkit.keys.publishable, { paymentMethod: 'pm_card_chargeCustomerFail' });
    await call('POST', '/v1/test-clock/advance', billkit.keys.secret, { days: 15 });
    await call('POST', '/v1/billing-runs', billkit.keys.secret, {});
    const sub = await call('GET', `/v1/subscriptions/${done.subscription.id}`, billkit.keys.secret);
    assert.equal(sub.status, 'past_due');
    token = (await call('POST', '/v1/portal-sessions', billkit.keys.secret, { customerId: done.customer.id })).token;
  });

  it('when they open the account page, then they see what failed and what is owed, their invoices, and download a PDF', async () => {
    const page = await accountPage(1280);
    const pastDue = await page.locator('billkit-payment-method [part="past-due"]').textContent();
    assert.match(pastDue!, /Your last payment failed: replace your card to pay €\d+\.\d\d\./);
    assert.match((await page.locator('billkit-payment-method [part="current"] span').textContent())!, /Visa ending in 0341/);
    const badges = await page.locator('billkit-invoice-list [part~="badge"]').allTextContents();
    assert.ok(badges.includes('Payment failed'), badges.join());
    await page.screenshot({ path: `${SHOTS}/account-1-past-due.png`, fullPage: true });

    const number = (await page.locator('billkit-invoice-list [part="row"] th').first().textContent())!.trim();
    const download = page.waitForEvent('download');
    await page.locator('billkit-invoice-list [part="download"]').first().click();
    const file = await download;
    assert.equal(file.suggestedFilename(), `${number}.pdf`);
    assert.equal(readFileSync((await file.path())!).subarray(0, 5).toString(), '%PDF-');
    await page.close();

    // The same at 320 px, in German and dark, the new-card form open.
    const narrow = await accountPage(320, 'de', true);
    await narrow.getByRole('button', { name: 'Ersetzen' }).click();
    await narrow.getByLabel('Kartennummer').waitFor();
    assert.match((await narrow.locator('billkit-payment-method [part="past-due"]').textContent())!, /Ihre letzte Zahlung ist fehlgeschlagen: .* \d+,\d\d\s€ zu bezahlen\./);
    await narrow.screenshot({ path: `${SHOTS}/account-1-past-due-narrow-de-dark.png`, fullPage: true });
    await narrow.close();
  });

  it('when they replace the card with 4242, then the open invoice is paid at once and the subscription is active', async () => {
    const page = await accountPage(1280);
    await page.getByRole('button', { name: 'Replace' }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.screenshot({ path: `${SHOTS}/account-2-new-card.png`, fullPage: true });
    await page.getByRole('button', { name: 'Save card' }).click();
    const outcome = page.locator('billkit-payment-method [part="outcome"]');
    await outcome.waitFor();
    assert.match((await outcome.textContent())!.replace(/\s+/g, ' '), /Saved: Visa ending in 4242\. Invoice INV-\d{4}-\d{6} is paid\./);
    await page.locator('billkit-payment-method [part="past-due"]').waitFor({ state: 'detached' });
    // The invoice list beside it (a part alone, with its own store) hears of it and shows the invoice paid.
    await page.locator('billkit-invoice-list [part~="badge"]', { hasText: 'Payment failed' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('billkit-invoice-list [part~="badge"]').first().textContent(), 'Paid');
    await page.screenshot({ path: `${SHOTS}/account-3-paid.png`, fullPage: true });
    await page.close();
  });

  it('when they give a VAT ID the BFF refuses, then it is said at the field; a valid one is saved', async () => {
    const page = await accountPage(1280);
    const details = page.locator('billkit-billing-details');
    await details.getByLabel('A business').check();
    // A business in France (a German one buys with German VAT: its VAT ID is not checked), with its address.
    await details.getByLabel('Country').selectOption('FR');
    await details.getByLabel(/VAT ID/).fill('FR41303265045');
    await details.getByLabel('Street and house number').fill('12 rue de la Paix');
    await details.getByLabel('Postal code').fill('75002');
    await details.getByLabel('City').fill('Paris');
    await details.getByRole('button', { name: 'Save' }).click();
    await details.locator('#vatId[aria-invalid="true"]').waitFor();
    assert.match((await details.locator('#vatId-status').textContent())!, /not a valid VAT ID of France/);
    await page.screenshot({ path: `${SHOTS}/account-4-vat-refused.png`, fullPage: true });
    await details.getByLabel(/VAT ID/).fill('FR40303265045');
    await details.getByRole('button', { name: 'Save' }).click();
    await details.locator('[part="saved"]', { hasText: 'Saved' }).waitFor();
    await page.close();
  });

  it('when the page is German and dark at 1280 px, then every part speaks German', async () => {
    const page = await accountPage(1280, 'de', true);
    const titles = await page.evaluate(() => ['billkit-payment-method', 'billkit-invoice-list', 'billkit-billing-details']
      .map((t) => document.querySelector(t)!.shadowRoot!.querySelector('h2')!.textContent!.trim()));
    assert.deepEqual(titles, ['Zahlungsmethode', 'Rechnungen', 'Rechnungsdaten']);
    await page.screenshot({ path: `${SHOTS}/account-6-de-dark.png`, fullPage: true });
    await page.close();
  });

  for (const [lang, dark] of [['en', false], ['de', true]] as const) {
    it(`when the page is 320 px wide (${lang}${dark ? ', dark' : ''}), then nothing overflows`, async () => {
      const page = await accountPage(320, lang, dark);
      // Each part fits its column (the demo's own header is not theirs to fit).
      const widths = await page.evaluate(() => ['billkit-payment-method', 'billkit-invoice-list', 'billkit-billing-details']
        .map((t) => [document.querySelector(t)!.scrollWidth, document.querySelector(t)!.clientWidth]));
      for (const [scroll, client] of widths) assert.ok(scroll! <= client! && client! <= 320, JSON.stringify(widths));
      await page.screenshot({ path: `${SHOTS}/account-5-narrow-${lang}${dark ? '-dark' : ''}.png`, fullPage: true });
      await page.close();
    });
  }
});
