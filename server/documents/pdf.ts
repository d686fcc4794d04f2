/**
 * The layout of invoices and credit notes as A4 PDFs (SPEC.md section 10), with every field of Art. 226
 * of the VAT Directive. Pure: a document model in, bytes out; the words come from ./locales, the figures
 * from ./format.ts, the fonts from ./fonts.ts. The same model renders the same bytes, apart from the
 * creation date (and the file id pdfkit derives from it): pass `createdAt` to fix it.
 */
import PDFDocument from 'pdfkit';
import { font, textRuns, type FontName } from './fonts.js';
import { formatCountry, formatDate, formatMoney, formatPeriod, formatQuantity, formatRate } from './format.js';
import { de } from './locales/de.js';
import { en, type DocumentWords } from './locales/en.js';
import type { DocumentModel, Party } from './model.js';

export const WORDS: Record<DocumentModel['locale'], DocumentWords> = { en, de };

export interface RenderOptions {
  /** The PDF's creation date (Info and XMP); now when not given. */
  createdAt?: Date;
}

const MARGIN = 50;
const A4 = { width: 595.28, height: 841.89 };
const CONTENT = A4.width - 2 * MARGIN;
const GREY = '#555555';
const RULE = '#bbbbbb';

/** Table columns: x offset and width within the content box; numbers are right-aligned. */
const COLUMNS = {
  description: { x: 0, width: 150 },
  quantity: { x: 150, width: 34 },
  unitPrice: { x: 184, width: 62 },
  amount: { x: 246, width: 62 },
  discount: { x: 308, width: 56 },
  rate: { x: 364, width: 40 },
  tax: { x: 404, width: 46 },
  total: { x: 450, width: 45 + 0.28 },
} as const;

type Doc = PDFKit.PDFDocument;
interface TextOptions {
  width: number;
  align?: 'left' | 'right';
  bold?: boolean;
  size?: number;
  color?: string;
}

/** Writes `text` at (x, y) in as many fonts as its scripts need; answers the height it took. */
function write(doc: Doc, text: string, x: number, y: number, options: TextOptions): number {
  const size = options.size ?? 8.5;
  const latin: FontName = options.bold ? 'bold' : 'regular';
  const runs = textRuns(text);
  doc.fillColor(options.color ?? 'black').fontSize(size);
  const pdfOptions = { width: options.width, align: options.align ?? 'left', lineGap: 1 } as const;
  if (runs.length <= 1) {
    const run = runs[0] ?? { font: 'regular', text: '' };
    doc.font(run.font === 'regular' ? latin : run.font);
    const height = doc.heightOfString(run.text, pdfOptions);
    doc.text(run.text, x, y, pdfOptions);
    return height;
  }
  // Mixed scripts: each run in its font, placed by measuring; lines break between words (or between CJK
  // characters). An Arabic run's words are placed right to left, each shaped by fontkit (no full bidi:
  // runs of different scripts stay in the order they were typed).
  const lineHeight = doc.font(latin).currentLineHeight(true) + 1;
  const tokens = runs.flatMap((run) => {
    const face = run.font === 'regular' ? latin : run.font;
    const parts =
      run.font === 'arabic'
        ? run.text.trim().split(/\s+/u).reverse().flatMap((word, i) => (i === 0 ? [word] : [' ', word])).concat(/\s$/u.test(run.text) ? [' '] : [])
        : run.font === 'cjk'
          ? [...run.text]
          : run.text.split(/(?<=\s)/u);
    return parts.map((part) => ({ face: part === ' ' ? latin : face, part, width: doc.font(part === ' ' ? latin : face).widthOfString(part) }));
  });
  let cx = 0;
  let line = 0;
  for (const token of tokens) {
    if (cx > 0 && cx + token.width > options.width) {
      line += 1;
      cx = 0;
      if (/^\s+$/u.test(token.part)) continue;
    }
    doc.font(token.face).text(token.part, x + cx, y + line * lineHeight, { lineBreak: false });
    cx += token.width;
  }
  return (line + 1) * lineHeight;
}

function addressLines(party: Party, words: DocumentWords, locale: DocumentModel['locale']): string[] {
  const a = party.address;
  const city = [a.postalCode, a.city].filter(Boolean).join(' ');
  return [
    party.name,
    a.line1,
    a.line2,
    [city, a.state].filter(Boolean).join(', '),
    a.country ? formatCountry(a.country, locale) : undefined,
    party.vatId ? `${words.vatId}: ${party.vatId}` : undefined,
    party.taxNumber ? `${words.taxNumber}: ${party.taxNumber}` : undefined,
    party.email,
    party.website,
  ].filter((line): line is string => typeof line === 'string' && line !== '');
}

function block(doc: Doc, title: string, lines: string[], x: number, y: number, width: number): number {
  let at = y + write(doc, title.toUpperCase(), x, y, { width, size: 7, color: GREY }) + 2;
  lines.forEach((line, i) => {
    at += write(doc, line, x, at, { width, bold: i === 0, size: 9 });
  });
  return at;
}

function tableHeader(doc: Doc, words: DocumentWords, y: number): number {
  const head: [keyof typeof COLUMNS, string][] = [
    ['description', words.description], ['quantity', words.quantity], ['unitPrice', words.unitPrice], ['amount', words.net],
    ['discount', words.discount], ['rate', words.rate], ['tax', words.tax], ['total', words.total],
  ];
  let height = 0;
  for (const [key, label] of head) {
    const column = COLUMNS[key];
    height = Math.max(height, write(doc, label, MARGIN + column.x, y, { width: column.width, bold: true, size: 7.5, align: key === 'description' ? 'left' : 'right' }));
  }
  const bottom = y + height + 3;
  doc.moveTo(MARGIN, bottom).lineTo(MARGIN + CONTENT, bottom).lineWidth(0.5).strokeColor(RULE).stroke();
  return bottom + 4;
}

/** Renders the document to PDF bytes. */
export function renderPdf(model: DocumentModel, options: RenderOptions = {}): Promise<Buffer> {
  const words = WORDS[model.locale];
  const locale = model.locale;
  const money = (amount: number) => formatMoney(amount, model.currency, locale);
  const title = model.kind === 'invoice' ? words.invoice : words.creditNote;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-3b',
    tagged: false,
    lang: locale === 'de' ? 'de-DE' : 'en-GB',
    info: {
      Title: `${title} ${model.number}`,
      Author: model.seller?.name ?? '',
      Subject: `${title} ${model.number}`,
      Creator: 'Billkit',
      Producer: 'Billkit (pdfkit)',
      CreationDate: options.createdAt ?? new Date(),
    },
  });
  // Fonts are embedded as subsets; the CJK and Arabic faces only when a text needs them.
  const register = (name: FontName) => doc.registerFont(name, font(name) as unknown as Buffer);
  register('regular');
  register('bold');
  const scripts = new Set(textRuns(JSON.stringify([model.seller, model.buyer, model.lines.map((l) => l.description), model.reason])).map((r) => r.font));
  if (scripts.has('cjk')) register('cjk');
  if (scripts.has('arabic')) register('arabic');

  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  // Heading: the seller's name, the document's title and number.
  let y = MARGIN;
  write(doc, model.seller?.name ?? '', MARGIN, y, { width: CONTENT / 2, bold: true, size: 14 });
  write(doc, title, MARGIN + CONTENT / 2, y, { width: CONTENT / 2, bold: true, size: 20, align: 'right' });
  y += 34;

  // Facts: number, dates, the corrected invoice, the status.
  const facts: [string, string][] = [
    [words.number, model.number],
    [words.issueDate, formatDate(model.issuedAt, locale)],
  ];
  if (model.corrects) facts.push([words.refersTo, words.ofDate(model.corrects.number, formatDate(model.corrects.issuedAt, locale))]);
  if (model.periodStart && model.periodEnd && model.kind === 'invoice') facts.push([words.supplyPeriod, formatPeriod(model.periodStart, model.periodEnd, locale)]);
  if (model.dueAt && model.kind === 'invoice') facts.push([words.dueDate, formatDate(model.dueAt, locale)]);
  if (model.status) facts.push([words.paymentStatus, words.status[model.status] ?? model.status]);
  if (model.reason) facts.push([words.reason, model.reason]);
  const factsX = MARGIN + CONTENT / 2;
  let factsY = y;
  for (const [label, value] of facts) {
    write(doc, label, factsX, factsY, { width: 95, size: 8.5, color: GREY });
    factsY += write(doc, value, factsX + 95, factsY, { width: CONTENT / 2 - 95, size: 8.5, align: 'right' }) + 1;
  }

  // The parties.
  const sellerBottom = model.seller ? block(doc, words.seller, addressLines(model.seller, words, locale), MARGIN, y, CONTENT / 2 - 20) : y;
  y = Math.max(sellerBottom, factsY) + 16;
  y = block(doc, words.buyer, addressLines(model.buyer, words, locale), MARGIN, y, CONTENT / 2 - 20) + 20;

  // The lines.
  y = tableHeader(doc, words, y);
  const bottom = A4.height - MARGIN - 30;
  for (const line of model.lines) {
    const period = line.periodStart && line.periodEnd ? formatPeriod(line.periodStart, line.periodEnd, locale) : null;
    const description = line.description + (line.trial ? ` (${words.trial})` : '');
    const measure = (text: string, size: number) => doc.font('regular').fontSize(size).heightOfString(text, { width: COLUMNS.description.width, lineGap: 1 });
    const height = measure(description, 8.5) + (period ? measure(period, 7.5) : 0);
    if (y + height > bottom) {
      doc.addPage();
      y = tableHeader(doc, words, MARGIN);
    }
    const descriptionHeight = write(doc, description, MARGIN, y, { width: COLUMNS.description.width });
    if (period) write(doc, period, MARGIN, y + descriptionHeight, { width: COLUMNS.description.width, color: GREY, size: 7.5 });
    const cells: [keyof typeof COLUMNS, string][] = [
      ['quantity', formatQuantity(line.quantity, locale)],
      ['unitPrice', line.unitAmount === null ? '' : money(line.unitAmount)],
      ['amount', money(line.amount)],
      ['discount', line.discount === 0 ? '' : money(-line.discount)],
      ['rate', formatRate(line.rate, locale)],
      ['tax', money(line.tax)],
      ['total', money(line.total)],
    ];
    for (const [key, value] of cells) write(doc, value, MARGIN + COLUMNS[key].x, y, { width: COLUMNS[key].width, align: 'right' });
    y += height + 6;
  }
  doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT, y).lineWidth(0.5).strokeColor(RULE).stroke();
  y += 8;

  // Totals, the tax per rate, what is due or paid.
  const totals: [string, string, boolean?][] = [[words.subtotal, money(model.subtotal)]];
  if (model.discount !== 0) totals.push([words.discounts, money(-model.discount)]);
  if (model.taxBehavior === 'exclusive') totals.push([words.netTotal, money(model.subtotal - model.discount)]);
  for (const row of model.taxBreakdown) totals.push([words.taxAt(formatRate(row.rate, locale), money(row.net)), money(row.tax)]);
  totals.push([model.kind === 'invoice' ? words.total : words.creditTotal, money(model.total), true]);
  if (model.kind === 'invoice') {
    if (model.balanceApplied !== 0) totals.push([words.balanceApplied, money(-model.balanceApplied)]);
    if (model.creditedBeforePayment !== 0) totals.push([words.creditedBeforePayment, money(-model.creditedBeforePayment)]);
    totals.push([model.status === 'paid' ? words.amountPaid : words.amountDue, money(model.status === 'paid' ? model.amountPaid : model.amountDue), true]);
  }
  const labelX = MARGIN + CONTENT / 2 - 40;
  const totalsHeight = totals.length * 13 + 10;
  if (y + totalsHeight > bottom) {
    doc.addPage();
    y = MARGIN;
  }
  for (const [label, value, strong] of totals) {
    write(doc, label, labelX, y, { width: CONTENT / 2 - 40, bold: strong === true, size: 9 });
    write(doc, value, MARGIN + CONTENT - 120, y, { width: 120, align: 'right', bold: strong === true, size: 9 });
    y += 13;
  }
  y += 10;

  // Notes: inclusive prices, the tax treatment, the refund.
  const notes: string[] = [];
  if (model.taxBehavior === 'inclusive') notes.push(words.pricesInclusive);
  const treatment = model.taxTreatment;
  if (treatment === 'reverse_charge') notes.push(words.notes.reverse_charge);
  else if (treatment === 'oss') notes.push(words.notes.oss(formatCountry(model.buyer.address.country, locale)));
  else if (treatment === 'outside_scope') notes.push(words.notes.outside_scope);
  if (model.kind === 'credit_note') {
    // First what was taken off the invoice's amount due, then what became of the rest.
    if (model.creditedBeforePayment > 0) notes.push(words.deductedFromDue(money(model.creditedBeforePayment)));
    if (model.refund) notes.push(words.refund[model.refund.status](money(model.refund.amount)));
    else if (model.total > model.creditedBeforePayment) notes.push(words.refund.none);
  }
  for (const note of notes) {
    doc.font('regular').fontSize(8.5);
    const height = doc.heightOfString(note, { width: CONTENT });
    if (y + height > bottom) {
      doc.addPage();
      y = MARGIN;
    }
    y += write(doc, note, MARGIN, y, { width: CONTENT }) + 4;
  }

  // Footer on every page: the seller and the page number.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const footerY = A4.height - MARGIN - 10;
    const footer = [model.seller?.name, model.seller?.vatId ? `${words.vatId} ${model.seller.vatId}` : undefined, `${title} ${model.number}`].filter(Boolean).join(' · ');
    // Writing below the bottom margin would add a page: lift the margin for the footer.
    doc.page.margins.bottom = 0;
    write(doc, footer, MARGIN, footerY, { width: CONTENT - 80, size: 7, color: GREY });
    write(doc, words.page(i + 1, range.count), MARGIN + CONTENT - 80, footerY, { width: 80, size: 7, color: GREY, align: 'right' });
    doc.page.margins.bottom = MARGIN;
  }
  doc.end();
  return done;
}
