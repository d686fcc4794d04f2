/**
 * Invoices and credit notes as documents (SPEC.md section 10): load the stored figures, render them. The
 * PDF and the e-invoice both come from one document model (documents/model.ts).
 */
import { notFound, unprocessable } from '../domain/errors.js';
import type { EInvoiceFormat } from '../documents/e-invoice.js';
import { creditNoteModel, invoiceModel, type DocumentModel } from '../documents/model.js';
import { findInvoice, type Invoice } from '../storage/commerce-repository.js';
import { creditNotePrePayment, findCreditNote } from '../storage/credit-note-repository.js';
import type { Db } from '../storage/db.js';
import type { CatalogCache } from './catalog-cache.js';

export type DocumentKind = 'pdf' | EInvoiceFormat;

export interface RenderedDocument {
  bytes: Uint8Array;
  contentType: string;
  filename: string;
}

export class DocumentService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async invoice(id: string, kind: DocumentKind): Promise<RenderedDocument> {
    const invoice = await this.#invoice(id, '/path/id');
    return render(await this.#withSeller(invoiceModel(invoice)), kind);
  }

  async creditNote(id: string, kind: DocumentKind): Promise<RenderedDocument> {
    const note = await findCreditNote(this.db, id);
    if (!note) throw notFound('credit_note_not_found', `No credit note ${id}.`, [{ pointer: '/path/id', detail: 'Unknown credit note.' }]);
    const invoice = await this.#invoice(note.invoiceId, '/path/id');
    return render(await this.#withSeller(creditNoteModel(note, invoice, await creditNotePrePayment(this.db, note.id))), kind);
  }

  async #invoice(id: string, pointer: string): Promise<Invoice> {
    const invoice = await findInvoice(this.db, id);
    if (!invoice) throw notFound('invoice_not_found', `No invoice ${id}.`, [{ pointer, detail: 'Unknown invoice.' }]);
    return invoice;
  }

  /**
   * An invoice keeps the seller as it was when issued. One issued before the merchant set a seller shows
   * today's; with none at all there is no lawful document to render.
   */
  async #withSeller(model: DocumentModel): Promise<DocumentModel> {
    if (model.seller) return model;
    const seller = (await this.cache.get()).settings.seller;
    if (!seller) {
      throw unprocessable('seller_missing', 'Documents need the seller\'s name, address and VAT ID: set them with PUT /v1/settings {seller}.', [
        { pointer: '/seller', detail: 'No seller in the settings.' },
      ]);
    }
    return { ...model, seller: { ...seller } };
  }
}

// The renderers load on the first document asked for, not at start: pdfkit and the EN 16931 library take
// about half a second to load, a third of a start's module loading.
const renderers = () => Promise.all([import('../documents/pdf.js'), import('../documents/e-invoice.js')]);

async function render(model: DocumentModel, kind: DocumentKind): Promise<RenderedDocument> {
  const [{ renderPdf }, { renderEInvoice }] = await renderers();
  if (kind === 'ubl') return { bytes: await renderEInvoice(model, 'ubl'), contentType: 'application/xml', filename: `${model.number}.xml` };
  const pdf = await renderPdf(model);
  if (kind === 'pdf') return { bytes: pdf, contentType: 'application/pdf', filename: `${model.number}.pdf` };
  return { bytes: await renderEInvoice(model, 'factur-x', pdf), contentType: 'application/pdf', filename: `${model.number}.pdf` };
}
