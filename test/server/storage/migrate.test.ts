import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadMigrations, migrate, splitStatements } from '../../../server/storage/migrate.js';
import { openPglite } from '../../../server/storage/pglite.js';
import { openPostgres } from '../../../server/storage/postgres.js';
import type { Db } from '../../../server/storage/db.js';
import { testDatabases, withSearchPath } from '../../support/db.js';

describe('migrations', () => {
  it('when a script has comments and several statements, then it splits into the statements', () => {
    assert.deepEqual(splitStatements('-- note\ncreate table a (x int);\n\ninsert into a values (1);\n'), [
      'create table a (x int)',
      'insert into a values (1)',
    ]);
  });

  it('when a script defines a function, then its dollar-quoted body stays in one statement', () => {
    const sql = 'create table a (x int);\n-- numbering\ncreate function f() returns trigger language plpgsql as $$\nbegin\n  update a set x = 1;\n  return null;\nend $$;\ncreate index a_x on a (x);\n';
    assert.deepEqual(splitStatements(sql), [
      'create table a (x int)',
      'create function f() returns trigger language plpgsql as $$\nbegin\n  update a set x = 1;\n  return null;\nend $$',
      'create index a_x on a (x)',
    ]);
  });

  it('when the migrations folder is read, then versions are numbered from 1 without gaps', () => {
    const versions = loadMigrations().map((m) => m.version);
    assert.deepEqual(versions, versions.map((_, i) => i + 1));
  });

  for (const target of testDatabases()) {
    describe(`on ${target.name}`, () => {
      let db: Db;
      before(async () => {
        db = await target.open();
      });
      after(async () => {
        if (target.name === 'postgres') await db.close();
      });

      it('when migrations run again, then nothing is applied twice', async () => {
        assert.deepEqual(await migrate(db), []);
        const { rows } = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
        assert.equal(Number(rows[0]!.n), loadMigrations().length);
      });

      it('when a migration fails, then it leaves nothing behind', async () => {
        const broken = [...loadMigrations(), { version: 9999, name: 'broken', sql: 'create table half_done (x int);\nselect * from no_such_table;' }];
        await assert.rejects(migrate(db, broken));
        const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_name = 'half_done'`);
        assert.equal(Number(rows[0]!.n), 0);
        const versions = await db.query<{ version: number }>('select version from schema_migrations where version = 9999');
        assert.equal(versions.rows.length, 0);
      });
    });
  }

  it("when invoice numbering moves to commit time (0004), then each year's counter carries over to its series", async () => {
    const db = await openPglite(null);
    try {
      const all = loadMigrations();
      await migrate(db, all.filter((m) => m.version <= 3));
      await db.query('insert into invoice_counters (year, last_number) values (2025, 17), (2026, 41)');
      assert.deepEqual(await migrate(db, all), [4, ...all.filter((m) => m.version > 4).map((m) => m.version)]);
      const { rows } = await db.query<{ prefix: string; last_number: number }>('select prefix, last_number from invoice_series order by prefix');
      assert.deepEqual(rows.map((r) => [r.prefix, Number(r.last_number)]), [['INV-2025-', 17], ['INV-2026-', 41]]);
    } finally {
      await db.close();
    }
  });

  if (process.env.DATABASE_URL) {
    it('when two processes migrate one empty PostgreSQL schema at once, then each migration is applied once', async () => {
      const url = process.env.DATABASE_URL!;
      const admin = await openPostgres(url, { max: 1 });
      const schema = `billkit_race_${Date.now().toString(36)}`;
      await admin.query(`create schema ${schema}`);
      try {
        const a = await openPostgres(withSearchPath(url, schema), { max: 2 });
        const b = await openPostgres(withSearchPath(url, schema), { max: 2 });
        const [doneA, doneB] = await Promise.all([migrate(a), migrate(b)]);
        assert.deepEqual([...doneA, ...doneB].sort((a, b) => a - b), loadMigrations().map((m) => m.version));
        await a.close();
        await b.close();
      } finally {
        await admin.query(`drop schema ${schema} cascade`);
        await admin.close();
      }
    });
  }
});

