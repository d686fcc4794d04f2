/**
 * Domain failures as values with stable codes. Only `server/http/problem.ts` turns a kind into an HTTP
 * status; the domain never speaks HTTP.
 */
export type ErrorKind =
  | 'invalid' // malformed or out-of-range input (400)
  | 'unauthenticated' // no or wrong key (401)
  | 'forbidden' // key of the wrong kind or origin (403)
  | 'not_found' // unknown or not yours (404)
  | 'conflict' // state conflict: duplicate, already redeemed, twin running (409)
  | 'unprocessable' // business rule refused (422)
  | 'payment' // payment declined (402)
  | 'unavailable'; // a dependency is down (503)

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body, or `/query/<name>`, `/path/<name>` for parameters. */
  pointer: string;
  detail: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (code: string, message: string, errors?: FieldError[]) =>
  new DomainError('invalid', code, message, errors);
export const notFound = (code: string, message: string, errors?: FieldError[]) =>
  new DomainError('not_found', code, message, errors);
export const conflict = (code: string, message: string, errors?: FieldError[]) =>
  new DomainError('conflict', code, message, errors);
export const unprocessable = (code: string, message: string, errors?: FieldError[]) =>
  new DomainError('unprocessable', code, message, errors);
