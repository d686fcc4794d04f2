import type {
  CatalogSnapshot,
  Charge,
  Measurement,
  Plan,
  PlanStatus,
  Pricing,
  Product,
  ProductFamily,
} from '../domain/catalog.js';
import { announce, type Queryable, type Tx } from './db.js';
import { iso, strOrNull, toPage, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;
const str = (v: unknown) => String(v);
/** A jsonb translations column (migration 0012), as an object. */
const translations = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as Record<string, never>;

export const toFamily = (r: Row): ProductFamily => ({
  id: str(r.id),
  code: str(r.code),
  name: str(r.name),
  description: strOrNull(r.description),
  translations: translations(r.translations),
});

export const toMeasurement = (r: Row): Measurement => ({
  id: str(r.id),
  code: str(r.code),
  unit: str(r.unit),
  unitPlural: strOrNull(r.unit_plural),
  description: strOrNull(r.description),
  type: str(r.type) as Measurement['type'],
  aggregation: str(r.aggregation) as Measurement['aggregation'],
  prorated: Boolean(r.prorated),
  translations: translations(r.translations),
});

export const toProduct = (r: Row): Product => ({
  id: str(r.id),
  number: str(r.number),
  name: str(r.name),
  internalName: strOrNull(r.internal_name),
  description: strOrNull(r.description),
  type: str(r.type) as Product['type'],
  familyId: strOrNull(r.family_id),
  taxGroup: str(r.tax_group) as Product['taxGroup'],
  invoiceVisibility: str(r.invoice_visibility) as Product['invoiceVisibility'],
  archived: Boolean(r.archived),
  measurementId: strOrNull(r.measurement_id),
  translations: translations(r.translations),
});

const toCharge = (r: Row): Charge => ({
  id: str(r.id),
  productId: str(r.product_id),
  type: str(r.type) as Charge['type'],
  pricing: (typeof r.pricing === 'string' ? JSON.parse(r.pricing) : r.pricing) as Pricing,
  quantity: {
    default: Number(r.quantity_default),
    min: Number(r.quantity_min),
    max: r.quantity_max == null ? null : Number(r.quantity_max),
    adjustable: Boolean(r.quantity_adjustable),
  },
  optional: Boolean(r.optional),
});

const toPlan = (r: Row, charges: Charge[]): Plan => ({
  id: str(r.id),
  code: str(r.code),
  name: str(r.name),
  description: strOrNull(r.description),
  familyId: strOrNull(r.family_id),
  status: str(r.status) as PlanStatus,
  checkoutAllowed: Boolean(r.checkout_allowed),
  currency: str(r.currency),
  interval: { unit: str(r.interval_unit) as Plan['interval']['unit'], count: Number(r.interval_count) },
  trialDays: Number(r.trial_days),
  taxBehavior: str(r.tax_behavior) as Plan['taxBehavior'],
  charges,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  translations: translations(r.translations),
});

/** Every catalog write calls this inside its transaction, so every process sees its cache is stale. */
export async function bumpCatalogVersion(tx: Tx): Promise<void> {
  await tx.query('update catalog_version set version = version + 1 where id = 1');
  await announce(tx, 'catalog');
}

export async function catalogVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ version: number }>('select version from catalog_version where id = 1');
  return Number(rows[0]!.version);
}

async function pageOf<T extends { id: string }>(
  db: Queryable,
  table: string,
  page: PageRequest,
  map: (r: Row) => T,
): Promise<Page<T>> {
  const { rows } = await db.query<Row>(
    `select * from ${table} where ($1::text is null or id > $1 collate "C") order by id collate "C" limit $2`,
    [page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(map), page.limit);
}

// Product families
export async function insertFamily(tx: Tx, f: ProductFamily): Promise<ProductFamily> {
  const { rows } = await tx.query<Row>(
    'insert into product_families (id, code, name, description, translations) values ($1, $2, $3, $4, $5) returning *',
    [f.id, f.code, f.name, f.description, JSON.stringify(f.translations ?? {})],
  );
  return toFamily(rows[0]!);
}
/** Replaces a family's name, description and translations (the caller merged the patch). */
export async function updateFamily(tx: Tx, f: ProductFamily): Promise<ProductFamily> {
  const { rows } = await tx.query<Row>(
    'update product_families set name = $2, description = $3, translations = $4, updated_at = now() where id = $1 returning *',
    [f.id, f.name, f.description, JSON.stringify(f.translations ?? {})],
  );
  return toFamily(rows[0]!);
}
export const listFamilies = (db: Queryable, page: PageRequest) => pageOf(db, 'product_families', page, toFamily);
export async function findFamily(db: Queryable, idOrCode: string): Promise<ProductFamily | null> {
  const { rows } = await db.query<Row>('select * from product_families where id = $1 or code = $1', [idOrCode]);
  return rows[0] ? toFamily(rows[0]) : null;
}

// Measurements
export async function insertMeasurement(tx: Tx, m: Measurement): Promise<Measurement> {
  const { rows } = await tx.query<Row>(
    `insert into measurements (id, code, unit, unit_plural, description, type, aggregation, prorated, translations)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
    [m.id, m.code, m.unit, m.unitPlural ?? null, m.description, m.type, m.aggregation, m.prorated, JSON.stringify(m.translations ?? {})],
  );
  return toMeasurement(rows[0]!);
}
/** Replaces what a measurement may change after creation: its unit, description and translations. */
export async function updateMeasurement(tx: Tx, m: Measurement): Promise<Measurement> {
  const { rows } = await tx.query<Row>(
    'update measurements set unit = $2, unit_plural = $3, description = $4, translations = $5, updated_at = now() where id = $1 returning *',
    [m.id, m.unit, m.unitPlural ?? null, m.description, JSON.stringify(m.translations ?? {})],
  );
  return toMeasurement(rows[0]!);
}
export const listMeasurements = (db: Queryable, page: PageRequest) => pageOf(db, 'measurements', page, toMeasurement);
export async function findMeasurement(db: Queryable, idOrCode: string): Promise<Measurement | null> {
  const { rows } = await db.query<Row>('select * from measurements where id = $1 or code = $1', [idOrCode]);
  return rows[0] ? toMeasurement(rows[0]) : null;
}

// Products
export async function insertProduct(tx: Tx, p: Product): Promise<Product> {
  const { rows } = await tx.query<Row>(
    `insert into products (id, number, name, internal_name, description, type, family_id, tax_group,
       invoice_visibility, archived, measurement_id, translations)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`,
    [
      p.id,
      p.number,
      p.name,
      p.internalName,
      p.description,
      p.type,
      p.familyId,
      p.taxGroup,
      p.invoiceVisibility,
      p.archived,
      p.measurementId,
      JSON.stringify(p.translations ?? {}),
    ],
  );
  return toProduct(rows[0]!);
}
export const listProducts = (db: Queryable, page: PageRequest) => pageOf(db, 'products', page, toProduct);
/** Finds products by id or by number, whichever each reference is. */
export async function findProducts(db: Queryable, refs: string[]): Promise<Product[]> {
  if (refs.length === 0) return [];
  const { rows } = await db.query<Row>('select * from products where id = any($1::text[]) or number = any($1::text[])', [
    refs,
  ]);
  return rows.map(toProduct);
}

// Plans
export async function insertPlan(tx: Tx, plan: Plan): Promise<void> {
  await tx.query(
    `insert into plans (id, code, name, description, family_id, status, checkout_allowed, currency,
       interval_unit, interval_count, trial_days, tax_behavior, created_at, updated_at, translations)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)`,
    [
      plan.id,
      plan.code,
      plan.name,
      plan.description,
      plan.familyId,
      plan.status,
      plan.checkoutAllowed,
      plan.currency,
      plan.interval.unit,
      plan.interval.count,
      plan.trialDays,
      plan.taxBehavior,
      plan.createdAt,
      JSON.stringify(plan.translations ?? {}),
    ],
  );
  let position = 0;
  for (const c of plan.charges) {
    await tx.query(
      `insert into plan_charges (id, plan_id, position, product_id, type, pricing, quantity_default,
         quantity_min, quantity_max, quantity_adjustable, optional)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        c.id,
        plan.id,
        position++,
        c.productId,
        c.type,
        JSON.stringify(c.pricing),
        c.quantity.default,
        c.quantity.min,
        c.quantity.max,
        c.quantity.adjustable,
        c.optional,
      ],
    );
  }
}

export interface PlanPatch {
  name?: string | undefined;
  description?: string | null | undefined;
  status?: PlanStatus | undefined;
  checkoutAllowed?: boolean | undefined;
  trialDays?: number | undefined;
  familyId?: string | null | undefined;
  /** The whole translations object after the merge (mergeTranslations). */
  translations?: Plan['translations'] | undefined;
}

export async function updatePlan(tx: Tx, id: string, patch: PlanPatch): Promise<void> {
  const columns: Record<string, unknown> = {
    name: patch.name,
    description: patch.description,
    status: patch.status,
    checkout_allowed: patch.checkoutAllowed,
    trial_days: patch.trialDays,
    family_id: patch.familyId,
    translations: patch.translations === undefined ? undefined : JSON.stringify(patch.translations),
  };
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [column, value] of Object.entries(columns)) {
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  await tx.query(`update plans set ${[...sets, 'updated_at = now()'].join(', ')} where id = $1`, params);
}

async function chargesFor(db: Queryable, planIds: string[]): Promise<Map<string, Charge[]>> {
  const byPlan = new Map<string, Charge[]>();
  if (planIds.length === 0) return byPlan;
  const { rows } = await db.query<Row>(
    'select * from plan_charges where plan_id = any($1::text[]) order by plan_id, position',
    [planIds],
  );
  for (const r of rows) {
    const list = byPlan.get(str(r.plan_id)) ?? [];
    list.push(toCharge(r));
    byPlan.set(str(r.plan_id), list);
  }
  return byPlan;
}

export async function findPlan(db: Queryable, idOrCode: string): Promise<Plan | null> {
  const { rows } = await db.query<Row>('select * from plans where id = $1 or code = $1', [idOrCode]);
  if (!rows[0]) return null;
  const charges = await chargesFor(db, [str(rows[0].id)]);
  return toPlan(rows[0], charges.get(str(rows[0].id)) ?? []);
}

export async function listPlans(db: Queryable, page: PageRequest): Promise<Page<Plan>> {
  const raw = await pageOf(db, 'plans', page, (r) => r as Row & { id: string });
  const charges = await chargesFor(
    db,
    raw.data.map((r) => str(r.id)),
  );
  return { ...raw, data: raw.data.map((r) => toPlan(r, charges.get(str(r.id)) ?? [])) };
}

/** The whole catalog, read in one transaction so it is consistent with the version it carries. */
export async function loadCatalog(db: {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}): Promise<{ version: number; snapshot: CatalogSnapshot; settings: Record<string, unknown> }> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read');
    const version = await catalogVersion(tx);
    // One after the other: a transaction is one connection (and PGlite's handle is not re-entrant).
    const families = await tx.query<Row>('select * from product_families order by id collate "C"');
    const measurements = await tx.query<Row>('select * from measurements order by id collate "C"');
    const products = await tx.query<Row>('select * from products order by id collate "C"');
    const plans = await tx.query<Row>('select * from plans order by id collate "C"');
    const settings = await tx.query<{ data: Record<string, unknown> }>('select data from settings where id = 1');
    const charges = await chargesFor(
      tx,
      plans.rows.map((r) => str(r.id)),
    );
    return {
      version,
      settings: settings.rows[0]?.data ?? {},
      snapshot: {
        families: new Map(families.rows.map((r) => [str(r.id), toFamily(r)])),
        measurements: new Map(measurements.rows.map((r) => [str(r.id), toMeasurement(r)])),
        products: new Map(products.rows.map((r) => [str(r.id), toProduct(r)])),
        plans: new Map(plans.rows.map((r) => [str(r.code), toPlan(r, charges.get(str(r.id)) ?? [])])),
      },
    };
  });
}
