/**
 * Builders for API request bodies (valid defaults; override what the test is about) and small helpers that
 * create catalog objects through the API.
 */
import request from 'supertest';
import type { TestApp } from './app.js';
import { unique } from './db.js';

export function aProductInput(overrides: Record<string, unknown> = {}) {
  return { number: unique('P'), name: 'Seat', taxGroup: 'standard', ...overrides };
}

export function aPlanInput(overrides: Record<string, unknown> = {}) {
  return {
    code: unique('plan'),
    name: 'Pro',
    currency: 'EUR',
    interval: { unit: 'month', count: 1 },
    status: 'active',
    checkoutAllowed: true,
    trialDays: 0,
    taxBehavior: 'exclusive',
    charges: [],
    ...overrides,
  };
}

export async function createProduct(t: TestApp, overrides: Record<string, unknown> = {}) {
  const res = await request(t.app).post('/v1/products').set(t.sk).send(aProductInput(overrides));
  if (res.status !== 201) throw new Error(`product not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string };
}

export async function createPlan(t: TestApp, overrides: Record<string, unknown> = {}) {
  const res = await request(t.app).post('/v1/plans').set(t.sk).send(aPlanInput(overrides));
  if (res.status !== 201) throw new Error(`plan not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; code: string; charges: { id: string }[] };
}

/** Asserts the RFC 9457 shape and returns the body. */
export function problemOf(res: request.Response, status: number, code: string) {
  const body = res.body as { type: string; title: string; status: number; detail: string; code: string; errors?: { pointer: string; detail: string }[] };
  const where = `${res.status} ${JSON.stringify(body)}`;
  if (res.status !== status) throw new Error(`expected status ${status}, got ${where}`);
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error(`not problem+json: ${res.headers['content-type']}`);
  if (body.code !== code) throw new Error(`expected code ${code}, got ${where}`);
  if (body.status !== status || !body.type || !body.title || !body.detail) throw new Error(`incomplete problem: ${where}`);
  return body;
}

export const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer);
