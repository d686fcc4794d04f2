import { normalizeCouponCode, type Coupon, type CouponLookup } from '../domain/coupons.js';
import { priceCart, type Cart, type Quote } from '../domain/quote.js';
import { customerRedemptions, findByCode } from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import type { CatalogLocale } from '../domain/translations.js';
import { CatalogCache, type CatalogEntry } from './catalog-cache.js';

const MAX_CACHED_CODES = 10_000;

/**
 * Coupons by code, cached in process and dropped whenever any coupon changes (a write or a redemption
 * announces it to every process). Unknown codes are cached too, up to a bound, so guessing codes costs no
 * query per guess; the limits themselves are enforced at confirmation, in the database.
 */
export class CouponCache {
  #byCode = new Map<string, Promise<{ coupon: Coupon; codeRedeemed: boolean } | null>>();

  constructor(
    private readonly db: Db,
    catalog: CatalogCache,
  ) {
    catalog.onChange((topic) => {
      if (topic === 'coupons' || topic === '*') this.invalidate();
    });
  }

  find(code: string) {
    let found = this.#byCode.get(code);
    if (!found) {
      if (this.#byCode.size >= MAX_CACHED_CODES) this.#byCode.clear();
      found = findByCode(this.db, code);
      found.catch(() => this.#byCode.delete(code));
      this.#byCode.set(code, found);
    }
    return found;
  }

  invalidate(): void {
    this.#byCode = new Map();
  }
}

/**
 * Prices a cart from the cached catalog and coupons: no database round trip unless the coupon limits
 * redemptions per customer (then one count), or a cache was just invalidated.
 */
export class QuoteService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly coupons: CouponCache,
  ) {}

  /** `locale`: the buyer's language, which the lines' descriptions are in (the default when not given). */
  async quote(cart: Cart, locale?: CatalogLocale): Promise<{ quote: Quote; lookup: CouponLookup; entry: CatalogEntry }> {
    const entry = await this.cache.cached();
    const lookup = await this.#lookup(cart);
    const { couponCode: _ignored, ...rest } = cart;
    const priced = lookup.status === 'none' ? rest : cart;
    const quote = priceCart({ catalog: entry.localized(locale).snapshot, cart: priced, coupon: lookup, tax: entry.tax, now: CatalogCache.now(entry) });
    return { quote, lookup, entry };
  }

  async #lookup(cart: Cart): Promise<CouponLookup> {
    if (cart.couponCode === undefined || cart.couponCode.trim() === '') return { status: 'none' };
    const code = normalizeCouponCode(cart.couponCode);
    const found = await this.coupons.find(code);
    if (!found) return { status: 'not_found', code };
    const customer = cart.customer;
    const known = customer && (customer.id || customer.email);
    const count = found.coupon.maxRedemptionsPerCustomer !== null && known ? await customerRedemptions(this.db, found.coupon.id, customer) : null;
    return { status: 'found', code, coupon: found.coupon, codeRedeemed: found.codeRedeemed, customerRedemptions: count };
  }
}
