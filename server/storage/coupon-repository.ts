import { percentageToHundredths, type Coupon, type CouponCode, type CouponLookup } from '../domain/coupons.js';
import { announce, type Queryable, type Tx } from './db.js';
import { iso, isoOrNull, newId, toPage, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;
const numOrNull = (v: unknown) => (v == null ? null : Number(v));
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

export const toCoupon = (r: Row): Coupon => ({
  id: String(r.id),
  code: String(r.code),
  name: String(r.name),
  type: String(r.type) as Coupon['type'],
  percentage: r.percentage_hundredths == null ? null : Number(r.percentage_hundredths) / 100,
  fixedAmount: numOrNull(r.fixed_amount),
  currency: r.currency == null ? null : String(r.currency),
  frequency: String(r.frequency) as Coupon['frequency'],
  numberOfPeriods: numOrNull(r.number_of_periods),
  planIds: list(r.plan_ids),
  productIds: list(r.product_ids),
  excludedPlanIds: list(r.excluded_plan_ids),
  excludedProductIds: list(r.excluded_product_ids),
  expiresAt: isoOrNull(r.expires_at),
  maxRedemptions: numOrNull(r.max_redemptions),
  maxRedemptionsPerCustomer: numOrNull(r.max_redemptions_per_customer),
  enabled: Boolean(r.enabled),
  timesRedeemed: Number(r.times_redeemed),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const toCode = (r: Row): CouponCode & { singleUse: boolean; redeemedAt: string | null } => ({
  id: String(r.id),
  couponId: String(r.coupon_id),
  code: String(r.code),
  redeemed: r.redeemed_at != null,
  singleUse: Boolean(r.single_use),
  redeemedAt: isoOrNull(r.redeemed_at),
});

/** Percentages are stored as integer hundredths (12.5 -> 1250), converted by the domain's one rule. */
export const hundredths = (percentage: number | null) => (percentage == null ? null : percentageToHundredths(percentage));

const COLUMNS = `code, name, type, percentage_hundredths, fixed_amount, currency, frequency, number_of_periods,
  plan_ids, product_ids, excluded_plan_ids, excluded_product_ids, expires_at, max_redemptions,
  max_redemptions_per_customer, enabled`;

const values = (c: Coupon) => [
  c.code,
  c.name,
  c.type,
  hundredths(c.percentage),
  c.fixedAmount,
  c.currency,
  c.frequency,
  c.numberOfPeriods,
  c.planIds,
  c.productIds,
  c.excludedPlanIds,
  c.excludedProductIds,
  c.expiresAt,
  c.maxRedemptions,
  c.maxRedemptionsPerCustomer,
  c.enabled,
];

export async function insertCoupon(tx: Tx, c: Coupon, codeId: string): Promise<Coupon> {
  const { rows } = await tx.query<Row>(
    `insert into coupons (id, ${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning *`,
    [c.id, ...values(c)],
  );
  await tx.query('insert into coupon_codes (id, coupon_id, code, single_use) values ($1, $2, $3, false)', [codeId, c.id, c.code]);
  await announce(tx, 'coupons');
  return toCoupon(rows[0]!);
}

/**
 * Rewrites a coupon that nobody has redeemed yet. The condition is in the UPDATE itself, so a redemption
 * that commits first wins: returns null when the coupon was redeemed meanwhile.
 */
export async function updateUnredeemedCoupon(tx: Tx, c: Coupon): Promise<Coupon | null> {
  const { rows } = await tx.query<Row>(
    `update coupons set (${COLUMNS}, updated_at) = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())
     where id = $1 and times_redeemed = 0 returning *`,
    [c.id, ...values(c)],
  );
  if (!rows[0]) return null;
  await tx.query('update coupon_codes set code = $2 where coupon_id = $1 and single_use = false', [c.id, c.code]);
  await announce(tx, 'coupons');
  return toCoupon(rows[0]);
}

export async function setCouponEnabled(tx: Tx, id: string, enabled: boolean): Promise<Coupon | null> {
  const { rows } = await tx.query<Row>('update coupons set enabled = $2, updated_at = now() where id = $1 returning *', [id, enabled]);
  await announce(tx, 'coupons');
  return rows[0] ? toCoupon(rows[0]) : null;
}

/** Deletes a coupon nobody has redeemed; false when it was redeemed (or is gone). */
export async function deleteUnredeemedCoupon(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from coupons where id = $1 and times_redeemed = 0', [id]);
  await announce(tx, 'coupons');
  return rowCount > 0;
}

export async function findCoupon(db: Queryable, idOrCode: string): Promise<Coupon | null> {
  const { rows } = await db.query<Row>('select * from coupons where id = $1 or code = upper($1)', [idOrCode]);
  return rows[0] ? toCoupon(rows[0]) : null;
}

/**
 * The coupon of each subscription that has one, with the coupon's count of the subscription's current period
 * (1 = the first period it discounts; `periodsBilled - couponFirstPeriod + 1`), in one query.
 */
export async function couponsOfSubscriptions(db: Queryable, subscriptionIds: readonly string[]): Promise<Map<string, { coupon: Coupon; currentPeriod: number }>> {
  if (subscriptionIds.length === 0) return new Map();
  const { rows } = await db.query<Row>(
    `select c.*, s.id as subscription_id, s.periods_billed - s.coupon_first_period + 1 as current_period
     from subscriptions s join coupons c on c.id = s.coupon_id where s.id = any($1::text[])`,
    [subscriptionIds],
  );
  return new Map(rows.map((r) => [String(r.subscription_id), { coupon: toCoupon(r), currentPeriod: Number(r.current_period) }]));
}

export async function listCoupons(db: Queryable, page: PageRequest): Promise<Page<Coupon>> {
  const { rows } = await db.query<Row>(
    'select * from coupons where ($1::text is null or id > $1 collate "C") order by id collate "C" limit $2',
    [page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(toCoupon), page.limit);
}

export async function insertCodes(tx: Tx, couponId: string, codes: { id: string; code: string }[]): Promise<void> {
  await tx.query(
    `insert into coupon_codes (id, coupon_id, code, single_use)
     select id, $1, code, true from unnest($2::text[], $3::text[]) as t(id, code)`,
    [couponId, codes.map((c) => c.id), codes.map((c) => c.code)],
  );
  await announce(tx, 'coupons');
}

export async function listCodes(db: Queryable, couponId: string, page: PageRequest) {
  const { rows } = await db.query<Row>(
    `select * from coupon_codes where coupon_id = $1 and single_use
       and ($2::text is null or id > $2 collate "C") order by id collate "C" limit $3`,
    [couponId, page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(toCode), page.limit);
}

/** The coupon a code applies, and whether the code is a single-use one already redeemed. */
export async function findByCode(db: Queryable, code: string): Promise<{ coupon: Coupon; codeRedeemed: boolean } | null> {
  const { rows } = await db.query<Row>(
    `select c.*, cc.single_use, cc.redeemed_at as code_redeemed_at
     from coupon_codes cc join coupons c on c.id = cc.coupon_id where cc.code = $1`,
    [code],
  );
  const row = rows[0];
  if (!row) return null;
  return { coupon: toCoupon(row), codeRedeemed: Boolean(row.single_use) && row.code_redeemed_at != null };
}

/** How often a customer (by id or email) redeemed a coupon. */
export async function customerRedemptions(db: Queryable, couponId: string, customer: { id?: string | undefined; email?: string | undefined }): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from coupon_redemptions where coupon_id = $1 and (customer_id = $2 or customer_email = lower($3))',
    [couponId, customer.id ?? null, customer.email ?? null],
  );
  return Number(rows[0]!.n);
}


/**
 * Redeems a coupon for a checkout, holding every limit under any concurrency. The conditional UPDATE of
 * the coupon row is the gate for the total limit and also locks the row, so the per-customer count that
 * follows is serialized per coupon; a single-use code is claimed by its own conditional UPDATE.
 * Returns a reason code when a limit refuses, null when redeemed.
 */
export async function redeemCoupon(
  tx: Tx,
  r: { couponId: string; code: string; customerId: string; customerEmail: string; checkoutId: string; at: string },
): Promise<'coupon_exhausted' | 'coupon_customer_limit' | 'coupon_disabled' | 'coupon_expired' | null> {
  const coupon = await tx.query<{ max_per_customer: number | null }>(
    `update coupons set times_redeemed = times_redeemed + 1, updated_at = now()
     where id = $1 and enabled and (expires_at is null or expires_at > $2::timestamptz)
       and (max_redemptions is null or times_redeemed < max_redemptions)
     returning max_redemptions_per_customer as max_per_customer`,
    [r.couponId, r.at],
  );
  if (!coupon.rows[0]) {
    // Say why, in the spec's order of checks.
    const { rows } = await tx.query<{ enabled: boolean; expired: boolean }>(
      'select enabled, (expires_at is not null and expires_at <= $2::timestamptz) as expired from coupons where id = $1',
      [r.couponId, r.at],
    );
    if (!rows[0]) return 'coupon_exhausted';
    if (!rows[0].enabled) return 'coupon_disabled';
    if (rows[0].expired) return 'coupon_expired';
    return 'coupon_exhausted';
  }
  const code = await tx.query<{ id: string }>(
    `update coupon_codes set redeemed_at = case when single_use then $3::timestamptz else redeemed_at end
     where coupon_id = $1 and code = $2 and (not single_use or redeemed_at is null) returning id`,
    [r.couponId, r.code, r.at],
  );
  if (!code.rows[0]) return 'coupon_exhausted';
  const limit = coupon.rows[0].max_per_customer;
  if (limit != null) {
    const { rows } = await tx.query<{ n: number }>(
      'select count(*)::int as n from coupon_redemptions where coupon_id = $1 and (customer_id = $2 or customer_email = $3)',
      [r.couponId, r.customerId, r.customerEmail.toLowerCase()],
    );
    if (Number(rows[0]!.n) >= Number(limit)) return 'coupon_customer_limit';
  }
  await tx.query(
    `insert into coupon_redemptions (id, coupon_id, code_id, customer_id, customer_email, checkout_id, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [newId('red'), r.couponId, code.rows[0].id, r.customerId, r.customerEmail.toLowerCase(), r.checkoutId, r.at],
  );
  await announce(tx, 'coupons');
  return null;
}
