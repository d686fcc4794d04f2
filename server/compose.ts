import type { Logger } from 'pino';
import { CatalogCache } from './app/catalog-cache.js';
import { CatalogService } from './app/catalog.js';
import { CouponService } from './app/coupons.js';
import { KeyStore } from './app/keys.js';
import { QuoteService } from './app/quotes.js';
import { SettingsService } from './app/settings.js';
import type { Deps, HttpConfig } from './http/deps.js';
import type { Db } from './storage/db.js';

/** Wires repositories and use cases over one database; used by main.ts and by the HTTP tests alike. */
export function buildDeps(db: Db, config: HttpConfig, logger?: Logger): Deps {
  const catalogCache = new CatalogCache(db);
  return {
    db,
    keys: new KeyStore(db),
    catalogCache,
    catalog: new CatalogService(db, catalogCache),
    coupons: new CouponService(db, catalogCache),
    quotes: new QuoteService(db, catalogCache),
    settings: new SettingsService(db, catalogCache),
    config,
    ...(logger ? { logger } : {}),
  };
}
