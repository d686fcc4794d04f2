/**
 * Sign-in to the hosted portal by an emailed code (SPEC.md section 12). Asking for a code answers the same
 * whether or not a customer has the email: an unknown email gets a code too, stored but never mailed, so
 * verifying answers alike (no account enumeration). A code is 6 digits, valid 10 minutes on the (test)
 * clock, stored as a salted SHA-256 and compared in constant time; the fifth wrong try voids it, and a newer
 * code voids the older ones. Rate limits per email and per client address sit in front (http/rate-limit.ts).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { Db, Tx } from '../storage/db.js';
import { newId } from '../storage/ids.js';
import { findCustomerByEmail } from '../storage/customer-repository.js';
import { failSignInCode, lockOpenSignInCode, replaceSignInCode, useSignInCode } from '../storage/portal-repository.js';
import { findCustomer } from '../storage/commerce-repository.js';
import { CatalogCache } from './catalog-cache.js';
import type { PortalSessions } from './portal-session.js';

export const SIGN_IN_CODE_MS = 10 * 60 * 1000;
export const SIGN_IN_MAX_ATTEMPTS = 5;

/** Mails the code in the transaction that stores it: the mail exists exactly when the code does. */
export type SignInMailer = (tx: Tx, mail: { email: string; code: string; locale: string; name: string; at: string }) => Promise<unknown>;

const hashCode = (id: string, code: string) => createHash('sha256').update(`${id}:${code}`).digest();

const expired = () =>
  new DomainError('unprocessable', 'sign_in_code_expired', 'There is no valid code for this email (expired, used, or voided by wrong tries): ask for a new one.', [
    { pointer: '/code', detail: 'Ask for a new code.' },
  ]);

export class SignInService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly sessions: PortalSessions,
    /** Replaceable: tests wrap it to read the codes mailed. */
    public mailer: SignInMailer,
  ) {}

  /** POST /v1/portal/sign-in: always answers nothing (202). */
  async requestCode(email: string): Promise<void> {
    const address = email.trim().toLowerCase();
    const now = CatalogCache.now(await this.cache.cached());
    const at = now.toISOString();
    const customer = await findCustomerByEmail(this.db, address);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = newId('sic');
    await this.db.transaction(async (tx) => {
      await replaceSignInCode(
        tx,
        { id, email: address, customerId: customer?.id ?? null, codeHash: hashCode(id, code).toString('hex'), expiresAt: new Date(now.getTime() + SIGN_IN_CODE_MS).toISOString() },
        at,
      );
      if (customer) await this.mailer(tx, { email: customer.email, code, locale: customer.locale, name: customer.name, at });
    });
  }

  /** POST /v1/portal/sign-in/verify: the right code opens a portal session; a wrong one counts. */
  async verify(email: string, code: string): Promise<{ token: string; expiresAt: string }> {
    const address = email.trim().toLowerCase();
    const at = CatalogCache.now(await this.cache.cached()).toISOString();
    // A wrong try is committed before it is refused (a refusal thrown inside would roll the count back).
    const outcome = await this.db.transaction(async (tx) => {
      const open = await lockOpenSignInCode(tx, address, at);
      if (!open) return { status: 'expired' as const };
      const right = timingSafeEqual(hashCode(open.id, code), Buffer.from(open.codeHash, 'hex'));
      const customer = right && open.customerId ? await findCustomer(tx, open.customerId) : null;
      if (!customer) return { status: 'wrong' as const, left: await failSignInCode(tx, open.id, SIGN_IN_MAX_ATTEMPTS, at) };
      await useSignInCode(tx, open.id, at);
      const { token, expiresAt } = await this.sessions.open(tx, { customerId: customer.id, locale: customer.locale }, 'sign_in');
      return { status: 'signed_in' as const, token, expiresAt };
    });
    if (outcome.status === 'expired') throw expired();
    if (outcome.status === 'wrong') {
      if (outcome.left <= 0) throw expired();
      throw new DomainError('unprocessable', 'sign_in_code_invalid', `The code is not right; ${outcome.left} ${outcome.left === 1 ? 'try' : 'tries'} left.`, [
        { pointer: '/code', detail: 'Not the code that was mailed.' },
      ], { attemptsLeft: outcome.left });
    }
    return { token: outcome.token, expiresAt: outcome.expiresAt };
  }
}
