import { randomBytes } from 'node:crypto';
import { normalizeCouponCode, type Coupon } from '../domain/coupons.js';
import { conflict, DomainError, invalid, notFound, type FieldError } from '../domain/errors.js';
import * as repo from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import { newId } from '../storage/ids.js';
import type { CatalogCache, CatalogEntry } from './catalog-cache.js';
import { rethrowUnique } from './errors.js';
import type { CouponCache } from './quotes.js';

export interface CouponInput {
  code: string;
  name: string;
  type: Coupon['type'];
  percentage?: number | null | undefined;
  fixedAmount?: number | null | undefined;
  currency?: string | null | undefined;
  frequency: Coupon['frequency'];
  numberOfPeriods?: number | null | undefined;
  plans: string[];
  products: string[];
  excludedPlans: string[];
  excludedProducts: string[];
  expiresAt?: string | null | undefined;
  maxRedemptions?: number | null | undefined;
  maxRedemptionsPerCustomer?: number | null | undefined;
  enabled: boolean;
}

/** Unambiguous characters for generated codes (no 0/O, 1/I/L). */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
function randomCode(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

const codeTaken = (code: string) =>
  conflict('coupon_code_taken', `The code ${code} is already in use.`, [{ pointer: '/code', detail: 'Already taken.' }]);

/** Coupon administration (secret key). Plans and products are named by code/number or id; stored by id. */
export class CouponService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly codes: CouponCache,
  ) {}

  /** The API view: references by code/number and by id. */
  async view(coupon: Coupon, entry?: CatalogEntry) {
    const e = entry ?? (await this.cache.get());
    const planCode = (id: string) => e.planByRef.get(id)?.code ?? id;
    const productNumber = (id: string) => e.productByRef.get(id)?.number ?? id;
    return {
      id: coupon.id,
      code: coupon.code,
      name: coupon.name,
      type: coupon.type,
      percentage: coupon.percentage,
      fixedAmount: coupon.fixedAmount,
      currency: coupon.currency,
      frequency: coupon.frequency,
      numberOfPeriods: coupon.numberOfPeriods,
      plans: coupon.planIds.map(planCode),
      planIds: coupon.planIds,
      products: coupon.productIds.map(productNumber),
      productIds: coupon.productIds,
      excludedPlans: coupon.excludedPlanIds.map(planCode),
      excludedPlanIds: coupon.excludedPlanIds,
      excludedProducts: coupon.excludedProductIds.map(productNumber),
      excludedProductIds: coupon.excludedProductIds,
      expiresAt: coupon.expiresAt,
      maxRedemptions: coupon.maxRedemptions,
      maxRedemptionsPerCustomer: coupon.maxRedemptionsPerCustomer,
      enabled: coupon.enabled,
      redeemed: coupon.timesRedeemed > 0,
      timesRedeemed: coupon.timesRedeemed,
      createdAt: coupon.createdAt,
      updatedAt: coupon.updatedAt,
    };
  }

  async #toDomain(input: CouponInput, base: { id: string; createdAt: string; updatedAt: string; timesRedeemed: number }): Promise<Coupon> {
    const entry = await this.cache.get();
    const errors: FieldError[] = [];
    const resolve = (refs: string[], field: string, map: ReadonlyMap<string, { id: string }>, what: string) =>
      refs.map((ref, i) => {
        const found = map.get(ref);
        if (!found) errors.push({ pointer: `/${field}/${i}`, detail: `No ${what} ${ref}.` });
        return found?.id ?? ref;
      });
    const coupon: Coupon = {
      ...base,
      code: normalizeCouponCode(input.code),
      name: input.name,
      type: input.type,
      percentage: input.type === 'percentage' ? (input.percentage ?? null) : null,
      fixedAmount: input.type === 'fixed_amount' ? (input.fixedAmount ?? null) : null,
      currency: input.type === 'fixed_amount' ? (input.currency ?? null) : null,
      frequency: input.frequency,
      numberOfPeriods: input.frequency === 'limited' ? (input.numberOfPeriods ?? null) : null,
      planIds: resolve(input.plans, 'plans', entry.planByRef, 'plan'),
      productIds: resolve(input.products, 'products', entry.productByRef, 'product'),
      excludedPlanIds: resolve(input.excludedPlans, 'excludedPlans', entry.planByRef, 'plan'),
      excludedProductIds: resolve(input.excludedProducts, 'excludedProducts', entry.productByRef, 'product'),
      expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      maxRedemptions: input.maxRedemptions ?? null,
      maxRedemptionsPerCustomer: input.maxRedemptionsPerCustomer ?? null,
      enabled: input.enabled,
    };
    if (errors.length) throw invalid('validation_failed', 'The coupon refers to plans or products that do not exist.', errors);
    return coupon;
  }

  async create(input: CouponInput): Promise<Coupon> {
    const now = new Date().toISOString();
    const coupon = await this.#toDomain(input, { id: newId('coupon'), createdAt: now, updatedAt: now, timesRedeemed: 0 });
    return this.db
      .transaction((tx) => repo.insertCoupon(tx, coupon, newId('ccode')))
      .finally(() => this.codes.invalidate())
      .catch((e) => rethrowUnique(e, { coupons_code_key: () => codeTaken(coupon.code), coupon_codes_code_key: () => codeTaken(coupon.code) }));
  }

  async get(ref: string): Promise<Coupon> {
    const coupon = await repo.findCoupon(this.db, ref);
    if (!coupon) throw notFound('coupon_not_found', `No coupon ${ref}.`, [{ pointer: '/path/id', detail: 'Unknown coupon.' }]);
    return coupon;
  }

  /**
   * Edits a coupon. Once redeemed, only `enabled` may change (409 coupon_redeemed otherwise); the check is
   * the UPDATE's own condition, so it holds against a concurrent redemption.
   */
  async update(ref: string, patch: Partial<CouponInput>, validate: (merged: Partial<CouponInput>) => FieldError[]): Promise<Coupon> {
    const current = await this.get(ref);
    const onlyEnabled = Object.keys(patch).every((k) => k === 'enabled');
    if (onlyEnabled && patch.enabled !== undefined) {
      const updated = await this.db.transaction((tx) => repo.setCouponEnabled(tx, current.id, patch.enabled!));
      this.codes.invalidate();
      return updated ?? this.get(ref);
    }
    if (current.timesRedeemed > 0) throw this.#redeemed(current);
    const view = await this.view(current);
    const merged: CouponInput = {
      ...view,
      plans: view.planIds,
      products: view.productIds,
      excludedPlans: view.excludedPlanIds,
      excludedProducts: view.excludedProductIds,
      ...patch,
    };
    const errors = validate(merged);
    if (errors.length) throw invalid('validation_failed', 'The coupon would not be valid after this change.', errors);
    const next = await this.#toDomain(merged, current);
    const saved = await this.db
      .transaction((tx) => repo.updateUnredeemedCoupon(tx, next))
      .finally(() => this.codes.invalidate())
      .catch((e) => rethrowUnique(e, { coupons_code_key: () => codeTaken(next.code), coupon_codes_code_key: () => codeTaken(next.code) }));
    if (!saved) throw this.#redeemed(current);
    return saved;
  }

  async delete(ref: string): Promise<void> {
    const current = await this.get(ref);
    const deleted = await this.db.transaction((tx) => repo.deleteUnredeemedCoupon(tx, current.id));
    this.codes.invalidate();
    if (!deleted) throw this.#redeemed(current);
  }

  /** Upodi's batch codes: `count` single-use codes for the same coupon, all in one transaction. */
  async generateCodes(ref: string, count: number, prefix = ''): Promise<{ id: string; couponId: string; code: string; redeemed: boolean; redeemedAt: null }[]> {
    const coupon = await this.get(ref);
    // One separator between prefix and code: a prefix that ends in one (WALK-, walk_) keeps its own.
    const stem = normalizeCouponCode(prefix).replace(/[-_]+$/, '');
    const head = stem ? stem + (/[-_]$/.test(prefix) ? prefix.at(-1) : '-') : '';
    for (let attempt = 0; ; attempt++) {
      const codes = Array.from({ length: count }, () => ({ id: newId('ccode'), code: head + randomCode() }));
      if (new Set(codes.map((c) => c.code)).size !== codes.length) continue;
      try {
        await this.db.transaction((tx) => repo.insertCodes(tx, coupon.id, codes));
        this.codes.invalidate();
        return codes.map((c) => ({ ...c, couponId: coupon.id, redeemed: false, redeemedAt: null }));
      } catch (error) {
        // A collision with an existing code (about 1 in 10^14 per code): try the whole batch again.
        if (attempt < 3) rethrowUniqueOrRetry(error);
        else throw error;
      }
    }
  }

  list = (page: { limit: number; startingAfter?: string | undefined }) => repo.listCoupons(this.db, page);

  listCodes = async (ref: string, page: { limit: number; startingAfter?: string | undefined }) =>
    repo.listCodes(this.db, (await this.get(ref)).id, page);

  #redeemed(c: Coupon): DomainError {
    return conflict('coupon_redeemed', `Coupon ${c.code} has been redeemed: it can be disabled, not edited or deleted.`);
  }
}

function rethrowUniqueOrRetry(error: unknown): void {
  try {
    rethrowUnique(error, { coupon_codes_code_key: () => new DomainError('conflict', 'retry', 'retry') });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'retry') return;
    throw e;
  }
}
