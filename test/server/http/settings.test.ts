import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { pointers, problemOf } from '../../support/api.js';
import { testApp, type TestApp } from '../../support/app.js';
import { createFlatPlan } from '../../support/coupons.js';
import { testDatabases } from '../../support/db.js';
import type { Db } from '../../../server/storage/db.js';

for (const target of testDatabases()) {
  describe(`settings API on ${target.name}`, () => {
    let db: Db;
    let t: TestApp;
    let plan: { code: string };
    before(async () => {
      db = await target.open();
      t = await testApp(db);
      plan = await createFlatPlan(t, 10000);
    });
    after(async () => {
      // The tests of this file share the database: leave the defaults behind.
      await put({ homeCountry: 'DE', downgrades: 'period_end' });
      if (target.name === 'postgres') await db.close();
    });

    const get = () => request(t.app).get('/v1/settings').set(t.sk);
    const put = (body: unknown) => request(t.app).put('/v1/settings').set(t.sk).send(body as object);
    const quote = async (body: Record<string, unknown> = {}) => {
      const res = await request(t.app).post('/v1/quotes').set(t.pk).send({ plan: plan.code, ...body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { taxTreatment: string; lines: { taxRate: number }[]; dueToday: { tax: number; total: number } };
    };
    /** Puts the settings back even when the test failed halfway. */
    async function restoring(fn: () => Promise<void>) {
      try {
        await fn();
      } finally {
        const res = await put({ homeCountry: 'DE', downgrades: 'period_end' });
        assert.equal(res.status, 200, `restoring settings: ${JSON.stringify(res.body)}`);
      }
    }

    it('when nothing was set, then GET answers the defaults: home country DE, downgrades at period end, and the VAT table date', async () => {
      const res = await get();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.homeCountry, 'DE');
      assert.equal(res.body.downgrades, 'period_end');
      assert.equal(res.body.vatRates.validFrom, '2026-01-01');
      assert.equal(typeof res.body.vatRates.about, 'string');
      assert.deepEqual(Object.keys(res.body).sort(), ['cancellation', 'downgrades', 'dunning', 'homeCountry', 'portal', 'seller', 'vatRates']);
      assert.deepEqual(res.body.dunning, { retryDays: [1, 3, 5, 7], finalAction: 'cancel' });
      assert.deepEqual(res.body.cancellation, { refund: 'none' });
      assert.equal(res.body.seller, null);
    });

    it('when dunning is sent in part, then the rest of it stays: the final action alone keeps the retry days, and the days alone keep the final action', async () => {
      await restoring(async () => {
        const first = await put({ dunning: { finalAction: 'mark_uncollectible' } });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.deepEqual(first.body.dunning, { retryDays: [1, 3, 5, 7], finalAction: 'mark_uncollectible' });
        const second = await put({ dunning: { retryDays: [2, 4] } });
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.deepEqual(second.body.dunning, { retryDays: [2, 4], finalAction: 'mark_uncollectible' });
        const refused = await put({ dunning: { retryDays: [4, 2] } });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.errors?.[0]?.pointer ?? refused.body.pointer, '/dunning/retryDays');
        await put({ dunning: { retryDays: [1, 3, 5, 7], finalAction: 'cancel' } });
      });
    });

    it('when homeCountry becomes AT, then a domestic quote is taxed at 20 % at once and a German buyer becomes OSS at 19 %', async () => {
      await restoring(async () => {
        assert.equal((await quote()).lines[0]!.taxRate, 1900);
        const res = await put({ homeCountry: 'AT' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.homeCountry, 'AT');
        assert.equal(res.body.downgrades, 'period_end');
        assert.equal((await get()).body.homeCountry, 'AT');

        const home = await quote();
        assert.equal(home.taxTreatment, 'domestic');
        assert.equal(home.lines[0]!.taxRate, 2000);
        assert.deepEqual([home.dueToday.tax, home.dueToday.total], [2000, 12000]);
        const austrian = await quote({ customer: { country: 'AT', type: 'individual' } });
        assert.equal(austrian.taxTreatment, 'domestic');
        assert.equal(austrian.lines[0]!.taxRate, 2000);
        const german = await quote({ customer: { country: 'DE', type: 'individual' } });
        assert.equal(german.taxTreatment, 'oss');
        assert.equal(german.lines[0]!.taxRate, 1900);
      });
      assert.equal((await quote()).lines[0]!.taxRate, 1900);
    });

    it('when only downgrades is put, then homeCountry keeps its value', async () => {
      await restoring(async () => {
        assert.equal((await put({ homeCountry: 'FR' })).status, 200);
        const res = await put({ downgrades: 'immediately' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.homeCountry, res.body.downgrades], ['FR', 'immediately']);
        assert.deepEqual([(await get()).body.homeCountry, (await get()).body.downgrades], ['FR', 'immediately']);
      });
    });

    const refusals: [string, Record<string, unknown>, string][] = [
      ['homeCountry US (outside the EU)', { homeCountry: 'US' }, '/homeCountry'],
      ['homeCountry in lower case', { homeCountry: 'at' }, '/homeCountry'],
      ['homeCountry EL (a VAT prefix, not a country code)', { homeCountry: 'EL' }, '/homeCountry'],
      ['homeCountry "constructor" (a name every JS object has)', { homeCountry: 'constructor' }, '/homeCountry'],
      ['homeCountry "toString"', { homeCountry: 'toString' }, '/homeCountry'],
      ['an unknown downgrades value', { downgrades: 'never' }, '/downgrades'],
    ];
    for (const [situation, body, pointer] of refusals) {
      it(`when the PUT has ${situation}, then 400 validation_failed at ${pointer} and nothing changes`, async () => {
        await restoring(async () => {
          const problem = problemOf(await put(body), 400, 'validation_failed');
          assert.deepEqual(pointers(problem), [pointer]);
          assert.equal((await get()).body.homeCountry, 'DE');
          const q = await quote();
          assert.deepEqual([q.taxTreatment, q.lines[0]!.taxRate], ['domestic', 1900]);
        });
      });
    }

    it('when the PUT names an unknown field, then 400 validation_failed naming it, and nothing changes', async () => {
      await restoring(async () => {
        const problem = problemOf(await put({ homeCountry: 'AT', vatRate: 0 }), 400, 'validation_failed');
        assert.ok(problem.errors?.some((e) => e.detail.includes('vatRate') || e.pointer === '/vatRate'), JSON.stringify(problem));
        assert.equal((await get()).body.homeCountry, 'DE');
      });
    });

    it('when a publishable key reads or writes the settings, then 403 secret_key_required', async () => {
      problemOf(await request(t.app).get('/v1/settings').set(t.pk), 403, 'secret_key_required');
      problemOf(await request(t.app).put('/v1/settings').set(t.pk).send({ homeCountry: 'AT' }), 403, 'secret_key_required');
      assert.equal((await get()).body.homeCountry, 'DE');
    });

    // Last: a seller once set stays for the rest of the file.
    it('when the seller is sent in part, then the first one must be whole (400 at each missing field, nothing stored), and later ones change only what they name', async () => {
      const first = problemOf(await put({ seller: { phone: '+49 30 1234567' } }), 400, 'validation_failed');
      assert.deepEqual(pointers(first).sort(), ['/seller/address', '/seller/email', '/seller/name']);
      assert.equal((await get()).body.seller, null);
      const whole = { name: 'Billkit Test GmbH', address: { line1: 'Weg 1', postalCode: '10115', city: 'Berlin', country: 'DE' }, email: 'seller@example.test' };
      assert.equal((await put({ seller: whole })).status, 200);
      const phone = await put({ seller: { phone: '+49 30 1234567' } });
      assert.equal(phone.status, 200, JSON.stringify(phone.body));
      assert.deepEqual(phone.body.seller, { ...whole, phone: '+49 30 1234567' });
      const moved = await put({ seller: { address: { city: 'Potsdam', postalCode: '14467' } } });
      assert.deepEqual(moved.body.seller.address, { line1: 'Weg 1', postalCode: '14467', city: 'Potsdam', country: 'DE' });
      const emptied = problemOf(await put({ seller: { name: '' } }), 400, 'validation_failed');
      assert.deepEqual(pointers(emptied), ['/seller/name']);
      assert.equal((await get()).body.seller.name, 'Billkit Test GmbH');
    });
  });
}
