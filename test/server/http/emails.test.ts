import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { sendSignInCode } from '../../../server/app/send-emails.js';
import type { EventType } from '../../../server/domain/events.js';
import { SmtpTransport, type MailTransport } from '../../../server/notify/mail-transport.js';
import type { Db } from '../../../server/storage/db.js';
import { recordEvents } from '../../../server/storage/event-repository.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases, unique } from '../../support/db.js';
import { advanceClock, deliverNow, startMailCatcher, type MailCatcher } from '../../support/webhooks.js';

const SELLER = { name: 'Acme Cloud GmbH', address: { line1: 'Torstrasse 1', postalCode: '10119', city: 'Berlin', country: 'DE' }, email: 'billing@acme.test' };

interface EmailRow {
  id: string;
  template: string;
  status: string;
  recipient: string | null;
  locale: string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  data: Record<string, unknown>;
  error: string | null;
  attempts: number;
}

for (const target of testDatabases()) {
  describe(`emails to buyers on ${target.name}`, () => {
    let db: Db;
    let kept: TestApp;
    let smtp: TestApp;
    let catcher: MailCatcher;
    let transport: MailTransport;
    before(async () => {
      db = await target.open();
      catcher = await startMailCatcher();
      transport = new SmtpTransport(catcher.url);
      kept = await testAppWith(db, { testClock: true });
      smtp = await testAppWith(db, { testClock: true, notify: { mail: transport } });
      await kept.deps.settings.update({ seller: SELLER });
    });
    after(async () => {
      transport.close();
      await catcher.close();
      if (target.name === 'postgres') await db.close();
    });

    const checkout = async (t: TestApp, buyer: Record<string, unknown> = {}, planOverrides: Record<string, unknown> = {}) => {
      const plan = await aFlatPlan(t, 2900, planOverrides);
      const res = await confirm(t, (await startCheckout(t, { plan: plan.code }, buyer)).id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { customer: { id: string; email: string }; subscription: { id: string; planCode: string }; invoice: { id: string; number: string } };
    };
    const emailsOf = async (where: string, params: unknown[]) =>
      (await db.query<EmailRow>(`select * from emails where ${where} order by created_at, id`, params)).rows;
    const emailOfEvent = async (objectId: string, type: EventType) =>
      emailsOf(`event_id in (select id from events where object_id = $1 and type = $2)`, [objectId, type]);

    it('when an invoice is paid, then the buyer gets a receipt in their locale, with the seller name and the amount, kept in the database without SMTP', async () => {
      const done = await checkout(kept, { locale: 'de' });
      await deliverNow(kept);
      const [receipt, ...more] = await emailOfEvent(done.invoice.id, 'invoice.paid');
      assert.equal(more.length, 0);
      assert.deepEqual([receipt!.template, receipt!.status, receipt!.recipient, receipt!.locale], ['receipt', 'kept', done.customer.email, 'de']);
      assert.equal(receipt!.subject, `Zahlungsbestätigung für Rechnung ${done.invoice.number} von Acme Cloud GmbH`);
      assert.match(receipt!.text_body!, /Vielen Dank für Ihre Zahlung von 34,51\s€ am \d+\. \w+ \d{4}\./);
      assert.match(receipt!.html_body!, /<html lang="de">/);
      const english = await checkout(kept, { name: 'Grace <Hopper>' });
      await deliverNow(kept);
      const [en] = await emailOfEvent(english.invoice.id, 'invoice.paid');
      assert.equal(en!.subject, `Receipt for invoice ${english.invoice.number} from Acme Cloud GmbH`);
      assert.match(en!.text_body!, /^Hello Grace <Hopper>,/);
      assert.match(en!.html_body!, /Hello Grace &#60;Hopper&#62;,/, 'names are escaped in the HTML');
      // An invoice paid with nothing (the customer's balance covered it): no receipt of a payment of 0.
      const covered = { id: `inv_covered_${unique('x')}`, number: 'INV-2026-999999', customerId: done.customer.id, amountPaid: 0, total: 1000, currency: 'EUR' };
      await db.transaction((tx) => recordEvents(tx, [{ type: 'invoice.paid', object: covered }], new Date().toISOString()));
      await deliverNow(kept);
      assert.deepEqual((await emailOfEvent(covered.id, 'invoice.paid')).map((m) => m.status), ['skipped']);
      // Kept once: another pass makes no second email.
      await deliverNow(kept);
      assert.equal((await emailOfEvent(done.invoice.id, 'invoice.paid')).length, 1);
    });

    it('when the lifecycle writes payment_failed, trial_will_end and cancelled, then each sends its email in the buyer locale, payment failed linking to the portal', async () => {
      const done = await checkout(kept, { locale: 'de' }, { translations: { de: { name: 'Profi' } } });
      const at = new Date().toISOString();
      await db.transaction((tx) =>
        recordEvents(
          tx,
          [
            { type: 'invoice.payment_failed', object: { id: done.invoice.id, number: done.invoice.number, customerId: done.customer.id, amountDue: 3451, currency: 'EUR' } },
            { type: 'subscription.trial_will_end', object: { id: done.subscription.id, customerId: done.customer.id, planCode: done.subscription.planCode, trialEnd: '2027-03-04T10:00:00.000Z' } },
            { type: 'subscription.cancelled', object: { id: done.subscription.id, customerId: done.customer.id, planCode: done.subscription.planCode, cancelledAt: '2027-03-05T10:00:00.000Z' } },
          ],
          at,
        ),
      );
      await deliverNow(kept);
      const [failed] = await emailOfEvent(done.invoice.id, 'invoice.payment_failed');
      assert.equal(failed!.template, 'payment_failed');
      assert.match(failed!.subject!, /^Zahlung für Rechnung INV-\d{4}-\d{6} von Acme Cloud GmbH fehlgeschlagen$/);
      assert.match(failed!.text_body!, /34,51\s€/);
      assert.match(failed!.text_body!, /Zahlungsmethode aktualisieren: http:\/\/localhost:4000\/portal/);
      assert.match(failed!.html_body!, /<a href="http:\/\/localhost:4000\/portal">/);
      const [trial] = await emailOfEvent(done.subscription.id, 'subscription.trial_will_end');
      assert.equal(trial!.subject, 'Ihr Testzeitraum bei Acme Cloud GmbH endet am 4. März 2027');
      const [cancelled] = await emailOfEvent(done.subscription.id, 'subscription.cancelled');
      assert.equal(cancelled!.subject, 'Ihr Abonnement bei Acme Cloud GmbH ist gekündigt');
      assert.match(cancelled!.text_body!, /am 5\. März 2027 gekündigt/);
      // The plan by its name in the customer's language, not by its code.
      assert.match(cancelled!.text_body!, /Ihr Abonnement für Profi wurde/);
      assert.match(trial!.text_body!, /Ihr Testzeitraum für Profi endet/);
      assert.ok([failed, trial, cancelled].every((m) => m!.status === 'kept' && m!.recipient === done.customer.email));
    });

    it('when BILLKIT_SMTP_URL is set, then the receipt goes through a real SMTP server: recipient, subject, sender, text, HTML and the invoice PDF', async () => {
      const done = await checkout(smtp);
      await deliverNow(smtp);
      const mail = catcher.messages.find((m) => m.subject?.includes(done.invoice.number));
      assert.ok(mail, 'the receipt arrived');
      assert.equal((mail.to as { text: string }).text, done.customer.email);
      assert.equal(mail.from?.text, '"Acme Cloud GmbH" <billing@acme.test>');
      assert.equal(mail.subject, `Receipt for invoice ${done.invoice.number} from Acme Cloud GmbH`);
      assert.match(mail.text!, /Thank you for your payment of €34\.51/);
      assert.match(String(mail.html), /Invoice INV-\d{4}-\d{6} is paid\./);
      // The receipt carries the invoice as a PDF.
      assert.equal(mail.attachments.length, 1);
      assert.equal(mail.attachments[0]!.contentType, 'application/pdf');
      assert.match(mail.attachments[0]!.filename ?? '', new RegExp(`${done.invoice.number}`));
      assert.equal(mail.attachments[0]!.content.subarray(0, 5).toString(), '%PDF-');
      const [row] = await emailOfEvent(done.invoice.id, 'invoice.paid');
      assert.equal(row!.status, 'sent');
      const before = catcher.messages.length;
      await deliverNow(smtp);
      assert.equal(catcher.messages.length, before, 'sent once');
    });

    it('when a sign-in code is sent, then it is mailed in the given locale after the commit, and once sent over SMTP the database forgets it', async () => {
      const email = `${unique('signin')}@example.test`;
      const at = new Date().toISOString();
      await assert.rejects(
        db.transaction(async (tx) => {
          await sendSignInCode(tx, { email, code: '111111', locale: 'de', at });
          throw new Error('the sign-in failed after the code was made');
        }),
      );
      const id = await db.transaction((tx) => sendSignInCode(tx, { email, code: '482913', locale: 'de', at }));
      await deliverNow(smtp);
      const mails = catcher.messages.filter((m) => (m.to as { text: string }).text === email);
      assert.equal(mails.length, 1, 'only the committed code is mailed');
      assert.equal(mails[0]!.subject, 'Ihr Anmeldecode für Acme Cloud GmbH: 482913');
      assert.match(mails[0]!.text!, /lautet 482913\. Er ist 10 Minuten gültig\./);
      const [row] = await emailsOf('id = $1', [id]);
      assert.deepEqual([row!.status, row!.subject, row!.text_body, row!.data], ['sent', null, null, {}]);
    });

    it('when no SMTP is configured, then /dev/mail lists the mails newest first and shows each one (test mode only)', async () => {
      const email = `${unique('dev')}@example.test`;
      const id = await db.transaction((tx) => sendSignInCode(tx, { email, code: '765432', at: new Date().toISOString() }));
      await deliverNow(kept);
      const list = await request(kept.app).get('/dev/mail');
      assert.equal(list.status, 200);
      assert.match(list.headers['content-type'], /text\/html/);
      const rows = [...list.text.matchAll(/href="\/dev\/mail\/([^"]+)"/g)].map((m) => m[1]);
      assert.equal(rows[0], id, 'newest first');
      assert.ok(list.text.includes(email));
      const one = await request(kept.app).get(`/dev/mail/${id}`);
      assert.equal(one.status, 200);
      assert.ok(one.text.includes('Your code to sign in to your Acme Cloud GmbH account is 765432.'));
      const html = await request(kept.app).get(`/dev/mail/${id}/html`);
      assert.match(html.text, /<p>Your code to sign in/);
      assert.equal((await request(kept.app).get('/dev/mail/em_nope')).status, 404);
      const live = await testAppWith(db, { testClock: false });
      assert.equal((await request(live.app).get('/dev/mail')).status, 404);
    });

    it('when the SMTP server refuses, then the email is retried on the schedule and sent once it accepts', async () => {
      const email = `${unique('retry')}@example.test`;
      const id = await db.transaction((tx) => sendSignInCode(tx, { email, code: '135790', at: new Date().toISOString() }));
      catcher.refuse = true;
      try {
        await deliverNow(smtp);
      } finally {
        catcher.refuse = false;
      }
      let [row] = await emailsOf('id = $1', [id]);
      assert.equal(row!.status, 'pending');
      assert.match(row!.error!, /Mailbox unavailable/);
      await deliverNow(smtp);
      assert.equal((await emailsOf('id = $1', [id]))[0]!.status, 'pending', 'not before the retry is due');
      await advanceClock(smtp, 5000);
      await deliverNow(smtp);
      [row] = await emailsOf('id = $1', [id]);
      assert.equal(row!.status, 'sent');
      assert.equal(catcher.messages.filter((m) => (m.to as { text: string }).text === email).length, 1);
    });

    it('when a pass dies while sending (the process killed), then the email is sent by a later pass after the lease: none lost', async () => {
      const email = `${unique('crash')}@example.test`;
      const id = await db.transaction((tx) => sendSignInCode(tx, { email, code: '246802', at: new Date().toISOString() }));
      const hanging: MailTransport = { kind: 'smtp', send: () => new Promise(() => {}), close: () => {} };
      const dying = await testAppWith(db, { testClock: true, notify: { mail: hanging } });
      void dying.deps.emailDelivery.runOnce();
      for (let i = 0; i < 500 && (await emailsOf('id = $1 and attempts = 1', [id])).length === 0; i++) await new Promise((r) => setImmediate(r));
      await deliverNow(smtp);
      assert.equal(catcher.messages.filter((m) => (m.to as { text: string }).text === email).length, 0, 'leased to the dead pass');
      await advanceClock(smtp, 61_000);
      await deliverNow(smtp);
      assert.equal(catcher.messages.filter((m) => (m.to as { text: string }).text === email).length, 1);
    });
  });
}
