import { createHash } from 'node:crypto';
import { isSellable, type CatalogSnapshot, type Plan, type Product } from '../domain/catalog.js';
import { defaultTaxSettings, type TaxSettings } from '../domain/tax.js';
import { DEFAULT_LOCALE, catalogLocaleOf, localizeSnapshot, type CatalogLocale } from '../domain/translations.js';
import type { Db } from '../storage/db.js';
import { catalogVersion, loadCatalog } from '../storage/catalog-repository.js';

export interface PublicCatalogJson {
  version: string;
  families: { id: string; code: string; name: string; description: string | null }[];
  plans: unknown[];
}

/** The catalog as a buyer reading one language sees it (domain/translations.ts), made once per version. */
export interface LocalizedCatalog {
  locale: CatalogLocale;
  snapshot: CatalogSnapshot;
  /** The body of GET /v1/catalog in this language, serialized once per version. */
  publicBody: string;
  etag: string;
}

export interface CatalogEntry {
  version: number;
  /** The catalog in its default language, translations included: what the admin API and pricing rules read. */
  snapshot: CatalogSnapshot;
  /** The body of GET /v1/catalog in the default language, serialized once per version. */
  publicBody: string;
  etag: string;
  /** The catalog in a buyer's language (made on first use, kept with the version). */
  localized: (locale: CatalogLocale | null | undefined) => LocalizedCatalog;
  /** Plans by code or id, products by number or id: how inputs may name them. */
  planByRef: ReadonlyMap<string, Plan>;
  productByRef: ReadonlyMap<string, Product>;
  tax: TaxSettings;
  /** The merchant settings (GET/PUT /v1/settings), read with the catalog so a quote needs no extra read. */
  settings: MerchantSettings;
}

export interface SellerAddress {
  line1: string;
  line2?: string;
  postalCode: string;
  city: string;
  country: string;
}

/** The seller's details printed on invoices (SPEC section 10); copied into each invoice as it is issued. */
export interface Seller {
  name: string;
  address: SellerAddress;
  vatId?: string;
  taxNumber?: string;
  email: string;
  /** The seller's contact phone: XRechnung requires one (BR-DE-6). */
  phone?: string;
  website?: string;
}

export type CancellationReason =
  | 'too_expensive' | 'missing_features' | 'switched_service' | 'unused' | 'customer_service' | 'too_complex' | 'low_quality' | 'other';
export const CANCELLATION_REASONS: readonly CancellationReason[] = [
  'too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'too_complex', 'low_quality', 'other',
];

export interface PortalSettings {
  features: { invoices: boolean; paymentMethod: boolean; billingDetails: boolean; switchPlan: boolean; quantity: boolean; cancel: boolean; pause: boolean };
  switchPlan: { allowed: 'family' | { from: string; to: string[] }[] };
  cancellation: { mode: 'period_end' | 'now' | 'choose'; reasons: CancellationReason[]; retentionCoupon?: string };
  pause: { enabled: boolean; maxPeriods?: number };
}

export interface MerchantSettings {
  homeCountry: string;
  /** When a downgrade takes effect: at the period's end (default) or at once. */
  downgrades: 'period_end' | 'immediately';
  /** `now` cancellations credit the unused time (`prorate`) or nothing (`none`, the default). */
  cancellation: { refund: 'none' | 'prorate' };
  /** Retries of a declined renewal, in days after the first failure, and what follows the last one. */
  dunning: { retryDays: number[]; finalAction: 'cancel' | 'mark_uncollectible' };
  portal: PortalSettings;
  seller: Seller | null;
  /** Test clock: milliseconds added to the system time (POST /v1/test-clock/advance). */
  clockOffsetMs: number;
}

export const DEFAULT_PORTAL: PortalSettings = {
  features: { invoices: true, paymentMethod: true, billingDetails: true, switchPlan: true, quantity: true, cancel: true, pause: false },
  switchPlan: { allowed: 'family' },
  cancellation: { mode: 'period_end', reasons: [...CANCELLATION_REASONS] },
  pause: { enabled: false },
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stored settings document, with defaults for what was never set (the schema validated what was). */
export function merchantSettings(data: Record<string, unknown>): MerchantSettings {
  const dunning = isObject(data.dunning) ? data.dunning : {};
  const cancellation = isObject(data.cancellation) ? data.cancellation : {};
  const portal = isObject(data.portal) ? data.portal : {};
  return {
    homeCountry: typeof data.homeCountry === 'string' ? data.homeCountry : 'DE',
    downgrades: data.downgrades === 'immediately' ? 'immediately' : 'period_end',
    cancellation: { refund: cancellation.refund === 'prorate' ? 'prorate' : 'none' },
    dunning: {
      retryDays: Array.isArray(dunning.retryDays) ? (dunning.retryDays as number[]) : [1, 3, 5, 7],
      finalAction: dunning.finalAction === 'mark_uncollectible' ? 'mark_uncollectible' : 'cancel',
    },
    portal: {
      features: { ...DEFAULT_PORTAL.features, ...(isObject(portal.features) ? portal.features : {}) },
      switchPlan: isObject(portal.switchPlan) ? (portal.switchPlan as PortalSettings['switchPlan']) : DEFAULT_PORTAL.switchPlan,
      cancellation: { ...DEFAULT_PORTAL.cancellation, ...(isObject(portal.cancellation) ? portal.cancellation : {}) },
      pause: { ...DEFAULT_PORTAL.pause, ...(isObject(portal.pause) ? portal.pause : {}) },
    },
    seller: isObject(data.seller) ? (data.seller as unknown as Seller) : null,
    clockOffsetMs: typeof data.clockOffsetMs === 'number' ? data.clockOffsetMs : 0,
  };
}

/**
 * The catalog (and the merchant settings), cached in process. Every catalog write bumps the version row and
 * announces the change in its transaction (LISTEN/NOTIFY), so every process drops its copy when the write
 * commits. Two ways to read:
 * - `get()` also reads the version row (one cheap query): exact even across processes, used by
 *   GET /v1/catalog and admin reads;
 * - `cached()` trusts the notifications and costs no query: used on the quote's hot path. On PostgreSQL a
 *   poll of the version every second backs the notifications up.
 */
export class CatalogCache {
  #entry: CatalogEntry | null = null;
  /** Bumped by every change notification; an entry loaded under an older generation is stale. */
  #generation = 0;
  #entryGeneration = -1;
  #loading: Promise<CatalogEntry> | null = null;
  #loadingGeneration = -1;
  #listening: Promise<unknown> | null = null;
  readonly #listeners = new Set<(topic: string) => void>();

  constructor(private readonly db: Db) {}

  /** Subscribes to change notifications (once). Other caches (coupons) hook in through `onChange`. */
  #listen(): Promise<unknown> {
    this.#listening ??= this.db
      .listen((topic) => {
        if (topic === 'catalog' || topic === '*') this.invalidate();
        for (const listener of this.#listeners) listener(topic);
      })
      .then((stop) => {
        if (this.db.kind === 'postgres') this.#poll();
        return stop;
      })
      .catch(() => {
        // Without notifications every read checks the version row.
        this.#listening = null;
      });
    return this.#listening;
  }

  #poll(): void {
    const timer = setInterval(() => {
      if (!this.#entry) return;
      catalogVersion(this.db)
        .then((version) => {
          if (this.#entry && version > this.#entry.version) {
            this.invalidate();
            for (const listener of this.#listeners) listener('*');
          }
        })
        .catch(() => {});
    }, 1000);
    timer.unref();
  }

  onChange(listener: (topic: string) => void): void {
    this.#listeners.add(listener);
    void this.#listen();
  }

  async get(): Promise<CatalogEntry> {
    await this.#listen();
    const version = await catalogVersion(this.db);
    if (this.#entry && this.#entryGeneration === this.#generation && this.#entry.version >= version) return this.#entry;
    if (this.#entry && this.#entry.version < version) this.invalidate();
    return this.#reload();
  }

  /** The cached entry when no change was announced since it was loaded; no query in the common case. */
  async cached(): Promise<CatalogEntry> {
    if (this.#listening && this.#entry && this.#entryGeneration === this.#generation) return this.#entry;
    return this.get();
  }

  /** The time on the test clock (system time plus the stored offset). */
  static now(entry: CatalogEntry): Date {
    return new Date(Date.now() + entry.settings.clockOffsetMs);
  }

  /** Forget the cached catalog (this process wrote to it, or another one announced a change). */
  invalidate(): void {
    this.#generation++;
  }

  #reload(): Promise<CatalogEntry> {
    if (this.#loading && this.#loadingGeneration === this.#generation) return this.#loading;
    const generation = this.#generation;
    this.#loadingGeneration = generation;
    const loading = loadCatalog(this.db)
      .then(({ version, snapshot, settings }) => {
        const localized = localizedCatalogs(version, snapshot);
        const { publicBody, etag } = localized(DEFAULT_LOCALE);
        const planByRef = new Map<string, Plan>();
        for (const plan of snapshot.plans.values()) planByRef.set(plan.id, plan).set(plan.code, plan);
        const productByRef = new Map<string, Product>();
        for (const product of snapshot.products.values()) productByRef.set(product.id, product).set(product.number, product);
        const merchant = merchantSettings(settings);
        const tax = defaultTaxSettings({ homeCountry: merchant.homeCountry });
        const entry: CatalogEntry = { version, snapshot, publicBody, etag, localized, planByRef, productByRef, tax, settings: merchant };
        if (!this.#entry || version >= this.#entry.version) {
          this.#entry = entry;
          this.#entryGeneration = generation;
        }
        return entry;
      })
      .finally(() => {
        if (this.#loading === loading) this.#loading = null;
      });
    this.#loading = loading;
    return loading;
  }
}

/**
 * The catalog in a customer's language (their stored locale, en or de): what their invoices' lines are
 * named from when a renewal, a change or usage bills them.
 */
export function catalogFor(entry: CatalogEntry, locale: string | null | undefined): CatalogSnapshot {
  return entry.localized(catalogLocaleOf(locale ?? '')).snapshot;
}

/** The catalog per language, each made once on first use; an unknown or missing language is the default. */
function localizedCatalogs(version: number, snapshot: CatalogSnapshot): CatalogEntry['localized'] {
  const made = new Map<CatalogLocale, LocalizedCatalog>();
  return (wanted) => {
    const locale = wanted ?? DEFAULT_LOCALE;
    let entry = made.get(locale);
    if (!entry) {
      const inLocale = localizeSnapshot(snapshot, locale);
      const publicBody = JSON.stringify(publicCatalog(version, inLocale));
      // The language is part of the tag: a cache holding the German body never answers an English request.
      const etag = `"${createHash('sha256').update(locale + '\n' + publicBody).digest('base64url').slice(0, 27)}"`;
      entry = { locale, snapshot: inLocale, publicBody, etag };
      made.set(locale, entry);
    }
    return entry;
  };
}

/** The public view: sellable plans only, no internal names, plus the families they belong to. */
export function publicCatalog(version: number, snapshot: CatalogSnapshot): PublicCatalogJson {
  const plans = [...snapshot.plans.values()].filter(isSellable);
  const familyIds = new Set(plans.map((p) => p.familyId).filter((id): id is string => id !== null));
  return {
    version: String(version),
    families: [...snapshot.families.values()]
      .filter((f) => familyIds.has(f.id))
      .map((f) => ({ id: f.id, code: f.code, name: f.name, description: f.description })),
    plans: plans.map((plan) => publicPlan(plan, snapshot)),
  };
}

/** A plan as buyers see it, named as `snapshot` names it (a localized snapshot: in the buyer's language). */
export function publicPlan(given: Plan, snapshot: CatalogSnapshot) {
  const plan = snapshot.plans.get(given.code) ?? given;
  return {
    id: plan.id,
    code: plan.code,
    name: plan.name,
    description: plan.description,
    familyId: plan.familyId,
    familyCode: plan.familyId ? (snapshot.families.get(plan.familyId)?.code ?? null) : null,
    currency: plan.currency,
    interval: plan.interval,
    trialDays: plan.trialDays,
    taxBehavior: plan.taxBehavior,
    charges: plan.charges.map((charge) => {
      const product = snapshot.products.get(charge.productId);
      const measurement = product?.measurementId ? snapshot.measurements.get(product.measurementId) : undefined;
      return {
        id: charge.id,
        productId: charge.productId,
        productNumber: product?.number ?? '',
        productName: product?.name ?? '',
        productDescription: product?.description ?? null,
        type: charge.type,
        pricing: charge.pricing,
        quantity: charge.quantity,
        optional: charge.optional,
        measurement: measurement ? { code: measurement.code, unit: measurement.unit, unitPlural: measurement.unitPlural ?? null } : null,
      };
    }),
  };
}
