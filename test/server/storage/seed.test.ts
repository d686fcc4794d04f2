import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_SELLER, seedDemo } from '../../../server/seed/demo.js';
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
  });
}
