import type { NextFunction, Request, RequestHandler } from 'express';
import { DomainError } from '../domain/errors.js';
import type { KeyKind, KeyStore } from '../app/keys.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: { kind: KeyKind; key: string };
  }
}

export interface AuthOptions {
  keys: KeyStore;
  /** Origins a browser may use the publishable key from. Requests without an Origin header are not browsers. */
  allowedOrigins: ReadonlySet<string>;
}

const unauthenticated = (message: string) => new DomainError('unauthenticated', 'unauthenticated', message);

/**
 * `publishable` routes take the publishable key (from an allowed origin) or the secret key;
 * `secret` routes only the secret key.
 */
export function requireKey(options: AuthOptions, level: 'secret' | 'publishable'): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return next(unauthenticated('Send your API key as "Authorization: Bearer <key>".'));
    const key = match[1]!;
    // A key seen before is answered at once; a new one is looked up in the database first.
    const known = options.keys.known(key);
    if (known) return admit(req, next, known, key);
    options.keys.resolve(key).then((kind) => admit(req, next, kind, key), next);
  };

  function admit(req: Request, next: NextFunction, kind: KeyKind | null, key: string): void {
    if (!kind) return next(unauthenticated('The API key is not valid.'));
    if (level === 'secret' && kind !== 'secret')
      return next(new DomainError('forbidden', 'secret_key_required', 'This route needs the secret key; a publishable key may not call it.'));
    const origin = req.headers.origin;
    if (kind === 'publishable' && origin && !options.allowedOrigins.has(origin))
      return next(new DomainError('forbidden', 'origin_not_allowed', `The publishable key may not be used from ${origin}.`));
    req.auth = { kind, key };
    next();
  }
}
