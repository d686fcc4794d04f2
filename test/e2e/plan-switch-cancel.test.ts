/**
 * End to end, as a subscriber on the merchant's account page: <billkit-plan-switch> and <billkit-cancel-flow>
 * with a portal session from the merchant's server, against Billkit as `npm start` runs it (the demo catalog,
 * the test provider and clock). The upgrade charged is the preview the buyer saw, to the cent; the cancel flow
 * offers the retention coupon, cancels at the period end and undoes it. Screenshots (light and dark, 320 px
 * and desktop, English and German) land in BILLKIT_SCREENSHOTS (default test-results/screenshots).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { onDemoShop } from '../support/demo-shop.js';

const SHOTS = process.env.BILLKIT_SCREENSHOTS || 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

describe('a subscriber switching plan and cancelling on the merchant\'s account page', () => {
  const shop = onDemoShop();

  async function call(method: string, path: string, body?: unknown, key = shop.billkit.keys.secret): Promise<any> {
    const res = await fetch(`${shop.billkit.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = res.status === 204 ? null : await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A buyer of Team monthly (3 seats) with 4242, past the 14-day trial and ten days into the first paid period; a portal session for them. */
  async function aSubscriber(locale = 'en', paymentMethod = 'pm_card_visa') {
    const pk = shop.billkit.keys.publishable;
    const checkout = await call('POST', '/v1/checkouts', {
      plan: 'team-monthly',
      quantity: 3,
      customer: {
        email: `sub-${crypto.randomUUID()}@example.test`, name: 'Ada Lovelace', country: 'DE', type: 'individual', locale,
        address: { line1: 'Hauptstrasse 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      },
    }, pk);
    const done = await call('POST', `/v1/checkouts/${checkout.id}/confirm`, { paymentMethod }, pk);
    await call('POST', '/v1/test-clock/advance', { days: 15 });
    await call('POST', '/v1/billing-runs');
    await call('POST', '/v1/test-clock/advance', { days: 10 });
    const session = await call('POST', '/v1/portal-sessions', { customerId: done.customer.id, locale });
    return { subscriptionId: done.subscription.id as string, token: session.token as string };
  }

  /** A page of the merchant's origin showing one element for the session. */
  async function page(tag: string, who: { subscriptionId: string; token: string }, opts: { width?: number; dark?: boolean; lang?: string } = {}): Promise<Page> {
    const p = await shop.browser.newPage({ viewport: { width: opts.width ?? 1100, height: 900 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    (p as Page & { errors?: string[] }).errors = errors;
    // The merchant's account page, served on Billkit's origin by the browser itself: only the element's own
    // script runs on it (the demo shop's script, started on a page rewritten under it, raced the new content).
    const url = `${shop.billkit.url}/account-page-under-test`;
    await p.route(url, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="${opts.lang ?? 'en'}" class="${opts.dark ? 'dark' : ''}"><head>
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <link rel="stylesheet" href="/demo.css"><script type="module" src="/elements/billkit.js"></script></head>
      <body><main style="max-width: 44rem; padding-block: 1rem"><${tag} api="${shop.billkit.url}" publishable-key="${shop.billkit.keys.publishable}"
        session="${who.token}" subscription="${who.subscriptionId}"></${tag}></main></body></html>` }));
    await p.goto(url);
    return p;
  }

  const shot = (p: Page, name: string) => p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const euros = (text: string) => Math.round(Number(text.replace(/[^\d,.-]/g, '').replace(/\.(?=\d{3})/g, '').replace(',', '.')) * 100);

  it('when the buyer previews an upgrade to Business and confirms it, then the invoice charged is the preview to the cent', async () => {
    const who = await aSubscriber();
    const p = await page('billkit-plan-switch', who);
    await p.getByRole('radio', { name: /choose business/i }).waitFor();
    await shot(p, 'portal-switch-1-plans');
    await p.getByRole('radio', { name: /choose business/i }).click();
    await p.getByRole('heading', { name: 'Review your change' }).waitFor();
    const lines = await p.locator('billkit-plan-switch [part~="line"] dd').allTextContents();
    assert.ok(lines.length >= 2, 'credits for Team and charges for Business');
    assert.ok(lines[0]!.includes('-'), `the credit is negative: ${lines[0]}`);
    const due = euros(await p.locator('billkit-plan-switch [part~="total"] dd').textContent() ?? '');
    assert.ok(due > 0);
    await shot(p, 'portal-switch-2-preview');
    await p.getByRole('button', { name: 'Confirm change' }).click();
    await p.getByRole('heading', { name: 'Your plan is changed' }).waitFor();
    await shot(p, 'portal-switch-3-done');
    const invoices = (await call('GET', `/v1/invoices?subscriptionId=${who.subscriptionId}&limit=10`)).data;
    const proration = invoices.find((i: { kind: string }) => i.kind === 'proration');
    assert.equal(proration.amountDue, due, 'charged exactly what the preview said');
    assert.equal(proration.status, 'paid');
    assert.equal((await call('GET', `/v1/subscriptions/${who.subscriptionId}`)).planCode, 'business-monthly');
    assert.deepEqual((p as Page & { errors?: string[] }).errors, []);
    await p.close();
  });

  it('when the card on file declines, then the upgrade is made, its invoice stays open, and the buyer is told to update the payment method', async () => {
    const who = await aSubscriber('en', 'pm_card_chargeCustomerFail');
    assert.equal((await call('GET', `/v1/subscriptions/${who.subscriptionId}`)).status, 'past_due', 'the first renewal after the trial was declined');
    const p = await page('billkit-plan-switch', who, { width: 320 });
    await p.getByRole('radio', { name: /choose business/i }).click();
    const due = euros(await p.locator('billkit-plan-switch [part~="total"] dd').textContent() ?? '');
    await p.getByRole('button', { name: 'Confirm change' }).click();
    await p.getByRole('heading', { name: 'Your payment was declined' }).waitFor();
    await shot(p, 'portal-switch-6-declined-320');
    const proration = (await call('GET', `/v1/invoices?subscriptionId=${who.subscriptionId}&limit=10`)).data.find((i: { kind: string }) => i.kind === 'proration');
    assert.deepEqual([proration.status, proration.amountDue], ['open', due]);
    const said = await p.locator('billkit-plan-switch [part~="outcome"]').textContent() ?? '';
    assert.ok(said.includes(proration.number) && said.includes('Update your payment method'), said);
    await p.close();
  });

  it('when a German buyer on a phone in the dark previews a downgrade, then it says when it takes effect; the screenshots show it', async () => {
    const who = await aSubscriber('de');
    const p = await page('billkit-plan-switch', who, { width: 320, dark: true, lang: 'de' });
    await p.getByRole('radio', { name: /starter wählen/i }).waitFor();
    await shot(p, 'portal-switch-0-plans-de-320-dark');
    await p.getByRole('radio', { name: /starter wählen/i }).click();
    await p.getByRole('heading', { name: 'Ihre Änderung prüfen' }).waitFor();
    assert.match(await p.locator('billkit-plan-switch [part~="effective"]').textContent() ?? '', /^Wird am .* wirksam; jetzt wird nichts berechnet\.$/);
    await shot(p, 'portal-switch-4-downgrade-de-320-dark');
    const wide = await page('billkit-plan-switch', who, { dark: true, lang: 'de' });
    await wide.getByRole('radio', { name: /business wählen/i }).click();
    await wide.getByRole('heading', { name: 'Ihre Änderung prüfen' }).waitFor();
    await shot(wide, 'portal-switch-5-upgrade-de-dark');
    await p.close();
    await wide.close();
  });

  it('when the buyer starts to cancel, then the retention offer comes first; they decline, cancel at the period end and undo it; another accepts the offer', async () => {
    await call('POST', '/v1/coupons', { code: 'STAY20', name: 'Stay with us', type: 'percentage', percentage: 20, frequency: 'limited', numberOfPeriods: 3 });
    await call('PUT', '/v1/settings', { portal: { cancellation: { retentionCoupon: 'STAY20' } } });
    const who = await aSubscriber();
    const p = await page('billkit-cancel-flow', who, { width: 320 });
    await p.getByRole('heading', { name: 'Why are you cancelling?' }).waitFor();
    await p.getByLabel('I do not use it enough').check();
    await p.getByLabel('Anything else? (optional)').fill('Back in spring');
    await shot(p, 'portal-cancel-1-reasons-320');
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.getByText('Stay and get 20% off the next 3 months').waitFor();
    await shot(p, 'portal-cancel-2-offer-320');
    await p.getByRole('button', { name: 'No thanks, cancel' }).click();
    await p.getByRole('heading', { name: 'Cancel your subscription?' }).waitFor();
    await shot(p, 'portal-cancel-3-confirm-320');
    await p.getByRole('button', { name: 'Cancel subscription' }).click();
    await p.getByRole('heading', { name: 'Your subscription is cancelled' }).waitFor();
    await shot(p, 'portal-cancel-4-done-320');
    const cancelled = await call('GET', `/v1/subscriptions/${who.subscriptionId}`);
    assert.deepEqual([cancelled.cancelAtPeriodEnd, cancelled.cancellation], [true, { reason: 'unused', comment: 'Back in spring' }]);
    await p.getByRole('button', { name: 'Undo cancellation' }).click();
    await p.getByRole('heading', { name: 'Your subscription continues' }).waitFor();
    assert.equal((await call('GET', `/v1/subscriptions/${who.subscriptionId}`)).cancelAtPeriodEnd, false);
    await p.close();

    const other = await aSubscriber('de');
    const de = await page('billkit-cancel-flow', other, { dark: true, lang: 'de' });
    await de.getByRole('button', { name: 'Weiter' }).click();
    await de.getByText('Bleiben Sie und erhalten Sie 20 % Rabatt für die nächsten 3 Monate').waitFor();
    await shot(de, 'portal-cancel-5-offer-de-dark');
    await de.getByRole('button', { name: 'Angebot annehmen' }).click();
    await de.getByRole('heading', { name: 'Danke, dass Sie bleiben' }).waitFor();
    await shot(de, 'portal-cancel-6-kept-de-dark');
    assert.equal((await call('GET', `/v1/subscriptions/${other.subscriptionId}`)).couponCode, 'STAY20');
    await de.close();
  });
});
