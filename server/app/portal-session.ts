/**
 * Portal sessions (SPEC.md section 12): a bearer token `ps_...` for one customer's own portal, made by the
 * merchant's server (POST /v1/portal-sessions, secret key) or by a sign-in with an emailed code. Only the
 * token's SHA-256 is stored; it is shown once. Sessions expire on the (test) clock and can be revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DomainError, notFound } from '../domain/errors.js';
import { findCustomer, findSubscription } from '../storage/commerce-repository.js';
import { findCustomerByRef } from '../storage/customer-repository.js';
import type { Db, Queryable } from '../storage/db.js';
import { newId } from '../storage/ids.js';
import { clearPortalSessionFlow, findPortalSession, insertPortalSession, revokePortalSession, type PortalFlow, type PortalSession } from '../storage/portal-repository.js';
import { CatalogCache } from './catalog-cache.js';

/** A session lasts this long (SPEC: 1 hour by default). */
export const PORTAL_SESSION_MS = 60 * 60 * 1000;

export const isPortalToken = (token: string) => token.startsWith('ps_');
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface NewPortalSession {
  customerId: string;
  returnUrl?: string | undefined;
  locale?: string | undefined;
  flow?: PortalFlow | undefined;
}

/** POST /v1/portal-sessions: the customer by id, or by the merchant's own key for them (refKey). */
export type PortalSessionRequest = Omit<NewPortalSession, 'customerId'> & { customerId?: string | undefined; customerRefKey?: string | undefined };

/** Who a valid token speaks for (req.auth.portal). */
export interface PortalCaller {
  sessionId: string;
  customerId: string;
}

export type Resolved = { status: 'valid'; caller: PortalCaller } | { status: 'unknown' | 'expired' | 'revoked' };

export class PortalSessions {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    /** The hosted portal page, e.g. https://billing.example.com/portal (the token goes in its fragment). */
    private readonly portalUrl: string,
  ) {}

  async #now(): Promise<Date> {
    return CatalogCache.now(await this.cache.cached());
  }

  /** POST /v1/portal-sessions: the customer must exist; a flow's subscription must be theirs. */
  async create(request: PortalSessionRequest): Promise<{ token: string; url: string; expiresAt: string }> {
    const { customerRefKey, ...rest } = request;
    const customer = customerRefKey !== undefined ? await findCustomerByRef(this.db, customerRefKey) : await findCustomer(this.db, rest.customerId ?? '');
    if (!customer) {
      throw customerRefKey !== undefined
        ? notFound('customer_not_found', `No customer has the refKey ${customerRefKey}.`, [{ pointer: '/customerRefKey', detail: 'No customer has this refKey.' }])
        : notFound('customer_not_found', `No customer ${rest.customerId}.`, [{ pointer: '/customerId', detail: 'Unknown customer.' }]);
    }
    const input: NewPortalSession = { ...rest, customerId: customer.id };
    if (input.flow) {
      const sub = await findSubscription(this.db, input.flow.subscriptionId);
      if (!sub || sub.customerId !== customer.id) {
        throw notFound('subscription_not_found', `Customer ${customer.id} has no subscription ${input.flow.subscriptionId}.`, [
          { pointer: '/flow/subscriptionId', detail: "Not one of the customer's subscriptions." },
        ]);
      }
    }
    return this.open(this.db, { ...input, locale: input.locale ?? customer.locale }, 'api');
  }

  /** Makes a session in `db` (a sign-in's transaction, or the pool). */
  async open(db: Queryable, input: NewPortalSession, source: PortalSession['source']): Promise<{ token: string; url: string; expiresAt: string }> {
    const token = `ps_${randomBytes(32).toString('base64url')}`;
    const now = await this.#now();
    const session = await insertPortalSession(db, {
      id: newId('pss'),
      tokenHash: hashToken(token),
      customerId: input.customerId,
      source,
      returnUrl: input.returnUrl ?? null,
      locale: input.locale ?? null,
      flow: input.flow ?? null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + PORTAL_SESSION_MS).toISOString(),
    });
    // The token rides in the fragment: browsers never send it to a server or in a Referer.
    return { token, url: `${this.portalUrl}#session=${token}`, expiresAt: session.expiresAt };
  }

  /** Looks a bearer token up by its hash (a hash lookup: no timing to compare) and checks it on the clock. */
  async resolve(token: string): Promise<Resolved> {
    const session = await findPortalSession(this.db, hashToken(token));
    if (!session) return { status: 'unknown' };
    if (session.revokedAt) return { status: 'revoked' };
    if (new Date(session.expiresAt) <= (await this.#now())) return { status: 'expired' };
    return { status: 'valid', caller: { sessionId: session.id, customerId: session.customerId } };
  }

  async get(sessionId: string): Promise<PortalSession> {
    const session = await findPortalSession(this.db, sessionId, true);
    if (!session) throw new DomainError('unauthenticated', 'unauthenticated', 'The portal session is not valid.');
    return session;
  }

  /** DELETE /v1/portal/session/flow: the deep link was opened; later loads of the session land on the home. */
  async clearFlow(sessionId: string): Promise<void> {
    await clearPortalSessionFlow(this.db, sessionId);
  }

  async revoke(sessionId: string): Promise<void> {
    await revokePortalSession(this.db, sessionId, (await this.#now()).toISOString());
  }
}
