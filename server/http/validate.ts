import type { z } from 'zod';
import { DomainError, type FieldError } from '../domain/errors.js';

/** JSON Pointer (RFC 6901) for a zod issue path, under `base` ('' for the body, '/query' for parameters). */
export function pointer(path: readonly PropertyKey[], base = ''): string {
  return base + path.map((part) => '/' + String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function fieldErrors(error: z.ZodError, base = ''): FieldError[] {
  return error.issues.map((issue) => ({ pointer: pointer(issue.path, base), detail: issue.message }));
}

/** Parses with the same zod schema the OpenAPI document is generated from; refuses with 400 and pointers. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, base = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DomainError('invalid', 'validation_failed', 'The request is not valid; see errors for each field.', fieldErrors(result.error, base));
}
