import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { A_SELLER, bytes, pdfAttachments, pdfText } from '../../support/documents.js';

for (const target of testDatabases()) {
  describe(`invoice and credit note documents on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let invoice: { id: string; number: string; total: number };
    before(async () => {
      db = await target.open();
      t = await testAppWith(db);
      const plan = await aFlatPlan(t, 2900);
      const checkout = await startCheckout(t, { plan: plan.code }, {
        locale: 'de',
        name: 'Γιώργος Παπαδόπουλος', country: 'GR', address: { line1: 'Οδός Ερμού 10', postalCode: '10563', city: 'Αθήνα', country: 'GR' },
      });
      invoice = (await confirm(t, checkout.id)).body.invoice;
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });
    const get = (path: string) => request(t.app).get(path).set(t.sk).buffer(true).parse(bytes);

    it('when no seller was ever set, then a document is 422 seller_missing; once set, an invoice issued before shows it', async () => {
      const res = await request(t.app).get(`/v1/invoices/${invoice.id}/pdf`).set(t.sk);
      problemOf(res, 422, 'seller_missing');
      await request(t.app).put('/v1/settings').set(t.sk).send({ seller: A_SELLER }).expect(200);
      const pdf = await get(`/v1/invoices/${invoice.id}/pdf`);
      assert.equal(pdf.status, 200);
      assert.ok(pdfText(pdf.body).includes(A_SELLER.name));
    });

    it("when an invoice's PDF is asked for, then an A4 PDF in the customer's language with the number, the parties and the OSS note", async () => {
      const res = await get(`/v1/invoices/${invoice.number}/pdf`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.headers['content-disposition'], `inline; filename="${invoice.number}.pdf"`);
      const text = pdfText(res.body).replace(/\s+/g, ' ');
      for (const field of ['Rechnung', invoice.number, 'Γιώργος Παπαδόπουλος', 'Οδός Ερμού 10', '10563 Αθήνα', 'Griechenland', A_SELLER.vatId, 'USt 24 %', 'One-Stop-Shop', 'Bezahlt']) {
        assert.ok(text.includes(field), `"${field}" is not in:\n${text}`);
      }
    });

    it('when its e-invoice is asked for, then XRechnung UBL or a Factur-X PDF; another format is 400', async () => {
      const ubl = await get(`/v1/invoices/${invoice.id}/e-invoice?format=ubl`);
      assert.equal(ubl.status, 200);
      assert.match(ubl.headers['content-type'], /^application\/xml/);
      const xml = ubl.body.toString('utf8');
      assert.ok(xml.includes(`<cbc:ID>${invoice.number}</cbc:ID>`) && xml.includes('<cbc:Percent>24.00</cbc:Percent>'), xml);
      const fx = await get(`/v1/invoices/${invoice.id}/e-invoice?format=factur-x`);
      assert.equal(fx.headers['content-type'], 'application/pdf');
      assert.ok(pdfAttachments(fx.body).get('factur-x.xml')!.toString('utf8').includes(`<ram:ID>${invoice.number}</ram:ID>`));
      problemOf(await request(t.app).get(`/v1/invoices/${invoice.id}/e-invoice?format=pdf`).set(t.sk), 400, 'validation_failed');
      problemOf(await request(t.app).get('/v1/invoices/inv_nope/pdf').set(t.sk), 404, 'invoice_not_found');
      assert.equal((await request(t.app).get(`/v1/invoices/${invoice.id}/pdf`)).status, 401);
    });

    it('when the invoice is credited, then the credit note has its PDF and its e-invoice (a UBL CreditNote, type 381)', async () => {
      const note = (await request(t.app).post(`/v1/invoices/${invoice.id}/credit-notes`).set(t.sk).send({ amount: 1240, reason: 'Kulanz', refund: true })).body;
      const text = pdfText((await get(`/v1/credit-notes/${note.id}/pdf`)).body).replace(/\s+/g, ' ');
      for (const field of ['Rechnungskorrektur', note.number, `Korrigiert Rechnung ${invoice.number}`, 'Kulanz', '12,40 €', 'erstattet']) {
        assert.ok(text.includes(field), `"${field}" is not in:\n${text}`);
      }
      const xml = (await get(`/v1/credit-notes/${note.number}/e-invoice?format=ubl`)).body.toString('utf8');
      assert.ok(xml.includes('<CreditNote') && xml.includes('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>'), xml);
      assert.ok(xml.includes(`<cbc:ID>${invoice.number}</cbc:ID>`), 'refers to the invoice');
      const fx = await get(`/v1/credit-notes/${note.id}/e-invoice?format=factur-x`);
      assert.ok(pdfAttachments(fx.body).get('factur-x.xml')!.toString('utf8').includes('<ram:TypeCode>381</ram:TypeCode>'));
      problemOf(await request(t.app).get('/v1/credit-notes/cn_nope/pdf').set(t.sk), 404, 'credit_note_not_found');
    });
  });
}
