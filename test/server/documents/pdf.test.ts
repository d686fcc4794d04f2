import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDate, formatMoney, formatPeriod, formatRate, type DocumentLocale } from '../../../server/documents/format.js';
import { creditNoteModel, invoiceModel } from '../../../server/documents/model.js';
import { renderPdf, WORDS } from '../../../server/documents/pdf.js';
import type { CreditNote } from '../../../server/storage/credit-note-repository.js';
import { A_SELLER, anInvoice, pdfText, TREATMENTS } from '../../support/documents.js';

const CREATED = new Date('2026-03-01T09:00:00Z');
/** pdftotext -layout puts table cells apart: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('invoice PDF', () => {
  for (const [name, invoice] of Object.entries(TREATMENTS)) {
    for (const locale of ['en', 'de'] as DocumentLocale[]) {
      it(`when a ${name} invoice is rendered in ${locale}, then every Art. 226 field and figure can be read back`, async () => {
        const model = invoiceModel({ ...invoice, billTo: { ...invoice.billTo, locale } });
        const text = flat(pdfText(await renderPdf(model, { createdAt: CREATED })));
        const words = WORDS[locale];
        const money = (amount: number) => formatMoney(amount, 'EUR', locale);
        const expected = [
          words.invoice, invoice.number, formatDate(invoice.issuedAt, locale),
          // The seller and the buyer, names and addresses in their own scripts.
          A_SELLER.name, A_SELLER.address.line1, `${A_SELLER.address.postalCode} ${A_SELLER.address.city}`, A_SELLER.vatId, A_SELLER.taxNumber,
          String(invoice.billTo.name), (invoice.billTo.address as { line1: string }).line1, (invoice.billTo.address as { city: string }).city,
          // Every line: description, quantity, unit price, period, amount, discount, rate, tax, total.
          ...invoice.lines.flatMap((l) => [
            l.description, money(l.unitAmount!), money(l.subtotal), formatRate(l.taxRate, locale), money(l.tax), money(l.total),
            ...(l.discount ? [money(-l.discount)] : []),
            ...(l.periodStart ? [formatPeriod(l.periodStart, l.periodEnd!, locale)] : []),
          ]),
          // The tax per rate and the totals.
          ...invoice.taxBreakdown.map((row) => words.taxAt(formatRate(row.rate, locale), money(row.net))),
          money(invoice.subtotal), money(invoice.total),
          words.status[invoice.status]!,
        ];
        if (invoice.billTo.vatId) expected.push(String(invoice.billTo.vatId));
        if (invoice.taxTreatment === 'reverse_charge') expected.push(words.notes.reverse_charge);
        if (invoice.taxTreatment === 'outside_scope') expected.push(words.notes.outside_scope);
        if (invoice.taxTreatment === 'oss') expected.push(locale === 'en' ? 'VAT of Greece charged under the One-Stop Shop (OSS) scheme' : 'Umsatzsteuer von Griechenland');
        if (invoice.taxBehavior === 'inclusive') expected.push(words.pricesInclusive);
        for (const field of expected) assert.ok(text.includes(flat(field)), `"${field}" is not in the ${locale} PDF:\n${text}`);
        if (invoice.taxTreatment === 'outside_scope') assert.ok(!text.includes(words.notes.reverse_charge));
      });
    }
  }

  it('when a name is Chinese or Arabic, then it is set in Noto Sans SC or Arabic; a character no font has is printed as its code point', async () => {
    const invoice = anInvoice({
      billTo: { name: '北京科技有限公司', email: 'cn@example.test', country: 'CN', type: 'business', locale: 'en', address: { line1: 'شارع الملك فهد', line2: 'Büro 😀', city: 'Riyadh', country: 'SA' } },
    });
    const pdf = await renderPdf(invoiceModel(invoice), { createdAt: CREATED });
    const text = pdfText(pdf);
    assert.ok(text.includes('北京科技有限公司'), text);
    assert.ok(/NotoSansSC/.test(pdf.toString('latin1')) && /NotoSansArabic/.test(pdf.toString('latin1')), 'both fonts embedded');
    // An emoji is in none of the fonts: shown as its code point, not dropped.
    assert.ok(text.includes('Büro [U+1F600]'), text);
  });

  it('when the same invoice is rendered twice, then the bytes are the same; only the creation date (and the id made from it) differ', async () => {
    const model = invoiceModel(TREATMENTS.oss);
    const a = await renderPdf(model, { createdAt: CREATED });
    const b = await renderPdf(model, { createdAt: CREATED });
    assert.ok(a.equals(b), 'same model, same date: same bytes');
    const c = await renderPdf(model, { createdAt: new Date('2026-05-05T05:05:05Z') });
    assert.ok(!a.equals(c));
    const masked = (pdf: Buffer) =>
      pdf.toString('latin1')
        .replace(/\(D:\d{14}Z\)/g, '')
        .replace(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/g, '')
        .replace(/<xmp:CreateDate>[^<]*<\/xmp:CreateDate>/g, '');
    assert.equal(masked(a).length, masked(c).length);
    assert.ok(masked(a) === masked(c), 'nothing else differs');
  });

  it('when credit notes took part or all of what an open invoice owed, then its PDF shows what they took before what is due or paid', async () => {
    // 27.00 owed, 5.00 credited before payment: 22.00 due; then all of it credited: paid, nothing charged.
    const part = { ...TREATMENTS.outsideScope, amountDue: 2200 };
    const settled = { ...part, amountDue: 0, status: 'paid' as const, paidAt: '2026-03-05T10:00:00.000Z' };
    for (const locale of ['en', 'de'] as DocumentLocale[]) {
      const words = WORDS[locale];
      const money = (amount: number) => formatMoney(amount, 'EUR', locale);
      // Label and amount side by side, compared without spaces. What is due is checked by its amount only: in this
      // process pdftotext reads the bold "Zu zahlen" as "u zahlen" after earlier renders (the PDF itself shows it).
      const tight = (text: string) => text.replace(/\s+/g, '');
      const render = async (invoice: typeof part) => tight(pdfText(await renderPdf(invoiceModel({ ...invoice, billTo: { ...invoice.billTo, locale } }), { createdAt: CREATED })));
      const partly = await render(part);
      for (const field of [`${words.creditedBeforePayment} ${money(-500)}`, money(2200)]) {
        assert.ok(partly.includes(tight(field)), `"${field}" is not in the ${locale} PDF:\n${partly}`);
      }
      const whole = await render(settled);
      for (const field of [`${words.creditedBeforePayment} ${money(-2700)}`, `${words.amountPaid} ${money(0)}`]) {
        assert.ok(whole.includes(tight(field)), `"${field}" is not in the ${locale} PDF:\n${whole}`);
      }
    }
    const uncredited = flat(pdfText(await renderPdf(invoiceModel(TREATMENTS.outsideScope), { createdAt: CREATED })));
    assert.ok(!uncredited.includes(WORDS.en.creditedBeforePayment));
  });

  it('when a credit note is rendered, then it names itself, the invoice it corrects, its reason, figures and refund', async () => {
    const invoice = TREATMENTS.reverseCharge;
    const note: CreditNote = {
      id: 'cn_1', number: 'CN-2026-000007', invoiceId: invoice.id, customerId: invoice.customerId, currency: 'EUR',
      lines: [{ invoiceLineId: 'il_seats', description: 'Team plan: seats', quantity: 3, amount: 1000, taxRate: 0, tax: 0, total: 1000, periodStart: null, periodEnd: null }],
      subtotal: 1000, tax: 0, total: 1000, taxBreakdown: [{ rate: 0, net: 1000, tax: 0 }], reason: 'Doppelt berechnet',
      refund: { amount: 1000, status: 'succeeded', id: 'test_refund_cn_1' }, issuedAt: '2026-03-10T12:00:00.000Z',
    };
    const text = flat(pdfText(await renderPdf(creditNoteModel(note, invoice), { createdAt: CREATED })));
    const de = WORDS.de;
    for (const field of [de.creditNote, note.number, de.ofDate(invoice.number, formatDate(invoice.issuedAt, 'de')), 'Doppelt berechnet', '10,00 €', de.notes.reverse_charge, de.refund.succeeded('10,00 €'), 'Иван Петров ЕООД']) {
      assert.ok(text.includes(flat(field)), `"${field}" is not in the credit note:\n${text}`);
    }
  });

  it('when a credit note was taken off what its invoice still owed, then its PDF says so, and refunds or credits only the rest', async () => {
    const invoice = { ...TREATMENTS.reverseCharge, status: 'open' as const, paidAt: null, amountPaid: 0 };
    const note: CreditNote = {
      id: 'cn_2', number: 'CN-2026-000008', invoiceId: invoice.id, customerId: invoice.customerId, currency: 'EUR',
      lines: [{ invoiceLineId: 'il_seats', description: 'Team plan: seats', quantity: 3, amount: 1000, taxRate: 0, tax: 0, total: 1000, periodStart: null, periodEnd: null }],
      subtotal: 1000, tax: 0, total: 1000, taxBreakdown: [{ rate: 0, net: 1000, tax: 0 }], reason: 'Kulanz', refund: null, issuedAt: '2026-03-10T12:00:00.000Z',
    };
    const de = WORDS.de;
    const all = flat(pdfText(await renderPdf(creditNoteModel(note, invoice, 1000), { createdAt: CREATED })));
    assert.ok(all.includes(flat(de.deductedFromDue('10,00 €'))), all);
    assert.ok(!all.includes(de.refund.none), 'nothing of it went to the customer otherwise');
    const part = flat(pdfText(await renderPdf(creditNoteModel(note, invoice, 400), { createdAt: CREATED })));
    assert.ok(part.includes(flat(de.deductedFromDue('4,00 €'))) && part.includes(de.refund.none), part);
  });

  it('when an invoice has more lines than a page holds, then the table goes on to the next page with its header and every page is numbered', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({ ...TREATMENTS.domestic.lines[0]!, id: `il_${i}`, description: `Line ${i + 1}` }));
    const text = pdfText(await renderPdf(invoiceModel(anInvoice({ lines })), { createdAt: CREATED }));
    const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    assert.ok(pages >= 2 && text.includes(`Page ${pages} of ${pages}`), text);
    assert.ok(text.includes('Line 1 ') && text.includes('Line 40 '), text);
    assert.equal(text.split('Unit price').length - 1, pages, 'the header on every page');
  });
});
