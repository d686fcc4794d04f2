/**
 * Helpers for the subscription's life over HTTP: subscribe through a checkout, move the test clock, run the
 * billing run, read a subscription, its invoices and the events written about an object.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import request from 'supertest';
import type { Db, Queryable } from '../../server/storage/db.js';
import type { TestApp } from './app.js';
import { confirm, startCheckout, testAppWith, type BuyerInput, type Cart } from './checkout.js';
import type { TestDatabase } from './db.js';

export interface Subscribed {
  customer: { id: string; email: string; balance: number };
  subscription: Record<string, any> & { id: string; status: string; currentPeriodStart: string; currentPeriodEnd: string };
  invoice: Record<string, any> & { id: string; total: number };
}

/** A completed checkout for `cart`, paid with `paymentMethod`. */
export async function subscribe(t: TestApp, cart: Cart, buyer: Partial<BuyerInput> = {}, paymentMethod = 'pm_card_visa'): Promise<Subscribed> {
  const checkout = await startCheckout(t, cart, buyer);
  const res = await confirm(t, checkout.id, paymentMethod);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Subscribed;
}

export async function advance(t: TestApp, clock: { days?: number; seconds?: number }): Promise<string> {
  const res = await request(t.app).post('/v1/test-clock/advance').set(t.sk).send(clock);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.now as string;
}

/** POST /v1/billing-runs: the run's summary. */
export async function billingRun(t: TestApp): Promise<Record<string, any>> {
  const res = await request(t.app).post('/v1/billing-runs').set(t.sk);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function getSubscription(t: TestApp, id: string): Promise<Record<string, any>> {
  const res = await request(t.app).get(`/v1/subscriptions/${id}`).set(t.sk);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The subscription's invoices, oldest first. */
export async function invoicesOf(t: TestApp, subscriptionId: string): Promise<Record<string, any>[]> {
  const res = await request(t.app).get(`/v1/invoices?subscriptionId=${subscriptionId}&limit=100`).set(t.sk);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** The types of the events written about an object, in order. */
export async function eventTypes(db: Queryable, objectId: string): Promise<string[]> {
  const { rows } = await db.query<{ type: string }>('select type from events where object_id = $1 order by seq', [objectId]);
  return rows.map((r) => r.type);
}

export function post(t: TestApp, path: string, body: Record<string, unknown> = {}) {
  return request(t.app).post(path).set(t.sk).send(body);
}

/**
 * One describe block's database and app with the test clock (call it inside the block): opened before its
 * tests, the PostgreSQL schema dropped after them.
 */
export function clockedApp(target: TestDatabase): { db: Db; t: TestApp } {
  const world = {} as { db: Db; t: TestApp };
  before(async () => {
    world.db = await target.open();
    world.t = await testAppWith(world.db, { testClock: true });
  });
  after(async () => {
    if (target.name === 'postgres') await world.db.close();
  });
  return world;
}
