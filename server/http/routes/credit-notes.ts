import { z } from 'zod';
import { listCreditNotes } from '../../storage/credit-note-repository.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import { CreditNote, CreditNoteInput } from '../schemas/credit-notes.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

/** Credit notes (SPEC section 6): issue one against a paid invoice, list them, read one, retry its refund. */
export function creditNoteRoutes(ctx: RouteContext, { creditNotes, db }: Deps): void {
  const tags = ['Customers and billing'];
  defineRoute(ctx, { method: 'post', path: '/v1/invoices/{id}/credit-notes', auth: 'secret', summary: 'Credit an invoice: first what is still due, the rest refunded if asked', tags, params: IdParam, body: CreditNoteInput, response: { status: 201, schema: CreditNote }, problems: [404, 409, 422], idempotent: true },
    ({ params, body }) => creditNotes.create(params.id, body));
  defineRoute(ctx, { method: 'get', path: '/v1/credit-notes', auth: 'secret', summary: 'List credit notes', tags, query: PageQuery.extend({ invoiceId: z.string().optional() }), response: { status: 200, schema: pageOf(CreditNote) } },
    ({ query }) => listCreditNotes(db, query, query.invoiceId));
  defineRoute(ctx, { method: 'get', path: '/v1/credit-notes/{id}', auth: 'secret', summary: 'Get a credit note by id or number', tags, params: IdParam, response: { status: 200, schema: CreditNote }, problems: [404] },
    ({ params }) => creditNotes.get(params.id));
  defineRoute(ctx, { method: 'post', path: '/v1/credit-notes/{id}/refund', auth: 'secret', summary: "Send a credit note's refund again (after the provider failed)", tags, params: IdParam, response: { status: 200, schema: CreditNote }, problems: [404, 422] },
    ({ params }) => creditNotes.refund(params.id));
}
