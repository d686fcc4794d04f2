import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary, fixed: the advisory lock every process takes before it migrates. */
const MIGRATION_LOCK = 72_201_337;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(dir + file, 'utf8'),
    }));
}

/**
 * Applies the migrations not yet recorded, all in one transaction under an advisory lock, so two processes
 * starting at once apply each migration exactly once and a failed migration leaves nothing behind.
 * Returns the versions applied by this call.
 */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await tx.query<{ version: number }>('select version from schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

/**
 * Splits a migration on `;` at line ends, except inside dollar-quoted bodies ($$ ... $$, for functions),
 * and drops `--` comment lines outside them.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  // Even parts are outside dollar quotes, odd parts inside.
  sql.split('$$').forEach((part, i) => {
    if (i % 2 === 1) {
      current += '$$' + part + '$$';
      return;
    }
    const pieces = part.split(/;\s*(?:\r?\n|$)/);
    pieces.forEach((piece, k) => {
      current += piece.replace(/^\s*--.*$/gm, '');
      if (k < pieces.length - 1) {
        statements.push(current.trim());
        current = '';
      }
    });
  });
  statements.push(current.trim());
  return statements.filter((statement) => statement.length > 0);
}
