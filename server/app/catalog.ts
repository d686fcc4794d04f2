import type { Charge, Measurement, Plan, PlanStatus, Pricing, Product, ProductFamily, QuantityRule } from '../domain/catalog.js';
import { conflict, invalid, notFound, type FieldError } from '../domain/errors.js';
import type { Db } from '../storage/db.js';
import * as repo from '../storage/catalog-repository.js';
import { newId } from '../storage/ids.js';
import type { CatalogCache } from './catalog-cache.js';
import { rethrowUnique } from './errors.js';
import { mergeTranslations, type CatalogLocale, type TextTranslation, type Translations, type UnitTranslation } from '../domain/translations.js';

/** A PATCH's translations: per language, a translation replaces that language's whole, null removes it. */
export type TranslationsPatch<T> = Partial<Record<CatalogLocale, T | null>>;

/** Catalog administration: one function per verb, each one transaction that also bumps the catalog version. */
export class CatalogService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async #write<T>(fn: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (tx) => {
      const value = await fn(tx);
      await repo.bumpCatalogVersion(tx);
      return value;
    });
    this.cache.invalidate();
    return result;
  }

  async createFamily(input: { code: string; name: string; description?: string | null | undefined; translations?: Translations<TextTranslation> | undefined }): Promise<ProductFamily> {
    const family: ProductFamily = { id: newId('fam'), code: input.code, name: input.name, description: input.description ?? null, translations: input.translations ?? {} };
    return this.#write((tx) => repo.insertFamily(tx, family)).catch((e) =>
      rethrowUnique(e, {
        product_families_code_key: () =>
          conflict('family_code_taken', `A product family with code ${input.code} exists.`, [{ pointer: '/code', detail: 'Already taken.' }]),
      }),
    );
  }

  async updateFamily(
    ref: string,
    patch: { name?: string | undefined; description?: string | null | undefined; translations?: TranslationsPatch<TextTranslation> | undefined },
  ): Promise<ProductFamily> {
    const family = await repo.findFamily(this.db, ref);
    if (!family) throw notFound('family_not_found', `No product family ${ref}.`, [{ pointer: '/path/ref', detail: 'Unknown product family.' }]);
    const { translations, ...fields } = stripUndefined(patch);
    const next: ProductFamily = { ...family, ...fields, ...(translations ? { translations: mergeTranslations(family.translations, translations) } : {}) };
    return this.#write((tx) => repo.updateFamily(tx, next));
  }

  async createMeasurement(
    input: Omit<Measurement, 'id' | 'description' | 'unitPlural' | 'translations'> & {
      description?: string | null | undefined;
      unitPlural?: string | null | undefined;
      translations?: Translations<UnitTranslation> | undefined;
    },
  ): Promise<Measurement> {
    const measurement: Measurement = {
      ...input,
      id: newId('meas'),
      description: input.description ?? null,
      unitPlural: input.unitPlural ?? null,
      translations: input.translations ?? {},
    };
    return this.#write((tx) => repo.insertMeasurement(tx, measurement)).catch((e) =>
      rethrowUnique(e, {
        measurements_code_key: () =>
          conflict('measurement_code_taken', `A measurement with code ${input.code} exists.`, [{ pointer: '/code', detail: 'Already taken.' }]),
      }),
    );
  }

  /** A measurement's unit, plural, description and translations; its type and aggregation never change. */
  async updateMeasurement(
    ref: string,
    patch: {
      unit?: string | undefined;
      unitPlural?: string | null | undefined;
      description?: string | null | undefined;
      translations?: TranslationsPatch<UnitTranslation> | undefined;
    },
  ): Promise<Measurement> {
    const measurement = await repo.findMeasurement(this.db, ref);
    if (!measurement) throw notFound('measurement_not_found', `No measurement ${ref}.`, [{ pointer: '/path/ref', detail: 'Unknown measurement.' }]);
    const { translations, ...fields } = stripUndefined(patch);
    const next: Measurement = {
      ...measurement,
      ...fields,
      ...(translations ? { translations: mergeTranslations(measurement.translations, translations) } : {}),
    };
    return this.#write((tx) => repo.updateMeasurement(tx, next));
  }

  async createProduct(input: {
    number: string;
    name: string;
    internalName?: string | null | undefined;
    description?: string | null | undefined;
    type: Product['type'];
    familyId?: string | null | undefined;
    taxGroup: Product['taxGroup'];
    invoiceVisibility: Product['invoiceVisibility'];
    archived: boolean;
    measurementId?: string | null | undefined;
    translations?: Translations<TextTranslation> | undefined;
  }): Promise<Product> {
    const errors: FieldError[] = [];
    const family = input.familyId ? await repo.findFamily(this.db, input.familyId) : null;
    if (input.familyId && !family) errors.push({ pointer: '/familyId', detail: `No product family ${input.familyId}.` });
    const measurement = input.measurementId ? await repo.findMeasurement(this.db, input.measurementId) : null;
    if (input.measurementId && !measurement)
      errors.push({ pointer: '/measurementId', detail: `No measurement ${input.measurementId}.` });
    if (errors.length) throw invalid('reference_not_found', 'A referenced object does not exist.', errors);
    const product: Product = {
      id: newId('prod'),
      number: input.number,
      name: input.name,
      internalName: input.internalName ?? null,
      description: input.description ?? null,
      type: input.type,
      familyId: family?.id ?? null,
      taxGroup: input.taxGroup,
      invoiceVisibility: input.invoiceVisibility,
      archived: input.archived,
      measurementId: measurement?.id ?? null,
      translations: input.translations ?? {},
    };
    return this.#write((tx) => repo.insertProduct(tx, product)).catch((e) =>
      rethrowUnique(e, {
        products_number_key: () =>
          conflict('product_number_taken', `A product with number ${input.number} exists.`, [{ pointer: '/number', detail: 'Already taken.' }]),
      }),
    );
  }

  async updateProduct(
    ref: string,
    patch: Partial<Pick<Product, 'name' | 'internalName' | 'description' | 'taxGroup' | 'invoiceVisibility' | 'archived'>> & {
      translations?: TranslationsPatch<TextTranslation> | undefined;
    },
  ): Promise<Product> {
    const [product] = await repo.findProducts(this.db, [ref]);
    if (!product) throw notFound('product_not_found', `No product ${ref}.`);
    const { translations, ...fields } = stripUndefined(patch);
    const next: Product = { ...product, ...fields, ...(translations ? { translations: mergeTranslations(product.translations, translations) } : {}) };
    await this.#write((tx) =>
      tx.query(
        `update products set name = $2, internal_name = $3, description = $4, tax_group = $5,
           invoice_visibility = $6, archived = $7, translations = $8, updated_at = now() where id = $1`,
        [next.id, next.name, next.internalName, next.description, next.taxGroup, next.invoiceVisibility, next.archived, JSON.stringify(next.translations ?? {})],
      ),
    );
    return next;
  }

  async createPlan(input: {
    code: string;
    name: string;
    description?: string | null | undefined;
    familyId?: string | null | undefined;
    status: PlanStatus;
    checkoutAllowed: boolean;
    currency: string;
    interval: Plan['interval'];
    trialDays: number;
    taxBehavior: Plan['taxBehavior'];
    charges: { product: string; type: Charge['type']; pricing: Pricing; quantity: QuantityRule; optional: boolean }[];
    translations?: Translations<TextTranslation> | undefined;
  }): Promise<Plan> {
    const errors: FieldError[] = [];
    const family = input.familyId ? await repo.findFamily(this.db, input.familyId) : null;
    if (input.familyId && !family) errors.push({ pointer: '/familyId', detail: `No product family ${input.familyId}.` });
    const products = await repo.findProducts(
      this.db,
      input.charges.map((c) => c.product),
    );
    const byRef = new Map<string, Product>();
    for (const p of products) byRef.set(p.id, p).set(p.number, p);
    const charges: Charge[] = input.charges.map((c, i) => {
      const product = byRef.get(c.product);
      const pointer = `/charges/${i}/product`;
      if (!product) errors.push({ pointer, detail: `No product with number or id ${c.product}.` });
      else if (product.archived) errors.push({ pointer, detail: `Product ${product.number} is archived and cannot be put on a new plan.` });
      else if (c.type === 'metered' && !product.measurementId)
        errors.push({ pointer, detail: `A metered charge needs a product with a measurement; ${product.number} has none.` });
      return { id: newId('chg'), productId: product?.id ?? '', type: c.type, pricing: c.pricing, quantity: c.quantity, optional: c.optional };
    });
    if (errors.length) throw invalid('validation_failed', 'The plan refers to products or families it cannot use.', errors);
    const now = new Date().toISOString();
    const plan: Plan = {
      id: newId('plan'),
      code: input.code,
      name: input.name,
      description: input.description ?? null,
      familyId: family?.id ?? null,
      status: input.status,
      checkoutAllowed: input.checkoutAllowed,
      currency: input.currency,
      interval: input.interval,
      trialDays: input.trialDays,
      taxBehavior: input.taxBehavior,
      charges,
      createdAt: now,
      updatedAt: now,
      translations: input.translations ?? {},
    };
    await this.#write((tx) => repo.insertPlan(tx, plan)).catch((e) =>
      rethrowUnique(e, {
        plans_code_key: () => conflict('plan_code_taken', `A plan with code ${input.code} exists.`, [{ pointer: '/code', detail: 'Already taken.' }]),
      }),
    );
    return plan;
  }

  async updatePlan(code: string, input: Omit<repo.PlanPatch, 'translations'> & { translations?: TranslationsPatch<TextTranslation> | undefined }): Promise<Plan> {
    const plan = await repo.findPlan(this.db, code);
    if (!plan) throw notFound('plan_not_found', `No plan ${code}.`, [{ pointer: '/path/code', detail: 'Unknown plan.' }]);
    if (input.status === 'draft' && plan.status !== 'draft')
      throw conflict('plan_status_invalid', 'A plan that has left draft cannot go back to draft.', [{ pointer: '/status', detail: 'Not allowed.' }]);
    const { translations, ...rest } = input;
    const patch: repo.PlanPatch = { ...rest, ...(translations ? { translations: mergeTranslations(plan.translations, translations) } : {}) };
    let familyId = patch.familyId;
    if (familyId) {
      const family = await repo.findFamily(this.db, familyId);
      if (!family) throw invalid('reference_not_found', 'A referenced object does not exist.', [{ pointer: '/familyId', detail: `No product family ${familyId}.` }]);
      familyId = family.id;
    }
    await this.#write((tx) => repo.updatePlan(tx, plan.id, { ...patch, familyId }));
    return (await repo.findPlan(this.db, plan.id))!;
  }

  getPlan = async (code: string): Promise<Plan> => {
    const plan = await repo.findPlan(this.db, code);
    if (!plan) throw notFound('plan_not_found', `No plan ${code}.`, [{ pointer: '/path/code', detail: 'Unknown plan.' }]);
    return plan;
  };
}

/** A patch without the fields it leaves alone (zod's optional fields come through as undefined). */
function stripUndefined<T extends object>(patch: T): T {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as T;
}
