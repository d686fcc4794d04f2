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

  async update(patch: Record<string, unknown>): Promise<MerchantSettings> {
    await this.db.transaction(async (tx) => {
      await tx.query('update settings set data = data || $1::jsonb, updated_at = now() where id = 1', [JSON.stringify(patch)]);
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
