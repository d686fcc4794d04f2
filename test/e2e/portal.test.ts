/**
 * End to end, as a subscriber: the demo shop served by `npm start`, in Debian's Chromium driven by playwright-core.
 * A buyer subscribes, opens the customer portal (by the emailed code, or as the shop's signed-in user through a
 * portal session) and manages the subscription there. Screenshots land in BILLKIT_SCREENSHOTS
 * (test-results/screenshots/ by default), named portal-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { onDemoShop } from '../support/demo-shop.js';

const SHOTS = process.env.BILLKIT_SCREENSHOTS || 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

describe('a subscriber in the customer portal', () => {
  const shop = onDemoShop();

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${shop.billkit.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${shop.billkit.keys.secret}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as Record<string, any>;
  };

  /** The sign-in code mailed to `email`, read from /dev/mail as a tester would (the newest first). */
  async function codeFor(email: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const list = await (await fetch(`${shop.billkit.url}/dev/mail`)).text();
      const row = list.split('<tr>').find((r) => r.includes(email) && /code/i.test(r));
      const id = row?.match(/href="\/dev\/mail\/([^"]+)"/)?.[1];
      if (id) {
        const mail = await (await fetch(`${shop.billkit.url}/dev/mail/${id}`)).text();
        const code = mail.match(/\b(\d{6})\b/)?.[1];
        if (code) return code;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no sign-in code mailed to ${email}`);
  }

  /** Pays for `plan` in the demo shop's hosted checkout as a private buyer in Germany. */
  async function buy(page: Page, plan: string, email: string, card = '4242 4242 4242 4242'): Promise<void> {
    await page.goto(`${shop.billkit.url}/checkout/${plan}`);
    await page.locator('billkit-cart [part~="total"] dd', { hasText: /€/ }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByRole('button', { name: /continue to payment/i }).click();
    await page.getByLabel('Card number').fill(card);
    await page.getByRole('button', { name: /^(pay|start)/i }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
  }

  /** Signs in on the hosted portal with the code mailed to `email`. */
  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${shop.billkit.url}/portal`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code from the email').fill(await codeFor(email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await subscription(page).locator('[part~="price"]').waitFor();
  }

  /** The portal's first subscription, once it shows its price. */
  const subscription = (page: Page) => page.locator('billkit-portal billkit-subscription').first();

  it('when a buyer subscribes, then opens the portal from the checkout and signs in with the emailed code, then they see their subscription', async () => {
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const email = `grace-${Date.now()}@example.com`;
    await buy(page, 'starter-monthly', email);
    await page.screenshot({ path: `${SHOTS}/portal-1-checkout-complete.png`, fullPage: true });

    // The completed checkout leads to the hosted portal; a guest signs in there by email.
    await page.locator('billkit-payment-form [part~="portal"]').click();
    await page.waitForURL(/\/portal$/);
    await page.getByRole('heading', { name: 'Sign in to manage your subscription' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-2-sign-in.png`, fullPage: true });
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText(`If an account uses ${email}, we sent it a 6-digit code.`).waitFor();
    // A wrong code is refused at the field, with the tries left.
    await page.getByLabel('Code from the email').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/That is not the code we sent\. \d tries left\./).waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-3-wrong-code.png`, fullPage: true });
    await page.getByLabel('Code from the email').fill(await codeFor(email));
    await page.getByRole('button', { name: 'Sign in' }).click();

    await subscription(page).locator('[part~="price"]').waitFor();
    assert.equal((await subscription(page).locator('h3').textContent())!.trim(), 'Starter');
    assert.equal((await subscription(page).locator('[part~="badge"]').textContent())!.trim(), 'Active');
    assert.match((await subscription(page).locator('[part~="price"]').textContent())!, /€9\.00\s*\/ month/);
    assert.match((await subscription(page).locator('[part~="details"]').textContent())!, /Next invoice\s*€10\.71 on/);
    assert.match((await page.locator('billkit-portal header[part~="header"]').textContent())!, new RegExp(email.replace(/[.+]/g, '\\$&')));
    // The checkout's invoice is listed, paid, and its PDF downloads with the session.
    const row = page.locator('billkit-invoice-list [part="row"]').first();
    await row.waitFor();
    assert.match((await row.textContent())!, /INV-\d{4}-\d{6}[\s\S]*€10\.71[\s\S]*Paid/);
    await page.locator('billkit-payment-method [part~="current"]').waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-4-account.png`, fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /download pdf/i }).click()]);
    assert.match(download.suggestedFilename(), /^INV-\d{4}-\d{6}\.pdf$/);
    const pdf = await readFile((await download.path())!);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

    // A reload of the tab keeps the session (the hosted page holds it in sessionStorage); signing out revokes it.
    await page.reload();
    await subscription(page).locator('[part~="price"]').waitFor();
    // Signing out revokes the session: the sign-in shows again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to manage your subscription' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to manage your subscription' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('when a guest walks the hosted portal by keyboard alone, then Tab reaches the email field, focus lands on Subscriptions once signed in, Escape closes Change plan back to its button, and Save keeps the focus', async () => {
    const page = await shop.browser.newPage({ viewport: { width: 375, height: 800 } });
    const email = `kay-${Date.now()}@example.com`;
    await buy(page, 'starter-monthly', email);
    /** The focused element, through the shadow roots: "tag#id" of the innermost, and its text. */
    const focused = () => page.evaluate(() => {
      let a = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return `${a?.localName}#${a?.id} ${(a?.textContent ?? '').trim()}`;
    });
    const tabTo = async (re: RegExp) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (re.test(await focused())) return;
      }
      assert.fail(`Tab never reached ${re}; last ${await focused()}`);
    };
    await page.goto(`${shop.billkit.url}/portal`);
    await page.getByRole('heading', { name: 'Sign in to manage your subscription' }).waitFor();
    // The sign-in's host had tabindex=-1: Chromium skipped its whole shadow tree and Tab never reached the field.
    await tabTo(/^input#input/);
    await page.keyboard.type(email);
    await page.keyboard.press('Enter');
    await page.getByLabel('Code from the email').waitFor();
    assert.match(await focused(), /^input#input/);
    await page.keyboard.type(await codeFor(email));
    await page.keyboard.press('Enter');
    await subscription(page).locator('[part~="price"]').waitFor();
    await page.waitForFunction(() => document.querySelector('billkit-portal')?.shadowRoot?.activeElement?.id === 'subs-title');
    await tabTo(/^button# Change plan$/);
    await page.keyboard.press('Enter');
    await subscription(page).locator('dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await subscription(page).locator('dialog[open]').waitFor({ state: 'detached' });
    assert.match(await focused(), /^button# Change plan$/);
    await tabTo(/^button# Save$/);
    await page.keyboard.press('Enter');
    await page.locator('billkit-billing-details [part="saved"]', { hasText: 'Saved' }).waitFor();
    assert.match(await focused(), /^button# Save$/, 'the focus fell to the page after saving');
    await page.screenshot({ path: `${SHOTS}/portal-keyboard-saved-375.png`, fullPage: true });
    await page.close();
  });

  it("when the shop's signed-in user clicks Manage subscription, then the shop's server opens a portal session and the token leaves the address bar", async () => {
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.addInitScript(() => localStorage.setItem('billkit-demo-user', 'signed-in'));
    await page.goto(`${shop.billkit.url}/checkout/team-monthly`);
    await page.locator('billkit-cart [part~="total"] dd', { hasText: /€/ }).waitFor();
    // The shop's session for Ada arrives after the page: her details are filled in (read-only) once it has.
    // Clicking on before that sent an empty form (1 run in 5 never reached the card field).
    await page.waitForFunction(() => {
      const form = document.querySelector('billkit-checkout')?.shadowRoot?.querySelector('billkit-payment-form');
      return form?.shadowRoot?.querySelector<HTMLInputElement>('#email')?.readOnly === true;
    });
    await page.getByRole('button', { name: /continue to payment/i }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /^(pay|start)/i }).click();
    await page.locator('#result').waitFor({ state: 'visible' });

    await page.getByRole('link', { name: 'Manage subscription' }).first().click();
    await page.waitForURL(/\/portal/);
    await subscription(page).locator('[part~="price"]').waitFor();
    assert.doesNotMatch(page.url(), /session=/);
    assert.equal((await subscription(page).locator('[part~="badge"]').textContent())!.trim(), 'Trial');
    assert.match((await subscription(page).locator('[part~="details"]').textContent())!, /Trial ends/);
    assert.match((await page.locator('billkit-portal header[part~="header"]').textContent())!, /Ada Lovelace/);
    // The way back names the merchant (the demo's seller), not the return URL's host.
    assert.equal((await page.locator('billkit-portal [part~="back"]').textContent())!.trim(), 'Back to Billkit Demo GmbH');
    await page.screenshot({ path: `${SHOTS}/portal-5-signed-in-user.png`, fullPage: true });
    // The shop's deep links: a session opened on the cancel flow shows it at once; one on the payment method opens its form.
    const ada = await api('GET', '/v1/customers/by-ref/demo-user-ada');
    const adaSub = (await api('GET', `/v1/subscriptions?customerId=${ada.id}`)).data[0];
    const cancelLink = await api('POST', '/v1/portal-sessions', { customerId: ada.id, flow: { type: 'cancel', subscriptionId: adaSub.id } });
    await page.goto(cancelLink.url.replace(/^http:\/\/localhost:\d+/, shop.billkit.url));
    await subscription(page).locator('dialog').getByRole('heading', { name: 'Why are you cancelling?' }).waitFor();
    await page.keyboard.press('Escape');
    await subscription(page).getByRole('button', { name: 'Cancel subscription' }).waitFor();
    // The deep link opens once per session: a reload of the same session lands on the portal's home.
    await page.reload();
    await subscription(page).locator('[part~="price"]').waitFor();
    await page.locator('billkit-invoice-list [part="row"]').first().waitFor();
    assert.equal(await subscription(page).locator('dialog[open]').count(), 0, 'the cancel flow opened again on the reload');
    const cardLink = await api('POST', '/v1/portal-sessions', { customerId: ada.id, flow: { type: 'payment_method', subscriptionId: adaSub.id } });
    await page.goto('about:blank');
    await page.goto(cardLink.url.replace(/^http:\/\/localhost:\d+/, shop.billkit.url));
    await page.waitForFunction(() => document.querySelector('billkit-portal')?.shadowRoot?.querySelector('billkit-payment-method')?.shadowRoot?.activeElement?.id === 'card');

    // The same account on a 320 px phone, in German and dark (the reload keeps the session).
    await page.setViewportSize({ width: 320, height: 800 });
    await page.evaluate(() => { localStorage.setItem('billkit-demo-lang', 'de'); localStorage.setItem('billkit-demo-theme', 'dark'); });
    await page.reload();
    await subscription(page).locator('[part~="badge"]', { hasText: 'Testphase' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, 'nothing wider than the phone');
    await page.screenshot({ path: `${SHOTS}/portal-6-phone-de-dark.png`, fullPage: true });
    await page.close();
  });

  it('when a trial bought with a card that fails ends after the clock moves, then the portal says the payment failed, and a new card there pays the invoice', async () => {
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const email = `trial-${Date.now()}@example.com`;
    // 4000 0000 0000 0341: saved at the checkout, then every charge declined (pm_card_chargeCustomerFail).
    await buy(page, 'team-monthly', email, '4000 0000 0000 0341');
    await api('POST', '/v1/test-clock/advance', { days: 15 });
    await api('POST', '/v1/billing-runs');
    await signIn(page, email);
    assert.equal((await subscription(page).locator('[part~="badge"]').textContent())!.trim(), 'Past due');
    assert.equal((await subscription(page).locator('[part~="notice"]').textContent())!.trim(), 'Payment failed: update your payment method.');
    await page.screenshot({ path: `${SHOTS}/portal-11-past-due.png`, fullPage: true });

    // The alert opens the payment method's new-card form; a new card pays the open invoice at once.
    await page.getByRole('button', { name: 'Update payment method' }).click();
    const method = page.locator('billkit-payment-method');
    await method.locator('[part~="past-due"]').waitFor();
    // The new-card form is open and its field focused.
    await page.waitForFunction(() => document.querySelector('billkit-portal')?.shadowRoot?.querySelector('billkit-payment-method')?.shadowRoot?.activeElement?.id === 'card');
    await page.keyboard.type('4242 4242 4242 4242');
    await method.getByRole('button', { name: 'Save card' }).click();
    await method.locator('[part~="outcome"]', { hasText: /is paid/ }).waitFor();
    await subscription(page).locator('[part~="badge"]', { hasText: 'Active' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-12-card-replaced.png`, fullPage: true });
    const customer = (await api('GET', `/v1/customers?email=${encodeURIComponent(email)}`)).data[0];
    const invoices = (await api('GET', `/v1/invoices?customerId=${customer.id}`)).data;
    const renewal = invoices.find((i: { kind: string }) => i.kind === 'renewal');
    assert.equal(renewal.status, 'paid');
    await page.close();
  });

  it('when a subscriber upgrades in the portal, then the invoice charged is the preview; when they start to cancel, the retention offer keeps them; a cancellation at the period end is undone', async () => {
    await api('POST', '/v1/coupons', { code: 'PORTAL20', name: 'Stay with us', type: 'percentage', percentage: 20, frequency: 'limited', numberOfPeriods: 3 });
    await api('PUT', '/v1/settings', { portal: { cancellation: { retentionCoupon: 'PORTAL20' } } });
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const email = `walk-${Date.now()}@example.com`;
    await buy(page, 'starter-monthly', email);
    await signIn(page, email);
    const dialog = subscription(page).locator('dialog');

    // Upgrade: the preview's total is what is charged.
    await subscription(page).getByRole('button', { name: 'Change plan' }).click();
    await dialog.getByRole('radio', { name: /choose business/i }).waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-7-change-plan.png` });
    await dialog.getByRole('radio', { name: /choose business/i }).click();
    await dialog.getByRole('heading', { name: 'Review your change' }).waitFor();
    const due = (await dialog.locator('[part~="total"] dd').textContent())!.trim();
    await page.screenshot({ path: `${SHOTS}/portal-8-upgrade-preview.png` });
    await dialog.getByRole('button', { name: 'Confirm change' }).click();
    await dialog.getByRole('heading', { name: 'Your plan is changed' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await subscription(page).locator('h3', { hasText: 'Business' }).waitFor();
    const customer = (await api('GET', `/v1/customers?email=${encodeURIComponent(email)}`)).data[0];
    const proration = (await api('GET', `/v1/invoices?customerId=${customer.id}`)).data.find((i: { kind: string }) => i.kind === 'proration');
    assert.equal(proration.status, 'paid');
    assert.equal(`€${(proration.amountPaid / 100).toFixed(2)}`, due, 'charged what the preview said');
    await page.locator('billkit-invoice-list [part="row"]', { hasText: proration.number }).waitFor();

    // Cancel: the offer comes first, and accepting it keeps the subscription with the coupon.
    await subscription(page).getByRole('button', { name: 'Cancel subscription' }).click();
    await dialog.getByRole('heading', { name: 'Why are you cancelling?' }).waitFor();
    await dialog.getByLabel('It is too expensive').check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByText('Stay and get 20% off the next 3 months').waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-9-retention-offer.png` });
    await dialog.getByRole('button', { name: 'Accept offer' }).click();
    await dialog.getByRole('heading', { name: 'Thank you for staying' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const sub = (await api('GET', `/v1/subscriptions?customerId=${customer.id}`)).data[0];
    assert.deepEqual([sub.couponCode, sub.cancelAtPeriodEnd], ['PORTAL20', false]);

    // Cancel at the period's end (no second offer), then keep it from the subscription itself.
    await subscription(page).getByRole('button', { name: 'Cancel subscription' }).click();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('heading', { name: 'Cancel your subscription?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel subscription' }).click();
    await dialog.getByRole('heading', { name: 'Your subscription is cancelled' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const notice = subscription(page).locator('[part~="notice"]');
    await notice.filter({ hasText: /^Ends on / }).waitFor();
    await page.screenshot({ path: `${SHOTS}/portal-10-ends-on.png`, fullPage: true });
    assert.equal((await api('GET', `/v1/subscriptions/${sub.id}`)).cancelAtPeriodEnd, true);
    await subscription(page).getByRole('button', { name: 'Keep subscription' }).click();
    await subscription(page).getByRole('button', { name: 'Cancel subscription' }).waitFor();
    assert.equal(await notice.count(), 0);
    assert.equal((await api('GET', `/v1/subscriptions/${sub.id}`)).cancelAtPeriodEnd, false);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("when the merchant allows pausing, then a subscriber pauses from the period's end, sees it paused once the period is over, resumes, and the new period is invoiced and paid at once", async () => {
    await api('PUT', '/v1/settings', { portal: { features: { pause: true }, pause: { enabled: true } } });
    const page = await shop.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const email = `pause-${Date.now()}@example.com`;
      await buy(page, 'starter-monthly', email);
      const customer = (await api('GET', `/v1/customers?email=${encodeURIComponent(email)}`)).data[0];
      const bought = (await api('GET', `/v1/subscriptions?customerId=${customer.id}`)).data[0];
      // The shop's server opens the portal for its user (no emailed code: the sign-in's per-address limit is
      // shared with the tests before).
      const openPortal = async () => {
        const session = await api('POST', '/v1/portal-sessions', { customerId: customer.id });
        await page.goto('about:blank');
        await page.goto(session.url.replace(/^http:\/\/localhost:\d+/, shop.billkit.url));
        await subscription(page).locator('[part~="price"]').waitFor();
      };
      await openPortal();

      // Pause: asked first, then scheduled for the period's end (the period already paid runs out).
      await subscription(page).getByRole('button', { name: 'Pause', exact: true }).click();
      await subscription(page).getByText(/Pause from .+\? Nothing is billed while paused\./).waitFor();
      await page.screenshot({ path: `${SHOTS}/portal-13-pause-question.png` });
      await subscription(page).getByRole('button', { name: 'Pause subscription' }).click();
      const notice = subscription(page).locator('[part~="notice"]');
      await notice.filter({ hasText: /^Pauses on / }).waitFor();
      const scheduled = await api('GET', `/v1/subscriptions/${bought.id}`);
      assert.deepEqual([scheduled.status, scheduled.pausedAt], ['active', bought.currentPeriodEnd]);

      // The period ends on the test clock: the billing run pauses it and bills nothing. The hour-long portal
      // session has ended by then, so the shop opens a new one.
      await api('POST', '/v1/test-clock/advance', { days: 32 });
      await api('POST', '/v1/billing-runs');
      assert.equal((await api('GET', `/v1/subscriptions/${bought.id}`)).status, 'paused');
      await openPortal();
      await subscription(page).locator('[part~="badge"]', { hasText: 'Paused' }).waitFor();
      assert.equal((await notice.textContent())!.trim(), 'Paused until you resume it.');
      await page.screenshot({ path: `${SHOTS}/portal-14-paused.png`, fullPage: true });

      // Resume: a new period from now, invoiced and charged at once.
      await subscription(page).getByRole('button', { name: 'Resume' }).click();
      await subscription(page).locator('[part~="badge"]', { hasText: 'Active' }).waitFor();
      assert.equal(await notice.count(), 0);
      await page.screenshot({ path: `${SHOTS}/portal-15-resumed.png`, fullPage: true });
      const resumed = await api('GET', `/v1/subscriptions/${bought.id}`);
      assert.deepEqual([resumed.status, resumed.pausedAt, resumed.resumesAt], ['active', null, null]);
      const invoices = (await api('GET', `/v1/invoices?subscriptionId=${bought.id}`)).data as { kind: string; status: string; periodStart: string; number: string }[];
      const resumeInvoice = invoices.find((i) => i.kind === 'renewal' && i.periodStart === resumed.currentPeriodStart);
      assert.ok(resumeInvoice, `no invoice for the resumed period: ${JSON.stringify(invoices.map((i) => [i.kind, i.status, i.periodStart]))}`);
      assert.equal(resumeInvoice.status, 'paid');
      await page.locator('billkit-invoice-list [part="row"]', { hasText: resumeInvoice.number }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await api('PUT', '/v1/settings', { portal: { features: { pause: false }, pause: { enabled: false } } });
    }
  });
});
