import { z } from 'zod';
import { customerView } from '../../app/views.js';
import { DomainError } from '../../domain/errors.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { pageOf } from '../schemas/common.js';
import { Customer } from '../schemas/checkout.js';
import {
  CustomerCreate, CustomerExport, CustomerPatch, CustomerQuery, CustomerSession, CustomerSessionInput, RefKeyParam, SESSION_HEADER, SessionPrefill,
} from '../schemas/customers.js';

const IdParam = z.object({ id: z.string().min(1).max(255) });

/** Customers (secret key) and customer sessions (created with the secret key, read by the checkout element). */
export function customerRoutes(ctx: RouteContext, { customers, customerSessions }: Deps): void {
  const tags = ['Customers'];
  defineRoute(ctx, { method: 'post', path: '/v1/customers', auth: 'secret', summary: 'Create a customer', tags, body: CustomerCreate, response: { status: 201, schema: Customer }, problems: [409], idempotent: true },
    async ({ body }) => customerView(await customers.create(body)));
  defineRoute(ctx, { method: 'get', path: '/v1/customers', auth: 'secret', summary: 'List customers, optionally by refKey and email', tags, query: CustomerQuery, response: { status: 200, schema: pageOf(Customer) } },
    async ({ query }) => {
      const { refKey, email, ...page } = query;
      const found = await customers.list(page, { refKey, email });
      return { ...found, data: found.data.map(customerView) };
    });
  // Before /v1/customers/{id}/...: a refKey may be any word, "export" too.
  defineRoute(ctx, { method: 'get', path: '/v1/customers/by-ref/{refKey}', auth: 'secret', summary: 'Get a customer by your refKey', tags, params: RefKeyParam, response: { status: 200, schema: Customer }, problems: [404] },
    async ({ params }) => customerView(await customers.getByRef(params.refKey)));
  defineRoute(ctx, { method: 'get', path: '/v1/customers/{id}', auth: 'secret', summary: 'Get a customer', tags, params: IdParam, response: { status: 200, schema: Customer }, problems: [404] },
    async ({ params }) => customerView(await customers.get(params.id)));
  defineRoute(ctx, { method: 'patch', path: '/v1/customers/{id}', auth: 'secret', summary: 'Update a customer', tags, params: IdParam, body: CustomerPatch, response: { status: 200, schema: Customer }, problems: [404, 409] },
    async ({ params, body }) => customerView(await customers.update(params.id, body)));
  defineRoute(ctx, { method: 'get', path: '/v1/customers/{id}/export', auth: 'secret', summary: 'Everything Billkit holds about a customer (GDPR Art. 15)', tags, params: IdParam, response: { status: 200, schema: CustomerExport }, problems: [404] },
    ({ params }) => customers.export(params.id));
  defineRoute(ctx, { method: 'post', path: '/v1/customers/{id}/obfuscate', auth: 'secret', summary: "Replace a customer's personal data with placeholders (GDPR Art. 17)", tags, params: IdParam, response: { status: 200, schema: Customer }, problems: [404, 409] },
    async ({ params }) => customerView(await customers.obfuscate(params.id)));

  defineRoute(ctx, { method: 'post', path: '/v1/customer-sessions', auth: 'secret', summary: 'Let the checkout element check out as one of your users (30 minutes, one checkout)', tags, body: CustomerSessionInput, response: { status: 201, schema: CustomerSession }, problems: [404, 409, 422] },
    ({ body }) => customerSessions.create(body));
  defineRoute(ctx, {
    method: 'get', path: '/v1/customer-sessions/current', auth: 'publishable', summary: `What a customer session prefills; its client secret in the ${SESSION_HEADER} header`, tags,
    headers: z.object({ [SESSION_HEADER]: z.string().meta({ description: "The customer session's client secret (cus_sess_...)." }) }),
    response: { status: 200, schema: SessionPrefill }, problems: [401, 409],
  }, ({ req }) => {
    const secret = req.get(SESSION_HEADER);
    if (!secret) throw new DomainError('invalid', 'validation_failed', `Send the session's client secret in the ${SESSION_HEADER} header.`, [{ pointer: `/header/${SESSION_HEADER}`, detail: 'Required.' }]);
    return customerSessions.current(secret);
  });
}
