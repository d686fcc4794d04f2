/**
 * Limits that must hold under any concurrency (SPEC sections 3 and 6), proven the way production runs:
 * two BFF processes' worth of state (two createApp, two pg pools, two catalog caches) over one fresh
 * PostgreSQL schema, real HTTP requests over loopback, alternating between the two.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../../server/storage/db.js';
import { aBuyer, aFlatPlan, confirm, startCheckout, type BuyerInput } from '../../support/checkout.js';
import { createCoupon } from '../../support/coupons.js';
import { twoProcesses, type Process } from '../../support/processes.js';

const url = process.env.DATABASE_URL;

interface Answer {
  status: number;
  body: Record<string, any>;
}

async function post(p: Process, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${p.base}${path}`, {
    method: 'POST',
    headers: { ...p.t.pk, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const tally = (answers: Answer[]) => {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 200 ? `200 ${a.body.status}` : `${a.status} ${a.body.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

const count = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

describe(
  url
    ? 'limits under concurrency on PostgreSQL, two BFF processes over one database'
    : 'limits under concurrency: skipped, DATABASE_URL is not set (PGlite is one connection and cannot contend)',
  { skip: !url },
  () => {
    let dbA: Db;
    let dbB: Db;
    let a: Process;
    let b: Process;
    /** Alternates between the two processes. */
    const at = (i: number) => (i % 2 === 0 ? a : b);

    let close: (() => Promise<void>) | undefined;

    before(async () => {
      ({ a, b, close } = await twoProcesses(url!));
      dbA = a.db;
      dbB = b.db;
    });
    after(() => close?.());

    /** Starts one checkout per buyer, spread over both processes, 25 at a time; each must be quoted with the coupon valid. */
    const startMany = async (carts: { plan: string; couponCode?: string; buyer: BuyerInput }[]) => {
      const ids: string[] = [];
      for (let i = 0; i < carts.length; i += 25) {
        const batch = carts.slice(i, i + 25).map(async ({ buyer, ...cart }, j) => {
          const res = await post(at(i + j), '/v1/checkouts', { ...cart, customer: buyer });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          if (cart.couponCode) assert.equal(res.body.quote.coupon?.valid, true, JSON.stringify(res.body.quote.coupon));
          return res.body.id as string;
        });
        ids.push(...(await Promise.all(batch)));
      }
      return ids;
    };

    /** Fires every confirmation at once, alternating between the processes. */
    const confirmAll = async (ids: string[]) => {
      const started = performance.now();
      const latencies: number[] = [];
      const answers = await Promise.all(
        ids.map(async (id, i) => {
          const answer = await post(at(i), `/v1/checkouts/${id}/confirm`, { paymentMethod: 'pm_card_visa' });
          latencies.push(performance.now() - started);
          return answer;
        }),
      );
      latencies.sort((x, y) => x - y);
      const p = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
      return { answers, ms: `all answered in ${Math.round(performance.now() - started)} ms (p50 ${p(0.5)} ms, p95 ${p(0.95)} ms)` };
    };

    it('when 200 confirmations race for a coupon with 10 redemptions left, then exactly 10 discounted subscriptions are created and the rest are refused with 409 coupon_exhausted', async (ctx) => {
      const plan = await aFlatPlan(a.t, 1000);
      const coupon = await createCoupon(a.t, { percentage: 10, maxRedemptions: 12 });
      // Two redemptions used up beforehand, one through each process: 10 are left.
      for (const p of [a, b]) {
        const checkout = await startCheckout(p.t, { plan: plan.code, couponCode: coupon.code });
        assert.equal((await confirm(p.t, checkout.id)).status, 200);
      }
      const before = await count(dbA, 'select count(*)::int as n from subscriptions');

      const ids = await startMany(Array.from({ length: 200 }, () => ({ plan: plan.code, couponCode: coupon.code, buyer: aBuyer() })));
      const { answers, ms } = await confirmAll(ids);
      ctx.diagnostic(`200 confirmations over two processes: ${ms}; ${JSON.stringify(tally(answers))}`);

      assert.deepEqual(tally(answers), { '200 complete': 10, '409 coupon_exhausted': 190 });
      for (const done of answers.filter((x) => x.status === 200)) {
        // 10 % off 10.00 = 1.00; 19 % of 9.00 = 1.71: 10.71.
        assert.deepEqual([done.body.invoice.discount, done.body.invoice.total, done.body.subscription.couponId], [100, 1071, coupon.id]);
      }
      assert.equal(await count(dbB, 'select times_redeemed as n from coupons where id = $1', [coupon.id]), 12);
      assert.equal(await count(dbB, 'select count(*)::int as n from coupon_redemptions where coupon_id = $1', [coupon.id]), 12);
      assert.equal(await count(dbB, 'select count(*)::int as n from subscriptions where coupon_id = $1', [coupon.id]), 12);
      // Refused confirmations left nothing behind.
      assert.equal(await count(dbB, 'select count(*)::int as n from subscriptions'), before + 10);
      assert.equal(await count(dbB, `select count(*)::int as n from checkouts where status = 'complete' and plan_id = $1`, [plan.id]), 12);
    });

    it('when every invoice of this database is listed, then the numbers are unique and gapless from 000001', async () => {
      const { rows } = await dbA.query<{ number: string }>('select number from invoices');
      const sequences = rows.map((r) => Number(r.number.slice(-6))).sort((x, y) => x - y);
      assert.ok(sequences.length >= 12);
      assert.deepEqual(sequences, Array.from({ length: sequences.length }, (_, i) => i + 1));
    });

    it('when 4 checkouts per single-use batch code race, then each code is redeemed exactly once', async (ctx) => {
      const plan = await aFlatPlan(a.t, 2000);
      const coupon = await createCoupon(a.t, { percentage: 10 });
      // Batch codes are a secret-key route: generated through process B.
      const generated = await fetch(`${b.base}/v1/coupons/${coupon.id}/codes`, {
        method: 'POST',
        headers: { ...b.t.sk, 'Content-Type': 'application/json' },
        body: JSON.stringify({ count: 10 }),
      });
      assert.equal(generated.status, 201);
      const body = (await generated.json()) as { data?: { code: string }[] } | { code: string }[];
      const codes = (Array.isArray(body) ? body : body.data!).map((c) => c.code);
      assert.equal(codes.length, 10);

      const carts = codes.flatMap((code) => Array.from({ length: 4 }, () => ({ plan: plan.code, couponCode: code, buyer: aBuyer() })));
      const ids = await startMany(carts);
      const { answers, ms } = await confirmAll(ids);
      ctx.diagnostic(`40 confirmations on 10 single-use codes: ${ms}; ${JSON.stringify(tally(answers))}`);

      assert.deepEqual(tally(answers), { '200 complete': 10, '409 coupon_exhausted': 30 });
      const { rows } = await dbA.query<{ code: string; n: number; redeemed: boolean }>(
        `select cc.code, count(r.id)::int as n, cc.redeemed_at is not null as redeemed
         from coupon_codes cc left join coupon_redemptions r on r.code_id = cc.id
         where cc.coupon_id = $1 and cc.single_use group by cc.code, cc.redeemed_at`,
        [coupon.id],
      );
      assert.equal(rows.length, 10);
      for (const row of rows) assert.deepEqual([Number(row.n), row.redeemed], [1, true], row.code);
      assert.equal(await count(dbB, 'select times_redeemed as n from coupons where id = $1', [coupon.id]), 10);
    });

    it('when one customer races 6 checkouts with a coupon limited to 2 per customer, then exactly 2 are discounted for each of 3 customers', async (ctx) => {
      const coupon = await createCoupon(a.t, { percentage: 10, maxRedemptionsPerCustomer: 2 });
      // Plans without a family: one customer may hold all of them, so only the coupon limit refuses.
      const plans: { code: string }[] = [];
      for (let i = 0; i < 6; i++) plans.push(await aFlatPlan(a.t, 1000));
      const buyers = [aBuyer(), aBuyer(), aBuyer()];
      const carts = buyers.flatMap((buyer) => plans.map((plan) => ({ plan: plan.code, couponCode: coupon.code, buyer })));
      const ids = await startMany(carts);
      const { answers, ms } = await confirmAll(ids);
      ctx.diagnostic(`18 confirmations, 3 customers, limit 2 each: ${ms}; ${JSON.stringify(tally(answers))}`);

      assert.deepEqual(tally(answers), { '200 complete': 6, '409 coupon_customer_limit': 12 });
      for (const buyer of buyers) {
        const n = await count(dbA, 'select count(*)::int as n from coupon_redemptions where coupon_id = $1 and customer_email = $2', [coupon.id, buyer.email]);
        assert.equal(n, 2, buyer.email);
      }
      assert.equal(await count(dbA, 'select count(*)::int as n from customers where email = any($1::text[])', [buyers.map((x) => x.email)]), 3);
    });

    it('when 20 checkouts of one customer in one family race, then exactly one subscription is created and the rest are 409 subscription_exists', async (ctx) => {
      const family = await fetch(`${a.base}/v1/product-families`, {
        method: 'POST',
        headers: { ...a.t.sk, 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: `fam-${Date.now()}`, name: 'Race' }),
      });
      assert.equal(family.status, 201);
      const { code: familyCode } = (await family.json()) as { code: string };
      const plan = await aFlatPlan(a.t, 1000, { familyId: familyCode });
      const buyer = aBuyer();
      const ids = await startMany(Array.from({ length: 20 }, () => ({ plan: plan.code, buyer })));
      const { answers, ms } = await confirmAll(ids);
      ctx.diagnostic(`20 confirmations, one customer, one family: ${ms}; ${JSON.stringify(tally(answers))}`);

      assert.deepEqual(tally(answers), { '200 complete': 1, '409 subscription_exists': 19 });
      assert.equal(
        await count(dbB, 'select count(*)::int as n from subscriptions s join customers c on c.id = s.customer_id where c.email = $1', [buyer.email]),
        1,
      );
    });

    it('when the same checkout is confirmed 10 times at once through both processes, then it is charged and invoiced once', async () => {
      const plan = await aFlatPlan(a.t, 1000);
      const checkout = await startCheckout(a.t, { plan: plan.code });
      const invoices = await count(dbA, 'select count(*)::int as n from invoices');
      const { answers } = await confirmAll(Array.from({ length: 10 }, () => checkout.id));
      assert.deepEqual(tally(answers), { '200 complete': 10 });
      assert.equal(new Set(answers.map((x) => x.body.invoice.id)).size, 1);
      assert.equal(await count(dbA, 'select count(*)::int as n from invoices'), invoices + 1);
    });

    it('when confirmations that need authentication race with ones that pay, then the checkout ends complete with one invoice', async () => {
      const plan = await aFlatPlan(a.t, 1000);
      const checkout = await startCheckout(a.t, { plan: plan.code });
      const invoices = await count(dbA, 'select count(*)::int as n from invoices');
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(at(i), `/v1/checkouts/${checkout.id}/confirm`, { paymentMethod: i % 3 === 0 ? 'pm_card_visa' : 'pm_card_authenticationRequired' }),
        ),
      );
      for (const x of answers) assert.ok(x.status === 200 && ['complete', 'requires_action'].includes(x.body.status), JSON.stringify(x.body));
      assert.equal(new Set(answers.filter((x) => x.body.status === 'complete').map((x) => x.body.invoice.id)).size, 1);
      const { rows } = await dbA.query<{ status: string }>('select status from checkouts where id = $1', [checkout.id]);
      assert.equal(rows[0]!.status, 'complete');
      assert.equal(await count(dbA, 'select count(*)::int as n from invoices'), invoices + 1);
    });
  },
);
