import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvoiceService } from '@e-invoice-eu/core';
import { convert } from 'xmlbuilder2';
import { DomainError } from '../../../server/domain/errors.js';
import { eInvoiceData, renderEInvoice } from '../../../server/documents/e-invoice.js';
import { creditNoteModel, invoiceModel } from '../../../server/documents/model.js';
import { renderPdf, WORDS } from '../../../server/documents/pdf.js';
import type { Invoice } from '../../../server/storage/commerce-repository.js';
import type { CreditNote } from '../../../server/storage/credit-note-repository.js';
import { A_SELLER, pdfAttachments, pdfText, TREATMENTS } from '../../support/documents.js';

type Node = Record<string, unknown>;
const parse = (xml: Uint8Array | string): Node => convert(typeof xml === 'string' ? xml : new TextDecoder().decode(xml), { format: 'object' }) as Node;
/** One child (the first when repeated); `#` is an element's text in xmlbuilder2's objects. */
const at = (node: unknown, ...path: string[]): Node => path.reduce<Node>((n, key) => {
  const next = (n as Node)[key];
  return (Array.isArray(next) ? next[0] : next) as Node;
}, node as Node);
const all = (node: unknown, key: string): Node[] => {
  const value = (node as Node)[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value as Node];
};
const text = (node: unknown): string => (typeof node === 'string' ? node : String((node as Node)['#']));
const euros = (cents: number) => (cents / 100).toFixed(2);

const CATEGORY: Record<string, string> = { domestic: 'S', oss: 'S', reverseCharge: 'AE', outsideScope: 'O', inclusive: 'S' };

describe('e-invoice: XRechnung UBL', () => {
  for (const [name, invoice] of Object.entries(TREATMENTS) as [keyof typeof TREATMENTS, Invoice][]) {
    it(`when a ${name} invoice is rendered, then the XML read back holds its number, dates, parties, VAT IDs, lines, tax per category and payable amount`, async () => {
      const doc = at(parse(await renderEInvoice(invoiceModel(invoice), 'ubl')), 'Invoice');
      assert.match(text(at(doc, 'cbc:CustomizationID')), /xrechnung_3\.0$/);
      assert.equal(text(at(doc, 'cbc:ID')), invoice.number);
      assert.equal(text(at(doc, 'cbc:IssueDate')), invoice.issuedAt.slice(0, 10));
      assert.equal(text(at(doc, 'cbc:InvoiceTypeCode')), '380');
      assert.equal(text(at(doc, 'cbc:DocumentCurrencyCode')), 'EUR');
      const seller = at(doc, 'cac:AccountingSupplierParty', 'cac:Party');
      const buyer = at(doc, 'cac:AccountingCustomerParty', 'cac:Party');
      assert.equal(text(at(seller, 'cac:PartyLegalEntity', 'cbc:RegistrationName')), A_SELLER.name);
      assert.equal(text(at(seller, 'cac:PostalAddress', 'cbc:StreetName')), A_SELLER.address.line1);
      assert.equal(text(at(seller, 'cac:Contact', 'cbc:Telephone')), A_SELLER.phone);
      assert.equal(text(at(buyer, 'cac:PartyLegalEntity', 'cbc:RegistrationName')), invoice.billTo.name);
      assert.equal(text(at(buyer, 'cac:PostalAddress', 'cac:Country', 'cbc:IdentificationCode')), invoice.billTo.country);
      const vatIds = (party: Node) => all(party, 'cac:PartyTaxScheme').filter((s) => text(at(s, 'cac:TaxScheme', 'cbc:ID')) === 'VAT').map((s) => text(at(s, 'cbc:CompanyID')));
      // Not subject to VAT (O): no VAT identifier anywhere (BR-O-2); otherwise the seller's, and the buyer's where given.
      assert.deepEqual(vatIds(seller), name === 'outsideScope' ? [] : [A_SELLER.vatId]);
      assert.deepEqual(vatIds(buyer), invoice.billTo.vatId && name !== 'outsideScope' ? [invoice.billTo.vatId] : []);

      const lines = all(doc, 'cac:InvoiceLine');
      assert.equal(lines.length, invoice.lines.length);
      lines.forEach((line, i) => {
        const source = invoice.lines[i]!;
        const net = invoice.taxBehavior === 'exclusive' ? source.subtotal - source.discount : source.total - source.tax;
        assert.equal(text(at(line, 'cac:Item', 'cbc:Name')), source.description);
        assert.equal(text(at(line, 'cbc:InvoicedQuantity')), String(source.quantity));
        assert.equal(text(at(line, 'cbc:LineExtensionAmount')), euros(net));
        assert.equal(text(at(line, 'cac:Item', 'cac:ClassifiedTaxCategory', 'cbc:ID')), CATEGORY[name]);
        if (source.periodStart) assert.equal(text(at(line, 'cac:InvoicePeriod', 'cbc:EndDate')), '2026-04-01');
      });

      const subtotals = all(at(doc, 'cac:TaxTotal'), 'cac:TaxSubtotal');
      assert.deepEqual(
        subtotals.map((s) => [text(at(s, 'cac:TaxCategory', 'cbc:ID')), text(at(s, 'cbc:TaxableAmount')), text(at(s, 'cbc:TaxAmount'))]),
        invoice.taxBreakdown.map((row) => [CATEGORY[name], euros(row.net), euros(row.tax)]),
      );
      if (name === 'reverseCharge') {
        const category = at(subtotals[0], 'cac:TaxCategory');
        assert.equal(text(at(category, 'cbc:TaxExemptionReasonCode')), 'VATEX-EU-AE');
        assert.equal(text(at(category, 'cbc:TaxExemptionReason')), WORDS.de.notes.reverse_charge);
      }
      const totals = at(doc, 'cac:LegalMonetaryTotal');
      assert.equal(text(at(totals, 'cbc:TaxInclusiveAmount')), euros(invoice.total));
      assert.equal(text(at(totals, 'cbc:PayableAmount')), euros(invoice.total - invoice.amountPaid));
      assert.equal(text(at(doc, 'cac:TaxTotal', 'cbc:TaxAmount')), euros(invoice.tax));
    });
  }

  it('when credit notes took part of what an open invoice owed, then its payable amount is what is still due, the credit counted as prepaid', async () => {
    const doc = at(parse(await renderEInvoice(invoiceModel({ ...TREATMENTS.outsideScope, amountDue: 2200 }), 'ubl')), 'Invoice');
    const totals = at(doc, 'cac:LegalMonetaryTotal');
    assert.deepEqual([text(at(totals, 'cbc:TaxInclusiveAmount')), text(at(totals, 'cbc:PrepaidAmount')), text(at(totals, 'cbc:PayableAmount'))], ['27.00', '5.00', '22.00']);
  });

  it('when a credit note is rendered, then it is a UBL CreditNote of type 381 referring to its invoice', async () => {
    const invoice = TREATMENTS.reverseCharge;
    const note: CreditNote = {
      id: 'cn_1', number: 'CN-2026-000003', invoiceId: invoice.id, customerId: invoice.customerId, currency: 'EUR',
      lines: [{ invoiceLineId: 'il_seats', description: 'Team plan: seats', quantity: 3, amount: 1000, taxRate: 0, tax: 0, total: 1000, periodStart: null, periodEnd: null }],
      subtotal: 1000, tax: 0, total: 1000, taxBreakdown: [{ rate: 0, net: 1000, tax: 0 }], reason: 'Billed twice', refund: null, issuedAt: '2026-03-10T12:00:00.000Z',
    };
    const doc = at(parse(await renderEInvoice(creditNoteModel(note, invoice), 'ubl')), 'CreditNote');
    assert.equal(text(at(doc, 'cbc:CreditNoteTypeCode')), '381');
    assert.equal(text(at(doc, 'cbc:ID')), note.number);
    assert.equal(text(at(doc, 'cac:BillingReference', 'cac:InvoiceDocumentReference', 'cbc:ID')), invoice.number);
    assert.equal(text(at(doc, 'cac:CreditNoteLine', 'cbc:CreditedQuantity')), '1');
    assert.equal(text(at(doc, 'cac:CreditNoteLine', 'cbc:LineExtensionAmount')), '10.00');
    assert.equal(text(at(doc, 'cac:TaxTotal', 'cac:TaxSubtotal', 'cac:TaxCategory', 'cbc:ID')), 'AE');
    assert.equal(text(at(doc, 'cac:LegalMonetaryTotal', 'cbc:PayableAmount')), '10.00');
  });
});

describe('e-invoice: what EN 16931 cannot hold', () => {
  it('when the currency has three decimals (KWD), then 422 e_invoice_currency_unsupported instead of amounts it would refuse', async () => {
    const model = invoiceModel({ ...TREATMENTS.outsideScope, currency: 'KWD' });
    await assert.rejects(renderEInvoice(model, 'ubl'), (error: unknown) => error instanceof DomainError && error.code === 'e_invoice_currency_unsupported');
  });
});

describe('e-invoice: Factur-X', () => {
  it('when an invoice is rendered as Factur-X, then it is our PDF as PDF/A-3 with factur-x.xml (EN 16931) equal to the CII of the same data', async () => {
    const model = invoiceModel(TREATMENTS.oss);
    const pdf = await renderEInvoice(model, 'factur-x', await renderPdf(model));
    const files = pdfAttachments(pdf);
    assert.deepEqual([...files.keys()], ['factur-x.xml']);
    const service = new InvoiceService({ log() {}, warn() {}, error() {} });
    const cii = await service.generate(eInvoiceData(model), { format: 'CII', lang: 'en-gb', noWarnings: true });
    assert.equal(files.get('factur-x.xml')!.toString('utf8'), cii);
    const xml = parse(files.get('factur-x.xml')!);
    const root = at(xml, 'rsm:CrossIndustryInvoice');
    assert.equal(text(at(root, 'rsm:ExchangedDocument', 'ram:ID')), model.number);
    assert.equal(text(at(root, 'rsm:ExchangedDocumentContext', 'ram:GuidelineSpecifiedDocumentContextParameter', 'ram:ID')), 'urn:cen.eu:en16931:2017');
    const meta = Buffer.from(pdf).toString('latin1');
    assert.match(meta, /<pdfaid:part>3<\/pdfaid:part>/);
    assert.match(meta, /<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
    assert.ok(pdfText(pdf).includes('Γιώργος Παπαδόπουλος'), 'the visible invoice is ours');
  });
});
