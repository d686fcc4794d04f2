import type { Seller } from '../app/catalog-cache.js';
import type { Charge, Measurement, Plan, Pricing, Product, ProductFamily, QuantityRule } from '../domain/catalog.js';
import * as repo from '../storage/catalog-repository.js';
import { insertCoupon } from '../storage/coupon-repository.js';
import type { Db, Queryable, Tx } from '../storage/db.js';
import type { CheckoutService } from '../app/checkout.js';
import type { UsageRecorder } from '../app/record-usage.js';
import type { PaymentProvider } from '../payments/provider.js';
import { liveSubscriptionIn } from '../storage/commerce-repository.js';
import { newId } from '../storage/ids.js';

const SEED_LOCK = 72_201_338;

/** The demo merchant printed on its invoices (a made-up company; the VAT ID passes the German checksum). */
export const DEMO_SELLER: Seller = {
  name: 'Billkit Demo GmbH',
  address: { line1: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE' },
  vatId: 'DE136695976',
  taxNumber: '30/123/45678',
  email: 'billing@billkit.example',
  phone: '+49 30 1234567',
  website: 'https://billkit.example',
};

/**
 * The demo catalog, written once on the first start (one transaction, under an advisory lock, so two
 * processes starting together seed it once). It shows the model off; tests of behaviour build their own.
 * Returns true when this call seeded.
 */
export async function seedDemo(db: Db): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK]);
    const { rows } = await tx.query<{ seeded: boolean }>(`select coalesce((data->>'demoSeeded')::boolean, false) as seeded from settings where id = 1`);
    // A demo seeded before the catalog had translations gets them once (nothing the merchant translated is touched).
    if (rows[0]?.seeded) {
      if (await translateCatalog(tx)) await repo.bumpCatalogVersion(tx);
      return false;
    }
    await writeCatalog(tx);
    await translateCatalog(tx);
    // The demo's seller, so that its invoices are complete documents; a seller set before is kept.
    await tx.query(
      `update settings set data = data || jsonb_build_object('demoSeeded', true)
         || case when data ? 'seller' then '{}'::jsonb else jsonb_build_object('seller', $1::jsonb) end,
         updated_at = now() where id = 1`,
      [JSON.stringify(DEMO_SELLER)],
    );
    await repo.bumpCatalogVersion(tx);
    return true;
  });
}

const qty = (q: Partial<QuantityRule> = {}): QuantityRule => ({ default: 1, min: 1, max: null, adjustable: false, ...q });

async function writeCatalog(tx: Tx): Promise<void> {
  const family = async (code: string, name: string, description: string) => {
    const f: ProductFamily = { id: newId('fam'), code, name, description };
    return repo.insertFamily(tx, f);
  };
  const cloud = await family('cloud', 'Billkit Cloud', 'Project hosting for teams of every size.');
  const insights = await family('insights', 'Insights', 'Product analytics, priced by tracked users.');

  // What each quantity counts: usage for the metered API calls; for the licensed quantities the unit their
  // prices name ("per member", "per GB" rather than "per unit").
  const measurement = async (code: string, unit: string, description: string, metered = false): Promise<Measurement> => {
    const m: Measurement = {
      id: newId('meas'),
      code,
      unit,
      unitPlural: unit === 'GB' ? 'GB' : `${unit}s`,
      description,
      type: metered ? 'metered' : 'recurring',
      aggregation: metered ? 'sum' : 'last_value',
      prorated: false,
    };
    await repo.insertMeasurement(tx, m);
    return m;
  };
  const apiCalls = await measurement('api_calls', 'call', 'API calls in the billing period', true);
  const members = await measurement('members', 'member', 'Team members with a seat');
  const storageGb = await measurement('storage_gb', 'GB', 'Storage in use, in GB');
  const trackedUsers = await measurement('tracked_users', 'tracked user', 'Users tracked in the month');

  const product = async (number: string, name: string, description: string, extra: Partial<Product> = {}) => {
    const p: Product = {
      id: newId('prod'),
      number,
      name,
      internalName: null,
      description,
      type: 'product',
      familyId: cloud.id,
      taxGroup: 'standard',
      invoiceVisibility: 'always',
      archived: false,
      measurementId: null,
      ...extra,
    };
    return repo.insertProduct(tx, p);
  };
  const starter = await product('CLOUD-STARTER', 'Starter', 'One project, community support.');
  const team = await product('CLOUD-TEAM-SEAT', 'Team seat', 'Unlimited projects, per member.', { measurementId: members.id });
  const business = await product('CLOUD-BUSINESS', 'Business platform', 'SSO, audit log and 99.9% uptime.');
  const onboarding = await product('CLOUD-ONBOARDING', 'Onboarding', 'A guided setup session with an engineer.', { type: 'charge' });
  const storage = await product('CLOUD-STORAGE', 'Storage', 'Storage in GB, cheaper the more you use.', { measurementId: storageGb.id });
  const support = await product('CLOUD-PRIORITY-SUPPORT', 'Priority support', 'Answers within 4 business hours.');
  const calls = await product('CLOUD-API-CALLS', 'API calls', 'Billed per 1,000 calls at the end of the period.', {
    measurementId: apiCalls.id,
    invoiceVisibility: 'only_if_charged',
  });
  const users = await product('INSIGHTS-USERS', 'Tracked users', 'Monthly tracked users, in graduated tiers.', { familyId: insights.id, measurementId: trackedUsers.id });
  const ebook = await product('INSIGHTS-PLAYBOOK', 'Analytics playbook (e-book)', 'The playbook as an e-book.', {
    familyId: insights.id,
    taxGroup: 'reduced',
    type: 'charge',
  });

  const charge = (productId: string, type: Charge['type'], pricing: Pricing, quantity = qty(), optional = false): Charge => ({
    id: newId('chg'),
    productId,
    type,
    pricing,
    quantity,
    optional,
  });
  const storageTiers: Pricing = {
    model: 'tiered',
    mode: 'graduated',
    tiers: [
      { upTo: 50, unitAmount: 0, flatAmount: 0 },
      { upTo: 500, unitAmount: 20, flatAmount: 0 },
      { upTo: null, unitAmount: 10, flatAmount: 0 },
    ],
  };
  const plan = async (p: Omit<Plan, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'checkoutAllowed' | 'description' | 'taxBehavior'> & Partial<Plan>) => {
    const now = new Date().toISOString();
    await repo.insertPlan(tx, {
      id: newId('plan'),
      status: 'active',
      checkoutAllowed: true,
      description: null,
      taxBehavior: 'exclusive',
      createdAt: now,
      updatedAt: now,
      ...p,
    });
  };
  const month = { unit: 'month', count: 1 } as const;
  const year = { unit: 'year', count: 1 } as const;
  const seats = qty({ default: 3, min: 1, max: 100, adjustable: true });
  const gigabytes = qty({ default: 100, min: 0, max: 100_000, adjustable: true });
  const usage = qty({ default: 0, min: 0 });
  const perThousandCalls: Pricing = { model: 'package', packageSize: 1000, amount: 50 };

  for (const [interval, suffix, k] of [
    [month, 'monthly', 1],
    [year, 'yearly', 10],
  ] as const) {
    await plan({
      code: `starter-${suffix}`,
      name: 'Starter',
      description: 'For side projects and trying things out.',
      familyId: cloud.id,
      currency: 'EUR',
      interval,
      trialDays: 0,
      charges: [charge(starter.id, 'recurring', { model: 'flat', amount: 900 * k })],
    });
    await plan({
      code: `team-${suffix}`,
      name: 'Team',
      description: 'For growing teams: pay per member, try it free for 14 days.',
      familyId: cloud.id,
      currency: 'EUR',
      interval,
      trialDays: 14,
      charges: [
        charge(team.id, 'recurring', { model: 'per_unit', unitAmount: 1200 * k }, seats),
        charge(support.id, 'recurring', { model: 'flat', amount: 4900 * k }, qty(), true),
      ],
    });
    await plan({
      code: `business-${suffix}`,
      name: 'Business',
      description: 'For companies that need SSO, an audit log and an SLA.',
      familyId: cloud.id,
      currency: 'EUR',
      interval,
      trialDays: 0,
      charges: [
        charge(business.id, 'recurring', { model: 'flat', amount: 9900 * k }),
        charge(onboarding.id, 'one_time', { model: 'flat', amount: 19900 }),
        charge(storage.id, 'recurring', k === 1 ? storageTiers : { ...storageTiers, tiers: storageTiers.tiers.map((t) => ({ ...t, unitAmount: t.unitAmount * 10 })) }, gigabytes),
        charge(calls.id, 'metered', perThousandCalls, usage),
        charge(support.id, 'recurring', { model: 'flat', amount: 4900 * k }, qty(), true),
      ],
    });
  }
  const coupon = (c: { code: string; name: string; type: 'percentage' | 'fixed_amount'; percentage?: number; fixedAmount?: number; frequency: 'once' | 'limited' | 'lifetime'; numberOfPeriods?: number; excludedProductIds?: string[] }) => {
    const now = new Date().toISOString();
    return insertCoupon(
      tx,
      {
        id: newId('coupon'),
        percentage: null,
        fixedAmount: null,
        currency: c.type === 'fixed_amount' ? 'EUR' : null,
        numberOfPeriods: null,
        planIds: [],
        productIds: [],
        excludedPlanIds: [],
        excludedProductIds: [],
        expiresAt: null,
        maxRedemptions: null,
        maxRedemptionsPerCustomer: 1,
        enabled: true,
        timesRedeemed: 0,
        createdAt: now,
        updatedAt: now,
        ...c,
      },
      newId('ccode'),
    );
  };
  await coupon({ code: 'WELCOME20', name: '20% off your first three billing periods', type: 'percentage', percentage: 20, frequency: 'limited', numberOfPeriods: 3, excludedProductIds: [onboarding.id] });
  await coupon({ code: 'SAVE10', name: '€10 off your first invoice', type: 'fixed_amount', fixedAmount: 1000, frequency: 'once' });

  await plan({
    code: 'insights-monthly',
    name: 'Insights',
    description: 'Analytics priced by monthly tracked users, with graduated tiers.',
    familyId: insights.id,
    currency: 'EUR',
    interval: month,
    trialDays: 0,
    taxBehavior: 'inclusive',
    charges: [
      charge(
        users.id,
        'recurring',
        {
          model: 'tiered',
          mode: 'graduated',
          tiers: [
            { upTo: 1000, unitAmount: 2, flatAmount: 1900 },
            { upTo: 10000, unitAmount: 1, flatAmount: 0 },
            { upTo: null, unitAmount: 0, flatAmount: 0 },
          ],
        },
        qty({ default: 1000, min: 100, max: 1_000_000, adjustable: true }),
      ),
      charge(ebook.id, 'one_time', { model: 'flat', amount: 1500 }, qty(), true),
    ],
  });
}

/**
 * The demo catalog in German (issue 18): every family, product, plan and unit, as a merchant would give them
 * through the admin API's `translations`. Keyed by code (families, measurements, plans) and number (products).
 */
export const DEMO_GERMAN = {
  families: {
    cloud: { name: 'Billkit Cloud', description: 'Projekt-Hosting für Teams jeder Größe.' },
    insights: { name: 'Insights', description: 'Produktanalyse, abgerechnet nach erfassten Nutzern.' },
  },
  measurements: {
    api_calls: { unit: 'Aufruf', unitPlural: 'Aufrufe', description: 'API-Aufrufe im Abrechnungszeitraum' },
    members: { unit: 'Mitglied', unitPlural: 'Mitglieder', description: 'Teammitglieder mit einem Platz' },
    storage_gb: { unit: 'GB', unitPlural: 'GB', description: 'Belegter Speicher in GB' },
    tracked_users: { unit: 'erfasster Nutzer', unitPlural: 'erfasste Nutzer', description: 'Im Monat erfasste Nutzer' },
  },
  products: {
    'CLOUD-STARTER': { name: 'Starter', description: 'Ein Projekt, Community-Support.' },
    'CLOUD-TEAM-SEAT': { name: 'Team-Platz', description: 'Unbegrenzte Projekte, pro Mitglied.' },
    'CLOUD-BUSINESS': { name: 'Business-Plattform', description: 'SSO, Audit-Log und 99,9 % Verfügbarkeit.' },
    'CLOUD-ONBOARDING': { name: 'Onboarding', description: 'Eine begleitete Einrichtung mit unserem Technikteam.' },
    'CLOUD-STORAGE': { name: 'Speicher', description: 'Speicher in GB, je mehr, desto günstiger.' },
    'CLOUD-PRIORITY-SUPPORT': { name: 'Vorrangiger Support', description: 'Antworten innerhalb von 4 Geschäftsstunden.' },
    'CLOUD-API-CALLS': { name: 'API-Aufrufe', description: 'Abgerechnet je 1.000 Aufrufe am Ende des Zeitraums.' },
    'INSIGHTS-USERS': { name: 'Erfasste Nutzer', description: 'Monatlich erfasste Nutzer, in gestaffelten Stufen.' },
    'INSIGHTS-PLAYBOOK': { name: 'Analytics-Handbuch (E-Book)', description: 'Das Handbuch als E-Book.' },
  },
  // Monthly and yearly alike.
  plans: Object.fromEntries(
    Object.entries({
      starter: { name: 'Starter', description: 'Für Nebenprojekte und zum Ausprobieren.' },
      team: { name: 'Team', description: 'Für wachsende Teams: pro Mitglied zahlen, 14 Tage kostenlos testen.' },
      business: { name: 'Business', description: 'Für Unternehmen, die SSO, ein Audit-Log und ein SLA brauchen.' },
    }).flatMap(([code, german]) => [[`${code}-monthly`, german], [`${code}-yearly`, german]]).concat([
      ['insights-monthly', { name: 'Insights', description: 'Analysen nach monatlich erfassten Nutzern, in gestaffelten Stufen.' }],
    ]),
  ),
};

/**
 * Gives the demo catalog's rows without translations their German ones: four statements, whatever the
 * catalog's size. Answers whether any row changed.
 */
async function translateCatalog(tx: Tx): Promise<boolean> {
  const tables = [
    ['product_families', 'code', DEMO_GERMAN.families],
    ['measurements', 'code', DEMO_GERMAN.measurements],
    ['products', 'number', DEMO_GERMAN.products],
    ['plans', 'code', DEMO_GERMAN.plans],
  ] as const;
  let changed = 0;
  for (const [table, key, german] of tables) {
    const { rowCount } = await tx.query(
      `update ${table} t set translations = jsonb_build_object('de', g.value), updated_at = now()
         from jsonb_each($1::jsonb) g where t.${key} = g.key and t.translations = '{}'::jsonb`,
      [JSON.stringify(german)],
    );
    changed += rowCount;
  }
  // The plural the first seed did not give its units.
  const { rowCount } = await tx.query(
    `update measurements set unit_plural = case when unit = 'GB' then unit else unit || 's' end
       where unit_plural is null and code = any($1::text[])`,
    [Object.keys(DEMO_GERMAN.measurements)],
  );
  return changed + rowCount > 0;
}

/** The demo's metered subscriber: the Business plan, with a few API calls in each period it is started in. */
export const DEMO_USAGE_EMAIL = 'usage-demo@billkit.example';

/**
 * Gives the demo's metered plan real usage, so that GET /v1/subscriptions/{id}/usage and the upcoming
 * invoice show something: a demo customer subscribed to business-monthly (through the checkout, paid with
 * the test provider's pm_card_visa; only with the test provider), and three API call events dated now.
 * Idempotent across restarts: the subscription is found again by its customer's email, and the events'
 * ids name the subscription's current period, so a restart in the same period records nothing new (they
 * are duplicates) and one in a later period gives that period its own few calls. Answers the subscription's id.
 */
export async function seedDemoUsage(deps: { db: Db; checkouts: CheckoutService; usage: UsageRecorder; payments: PaymentProvider }): Promise<string | null> {
  if (deps.payments.name !== 'test') return null;
  let subscription = await liveSubscriptionIn(deps.db, { email: DEMO_USAGE_EMAIL }, (await familyKeyOf(deps.db, 'cloud')) ?? '');
  if (!subscription) {
    const checkout = await deps.checkouts.create(
      { plan: 'business-monthly' },
      { email: DEMO_USAGE_EMAIL, name: 'Usage Demo GmbH', country: 'DE', type: 'business', address: { line1: 'Torstrasse 1', postalCode: '10119', city: 'Berlin', country: 'DE' } },
    );
    const done = await deps.checkouts.confirm(checkout.id, { paymentMethod: 'pm_card_visa' });
    if (done.status !== 'complete') return null;
    subscription = done.subscription;
  }
  const period = subscription.currentPeriodStart;
  await deps.usage.record(
    [1200, 3400, 800].map((value, i) => ({ id: `demo-${period}-${i + 1}`, measurement: 'api_calls', subscriptionId: subscription.id, value })),
  );
  return subscription.id;
}

async function familyKeyOf(db: Queryable, code: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>('select id from product_families where code = $1', [code]);
  return rows[0]?.id ?? null;
}
