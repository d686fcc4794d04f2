import { createHash, randomBytes } from 'node:crypto';
import { CUSTOMER_SESSION_PREFIX, CUSTOMER_SESSION_TTL_MS } from '../domain/customers.js';
import { conflict, DomainError, invalid, unprocessable } from '../domain/errors.js';
import * as commerce from '../storage/commerce-repository.js';
import * as repo from '../storage/customer-repository.js';
import type { CustomerSession, SessionPrefill } from '../storage/customer-repository.js';
import type { Db, Tx } from '../storage/db.js';
import type { CustomerTarget } from '../storage/commerce-repository.js';
import { newId } from '../storage/ids.js';
import { CatalogCache } from './catalog-cache.js';
import { customerNotFound, emailTaken, throwing } from './customers.js';

export interface CustomerSessionInput extends SessionPrefill {
  customerId?: string | undefined;
  refKey?: string | undefined;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** One answer for an unknown and an expired secret: nothing to learn by guessing. */
const sessionInvalid = () =>
  new DomainError('unauthenticated', 'customer_session_invalid', 'The customer session is unknown or has expired: ask the merchant\'s server for a new one.', [
    { pointer: '/customerSession', detail: 'Unknown or expired.' },
  ]);

export const sessionUsed = () =>
  conflict('customer_session_used', 'The customer session has already completed a checkout: ask the merchant\'s server for a new one.', [
    { pointer: '/customerSession', detail: 'Already used.' },
  ]);

/**
 * Customer sessions (SPEC.md section 13): the merchant's server vouches for its signed-in user, the browser
 * holds only the client secret (kept as its SHA-256), and a checkout started with it subscribes that customer,
 * whatever the browser sends. 30 minutes to start a checkout; it completes one checkout.
 */
export class CustomerSessionService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  /** Names an existing customer (by id or refKey) or a new one (a refKey no customer has, with an email). */
  async create(input: CustomerSessionInput): Promise<{ clientSecret: string; expiresAt: string; customerId: string | null; refKey: string | null }> {
    const { customerId, refKey, ...given } = input;
    const customer = customerId
      ? ((await commerce.findCustomer(this.db, customerId)) ?? throwing(customerNotFound(customerId, '/customerId')))
      : await repo.findCustomerByRef(this.db, refKey!);
    let prefill: SessionPrefill;
    if (customer) {
      if (given.email !== undefined && given.email.toLowerCase() !== customer.email)
        throw unprocessable('customer_email_mismatch', `The customer's email is ${customer.email}; change it with PATCH /v1/customers/${customer.id} first.`, [
          { pointer: '/email', detail: "Differs from the customer's email." },
        ]);
      const { email, name, country, type, vatId, address, locale } = customer;
      prefill = { email, name, country, type, ...(vatId ? { vatId } : {}), ...(address ? { address } : {}), locale, ...given };
    } else {
      if (given.email === undefined)
        throw invalid('validation_failed', 'A session for a new customer needs its email.', [{ pointer: '/email', detail: 'Required when no customer has this refKey.' }]);
      if (await repo.findCustomerByEmail(this.db, given.email)) throw emailTaken();
      prefill = { ...given, email: given.email.toLowerCase() };
    }
    const now = CatalogCache.now(await this.cache.cached());
    const clientSecret = CUSTOMER_SESSION_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + CUSTOMER_SESSION_TTL_MS).toISOString();
    const session = { id: newId('cs'), customerId: customer?.id ?? null, refKey: customer ? null : refKey!, prefill, expiresAt, createdAt: now.toISOString() };
    await repo.insertCustomerSession(this.db, session, hashOf(clientSecret));
    return { clientSecret, expiresAt, customerId: session.customerId, refKey: customer?.refKey ?? refKey ?? null };
  }

  /** A session that can still start a checkout: known, not expired, not spent. */
  async resolve(clientSecret: string): Promise<CustomerSession> {
    const session = await repo.findCustomerSessionByHash(this.db, hashOf(clientSecret));
    const now = CatalogCache.now(await this.cache.cached());
    if (!session || Date.parse(session.expiresAt) <= now.getTime()) throw sessionInvalid();
    if (session.usedAt) throw sessionUsed();
    return session;
  }

  /** What the checkout element prefills (the email fixed), with the current customer's email. */
  async current(clientSecret: string) {
    const session = await this.resolve(clientSecret);
    const email = await this.emailOf(session);
    return { ...session.prefill, email, customerId: session.customerId, expiresAt: session.expiresAt };
  }

  /**
   * Spends the session on a checkout, in its confirmation's transaction, and names the customer its
   * subscription goes to. Refused (409 `customer_session_used`) when another checkout completed with it.
   */
  async spend(tx: Tx, sessionId: string, checkoutId: string, at: string): Promise<CustomerTarget> {
    const session = (await repo.findCustomerSession(tx, sessionId))!;
    if (!(await repo.spendCustomerSession(tx, sessionId, checkoutId, at))) throw sessionUsed();
    return session.customerId ? { by: 'id', id: session.customerId } : { by: 'refKey', refKey: session.refKey! };
  }

  /** The email a checkout with this session uses: the customer's as it is now, or the new customer's. */
  async emailOf(session: CustomerSession): Promise<string> {
    if (!session.customerId) return session.prefill.email!;
    return (await commerce.findCustomer(this.db, session.customerId))!.email;
  }
}
