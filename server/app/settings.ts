import { bumpCatalogVersion } from '../storage/catalog-repository.js';
import type { Db } from '../storage/db.js';
import type { CatalogCache, MerchantSettings } from './catalog-cache.js';

/** Merchant settings live in one jsonb row, read with the catalog; every change bumps the catalog version. */
export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async get(): Promise<MerchantSettings> {
    return (await this.cache.get()).settings;
  }

  /** Objects merge key by key (PUT `{portal: {pause: {enabled: true}}}` keeps the rest of `portal`); arrays and values replace; `check` sees the result before it is written. */
  async update(patch: Record<string, unknown>, check?: (merged: Record<string, unknown>) => void): Promise<MerchantSettings> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ data: unknown }>('select data from settings where id = 1 for update');
      const current = rows[0]?.data;
      const data = deepMerge(typeof current === 'string' ? JSON.parse(current) : (current ?? {}), patch);
      // What results must hold whole (the route's check, e.g. a complete seller); a throw changes nothing.
      check?.(data);
      await tx.query('update settings set data = $1::jsonb, updated_at = now() where id = 1', [JSON.stringify(data)]);
      await bumpCatalogVersion(tx);
    });
    this.cache.invalidate();
    return this.get();
  }

  /** Moves the test clock forward (never back). */
  async advanceClock(ms: number): Promise<MerchantSettings> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `update settings set data = jsonb_set(data, '{clockOffsetMs}', to_jsonb(coalesce((data->>'clockOffsetMs')::bigint, 0) + $1::bigint)), updated_at = now() where id = 1`,
        [ms],
      );
      await bumpCatalogVersion(tx);
    });
    this.cache.invalidate();
    return this.get();
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}
