import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_SELLER, seedDemo } from '../../../server/seed/demo.js';
import { loadCatalog } from '../../../server/storage/catalog-repository.js';
import type { Db } from '../../../server/storage/db.js';
import { testDatabases } from '../../support/db.js';

for (const target of testDatabases()) {
  describe(`the demo seed on ${target.name}`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(async () => {
      if (target.name === 'postgres') await db.close();
    });

    it('when the demo is seeded, then the settings name its seller, so its invoices are complete documents; seeding again changes nothing', async () => {
      const seller = async () => (await db.query<{ seller: unknown }>(`select data->'seller' as seller from settings where id = 1`)).rows[0]!.seller;
      await db.query(`update settings set data = data - 'seller' - 'demoSeeded' where id = 1`);
      assert.equal(await seedDemo(db), true);
      assert.deepEqual(await seller(), DEMO_SELLER);
      assert.equal(await seedDemo(db), false);
    });

    it('when the demo is seeded, then every family, product, plan and unit has its German; a demo seeded before translations gets them on its next start', async () => {
      await seedDemo(db);
      const { snapshot } = await loadCatalog(db);
      const all = [...snapshot.families.values(), ...snapshot.products.values(), ...snapshot.plans.values(), ...snapshot.measurements.values()];
      const demo = all.filter((x) => !('number' in x) || /^(CLOUD|INSIGHTS)-/.test(x.number));
      assert.ok(demo.length >= 20, String(demo.length));
      for (const x of demo) assert.ok(x.translations?.de, `no German for ${JSON.stringify(x).slice(0, 80)}`);
      const calls = [...snapshot.measurements.values()].find((m) => m.code === 'api_calls')!;
      assert.deepEqual([calls.unit, calls.unitPlural, calls.translations?.de?.unitPlural], ['call', 'calls', 'Aufrufe']);
      // An older demo database: no translations, no plurals.
      await db.query(`update products set translations = '{}' where number = 'CLOUD-TEAM-SEAT'`);
      await db.query(`update measurements set unit_plural = null where code = 'members'`);
      assert.equal(await seedDemo(db), false);
      const again = (await loadCatalog(db)).snapshot;
      assert.equal([...again.products.values()].find((p) => p.number === 'CLOUD-TEAM-SEAT')!.translations?.de?.name, 'Team-Platz');
      assert.equal([...again.measurements.values()].find((m) => m.code === 'members')!.unitPlural, 'members');
    });
  });
}
