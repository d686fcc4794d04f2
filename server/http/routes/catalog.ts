import { z } from 'zod';
import type { CatalogSnapshot, Plan } from '../../domain/catalog.js';
import * as repo from '../../storage/catalog-repository.js';
import type { Deps } from '../deps.js';
import { defineRoute, type RouteContext } from '../route.js';
import { PageQuery, pageOf } from '../schemas/common.js';
import {
  Family,
  FamilyInput,
  FamilyPatch,
  Measurement,
  MeasurementInput,
  MeasurementPatch,
  Plan as PlanSchema,
  PlanInput,
  PlanPatch,
  Product,
  ProductInput,
  ProductPatch,
} from '../schemas/catalog.js';

const tags = ['Catalog'];
const CodeParam = z.object({ code: z.string().min(1).max(255) });
const RefParam = z.object({ ref: z.string().min(1).max(255).meta({ description: 'Id or number.' }) });
const FamilyRef = z.object({ ref: z.string().min(1).max(255).meta({ description: 'Id or code.' }) });
const CodeRef = FamilyRef;

export function planDto(plan: Plan, catalog: CatalogSnapshot) {
  return {
    ...plan,
    charges: plan.charges.map((c) => ({ ...c, productNumber: catalog.products.get(c.productId)?.number ?? '' })),
  };
}

/** Catalog administration, secret key: product families, measurements, products and plans. */
export function catalogRoutes(ctx: RouteContext, deps: Deps): void {
  const { catalog, db, catalogCache } = deps;
  const withNumbers = async (plan: Plan) => planDto(plan, (await catalogCache.get()).snapshot);

  defineRoute(ctx, { method: 'post', path: '/v1/product-families', auth: 'secret', summary: 'Create a product family', tags, body: FamilyInput, response: { status: 201, schema: Family }, problems: [409], idempotent: true },
    ({ body }) => catalog.createFamily(body));
  defineRoute(ctx, { method: 'get', path: '/v1/product-families', auth: 'secret', summary: 'List product families', tags, query: PageQuery, response: { status: 200, schema: pageOf(Family) } },
    ({ query }) => repo.listFamilies(db, query));
  defineRoute(ctx, { method: 'patch', path: '/v1/product-families/{ref}', auth: 'secret', summary: "Change a product family's name, description or translations", tags, params: FamilyRef, body: FamilyPatch, response: { status: 200, schema: Family }, problems: [404] },
    ({ params, body }) => catalog.updateFamily(params.ref, body));

  defineRoute(ctx, { method: 'post', path: '/v1/measurements', auth: 'secret', summary: 'Create a measurement (metered usage)', tags, body: MeasurementInput, response: { status: 201, schema: Measurement }, problems: [409], idempotent: true },
    ({ body }) => catalog.createMeasurement(body));
  defineRoute(ctx, { method: 'get', path: '/v1/measurements', auth: 'secret', summary: 'List measurements', tags, query: PageQuery, response: { status: 200, schema: pageOf(Measurement) } },
    ({ query }) => repo.listMeasurements(db, query));
  defineRoute(ctx, { method: 'patch', path: '/v1/measurements/{ref}', auth: 'secret', summary: "Change a measurement's unit, description or translations (never its type or aggregation)", tags, params: CodeRef, body: MeasurementPatch, response: { status: 200, schema: Measurement }, problems: [404] },
    ({ params, body }) => catalog.updateMeasurement(params.ref, body));

  defineRoute(ctx, { method: 'post', path: '/v1/products', auth: 'secret', summary: 'Create a product', tags, body: ProductInput, response: { status: 201, schema: Product }, problems: [409], idempotent: true },
    ({ body }) => catalog.createProduct(body));
  defineRoute(ctx, { method: 'get', path: '/v1/products', auth: 'secret', summary: 'List products', tags, query: PageQuery, response: { status: 200, schema: pageOf(Product) } },
    ({ query }) => repo.listProducts(db, query));
  defineRoute(ctx, { method: 'patch', path: '/v1/products/{ref}', auth: 'secret', summary: 'Update or archive a product', tags, params: RefParam, body: ProductPatch, response: { status: 200, schema: Product }, problems: [404] },
    ({ params, body }) => catalog.updateProduct(params.ref, body));

  defineRoute(ctx, { method: 'post', path: '/v1/plans', auth: 'secret', summary: 'Create a plan with its charges', tags, body: PlanInput, response: { status: 201, schema: PlanSchema }, problems: [409], idempotent: true },
    async ({ body }) => withNumbers(await catalog.createPlan(body)));
  defineRoute(ctx, { method: 'get', path: '/v1/plans', auth: 'secret', summary: 'List plans', tags, query: PageQuery, response: { status: 200, schema: pageOf(PlanSchema) } },
    async ({ query }) => {
      const page = await repo.listPlans(db, query);
      const { snapshot } = await catalogCache.get();
      return { ...page, data: page.data.map((p) => planDto(p, snapshot)) };
    });
  defineRoute(ctx, { method: 'get', path: '/v1/plans/{code}', auth: 'secret', summary: 'Get a plan by code (or id)', tags, params: CodeParam, response: { status: 200, schema: PlanSchema }, problems: [404] },
    async ({ params }) => withNumbers(await catalog.getPlan(params.code)));
  defineRoute(ctx, { method: 'patch', path: '/v1/plans/{code}', auth: 'secret', summary: 'Change a plan: status, name, checkout, trial', tags, params: CodeParam, body: PlanPatch, response: { status: 200, schema: PlanSchema }, problems: [404, 409] },
    async ({ params, body }) => withNumbers(await catalog.updatePlan(params.code, body)));
}
