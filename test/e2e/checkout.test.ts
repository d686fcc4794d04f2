/**
 * End to end, as a buyer: the demo shop served by `npm start`, in Debian's Chromium driven by playwright-core.
 * Screenshots land in docs/screenshots/ (the README shows them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBillkit, type RunningBillkit } from '../support/server-process.js';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = 'docs/screenshots';
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
    await page.screenshot({ path: `${SHOTS}/2-checkout-coupon.png`, fullPage: true });

    await page.getByRole('radio', { name: 'A business' }).check();
    await page.getByLabel(/VAT ID/i).fill(FR_VAT);
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
