import { DomainError } from '../domain/errors.js';
import { pgConstraint, pgErrorCode, PG_UNIQUE_VIOLATION } from '../storage/db.js';

/** Turns a unique violation on one of `constraints` into the 409 it stands for; rethrows anything else. */
export function rethrowUnique(error: unknown, constraints: Record<string, () => DomainError>): never {
  if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
    const make = constraints[pgConstraint(error) ?? ''];
    if (make) throw make();
  }
  throw error;
}
