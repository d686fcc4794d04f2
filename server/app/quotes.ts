import { normalizeCouponCode, type CouponLookup } from '../domain/coupons.js';
import { priceCart, type Cart, type Quote } from '../domain/quote.js';
import { lookupCouponForQuote } from '../storage/coupon-repository.js';
import { catalogVersion } from '../storage/catalog-repository.js';
import type { Db } from '../storage/db.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';

/**
 * Prices a cart from the cached catalog. One database round trip: the coupon lookup carries the catalog
 * version with it (without a coupon, the version alone is read).
 */
export class QuoteService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async quote(cart: Cart): Promise<{ quote: Quote; lookup: CouponLookup; entry: CatalogEntry }> {
    let lookup: CouponLookup = { status: 'none' };
    let version: number;
    if (cart.couponCode !== undefined && cart.couponCode.trim() !== '') {
      const found = await lookupCouponForQuote(this.db, normalizeCouponCode(cart.couponCode), cart.customer);
      version = found.version;
      lookup = found.lookup;
    } else {
      version = await catalogVersion(this.db);
    }
    const entry = await this.cache.at(version);
    const { couponCode: _ignored, ...rest } = cart;
    const priced = lookup.status === 'none' ? rest : cart;
    const quote = priceCart({ catalog: entry.snapshot, cart: priced, coupon: lookup, tax: entry.tax, now: CatalogCache.now(entry) });
    return { quote, lookup, entry };
  }
}
