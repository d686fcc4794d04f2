/**
 * End to end, as a signed-in user of the demo shop: the shop's server makes a customer session (the demo's
 * server/seed/demo-shop.ts), the checkout element buys as that user, and a second purchase in another product
 * family lands on the same customer, found by the shop's own user id (refKey).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_USER } from '../../server/seed/demo-shop.js';
import { onDemoShop } from '../support/demo-shop.js';

// As checkout.test.ts: an ignored folder, unless `npm run screenshots` asks for the README's pictures.
const SHOTS = process.env.BILLKIT_SCREENSHOTS || 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

describe('a signed-in user on the demo shop', () => {
  const shop = onDemoShop();
  const admin = (path: string) => shop.admin(path);

  async function buySignedIn(page: Page, plan: string, screenshot?: string): Promise<void> {
    await page.goto(`${shop.billkit.url}/checkout/${plan}`);
    await page.locator('billkit-cart [part~="total"]').waitFor();
    const signedIn = page.getByLabel(/signed in as ada/i);
    if (!(await signedIn.isChecked())) await signedIn.check();
    const email = page.getByLabel('Email');
    await page.waitForFunction(() => {
      const form = document.querySelector('billkit-checkout')?.shadowRoot?.querySelector('billkit-payment-form');
      return form?.shadowRoot?.querySelector<HTMLInputElement>('#email')?.readOnly === true;
    });
    assert.equal(await email.inputValue(), DEMO_USER.email);
    assert.equal(await page.getByLabel('Full name').inputValue(), DEMO_USER.name);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    await page.getByRole('button', { name: /continue to payment/i }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /^(pay |start subscription)/i }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
  }

  it('when they buy Team and then Insights, signed in, then both subscriptions are on the customer with their user id, and no stranger was created', async () => {
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const customersBefore = (await admin('/v1/customers?limit=100')).data.length;
    await buySignedIn(page, 'team-monthly', `${SHOTS}/6-checkout-signed-in.png`);
    await buySignedIn(page, 'insights-monthly');
    assert.deepEqual(errors, []);

    const customer = await admin(`/v1/customers/by-ref/${DEMO_USER.refKey}`);
    assert.equal(customer.email, DEMO_USER.email);
    const subscriptions = await admin(`/v1/subscriptions?customerId=${customer.id}`);
    assert.deepEqual(subscriptions.data.map((s) => s.planCode).sort(), ['insights-monthly', 'team-monthly']);
    assert.equal((await admin('/v1/customers?limit=100')).data.length, customersBefore + 1);
    await page.close();
  });
});
