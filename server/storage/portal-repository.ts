/**
 * The portal's rows (migration 0011): sessions and sign-in codes, both found by the SHA-256 of their secret.
 */
import type { Queryable, Tx } from './db.js';
import { iso, isoOrNull, json, strOrNull } from './ids.js';

type Row = Record<string, unknown>;

export type PortalFlow = { type: 'switch_plan' | 'cancel' | 'payment_method'; subscriptionId: string };

export interface PortalSession {
  id: string;
  customerId: string;
  source: 'api' | 'sign_in';
  returnUrl: string | null;
  locale: string | null;
  flow: PortalFlow | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

const toSession = (r: Row): PortalSession => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  source: String(r.source) as PortalSession['source'],
  returnUrl: strOrNull(r.return_url),
  locale: strOrNull(r.locale),
  flow: r.flow == null ? null : json<PortalFlow>(r.flow),
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
  revokedAt: isoOrNull(r.revoked_at),
});

export async function insertPortalSession(db: Queryable, s: Omit<PortalSession, 'revokedAt'> & { tokenHash: string }): Promise<PortalSession> {
  const { rows } = await db.query<Row>(
    `insert into portal_sessions (id, token_hash, customer_id, source, return_url, locale, flow, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
    [s.id, s.tokenHash, s.customerId, s.source, s.returnUrl, s.locale, s.flow ? JSON.stringify(s.flow) : null, s.createdAt, s.expiresAt],
  );
  return toSession(rows[0]!);
}

/** A session by its token's hash, or (`byId`) by its id. */
export async function findPortalSession(db: Queryable, key: string, byId = false): Promise<PortalSession | null> {
  const { rows } = await db.query<Row>(`select * from portal_sessions where ${byId ? 'id' : 'token_hash'} = $1`, [key]);
  return rows[0] ? toSession(rows[0]) : null;
}

/**
 * The portal opened the session's deep link: the session carries it no more (`flow` is null), so a reload, another
 * tab or another BFF process lands on the portal's home, as Stripe's flow_data does once completed.
 */
export async function clearPortalSessionFlow(db: Queryable, id: string): Promise<void> {
  await db.query('update portal_sessions set flow = null where id = $1 and flow is not null', [id]);
}

export async function revokePortalSession(db: Queryable, id: string, at: string): Promise<void> {
  await db.query('update portal_sessions set revoked_at = coalesce(revoked_at, $2) where id = $1', [id, at]);
}

export interface SignInCode {
  id: string;
  email: string;
  customerId: string | null;
  codeHash: string;
  expiresAt: string;
  failedAttempts: number;
}

const toCode = (r: Row): SignInCode => ({
  id: String(r.id),
  email: String(r.email),
  customerId: strOrNull(r.customer_id),
  codeHash: String(r.code_hash),
  expiresAt: iso(r.expires_at),
  failedAttempts: Number(r.failed_attempts),
});

/** Stores a new code for the email and voids every earlier one still open: only the latest code signs in. */
export async function replaceSignInCode(tx: Tx, c: Omit<SignInCode, 'failedAttempts'>, at: string): Promise<void> {
  await tx.query(
    `with voided as (
       update portal_sign_in_codes set voided_at = $6 where email = $2 and used_at is null and voided_at is null
     )
     insert into portal_sign_in_codes (id, email, customer_id, code_hash, created_at, expires_at) values ($1, $2, $3, $4, $6, $5)`,
    [c.id, c.email, c.customerId, c.codeHash, c.expiresAt, at],
  );
}

/** The email's open code, locked (a concurrent guess waits: five wrong tries stay five). */
export async function lockOpenSignInCode(tx: Tx, email: string, now: string): Promise<SignInCode | null> {
  const { rows } = await tx.query<Row>(
    `select * from portal_sign_in_codes
     where email = $1 and used_at is null and voided_at is null and expires_at > $2
     order by created_at desc, id desc limit 1 for update`,
    [email, now],
  );
  return rows[0] ? toCode(rows[0]) : null;
}

/** Counts a wrong try; the fifth voids the code. Answers the tries left. */
export async function failSignInCode(tx: Tx, id: string, maxAttempts: number, at: string): Promise<number> {
  const { rows } = await tx.query<{ failed_attempts: number }>(
    `update portal_sign_in_codes set failed_attempts = failed_attempts + 1,
       voided_at = case when failed_attempts + 1 >= $2 then $3::timestamptz else voided_at end
     where id = $1 returning failed_attempts`,
    [id, maxAttempts, at],
  );
  return maxAttempts - Number(rows[0]!.failed_attempts);
}

export async function useSignInCode(tx: Tx, id: string, at: string): Promise<void> {
  await tx.query('update portal_sign_in_codes set used_at = $2 where id = $1', [id, at]);
}
