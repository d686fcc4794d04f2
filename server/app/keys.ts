import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { newId } from '../storage/ids.js';

export type KeyKind = 'secret' | 'publishable';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
export const generateKey = (kind: KeyKind) => `${kind === 'secret' ? 'sk' : 'pk'}_test_${randomBytes(24).toString('base64url')}`;

export function kindOfKey(key: string): KeyKind | null {
  if (/^sk_(test|live)_[A-Za-z0-9_-]{16,}$/.test(key)) return 'secret';
  if (/^pk_(test|live)_[A-Za-z0-9_-]{16,}$/.test(key)) return 'publishable';
  return null;
}

/**
 * API keys, stored as sha256 hashes. Known hashes are remembered in process (keys are not revoked yet), so
 * authentication costs no database round trip after a key's first use.
 */
export class KeyStore {
  /** Keys already verified against the database, by the key itself (no hashing on the hot path). */
  readonly #known = new Map<string, KeyKind>();
  constructor(private readonly db: Db) {}

  /** The kind of a key already verified, without waiting (null when it has not been seen yet). */
  known(key: string): KeyKind | null {
    return this.#known.get(key) ?? null;
  }

  async resolve(key: string): Promise<KeyKind | null> {
    const known = this.known(key);
    if (known) return known;
    const kind = kindOfKey(key);
    if (!kind) return null;
    const hash = hashKey(key);
    const { rows } = await this.db.query<{ kind: KeyKind }>('select kind from api_keys where key_hash = $1', [hash]);
    if (!rows[0] || rows[0].kind !== kind) return null;
    this.#known.set(key, kind);
    return kind;
  }

  /** Stores a key (idempotent). */
  async add(key: string): Promise<void> {
    const kind = kindOfKey(key);
    if (!kind) throw new Error(`Not an API key: ${key.slice(0, 8)}...`);
    await this.db.query(
      `insert into api_keys (id, kind, key_hash, prefix) values ($1, $2, $3, $4) on conflict (key_hash) do nothing`,
      [newId('key'), kind, hashKey(key), key.slice(0, 12)],
    );
  }

  async count(kind: KeyKind): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('select count(*)::int as n from api_keys where kind = $1', [kind]);
    return Number(rows[0]!.n);
  }
}
