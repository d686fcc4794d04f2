/**
 * End to end, as a buyer: the demo shop served by `npm start`, in Debian's Chromium driven by playwright-core.
 * Screenshots land in test-results/screenshots/ (ignored by git); `npm run screenshots` runs this test with
 * BILLKIT_SCREENSHOTS=docs/screenshots to refresh the README's pictures.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBillkit, type RunningBillkit } from '../support/server-process.js';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.BILLKIT_SCREENSHOTS || 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });
// A syntactically valid French VAT ID (key and SIREN check out): a business in another EU country.
const FR_VAT = 'FR40303265045';

describe('a buyer on the demo shop', () => {
  let billkit: RunningBillkit;
  let browser: Browser;
  before(async () => {
    billkit = await startBillkit();
    browser = await chromium.launch({ executablePath: CHROME, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await billkit?.stop();
  });

  const admin = async (path: string) => {
    const res = await fetch(`${billkit.url}${path}`, { headers: { Authorization: `Bearer ${billkit.keys.secret}` } });
    assert.equal(res.status, 200, path);
    return res.json() as Promise<{ data: Record<string, unknown>[] }>;
  };

  async function toCheckout(page: Page, email: string): Promise<void> {
    await page.goto(`${billkit.url}/`);
    await page.getByRole('button', { name: /yearly/i }).click();
    await page.getByRole('button', { name: /yearly/i, pressed: true }).waitFor();
    await page.screenshot({ path: `${SHOTS}/1-pricing-yearly.png` });
    await page.getByRole('radio', { name: /choose business/i }).click();
    await page.waitForURL(/\/checkout/);
    await page.locator('billkit-cart [part~="total"]').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Full name').fill('Camille Martin');
    await page.getByLabel('Country').selectOption('FR');
  }

  /** A business's billing address in France (the payment form asks a business for one). */
  async function fillAddress(page: Page): Promise<void> {
    await page.getByLabel('Street and house number').fill('12 rue de la Paix');
    await page.getByLabel('Postal code').fill('75002');
    await page.getByLabel('City').fill('Paris');
  }

  async function dueToday(page: Page): Promise<string> {
    return (await page.locator('billkit-cart [part~="total"] dd').textContent())!.trim();
  }

  it('when they switch to yearly, pick Business, apply a coupon, give a French VAT ID and pay with 4242, then they hold a subscription and a paid invoice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const email = `camille-${Date.now()}@example.fr`;
    await toCheckout(page, email);
    assert.match(page.url(), /plan=business-yearly/);
    // The address follows the plan picked in the checkout, so a reload keeps it.
    await page.getByRole('radio', { name: /choose starter/i }).click();
    await page.waitForURL(/\/checkout\/starter-yearly$/);
    await page.getByRole('radio', { name: /choose business/i }).click();
    await page.waitForURL(/\/checkout\/business-yearly$/);
    await page.locator('billkit-cart [part~="total"] dd', { hasText: /€/ }).waitFor();

    const before = await dueToday(page);
    await page.getByLabel(/coupon code/i).fill('welcome20');
    await page.getByRole('button', { name: /^apply$/i }).click();
    await page.locator('billkit-coupon-entry [part~="applied"]').waitFor();
    await page.waitForFunction((old) => document.querySelector('billkit-checkout')?.shadowRoot?.querySelector('billkit-cart')?.shadowRoot?.querySelector('[part~="total"] dd')?.textContent?.trim() !== old, before);
    const afterCoupon = await dueToday(page);
    assert.notEqual(afterCoupon, before);
    // WELCOME20 covers three billing periods: the cart says so, and what the renewal costs after them.
    assert.match((await page.locator('billkit-cart [part~="renewal"]').textContent())!.trim(), /^€[\d,.]+ \/ year for the first 3 years, then €[\d,.]+ \/ year$/);
    await page.screenshot({ path: `${SHOTS}/2-checkout-coupon.png`, fullPage: true });

    await page.getByRole('radio', { name: 'A business' }).check();
    await page.getByLabel(/VAT ID/i).fill(FR_VAT);
    await fillAddress(page);
    await page.locator('billkit-cart [part~="tax"]', { hasText: /reverse charge/i }).waitFor();
    await page.screenshot({ path: `${SHOTS}/3-checkout-reverse-charge.png`, fullPage: true });

    await page.getByRole('button', { name: /continue to payment/i }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /^pay /i }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
    await page.screenshot({ path: `${SHOTS}/4-checkout-complete.png`, fullPage: true });
    assert.deepEqual(errors, []);

    const customers = await admin('/v1/customers?limit=100');
    const customer = customers.data.find((c) => c.email === email);
    assert.ok(customer, 'the customer exists');
    assert.equal(customer.vatId, FR_VAT);
    const subscriptions = await admin(`/v1/subscriptions?customerId=${customer.id}`);
    assert.equal(subscriptions.data.length, 1);
    assert.equal(subscriptions.data[0]!.planCode, 'business-yearly');
    assert.equal(subscriptions.data[0]!.status, 'active');
    const invoices = await admin(`/v1/invoices?customerId=${customer.id}`);
    assert.equal(invoices.data.length, 1);
    const invoice = invoices.data[0]!;
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.taxTreatment, 'reverse_charge');
    assert.equal(invoice.tax, 0);
    assert.ok(Number(invoice.discount) > 0, 'the coupon discounted the invoice');
    assert.match(String(invoice.note), /reverse charge/i);
    // The billing address the buyer gave is the customer's, and the invoice bills it.
    const address = { line1: '12 rue de la Paix', postalCode: '75002', city: 'Paris', country: 'FR' };
    assert.deepEqual(customer.address, address);
    assert.deepEqual((invoice.billTo as { address: unknown }).address, address);
    await page.close();
  });

  it('when a German buyer on a 375 px phone uses the keyboard alone, then Tab goes through the order to the details, and focus follows each step', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 }, locale: 'de-DE' });
    await page.addInitScript(() => localStorage.setItem('billkit-demo-lang', 'de'));
    await page.goto(`${billkit.url}/checkout/business-monthly`);
    await page.locator('billkit-cart [part~="total"] dd', { hasText: /€/ }).waitFor();
    // The catalog in the buyer's language: the merchant's German names and units, not "per 1,000 call".
    await page.locator('billkit-cart [part~="line"]', { hasText: 'Business-Plattform' }).waitFor();
    assert.match((await page.locator('billkit-cart [part~="metered"]').textContent())!.replace(/\s+/g, ' '), /API-Aufrufe: 0,50 € je 1\.000 Aufrufe/);
    assert.match((await page.locator('billkit-plan-picker h3').first().textContent())!, /Starter/);
    const focused = () => page.evaluate(() => {
      let node: Element | null = document.activeElement;
      while (node?.shadowRoot?.activeElement) node = node.shadowRoot.activeElement;
      return node ? node.id || node.getAttribute('part') || node.getAttribute('aria-label') || node.localName : '';
    });
    // Tab from the top: the coupon field comes before the first detail (the order is shown first).
    const stops: string[] = [];
    for (let i = 0; i < 40 && !stops.includes('email'); i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused());
    }
    assert.ok(stops.includes('code') && stops.indexOf('code') < stops.indexOf('email'), stops.join(', '));
    await page.screenshot({ path: `${SHOTS}/6-phone-de-details.png`, fullPage: true });
    await page.keyboard.type(`kim-${Date.now()}@example.de`);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Kim Weber');
    await page.keyboard.press('Enter');
    await page.getByLabel('Kartennummer').waitFor();
    assert.equal(await focused(), 'card');
    await page.keyboard.type('4000000000000002');
    await page.keyboard.press('Enter');
    await page.getByText(/Ihre Karte wurde abgelehnt/).waitFor();
    assert.equal(await focused(), 'error');
    await page.screenshot({ path: `${SHOTS}/6-phone-de-declined.png`, fullPage: true });
    await page.getByRole('button', { name: 'Angaben ändern' }).press('Enter');
    await page.waitForFunction(() => document.querySelector('billkit-checkout')?.shadowRoot?.querySelector('billkit-payment-form')?.shadowRoot?.activeElement?.id === 'email');
    await page.keyboard.press('Enter');
    await page.getByLabel('Kartennummer').waitFor();
    // The declined number is still in the field: replace it.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('4242424242424242');
    await page.keyboard.press('Enter');
    await page.locator('#result').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('billkit-checkout')?.shadowRoot?.querySelector('billkit-payment-form')?.shadowRoot?.activeElement?.id === 'thanks');
    assert.match((await page.locator('billkit-cart [part~="total"]').textContent())!, /Heute bezahlt/);
    // The shop's own words follow its language switch too.
    assert.equal(await page.locator('h1').textContent(), 'Kasse');
    assert.match((await page.locator('#result').textContent())!, /^Abonnement sub_\w+ gestartet; Rechnung INV-\d{4}-\d{6}\.$/);
    // Their invoice is German too: its lines as the catalog names them in German, its document in German.
    const number = /Rechnung (INV-\d{4}-\d{6})/.exec((await page.locator('#result').textContent())!)![1]!;
    const invoice = (await admin(`/v1/invoices/${number}`)) as unknown as { lines: { description: string }[]; billTo: { locale: string } };
    assert.deepEqual(invoice.lines.map((l) => l.description), ['Business-Plattform', 'Onboarding', 'Speicher']);
    assert.equal(invoice.billTo.locale, 'de');
    await page.screenshot({ path: `${SHOTS}/7-phone-de-complete.png`, fullPage: true });
    await page.close();
  });

  it('when they pay with 4000 0000 0000 0002, then they see the decline and nothing is created', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const email = `declined-${Date.now()}@example.fr`;
    const counts = async () => ({
      customers: (await admin('/v1/customers?limit=100')).data.length,
      subscriptions: (await admin('/v1/subscriptions?limit=100')).data.length,
      invoices: (await admin('/v1/invoices?limit=100')).data.length,
    });
    const before = await counts();
    await toCheckout(page, email);
    await page.getByRole('button', { name: /continue to payment/i }).click();
    await page.getByLabel('Card number').fill('4000 0000 0000 0002');
    await page.getByRole('button', { name: /^pay /i }).click();
    await page.getByText(/your card was declined/i).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/5-checkout-declined.png`, fullPage: true });
    assert.deepEqual(await counts(), before);
    await page.close();
  });
});
