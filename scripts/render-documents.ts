/**
 * `npm run docs:documents`: renders the README's pictures of page 1 of an invoice and of a credit note
 * (docs/invoice.png, docs/credit-note.png) with pdftoppm (poppler-utils), from the same builders the
 * document tests use: a Greek buyer under OSS in English, and a credit note for a Bulgarian business under
 * the reverse charge in German. The PDFs go beside them.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { creditNoteModel, invoiceModel } from '../server/documents/model.js';
import { renderPdf } from '../server/documents/pdf.js';
import { TREATMENTS } from '../test/support/documents.js';

const DOCS = join(import.meta.dirname, '..', 'docs');
const CREATED = new Date('2026-03-01T09:00:00Z');

async function picture(name: string, pdf: Buffer): Promise<void> {
  const file = join(DOCS, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, join(DOCS, name)]);
  console.log(`docs/${name}.pdf, docs/${name}.png`);
}

await picture('invoice', await renderPdf(invoiceModel(TREATMENTS.oss), { createdAt: CREATED }));
const invoice = TREATMENTS.reverseCharge;
await picture('credit-note', await renderPdf(creditNoteModel({
  id: 'cn_demo', number: 'CN-2026-000001', invoiceId: invoice.id, customerId: invoice.customerId, currency: 'EUR',
  lines: [{ invoiceLineId: 'il_seats', description: 'Team plan: seats', quantity: 3, amount: 900, taxRate: 0, tax: 0, total: 900, periodStart: '2026-03-01T09:00:00.000Z', periodEnd: '2026-04-01T09:00:00.000Z' }],
  subtotal: 900, tax: 0, total: 900, taxBreakdown: [{ rate: 0, net: 900, tax: 0 }], reason: 'Ein Platz wurde nicht genutzt',
  refund: { amount: 900, status: 'succeeded', id: 'test_refund_cn_demo' }, issuedAt: '2026-03-15T10:00:00.000Z',
}, invoice), { createdAt: CREATED }));
