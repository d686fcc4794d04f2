/**
 * Builders for customer and customer-session tests: a valid customer body (override what the test is about),
 * creating one and a session through the API, and reading the events about an object.
 */
import request from 'supertest';
import type { Queryable } from '../../server/storage/db.js';
import type { TestApp } from './app.js';
import { unique } from './db.js';

export interface CustomerBody {
  id: string;
  email: string;
  name: string;
  country: string;
  type: string;
  vatId: string | null;
  address: Record<string, string> | null;
  locale: string;
  refKey: string | null;
  metadata: Record<string, string>;
  balance: number;
  createdAt: string;
  updatedAt: string;
}

/** A private customer in Germany with a unique email and refKey (the merchant's user id). */
export function aCustomerInput(overrides: Record<string, unknown> = {}) {
  return {
    email: `${unique('customer')}@example.test`,
    name: 'Grace Hopper',
    country: 'DE',
    refKey: unique('user'),
    metadata: { plan: 'team' },
    ...overrides,
  };
}

export async function createCustomer(t: TestApp, overrides: Record<string, unknown> = {}): Promise<CustomerBody> {
  const res = await request(t.app).post('/v1/customers').set(t.sk).send(aCustomerInput(overrides));
  if (res.status !== 201) throw new Error(`customer not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CustomerBody;
}

/** POST /v1/customer-sessions with the secret key; the response, whatever its status. */
export const postSession = (t: TestApp, body: Record<string, unknown>) => request(t.app).post('/v1/customer-sessions').set(t.sk).send(body);

export async function createSession(t: TestApp, body: Record<string, unknown>): Promise<{ clientSecret: string; expiresAt: string; customerId: string | null }> {
  const res = await postSession(t, body);
  if (res.status !== 201) throw new Error(`session not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The events about an object (by its id), oldest first, as GET /v1/events/{id} answers them. */
export async function eventsAbout(t: TestApp, db: Queryable, objectId: string): Promise<{ type: string; data: { object: Record<string, unknown> } }[]> {
  const { rows } = await db.query<{ id: string }>('select id from events where object_id = $1 order by id', [objectId]);
  const out = [];
  for (const { id } of rows) out.push((await request(t.app).get(`/v1/events/${id}`).set(t.sk)).body);
  return out;
}
