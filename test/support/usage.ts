/**
 * Builders for usage tests: measurements, a plan with metered charges, subscribing to it through the
 * checkout API, and POST /v1/usage.
 */
import request from 'supertest';
import { createPlan, createProduct } from './api.js';
import type { TestApp } from './app.js';
import { confirm, startCheckout, type BuyerInput } from './checkout.js';
import { unique } from './db.js';

export interface MeasurementView {
  id: string;
  code: string;
  unit: string;
  type: 'metered' | 'recurring' | 'instant_metered';
  aggregation: 'count' | 'count_unique' | 'max' | 'sum' | 'last_value' | 'average';
  prorated: boolean;
  description: string | null;
}

/** A metered `sum` measurement unless overridden. */
export async function createMeasurement(t: TestApp, overrides: Record<string, unknown> = {}): Promise<MeasurementView> {
  const res = await request(t.app).post('/v1/measurements').set(t.sk).send({ code: unique('calls'), unit: 'call', type: 'metered', aggregation: 'sum', ...overrides });
  if (res.status !== 201) throw new Error(`measurement not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as MeasurementView;
}

export interface MeteredPlan {
  id: string;
  code: string;
  /** The flat base charge (10.00 a month), then one metered charge per measurement, in order. */
  charges: { id: string; productId: string }[];
}

/**
 * A monthly EUR plan: a flat 10.00 base, then for each measurement a metered charge at `unitAmount` (default
 * 0.10) per unit, in the order given.
 */
export async function aMeteredPlan(t: TestApp, measurements: readonly MeasurementView[], options: { unitAmount?: number; plan?: Record<string, unknown> } = {}): Promise<MeteredPlan> {
  const base = await createProduct(t, { name: 'Base' });
  const charges: Record<string, unknown>[] = [{ product: base.number, type: 'recurring', pricing: { model: 'flat', amount: 1000 } }];
  for (const m of measurements) {
    const product = await createProduct(t, { name: `Usage of ${m.code}`, measurementId: m.id });
    charges.push({ product: product.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: options.unitAmount ?? 10 }, quantity: { default: 0, min: 0 } });
  }
  return (await createPlan(t, { charges, ...options.plan })) as MeteredPlan;
}

export interface Subscribed {
  subscription: { id: string; customerId: string; status: string; currentPeriodStart: string; currentPeriodEnd: string };
  customer: { id: string; email: string };
}

/** Checks out `planCode` and confirms with pm_card_visa; throws unless complete. */
export async function subscribe(t: TestApp, planCode: string, buyer: Partial<BuyerInput> = {}): Promise<Subscribed> {
  const checkout = await startCheckout(t, { plan: planCode }, buyer);
  const res = await confirm(t, checkout.id);
  if (res.status !== 200 || res.body.status !== 'complete') throw new Error(`not subscribed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Subscribed;
}

export const postUsage = (t: TestApp, events: readonly Record<string, unknown>[]) => request(t.app).post('/v1/usage').set(t.sk).send({ events });

/** An event for a subscription: a unique id, the measurement's code, value 1 unless given. */
export const anEvent = (subscriptionId: string, measurement: { code: string }, extra: Record<string, unknown> = {}) => ({
  id: unique('evt'),
  measurement: measurement.code,
  subscriptionId,
  ...extra,
});
