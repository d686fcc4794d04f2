import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../../server/storage/db.js';
import { freshPostgres } from '../../support/db.js';

// The PostgreSQL adapter runs parameterized statements as named prepared statements (parsed and planned
// once per connection), except those whose result columns come from `*`. PGlite has no such cache.
describe('PostgreSQL adapter', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL' }, () => {
  let db: Db;
  before(async () => {
    db = await freshPostgres(process.env.DATABASE_URL!, { max: 1 });
    await db.exec('create table gadgets (id text primary key, n integer not null)');
  });
  after(async () => {
    await db.close();
  });

  it('when a statement runs many times, then it is prepared once on the connection and answers each time', async () => {
    for (let i = 0; i < 5; i++) await db.query('insert into gadgets (id, n) values ($1, $2)', [`g${i}`, i]);
    const { rows } = await db.query<{ n: number }>('select n from gadgets where id = $1', ['g3']);
    assert.equal(rows[0]!.n, 3);
    const prepared = await db.query<{ statement: string }>('select statement from pg_prepared_statements');
    const texts = prepared.rows.map((r) => r.statement);
    assert.equal(texts.filter((t) => t.startsWith('insert into gadgets')).length, 1);
    assert.ok(texts.includes('select n from gadgets where id = $1'));
  });

  it('when a migration adds a column under a running process, then its statements keep answering', async () => {
    const before = await db.query<Record<string, unknown>>('select * from gadgets where id = $1', ['g1']);
    await db.query('select n from gadgets where id = $1', ['g1']);
    await db.exec('alter table gadgets add column label text');
    const star = await db.query<Record<string, unknown>>('select * from gadgets where id = $1', ['g1']);
    assert.deepEqual(Object.keys(star.rows[0]!).sort(), [...Object.keys(before.rows[0]!), 'label'].sort());
    const named = await db.query<{ n: number }>('select n from gadgets where id = $1', ['g1']);
    assert.equal(named.rows[0]!.n, 1);
    const prepared = await db.query<{ statement: string }>('select statement from pg_prepared_statements');
    assert.ok(!prepared.rows.some((r) => r.statement.startsWith('select * from gadgets')), 'a select * was prepared');
  });
});
