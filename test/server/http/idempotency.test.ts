import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import {
  aCheckoutInput, aFlatPlan, confirm, idempotencyHash, idempotencyScope, postCheckout, rowCounts, startCheckout, testAppWith,
} from '../../support/checkout.js';
import { testDatabases, unique } from '../../support/db.js';
import { DomainError } from '../../../server/domain/errors.js';
import type { PrepareInput, PreparedPayment } from '../../../server/payments/provider.js';
import { TestPaymentProvider } from '../../../server/payments/test-provider.js';

const countCheckouts = async (db: Db) => Number((await db.query<{ n: number }>('select count(*)::int as n from checkouts')).rows[0]!.n);

for (const target of testDatabases()) {
  describe(`Idempotency-Key on checkouts on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let plan: string;
    before(async () => {
      db = await target.open();
      t = await testAppWith(db);
      plan = (await aFlatPlan(t, 1000)).code;
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    /** Inserts the record a twin request still running would have left. */
    const runningTwin = (path: string, body: unknown, key: string, apiKey = t.publishable) =>
      db.query(`insert into idempotency_keys (scope, key, request_hash, status) values ($1, $2, $3, 'running')`, [
        idempotencyScope('POST', path, apiKey),
        key,
        idempotencyHash(body),
      ]);

    describe('creating a checkout', () => {
      it('when the same key and body are sent twice, then the first response is replayed with Idempotent-Replayed: true and no second checkout', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const first = await postCheckout(t, body, key);
        assert.equal(first.status, 201, JSON.stringify(first.body));
        assert.equal(first.headers['idempotent-replayed'], undefined);
        const count = await countCheckouts(db);

        const second = await postCheckout(t, body, key);
        assert.equal(second.status, 201);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.deepEqual(second.body, first.body);
        assert.equal(await countCheckouts(db), count);
      });

      it('when the same body is sent with its keys in another order, then it is the same request and is replayed', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan, quantity: 1 });
        const first = await postCheckout(t, body, key);
        assert.equal(first.status, 201, JSON.stringify(first.body));
        const reordered = Object.fromEntries(Object.entries(body).reverse());
        const second = await postCheckout(t, reordered, key);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.equal(second.body.id, first.body.id);
      });

      it('when the same key comes with a different body, then 422 idempotency_key_reused and nothing is created', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        assert.equal((await postCheckout(t, body, key)).status, 201);
        const count = await countCheckouts(db);
        problemOf(await postCheckout(t, { ...body, quantity: 1 }, key), 422, 'idempotency_key_reused');
        assert.equal(await countCheckouts(db), count);
      });

      it('when the twin request is still running, then 409 idempotency_in_progress and nothing is created', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        await runningTwin('/v1/checkouts', body, key);
        const count = await countCheckouts(db);
        problemOf(await postCheckout(t, body, key), 409, 'idempotency_in_progress');
        assert.equal(await countCheckouts(db), count);
      });

      it('when another API key sends the same Idempotency-Key and body, then it is a request of its own', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const first = await postCheckout(t, body, key);
        const other = await request(t.app).post('/v1/checkouts').set(t.sk).set('Idempotency-Key', key).send(body);
        assert.equal(other.status, 201, JSON.stringify(other.body));
        assert.equal(other.headers['idempotent-replayed'], undefined);
        assert.notEqual(other.body.id, first.body.id);
      });

      it('when the key was first used more than 24 hours ago, then it is forgotten and a new request with it is served afresh', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const first = await postCheckout(t, body, key);
        assert.equal(first.status, 201);
        await db.query(`update idempotency_keys set created_at = now() - interval '25 hours' where key = $1`, [key]);
        const later = await postCheckout(t, { ...body, quantity: 1 }, key);
        assert.equal(later.status, 201, JSON.stringify(later.body));
        assert.equal(later.headers['idempotent-replayed'], undefined);
        assert.notEqual(later.body.id, first.body.id);
      });

      it('when the key was used 23 hours ago, then it is still replayed', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const first = await postCheckout(t, body, key);
        await db.query(`update idempotency_keys set created_at = now() - interval '23 hours' where key = $1`, [key]);
        const again = await postCheckout(t, body, key);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(again.body.id, first.body.id);
      });

      it('when a running claim was abandoned more than 5 minutes ago, then the key can be used again', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        await runningTwin('/v1/checkouts', body, key);
        await db.query(`update idempotency_keys set created_at = now() - interval '6 minutes' where key = $1`, [key]);
        const res = await postCheckout(t, body, key);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.headers['idempotent-replayed'], undefined);
      });

      it('when the key is longer than 255 characters, then 400 validation_failed at the header', async () => {
        const problem = problemOf(await postCheckout(t, aCheckoutInput({ plan }), 'k'.repeat(256)), 400, 'validation_failed');
        assert.deepEqual(pointers(problem), ['/header/Idempotency-Key']);
      });

      it('when a refused request is retried with its key, then the same problem is replayed', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan }, { country: 'FR', type: 'business', vatId: 'FR00000000000' });
        problemOf(await postCheckout(t, body, key), 422, 'vat_id_invalid');
        const again = await postCheckout(t, body, key);
        problemOf(again, 422, 'vat_id_invalid');
        assert.equal(again.headers['idempotent-replayed'], 'true');
      });

      it('when the same key and body race, then exactly one checkout is created and the other answer is a replay or 409 idempotency_in_progress', async () => {
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const count = await countCheckouts(db);
        const answers = await Promise.all([postCheckout(t, body, key), postCheckout(t, body, key)]);
        assert.equal(await countCheckouts(db), count + 1);
        const fresh = answers.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
        assert.equal(fresh.length, 1, answers.map((r) => `${r.status} ${r.body.code ?? ''}`).join(', '));
        for (const r of answers) {
          if (r === fresh[0]) continue;
          if (r.status === 201) assert.deepEqual(r.body, fresh[0]!.body);
          else problemOf(r, 409, 'idempotency_in_progress');
        }
      });
    });

    describe('confirming a checkout', () => {
      it('when a confirmation is replayed with its key, then the same customer, subscription and invoice come back and nothing is charged or written again', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        const first = await confirm(t, checkout.id, 'pm_card_visa', {}, key);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const before = await rowCounts(db);
        const payments = await db.query<{ payment_id: string }>('select payment_id from checkouts where id = $1', [checkout.id]);

        const second = await confirm(t, checkout.id, 'pm_card_visa', {}, key);
        assert.equal(second.status, 200);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.deepEqual(second.body, first.body);
        assert.deepEqual(await rowCounts(db), before);
        const after = await db.query<{ payment_id: string }>('select payment_id from checkouts where id = $1', [checkout.id]);
        assert.deepEqual(after.rows, payments.rows);
      });

      it('when the key of a confirmation is reused with another payment method, then 422 idempotency_key_reused', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        assert.equal((await confirm(t, checkout.id, 'pm_card_visa', {}, key)).status, 200);
        problemOf(await confirm(t, checkout.id, 'pm_card_chargeDeclined', {}, key), 422, 'idempotency_key_reused');
      });

      it('when the same key is used to confirm another checkout, then it is a request of its own (the path is part of the key)', async () => {
        const key = unique('idem');
        const a = await confirm(t, (await startCheckout(t, { plan })).id, 'pm_card_visa', {}, key);
        const b = await confirm(t, (await startCheckout(t, { plan })).id, 'pm_card_visa', {}, key);
        assert.equal(a.status, 200, JSON.stringify(a.body));
        assert.equal(b.status, 200, JSON.stringify(b.body));
        assert.equal(b.headers['idempotent-replayed'], undefined);
        assert.notEqual(b.body.invoice.id, a.body.invoice.id);
      });

      it('when the twin confirmation is still running, then 409 idempotency_in_progress and nothing is charged', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        await runningTwin(`/v1/checkouts/${checkout.id}/confirm`, { paymentMethod: 'pm_card_visa' }, key);
        const before = await rowCounts(db);
        problemOf(await confirm(t, checkout.id, 'pm_card_visa', {}, key), 409, 'idempotency_in_progress');
        assert.deepEqual(await rowCounts(db), before);
        const status = await db.query<{ status: string }>('select status from checkouts where id = $1', [checkout.id]);
        assert.equal(status.rows[0]!.status, 'open');
      });

      it('when a declined confirmation is replayed with its key, then the 402 is replayed, and a new key with another card completes', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        problemOf(await confirm(t, checkout.id, 'pm_card_chargeDeclined', {}, key), 402, 'payment_declined');
        const again = await confirm(t, checkout.id, 'pm_card_chargeDeclined', {}, key);
        problemOf(again, 402, 'payment_declined');
        assert.equal(again.headers['idempotent-replayed'], 'true');
        const paid = await confirm(t, checkout.id, 'pm_card_visa', {}, unique('idem'));
        assert.equal(paid.status, 200, JSON.stringify(paid.body));
        assert.equal(paid.body.status, 'complete');
      });

      it('when requires_action is followed by the authenticated confirmation under a new key, then the checkout completes once', async () => {
        const checkout = await startCheckout(t, { plan });
        const first = await confirm(t, checkout.id, 'pm_card_authenticationRequired', {}, unique('idem'));
        assert.equal(first.body.status, 'requires_action');
        const key = unique('idem');
        const second = await confirm(t, checkout.id, 'pm_card_authenticationRequired', { authenticated: true }, key);
        assert.equal(second.body.status, 'complete', JSON.stringify(second.body));
        const replay = await confirm(t, checkout.id, 'pm_card_authenticationRequired', { authenticated: true }, key);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.body, second.body);
      });

      it('when the same confirmation races under one key, then exactly one invoice is created', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        const before = await rowCounts(db);
        const answers = await Promise.all([confirm(t, checkout.id, 'pm_card_visa', {}, key), confirm(t, checkout.id, 'pm_card_visa', {}, key)]);
        const after = await rowCounts(db);
        assert.deepEqual([after.subscriptions, after.invoices], [before.subscriptions + 1, before.invoices + 1]);
        const fresh = answers.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
        assert.equal(fresh.length, 1, answers.map((r) => `${r.status} ${r.body.code ?? r.body.status}`).join(', '));
        for (const r of answers) {
          if (r === fresh[0]) continue;
          if (r.status === 200) assert.deepEqual(r.body, fresh[0]!.body);
          else problemOf(r, 409, 'idempotency_in_progress');
        }
      });
    });

    describe('when our side fails', () => {
      it('when the database fails after the payment, then 500 without a stack, nothing is half-written, and a retry with the same key runs again and completes', async () => {
        const checkout = await startCheckout(t, { plan });
        const key = unique('idem');
        await db.exec(`
          create or replace function billkit_test_fail_invoice() returns trigger language plpgsql as $$
          begin raise exception 'invoice storage is down'; end $$;
          create trigger billkit_test_fail_invoice before insert on invoices for each row execute function billkit_test_fail_invoice();
        `);
        const before = await rowCounts(db);
        let failed;
        try {
          failed = await confirm(t, checkout.id, 'pm_card_visa', {}, key);
        } finally {
          await db.exec('drop trigger billkit_test_fail_invoice on invoices; drop function billkit_test_fail_invoice();');
        }
        problemOf(failed, 500, 'internal_error');
        assert.doesNotMatch(JSON.stringify(failed.body), /invoice storage is down|\bat \//);
        assert.deepEqual(await rowCounts(db), before);
        const status = await db.query<{ status: string }>('select status from checkouts where id = $1', [checkout.id]);
        assert.equal(status.rows[0]!.status, 'open');
        const kept = await db.query('select 1 from idempotency_keys where key = $1', [key]);
        assert.equal(kept.rows.length, 0, 'a 5xx is not kept');

        const retried = await confirm(t, checkout.id, 'pm_card_visa', {}, key);
        assert.equal(retried.status, 200, JSON.stringify(retried.body));
        assert.equal(retried.headers['idempotent-replayed'], undefined);
        assert.equal(retried.body.status, 'complete');
        const after = await rowCounts(db);
        assert.deepEqual([after.invoices, after.subscriptions], [before.invoices + 1, before.subscriptions + 1]);
      });

      it('when a dependency is unavailable (a 503 problem), then that answer is not kept either, and a retry with the same key is served', async () => {
        class UnavailableOnce extends TestPaymentProvider {
          #failures = 1;
          override async prepare(input: PrepareInput): Promise<PreparedPayment> {
            if (this.#failures-- > 0) throw new DomainError('unavailable', 'database_unavailable', 'The database cannot be reached; retry shortly.');
            return super.prepare(input);
          }
        }
        const flaky = await testAppWith(db, { payments: new UnavailableOnce() }, { secret: t.secret, publishable: t.publishable });
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        problemOf(await postCheckout(flaky, body, key), 503, 'database_unavailable');
        const kept = await db.query('select 1 from idempotency_keys where key = $1', [key]);
        assert.equal(kept.rows.length, 0, 'a 5xx is not kept');
        const retried = await postCheckout(flaky, body, key);
        assert.equal(retried.status, 201, JSON.stringify(retried.body));
        assert.equal(retried.headers['idempotent-replayed'], undefined);
      });
    });

    describe('kept in the database', () => {
      it('when another BFF process over the same database gets the retry, then it replays the first response', async () => {
        const other = await testAppWith(db, {}, { secret: t.secret, publishable: t.publishable });
        const key = unique('idem');
        const body = aCheckoutInput({ plan });
        const created = await postCheckout(t, body, key);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const replayed = await postCheckout(other, body, key);
        assert.equal(replayed.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replayed.body, created.body);

        const confirmKey = unique('idem');
        const paid = await confirm(other, created.body.id, 'pm_card_visa', {}, confirmKey);
        assert.equal(paid.status, 200, JSON.stringify(paid.body));
        const before = await rowCounts(db);
        const again = await confirm(t, created.body.id, 'pm_card_visa', {}, confirmKey);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.deepEqual(again.body, paid.body);
        assert.deepEqual(await rowCounts(db), before);
      });

      it('when a request completes, then its record holds the status and body for the replay', async () => {
        const key = unique('idem');
        const res = await postCheckout(t, aCheckoutInput({ plan }), key);
        const { rows } = await db.query<{ status: string; response_status: number; response_body: unknown; scope: string }>(
          'select status, response_status, response_body, scope from idempotency_keys where key = $1',
          [key],
        );
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.scope, idempotencyScope('POST', '/v1/checkouts', t.publishable));
        assert.deepEqual([rows[0]!.status, Number(rows[0]!.response_status)], ['done', 201]);
        const stored = typeof rows[0]!.response_body === 'string' ? JSON.parse(rows[0]!.response_body) : rows[0]!.response_body;
        assert.deepEqual(stored, res.body);
      });
    });
  });
}
