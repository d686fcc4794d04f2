/**
 * Many due subscriptions at once, written with SQL (a checkout each would take minutes): for the billing
 * run's concurrency tests and its benchmark. Each has a flat monthly charge and a metered charge with one
 * usage event in the period that ended, a saved card, and a period that ended a day ago on the clock.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { Db } from '../../server/storage/db.js';
import type { TestApp } from './app.js';

export interface SeededPlan {
  planId: string;
  flatChargeId: string;
  meteredChargeId: string;
  measurementId: string;
}

/** A plan with a flat charge of 2900 and a metered charge at 5 per unit (measurement: sum). */
export async function aMeteredPlan(t: TestApp, tag = `${Date.now()}`): Promise<SeededPlan> {
  const ok = (res: request.Response, what: string) => {
    if (res.status !== 201) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const measurement = ok(await request(t.app).post('/v1/measurements').set(t.sk).send({ code: `calls-${tag}`, unit: 'call', type: 'metered', aggregation: 'sum', prorated: false }), 'measurement');
  const base = ok(await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-base-${tag}`, name: 'Base', taxGroup: 'standard' }), 'product');
  const calls = ok(await request(t.app).post('/v1/products').set(t.sk).send({ number: `P-calls-${tag}`, name: 'API calls', taxGroup: 'standard', measurementId: measurement.id }), 'product');
  const plan = ok(
    await request(t.app).post('/v1/plans').set(t.sk).send({
      code: `seeded-${tag}`, name: 'Seeded', currency: 'EUR', interval: { unit: 'month', count: 1 }, status: 'active', checkoutAllowed: true,
      trialDays: 0, taxBehavior: 'exclusive',
      charges: [
        { product: base.number, type: 'recurring', pricing: { model: 'flat', amount: 2900 } },
        { product: calls.number, type: 'metered', pricing: { model: 'per_unit', unitAmount: 5 } },
      ],
    }),
    'plan',
  );
  return { planId: plan.id, flatChargeId: plan.charges[0].id, meteredChargeId: plan.charges[1].id, measurementId: measurement.id };
}

/**
 * `count` active subscriptions of `plan` (one customer each, ids `<prefix>-<n>`) whose period
 * [now - 1 month - 1 day, now - 1 day) has ended, with one usage event of 10 units in it.
 */
export async function seedDueSubscriptions(db: Db, plan: SeededPlan, count: number, prefix = 'seed', paymentMethod = 'pm_card_visa'): Promise<void> {
  const items = JSON.stringify([{ chargeId: plan.flatChargeId, quantity: 1 }, { chargeId: plan.meteredChargeId, quantity: 0 }]);
  const method = JSON.stringify({ provider: 'test', id: paymentMethod, brand: 'visa', last4: '4242' });
  const now = Date.now() + Number((await db.query<{ ms: string }>(`select coalesce((data->>'clockOffsetMs')::bigint, 0)::text as ms from settings where id = 1`)).rows[0]?.ms ?? 0);
  const end = new Date(now - 86_400_000);
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - 1);
  for (let from = 1; from <= count; from += 10_000) {
    const to = Math.min(count, from + 9_999);
    await db.transaction(async (tx) => {
      await tx.query(
        `insert into customers (id, email, name, country, type)
         select 'cus_' || $1 || '-' || g, $1 || '-' || g || '@seed.test', 'Seeded ' || g, 'DE', 'individual' from generate_series($2::int, $3::int) g`,
        [prefix, from, to],
      );
      await tx.query(
        `insert into subscriptions (id, customer_id, plan_id, family_key, status, items, periods_billed, current_period_start,
           current_period_end, anchor, anchor_periods, default_payment_method)
         select 'sub_' || $1 || '-' || g, 'cus_' || $1 || '-' || g, $4, $4 || '-' || $1 || '-' || g, 'active', $5::jsonb, 1, $6, $7, $6, 1, $8::jsonb
         from generate_series($2::int, $3::int) g`,
        [prefix, from, to, plan.planId, items, start.toISOString(), end.toISOString(), method],
      );
      await tx.query(
        `insert into usage_events (measurement_id, id, subscription_id, value, at, unique_key)
         select $4, 'ev-' || $1 || '-' || g, 'sub_' || $1 || '-' || g, 10, $5, 'ev-' || $1 || '-' || g from generate_series($2::int, $3::int) g`,
        [prefix, from, to, plan.measurementId, new Date(start.getTime() + 86_400_000).toISOString()],
      );
    });
  }
}

const one = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

/**
 * Every seeded subscription `sub_<prefix>-*` has exactly one renewal invoice, paid, with exactly one
 * succeeded attempt and one payment, moved one period, with one subscription.renewed event.
 */
export async function assertEachRenewedOnce(db: Db, prefix: string, count: number): Promise<void> {
  const like = `sub_${prefix}-%`;
  assert.equal(await one(db, `select count(*)::int as n from invoices where kind = 'renewal' and subscription_id like $1`, [like]), count, 'one renewal each');
  assert.equal(
    await one(db, `select count(*)::int as n from (select subscription_id from invoices where kind = 'renewal' and subscription_id like $1 group by subscription_id having count(*) > 1) d`, [like]),
    0,
  );
  assert.equal(await one(db, `select count(*)::int as n from invoices where kind = 'renewal' and status = 'paid' and subscription_id like $1`, [like]), count, 'all paid');
  assert.equal(
    await one(db, `select count(*)::int as n from invoice_attempts a join invoices i on i.id = a.invoice_id where i.subscription_id like $1 and a.outcome = 'succeeded'`, [like]),
    count,
    'one succeeded attempt each',
  );
  assert.equal(await one(db, `select count(*)::int as n from invoice_attempts a join invoices i on i.id = a.invoice_id where i.subscription_id like $1 and a.outcome = 'pending'`, [like]), 0, 'nothing left pending');
  assert.equal(await one(db, `select count(distinct i.payment_id)::int as n from invoices i where i.kind = 'renewal' and i.subscription_id like $1`, [like]), count, 'one payment each');
  assert.equal(await one(db, `select count(*)::int as n from subscriptions where id like $1 and periods_billed = 2 and current_period_end > now()`, [like]), count, 'each moved one period');
  assert.equal(await one(db, `select count(*)::int as n from events where type = 'subscription.renewed' and object_id like $1`, [like]), count, 'one renewed event each');
}
