/**
 * Section 5 of `npm run bench`: invoice PDFs per second for a 10-line invoice, next to an empty pdfkit
 * document (one page, no text) as the baseline: what the layout, the fonts and the figures cost.
 */
import PDFDocument from 'pdfkit';
import { invoiceModel } from '../server/documents/model.js';
import { renderPdf } from '../server/documents/pdf.js';
import { anInvoice, anInvoiceLine } from '../test/support/documents.js';

function emptyPdf(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4' });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.end();
  return done;
}

async function perSecond(seconds: number, render: () => Promise<Buffer>): Promise<number> {
  for (let i = 0; i < 5; i++) await render();
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    await render();
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

/** Documents per second: the 10-line invoice and the empty baseline, measured one after the other. */
export async function benchDocuments(seconds: number): Promise<{ invoice: number; empty: number; bytes: number }> {
  const lines = Array.from({ length: 10 }, (_, i) => anInvoiceLine({ id: `il_${i}`, description: `Line ${i + 1}: Team plan seats` }));
  const model = invoiceModel(anInvoice({ lines }));
  const bytes = (await renderPdf(model)).length;
  const empty = await perSecond(seconds, emptyPdf);
  const invoice = await perSecond(seconds, () => renderPdf(model));
  return { invoice, empty, bytes };
}
