import type { z } from 'zod';
import { DomainError, type FieldError } from '../domain/errors.js';
import { MAX_DEPTH, textFault } from './schemas/common.js';

/**
 * JSON Pointer (RFC 6901) for a zod issue path, under `base` ('' for the body, '/query' for parameters).
 * A name that is not text Billkit takes is written with U+FFFD in its place, so the answer can be stored.
 */
export function pointer(path: readonly PropertyKey[], base = ''): string {
  return base + path.map((part) => '/' + printable(String(part)).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

const printable = (text: string) => (textFault(text) ? text.replace(/\u0000|[\ud800-\udfff]/g, (c, i: number) => (isPairAt(text, i) ? c : '\ufffd')) : text);

/** Whether the surrogate at `i` is one half of a pair. */
function isPairAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff) return (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
  if (code >= 0xdc00 && code <= 0xdfff) return (text.charCodeAt(i - 1) & 0xfc00) === 0xd800;
  return false;
}

export function fieldErrors(error: z.ZodError, base = ''): FieldError[] {
  return error.issues.map((issue) => ({ pointer: pointer(issue.path, base), detail: issue.message }));
}

/** At most this many faults of the input rules are listed: a body of a thousand NULs needs only a few. */
const MAX_FAULTS = 10;

/**
 * Where a request's value breaks the rules that hold for every route (schemas/common.ts): text anywhere,
 * names of fields included, is well-formed Unicode without NUL, and nothing nests deeper than MAX_DEPTH.
 * Fields the schema does not know count too: a body is refused whole or taken whole.
 */
export function inputFaults(value: unknown, base = ''): FieldError[] {
  const faults: FieldError[] = [];
  const path: (string | number)[] = [];
  const fault = (detail: string) => faults.push({ pointer: pointer(path, base), detail });
  const visit = (node: unknown): void => {
    if (faults.length >= MAX_FAULTS) return;
    if (typeof node === 'string') {
      const why = textFault(node);
      if (why) fault(why);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (path.length >= MAX_DEPTH) return void fault(`Nested deeper than ${MAX_DEPTH} levels.`);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && faults.length < MAX_FAULTS; i++) {
        path.push(i);
        visit(node[i]);
        path.pop();
      }
      return;
    }
    for (const key of Object.keys(node)) {
      path.push(key);
      const why = textFault(key);
      if (why) fault(`The name of this field: ${why}`);
      else visit((node as Record<string, unknown>)[key]);
      path.pop();
    }
  };
  visit(value);
  return faults;
}

/**
 * Parses with the same zod schema the OpenAPI document is generated from, after the rules every route
 * shares (inputFaults); refuses with 400 and pointers.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, base = ''): z.output<S> {
  const faults = inputFaults(input, base);
  if (faults.length > 0) throw invalid(faults);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(fieldErrors(result.error, base));
}

const invalid = (errors: FieldError[]) => new DomainError('invalid', 'validation_failed', 'The request is not valid; see errors for each field.', errors);
