import type { NextFunction, Request, RequestHandler } from 'express';
import { DomainError } from '../domain/errors.js';
import { kindOfKey, type KeyKind, type KeyStore } from '../app/keys.js';
import { isPortalToken, type PortalCaller, type PortalSessions } from '../app/portal-session.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: { kind: KeyKind | 'portal'; key: string; portal?: PortalCaller };
  }
}

export interface AuthOptions {
  keys: KeyStore;
  /** Origins a browser may use the publishable key from. Requests without an Origin header are not browsers. */
  allowedOrigins: ReadonlySet<string>;
  portalSessions: PortalSessions;
}

const unauthenticated = (message: string) => new DomainError('unauthenticated', 'unauthenticated', message);

const PORTAL_REFUSALS = {
  unknown: () => unauthenticated('The portal session is not valid.'),
  expired: () => new DomainError('unauthenticated', 'portal_session_expired', 'The portal session has expired: open a new one.'),
  revoked: () => new DomainError('unauthenticated', 'portal_session_revoked', 'The portal session was signed out: open a new one.'),
};

/**
 * `publishable` routes take the publishable key (from an allowed origin) or the secret key;
 * `secret` routes only the secret key; `portal` routes only a portal session token (ps_...), which no other
 * route takes (403), and which is refused once expired or revoked (401).
 */
export function requireKey(options: AuthOptions, level: 'secret' | 'publishable' | 'portal'): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return next(unauthenticated('Send your API key as "Authorization: Bearer <key>".'));
    const key = match[1]!;
    if (isPortalToken(key) || level === 'portal') return portal(req, next, key);
    // A key seen before is answered at once; a new one is looked up in the database first.
    const known = options.keys.known(key);
    if (known) return admit(req, next, known, key);
    options.keys.resolve(key).then((kind) => admit(req, next, kind, key), next);
  };

  function portal(req: Request, next: NextFunction, key: string): void {
    if (level !== 'portal') {
      return next(new DomainError('forbidden', 'portal_session_not_allowed', 'A portal session may only call the /v1/portal routes.'));
    }
    if (!isPortalToken(key)) {
      if (!kindOfKey(key)) return next(PORTAL_REFUSALS.unknown());
      return next(new DomainError('forbidden', 'portal_session_required', 'This route needs a portal session token (ps_...): make one with POST /v1/portal-sessions.'));
    }
    options.portalSessions.resolve(key).then((found) => {
      if (found.status !== 'valid') return next(PORTAL_REFUSALS[found.status]());
      if (!originAllowed(req)) return next(new DomainError('forbidden', 'origin_not_allowed', `The portal session may not be used from ${req.headers.origin}.`));
      req.auth = { kind: 'portal', key, portal: found.caller };
      next();
    }, next);
  }

  function originAllowed(req: Request): boolean {
    return !req.headers.origin || options.allowedOrigins.has(req.headers.origin);
  }

  function admit(req: Request, next: NextFunction, kind: KeyKind | null, key: string): void {
    if (!kind) return next(unauthenticated('The API key is not valid.'));
    if (level === 'secret' && kind !== 'secret')
      return next(new DomainError('forbidden', 'secret_key_required', 'This route needs the secret key; a publishable key may not call it.'));
    if (kind === 'publishable' && !originAllowed(req))
      return next(new DomainError('forbidden', 'origin_not_allowed', `The publishable key may not be used from ${req.headers.origin}.`));
    req.auth = { kind, key };
    next();
  }
}
