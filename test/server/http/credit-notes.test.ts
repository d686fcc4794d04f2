import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DomainError } from '../../../server/domain/errors.js';
import type { RefundInput } from '../../../server/payments/provider.js';
import { TestPaymentProvider } from '../../../server/payments/test-provider.js';
import { insertCreditNote, type NewCreditNote } from '../../../server/storage/credit-note-repository.js';
import { pgConstraint, pgErrorCode, type Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { A_SELLER, pdfText } from '../../support/documents.js';

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

    it('when the request is malformed, then 400 with pointers; an unknown invoice is 404; an unpaid one 409', async () => {
      const invoice = await paidInvoice();
      const both = problemOf(await credit(invoice.id, { amount: 100, lines: [{ lineId: invoice.lines[0]!.id }], reason: 'x', refund: false }), 400, 'validation_failed');
      assert.ok(pointers(both).includes('/lines'));
      const float = problemOf(await credit(invoice.id, { amount: 1.5, reason: 'x', refund: false }), 400, 'validation_failed');
      assert.ok(pointers(float).includes('/amount'));
      problemOf(await credit(invoice.id, { amount: 100, refund: false }), 400, 'validation_failed');
      problemOf(await credit('inv_nope', { amount: 100, reason: 'x', refund: false }), 404, 'invoice_not_found');
      // An invoice still waiting for its money (as a declined renewal leaves it).
      const open = await paidInvoice();
      await db.query(`update invoices set status = 'open', amount_paid = 0, paid_at = null where id = $1`, [open.id]);
      assert.equal((await request(t.app).get(`/v1/invoices/${open.id}`).set(t.sk)).body.status, 'open');
      problemOf(await credit(open.id, { reason: 'x', refund: false }), 409, 'invoice_not_paid');
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
        const pdf = await request(t.app).get(`/v1/credit-notes/${german.id}/pdf`).set(t.sk).buffer(true).parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        });
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
