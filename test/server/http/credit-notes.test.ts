import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DomainError } from '../../../server/domain/errors.js';
import type { OffSessionChargeInput, RefundInput } from '../../../server/payments/provider.js';
import { TestPaymentProvider } from '../../../server/payments/test-provider.js';
import { insertCreditNote, type NewCreditNote } from '../../../server/storage/credit-note-repository.js';
import { pgConstraint, pgErrorCode, type Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { A_SELLER, bytes, pdfText } from '../../support/documents.js';
import { advance, billingRun, eventTypes, getSubscription, invoicesOf, post, subscribe } from '../../support/lifecycle.js';

/** The test provider, recording the refunds it was asked for. */
class RefundRecorder extends TestPaymentProvider {
  readonly refunds: RefundInput[] = [];
  failNext = false;
  override async refund(input: RefundInput) {
    this.refunds.push(input);
    if (this.failNext) {
      this.failNext = false;
      throw new DomainError('unavailable', 'payment_provider_unavailable', 'down');
    }
    return super.refund(input);
  }
}

interface PaidInvoice {
  id: string;
  number: string;
  total: number;
  lines: { id: string; total: number; tax: number }[];
}

for (const target of testDatabases()) {
  describe(`credit notes on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    const provider = new RefundRecorder();
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { payments: provider });
      await request(t.app).put('/v1/settings').set(t.sk).send({ seller: A_SELLER }).expect(200);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    /** A paid checkout invoice of a 29.00 plan: 34.51 with 19 % VAT. */
    const paidInvoice = async (amount = 2900): Promise<PaidInvoice> => {
      const plan = await aFlatPlan(t, amount);
      const res = await confirm(t, (await startCheckout(t, { plan: plan.code })).id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.invoice;
    };
    const credit = (invoice: string, body: Record<string, unknown>, key?: string) => {
      const req = request(t.app).post(`/v1/invoices/${invoice}/credit-notes`).set(t.sk);
      if (key) req.set('Idempotency-Key', key);
      return req.send(body);
    };
    const creditedOn = async (invoiceId: string) => {
      const row = (await db.query<{ amount_credited: string; amount_refunded: string }>('select amount_credited, amount_refunded from invoices where id = $1', [invoiceId])).rows[0]!;
      return { credited: Number(row.amount_credited), refunded: Number(row.amount_refunded) };
    };

    it('when a paid invoice is credited in part with a refund, then the credit note is numbered in its own series, taxed back, refunded once and announced', async () => {
      const invoice = await paidInvoice();
      assert.equal(invoice.total, 3451);
      const res = await credit(invoice.id, { amount: 1190, reason: 'Goodwill', refund: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const note = res.body;
      assert.match(note.number, new RegExp(`^CN-${new Date().getUTCFullYear()}-\\d{6}$`));
      assert.equal(note.invoiceId, invoice.id);
      assert.deepEqual([note.subtotal, note.tax, note.total], [1000, 190, 1190]);
      assert.deepEqual(note.lines.map((l: { invoiceLineId: string }) => l.invoiceLineId), [invoice.lines[0]!.id]);
      assert.deepEqual(note.refund, { amount: 1190, status: 'succeeded', id: `test_refund_${note.id}` });
      const sent = provider.refunds.filter((r) => r.creditNote?.id === note.id);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.amount, 1190);
      assert.deepEqual(await creditedOn(invoice.id), { credited: 1190, refunded: 1190 });

      const { rows } = await db.query<{ id: string }>("select id from events where object_id = $1 and type = 'credit_note.created'", [note.id]);
      assert.equal(rows.length, 1);
      const event = await request(t.app).get(`/v1/events/${rows[0]!.id}`).set(t.sk);
      assert.equal(event.body.data.object.number, note.number, 'the event carries the number taken at commit');

      assert.deepEqual((await request(t.app).get(`/v1/credit-notes/${note.number}`).set(t.sk)).body, note);
      const listed = await request(t.app).get(`/v1/credit-notes?invoiceId=${invoice.id}`).set(t.sk);
      assert.deepEqual(listed.body.data, [note]);
    });

    it('when credit notes follow each other, then their numbers are consecutive and the rest can be credited, but nothing more', async () => {
      const invoice = await paidInvoice();
      const first = await credit(invoice.id, { amount: 451, reason: 'Partial', refund: false });
      const rest = await credit(invoice.id, { reason: 'The rest', refund: false });
      assert.equal(rest.status, 201, JSON.stringify(rest.body));
      assert.equal(rest.body.total, 3000);
      const seq = (n: string) => Number(n.slice(-6));
      assert.equal(seq(rest.body.number), seq(first.body.number) + 1);
      assert.equal(first.body.tax + rest.body.tax, invoice.lines[0]!.tax, 'the tax given back adds up to the tax billed');
      assert.equal(first.body.refund, null);
      problemOf(await credit(invoice.id, { amount: 1, reason: 'Again', refund: false }), 422, 'nothing_to_credit');
    });

    it('when more than is left is asked for, by amount or by line, then 422 credit_exceeds_remaining with the pointer, and nothing is written', async () => {
      const invoice = await paidInvoice();
      const byAmount = problemOf(await credit(invoice.id, { amount: 3452, reason: 'Too much', refund: false }), 422, 'credit_exceeds_remaining');
      assert.deepEqual(pointers(byAmount), ['/amount']);
      const byLine = problemOf(await credit(invoice.id, { lines: [{ lineId: invoice.lines[0]!.id, amount: 3452 }], reason: 'Too much', refund: false }), 422, 'credit_exceeds_remaining');
      assert.deepEqual(pointers(byLine), ['/lines/0/amount']);
      const unknown = problemOf(await credit(invoice.id, { lines: [{ lineId: 'il_nope' }], reason: 'x', refund: false }), 422, 'credit_exceeds_remaining');
      assert.deepEqual(pointers(unknown), ['/lines/0/lineId']);
      assert.deepEqual(await creditedOn(invoice.id), { credited: 0, refunded: 0 });
    });

    it('when the request is malformed, then 400 with pointers; an unknown invoice is 404; a void one 409', async () => {
      const invoice = await paidInvoice();
      const both = problemOf(await credit(invoice.id, { amount: 100, lines: [{ lineId: invoice.lines[0]!.id }], reason: 'x', refund: false }), 400, 'validation_failed');
      assert.ok(pointers(both).includes('/lines'));
      const float = problemOf(await credit(invoice.id, { amount: 1.5, reason: 'x', refund: false }), 400, 'validation_failed');
      assert.ok(pointers(float).includes('/amount'));
      problemOf(await credit(invoice.id, { amount: 100, refund: false }), 400, 'validation_failed');
      problemOf(await credit('inv_nope', { amount: 100, reason: 'x', refund: false }), 404, 'invoice_not_found');
      // A void invoice is owed by no one: there is nothing to correct.
      const voided = await paidInvoice();
      await db.query(`update invoices set status = 'void', amount_paid = 0, paid_at = null, voided_at = now() where id = $1`, [voided.id]);
      assert.deepEqual(pointers(problemOf(await credit(voided.id, { reason: 'x', refund: false }), 409, 'invoice_status')), ['/path/id']);
    });

    it('when the same Idempotency-Key is sent twice, then one credit note and one refund', async () => {
      const invoice = await paidInvoice();
      const a = await credit(invoice.id, { amount: 100, reason: 'Once', refund: true }, `cn-${invoice.id}`);
      const b = await credit(invoice.id, { amount: 100, reason: 'Once', refund: true }, `cn-${invoice.id}`);
      assert.equal(a.status, 201);
      assert.deepEqual(b.body, a.body);
      assert.equal(provider.refunds.filter((r) => r.creditNote?.invoiceId === invoice.id).length, 1);
      assert.deepEqual(await creditedOn(invoice.id), { credited: 100, refunded: 100 });
    });

    it('when the provider fails the refund, then the credit note stands with the refund failed, and a retry refunds it with the same key', async () => {
      const invoice = await paidInvoice();
      provider.failNext = true;
      const res = await credit(invoice.id, { amount: 500, reason: 'Outage', refund: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.refund, { amount: 500, status: 'failed', code: 'payment_provider_unavailable' });
      const retry = await request(t.app).post(`/v1/credit-notes/${res.body.id}/refund`).set(t.sk);
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.equal(retry.body.refund.status, 'succeeded');
      assert.equal((await request(t.app).get(`/v1/credit-notes/${res.body.id}`).set(t.sk)).body.refund.status, 'succeeded');
      const again = await request(t.app).post(`/v1/credit-notes/${res.body.id}/refund`).set(t.sk);
      assert.equal(again.body.refund.status, 'succeeded');
      assert.equal(provider.refunds.filter((r) => r.creditNote?.id === res.body.id).length, 2, 'a succeeded refund is not sent again');
    });

    it('when a credit note would take more than an invoice or a line billed, or refund more than was paid, then the database refuses it', async () => {
      const invoice = await paidInvoice();
      const line = invoice.lines[0]!;
      const note = (total: number, refund: number): NewCreditNote => ({
        id: `cn_${total}_${refund}_${invoice.id}`, series: 'CN-TEST-', invoiceId: invoice.id, customerId: (invoice as unknown as { customerId: string }).customerId,
        currency: 'EUR', subtotal: total, tax: 0, total, taxBreakdown: [], reason: 'direct', refund: refund ? { amount: refund, status: 'pending' } : null,
        issuedAt: new Date().toISOString(), lines: [{ invoiceLineId: line.id, description: 'x', quantity: 1, amount: total, taxRate: 0, tax: 0, total, periodStart: null, periodEnd: null }],
      });
      // The invoice's and the line's limits are checked in one statement: either may be the one named.
      const limits = ['invoices_credit_at_most_total', 'invoice_lines_credit_at_most_total'];
      const refused = async (cn: NewCreditNote) => {
        await assert.rejects(db.transaction((tx) => insertCreditNote(tx, cn)), (error: unknown) => pgErrorCode(error) === '23514' && limits.includes(pgConstraint(error)!));
      };
      await refused(note(invoice.total + 1, 0));
      await db.transaction((tx) => insertCreditNote(tx, note(invoice.total, 0)));
      await refused(note(1, 0));
      assert.deepEqual(await creditedOn(invoice.id), { credited: invoice.total, refunded: 0 });
      const other = await paidInvoice();
      await assert.rejects(
        db.transaction((tx) => insertCreditNote(tx, { ...note(100, 0), id: `cn_refund_${other.id}`, invoiceId: other.id, lines: [{ ...note(100, 0).lines[0]!, invoiceLineId: other.lines[0]!.id }], refund: { amount: other.total + 1, status: 'pending' } })),
        (error: unknown) => pgConstraint(error) === 'invoices_refund_at_most_paid',
      );
    });

    it('when a cancellation now credits the unused time, then the credit note gives its reason in the customer\'s language, as their invoice and its PDF speak it', async () => {
      await request(t.app).put('/v1/settings').set(t.sk).send({ cancellation: { refund: 'prorate' } }).expect(200);
      try {
        const plan = await aFlatPlan(t, 2900);
        const cancelledNow = async (locale: 'en' | 'de') => {
          const checkout = await startCheckout(t, { plan: plan.code }, { locale });
          const paid = await confirm(t, checkout.id);
          assert.equal(paid.status, 200, JSON.stringify(paid.body));
          const cancelled = await request(t.app).post(`/v1/subscriptions/${paid.body.subscription.id}/cancel`).set(t.sk).send({ at: 'now' });
          assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
          const notes = await request(t.app).get(`/v1/credit-notes?invoiceId=${paid.body.invoice.id}`).set(t.sk);
          assert.equal(notes.body.data.length, 1, JSON.stringify(notes.body));
          return notes.body.data[0] as { id: string; reason: string };
        };
        assert.equal((await cancelledNow('en')).reason, 'Unused time after cancellation');
        const german = await cancelledNow('de');
        assert.equal(german.reason, 'Nicht genutzte Zeit nach der Kündigung');
        const pdf = await request(t.app).get(`/v1/credit-notes/${german.id}/pdf`).set(t.sk).buffer(true).parse(bytes);
        const text = pdfText(pdf.body as Buffer).replace(/\s+/g, ' ');
        // The PDF wraps the reason in its column: its first words follow the German label.
        assert.ok(text.includes('Grund Nicht genutzte Zeit nach der') && !text.includes('Unused'), text);
      } finally {
        await request(t.app).put('/v1/settings').set(t.sk).send({ cancellation: { refund: 'none' } }).expect(200);
      }
    });

    it('when many credit notes race for one invoice, then together they never credit more than its total', async () => {
      const invoice = await paidInvoice();
      const results = await Promise.all(Array.from({ length: 8 }, () => credit(invoice.id, { amount: 1000, reason: 'Race', refund: false })));
      const made = results.filter((r) => r.status === 201);
      assert.equal(made.length, 3, results.map((r) => `${r.status} ${r.body.code ?? ''}`).join(', '));
      for (const r of results.filter((x) => x.status !== 201)) problemOf(r, 422, 'credit_exceeds_remaining');
      assert.deepEqual(await creditedOn(invoice.id), { credited: 3000, refunded: 0 });
      const numbers = made.map((r) => Number(String(r.body.number).slice(-6))).sort((a, b) => a - b);
      assert.deepEqual(numbers, [numbers[0]!, numbers[0]! + 1, numbers[0]! + 2], 'gapless');
    });
  });
}

/** The refund recorder, also recording what it was asked to charge off-session (renewals, retries, pay). */
class ChargeRecorder extends RefundRecorder {
  readonly offSession: OffSessionChargeInput[] = [];
  override async chargeOffSession(input: OffSessionChargeInput) {
    this.offSession.push(input);
    return super.chargeOffSession(input);
  }
}

for (const target of testDatabases()) {
  describe(`credit notes on open and uncollectible invoices on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    const provider = new ChargeRecorder();
    before(async () => {
      db = await target.open();
      t = await testAppWith(db, { payments: provider, testClock: true });
      await request(t.app).put('/v1/settings').set(t.sk).send({ seller: A_SELLER }).expect(200);
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    const credit = (invoice: string, body: Record<string, unknown>) => post(t, `/v1/invoices/${invoice}/credit-notes`, body);
    const getInvoice = async (id: string) => (await request(t.app).get(`/v1/invoices/${id}`).set(t.sk).expect(200)).body;

    /** A 15.00 plan with a 7-day trial whose card declines every charge: its renewal invoice (17.85) is open, the subscription past_due. */
    const pastDue = async (balance = 0) => {
      const plan = await aFlatPlan(t, 1500, { trialDays: 7 });
      const { subscription, customer } = await subscribe(t, { plan: plan.code }, {}, 'pm_card_chargeCustomerFail');
      if (balance) await db.query('update customers set balance = $2 where id = $1', [customer.id, balance]);
      await advance(t, { days: 8 });
      await billingRun(t);
      assert.equal((await getSubscription(t, subscription.id)).status, 'past_due');
      const invoice = (await invoicesOf(t, subscription.id)).find((i) => i.kind === 'renewal')!;
      assert.equal(invoice.status, 'open');
      assert.equal(invoice.total, 1785);
      return { subscription, invoice };
    };

    it('when an open invoice is credited in part, then what is due drops by the credit, it stays open and dunning goes on; a later payment charges the reduced amount', async () => {
      const { subscription, invoice } = await pastDue();
      const res = await credit(invoice.id, { amount: 500, reason: 'Goodwill', refund: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.total, 500);
      assert.equal(res.body.refund, null, 'nothing was paid, so nothing is refunded: the credit reduces what is due');
      assert.equal(provider.refunds.filter((r) => r.creditNote?.invoiceId === invoice.id).length, 0);
      const after = await getInvoice(invoice.id);
      assert.deepEqual([after.status, after.amountDue, after.amountPaid, after.total], ['open', 1285, 0, 1785]);
      assert.ok(after.nextAttemptAt, 'the retry stays scheduled');
      assert.equal((await getSubscription(t, subscription.id)).status, 'past_due');
      assert.deepEqual(await eventTypes(db, invoice.id), ['invoice.finalized', 'invoice.payment_failed']);

      const paid = await post(t, `/v1/invoices/${invoice.id}/pay`, { paymentMethod: 'pm_card_visa' });
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.deepEqual([paid.body.status, paid.body.amountDue, paid.body.amountPaid], ['paid', 1285, 1285]);
      assert.equal(provider.offSession.filter((c) => c.metadata?.invoiceId === invoice.id).at(-1)!.amount, 1285);
      assert.equal((await getSubscription(t, subscription.id)).status, 'active');
      // The rest of the invoice is paid and can now be credited (and refunded) as a paid invoice's is.
      const rest = await credit(invoice.id, { reason: 'The rest', refund: true });
      assert.equal(rest.status, 201, JSON.stringify(rest.body));
      assert.deepEqual([rest.body.total, rest.body.refund?.amount, rest.body.refund?.status], [1285, 1285, 'succeeded']);
    });

    it('when an open invoice is credited in full, then it is paid with nothing charged, no retry follows and the past_due subscription is active again, with their events', async () => {
      const { subscription, invoice } = await pastDue();
      const res = await credit(invoice.id, { reason: 'Outage compensation', refund: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.total, 1785);
      assert.equal(res.body.refund, null);
      assert.match(res.body.number, /^CN-\d{4}-\d{6}$/);
      const after = await getInvoice(invoice.id);
      assert.deepEqual([after.status, after.amountDue, after.amountPaid, after.nextAttemptAt], ['paid', 0, 0, null]);
      assert.ok(after.paidAt);
      const sub = await getSubscription(t, subscription.id);
      assert.equal(sub.status, 'active');
      assert.deepEqual((await eventTypes(db, invoice.id)).slice(-1), ['invoice.paid']);
      assert.deepEqual((await eventTypes(db, subscription.id)).slice(-1), ['subscription.updated']);
      const { rows } = await db.query<{ type: string }>(
        `select type from events where type in ('credit_note.created', 'invoice.paid', 'subscription.updated') and object_id in ($1, $2, $3) order by seq`,
        [res.body.id, invoice.id, subscription.id],
      );
      assert.deepEqual(rows.map((r) => r.type), ['credit_note.created', 'invoice.paid', 'subscription.updated'], 'written together');
      const charges = provider.offSession.filter((c) => c.metadata?.invoiceId === invoice.id).length;
      await advance(t, { days: 2 });
      await billingRun(t);
      assert.equal(provider.offSession.filter((c) => c.metadata?.invoiceId === invoice.id).length, charges, 'no retry of a settled invoice');
      assert.equal((await getInvoice(invoice.id)).attempts.length, 1);
      problemOf(await credit(invoice.id, { amount: 1, reason: 'Again', refund: false }), 422, 'nothing_to_credit');
      const pdf = await request(t.app).get(`/v1/credit-notes/${res.body.id}/pdf`).set(t.sk).buffer(true).parse(bytes);
      assert.equal(pdf.status, 200);
      const text = pdfText(pdf.body as Buffer).replace(/\s+/g, ' ');
      assert.ok(text.includes('€17.85 has been deducted from the amount due on the invoice.') && !text.includes('not refunded'), text);
      const xml = await request(t.app).get(`/v1/credit-notes/${res.body.id}/e-invoice?format=ubl`).set(t.sk);
      assert.equal(xml.status, 200, xml.text);
    });

    it('when an open invoice is credited for more than is left, or asks a refund of a part nobody paid, then 422 with the pointer and nothing is written', async () => {
      // 5.00 of credit on the balance: the renewal applies it and 12.85 is due.
      const { invoice } = await pastDue(500);
      assert.deepEqual([invoice.balanceApplied, invoice.amountDue], [500, 1285]);
      assert.deepEqual(pointers(problemOf(await credit(invoice.id, { amount: 1786, reason: 'Too much', refund: false }), 422, 'credit_exceeds_remaining')), ['/amount']);
      // 12.85 reduces what is due; the other 5.00 was paid by the balance and would have to be refunded.
      assert.deepEqual(pointers(problemOf(await credit(invoice.id, { reason: 'All', refund: true }), 422, 'refund_exceeds_paid')), ['/refund']);
      const unchanged = await getInvoice(invoice.id);
      assert.deepEqual([unchanged.status, unchanged.amountDue], ['open', 1285]);
      const { rows } = await db.query('select 1 from credit_notes where invoice_id = $1', [invoice.id]);
      assert.equal(rows.length, 0);
      // Without a refund the excess is credited as on a paid invoice: it stays with the customer.
      const all = await credit(invoice.id, { reason: 'All', refund: false });
      assert.equal(all.status, 201, JSON.stringify(all.body));
      assert.equal(all.body.total, 1785);
      const after = await getInvoice(invoice.id);
      assert.deepEqual([after.status, after.amountDue], ['paid', 0]);
    });

    it('when an uncollectible invoice is credited, then what is due drops; credited in full it is paid and the unpaid subscription is active again', async () => {
      await request(t.app).put('/v1/settings').set(t.sk).send({ dunning: { retryDays: [1], finalAction: 'mark_uncollectible' } }).expect(200);
      try {
        const { subscription, invoice } = await pastDue();
        await advance(t, { days: 1 });
        await billingRun(t);
        assert.equal((await getInvoice(invoice.id)).status, 'uncollectible');
        assert.equal((await getSubscription(t, subscription.id)).status, 'unpaid');
        const part = await credit(invoice.id, { amount: 785, reason: 'Part', refund: false });
        assert.equal(part.status, 201, JSON.stringify(part.body));
        const between = await getInvoice(invoice.id);
        assert.deepEqual([between.status, between.amountDue], ['uncollectible', 1000]);
        assert.equal((await getSubscription(t, subscription.id)).status, 'unpaid');
        const rest = await credit(invoice.id, { reason: 'Written off', refund: false });
        assert.equal(rest.status, 201, JSON.stringify(rest.body));
        const after = await getInvoice(invoice.id);
        assert.deepEqual([after.status, after.amountDue, after.amountPaid], ['paid', 0, 0]);
        assert.equal((await getSubscription(t, subscription.id)).status, 'active');
        assert.deepEqual((await eventTypes(db, invoice.id)).slice(-1), ['invoice.paid']);
      } finally {
        await request(t.app).put('/v1/settings').set(t.sk).send({ dunning: { retryDays: [1, 3, 5, 7], finalAction: 'cancel' } }).expect(200);
      }
    });

    it('when a charge of the open invoice is in flight, then a credit that would lower what is due is 409 payment_in_progress', async () => {
      const { invoice } = await pastDue();
      // As a collector leaves it between asking the provider and recording the answer.
      await db.query(`insert into invoice_attempts (invoice_id, number, at, amount, outcome) values ($1, 2, now(), $2, 'pending')`, [invoice.id, invoice.amountDue]);
      problemOf(await credit(invoice.id, { amount: 100, reason: 'Now', refund: false }), 409, 'payment_in_progress');
      assert.equal((await getInvoice(invoice.id)).amountDue, 1785);
      await db.query(`delete from invoice_attempts where invoice_id = $1 and outcome = 'pending'`, [invoice.id]);
      assert.equal((await credit(invoice.id, { amount: 100, reason: 'Later', refund: false })).status, 201);
    });

    it('when a paid invoice is credited, then the invoice itself is unchanged: still paid, the same amount due and paid, no event of its own', async () => {
      const plan = await aFlatPlan(t, 2900);
      const { invoice } = await subscribe(t, { plan: plan.code });
      const before = await getInvoice(invoice.id);
      const res = await credit(invoice.id, { amount: 1000, reason: 'Goodwill', refund: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.refund?.amount, 1000);
      const after = await getInvoice(invoice.id);
      assert.deepEqual([after.status, after.amountDue, after.amountPaid, after.paidAt], [before.status, before.amountDue, before.amountPaid, before.paidAt]);
      assert.equal((await eventTypes(db, invoice.id)).filter((type) => type === 'invoice.paid').length, 1, 'paid once, at the checkout');
    });
  });
}
