import type { Response } from 'express';
import { z } from 'zod';
import type { RenderedDocument } from '../../app/documents.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { EInvoiceQuery } from '../schemas/credit-notes.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

/** Answers a rendered document inline, never cached (the portal's PDFs go out the same way). */
export function sendDocument(res: Response, doc: RenderedDocument): undefined {
  res.status(200).type(doc.contentType).setHeader('Content-Disposition', `inline; filename="${doc.filename}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.end(Buffer.from(doc.bytes));
  return undefined;
}

/** Invoices and credit notes as an A4 PDF and as EN 16931 e-invoices (SPEC section 10). */
export function documentRoutes(ctx: RouteContext, { documents }: Deps): void {
  const tags = ['Documents'];
  const pdf = { status: 200, description: 'application/pdf: A4, in the customer\'s language (en, de).' };
  const eInvoice = { status: 200, description: 'application/xml (ubl) or application/pdf (factur-x).' };
  defineRoute(ctx, { method: 'get', path: '/v1/invoices/{id}/pdf', auth: 'secret', summary: "An invoice's PDF", tags, params: IdParam, response: pdf, problems: [404, 422] },
    async ({ params, res }) => sendDocument(res, await documents.invoice(params.id, 'pdf')));
  defineRoute(ctx, { method: 'get', path: '/v1/invoices/{id}/e-invoice', auth: 'secret', summary: "An invoice's e-invoice (XRechnung UBL or Factur-X)", tags, params: IdParam, query: EInvoiceQuery, response: eInvoice, problems: [404, 422] },
    async ({ params, query, res }) => sendDocument(res, await documents.invoice(params.id, query.format)));
  defineRoute(ctx, { method: 'get', path: '/v1/credit-notes/{id}/pdf', auth: 'secret', summary: "A credit note's PDF", tags, params: IdParam, response: pdf, problems: [404, 422] },
    async ({ params, res }) => sendDocument(res, await documents.creditNote(params.id, 'pdf')));
  defineRoute(ctx, { method: 'get', path: '/v1/credit-notes/{id}/e-invoice', auth: 'secret', summary: "A credit note's e-invoice (type 381)", tags, params: IdParam, query: EInvoiceQuery, response: eInvoice, problems: [404, 422] },
    async ({ params, query, res }) => sendDocument(res, await documents.creditNote(params.id, query.format)));
}
