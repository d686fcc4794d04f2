import type { RequestHandler } from 'express';
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
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return next(unauthenticated('Send your API key as "Authorization: Bearer <key>".'));
    const key = match[1]!;
    const kind = await options.keys.resolve(key);
    if (!kind) return next(unauthenticated('The API key is not valid.'));
    if (level === 'secret' && kind !== 'secret')
      return next(new DomainError('forbidden', 'secret_key_required', 'This route needs the secret key; a publishable key may not call it.'));
    const origin = req.get('origin');
    if (kind === 'publishable' && origin && !options.allowedOrigins.has(origin))
      return next(new DomainError('forbidden', 'origin_not_allowed', `The publishable key may not be used from ${origin}.`));
    req.auth = { kind, key };
    next();
  };
}
