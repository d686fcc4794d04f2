import { z } from 'zod';
import { COUNTRY_CODES, COUNTRY_MISTAKES } from '../../domain/countries.js';

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

// ------------------------------------------------------------------ what Billkit accepts, on every route
// One rule each for text, whole numbers and dates, so that nothing a client sends reaches PostgreSQL in a
// form it refuses (which would be a 500): validate.ts applies the text and nesting rules to every request's
// body, path and query before its schema; the schemas take their numbers and dates from here.

/** A NUL, or half of a surrogate pair without its other half. */
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why Billkit refuses a piece of text, or undefined when it takes it: text is well-formed Unicode without
 * the NUL character. PostgreSQL's text refuses a NUL (22021) and its jsonb a lone surrogate (22P05).
 */
export function textFault(text: string): string | undefined {
  const bad = BAD_TEXT.exec(text);
  if (!bad) return undefined;
  return bad[0] === '\u0000'
    ? 'Text cannot contain the NUL character (U+0000).'
    : `Text must be well-formed Unicode: a lone surrogate (U+${bad[0].charCodeAt(0).toString(16).toUpperCase()}) is half a character.`;
}

/** How deeply a request's JSON may nest (Billkit's deepest input, a plan's tiers, needs 5 levels). */
export const MAX_DEPTH = 32;

/** The largest value of an integer column (PostgreSQL `integer`). */
export const INT4_MAX = 2_147_483_647;

/** A whole number from `min` to `max`; `max` defaults to what an integer column holds. */
export const wholeNumber = (min: number, max = INT4_MAX) => z.number().int().min(min).max(max);

/** The first and last instant Billkit takes: 1970 to the end of 9999 (four-digit years, as ISO 8601 writes them). */
export const EARLIEST = Date.UTC(1970, 0, 1);
export const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A date and time: ISO 8601 with Z or an offset, within EARLIEST..LATEST. */
export const Timestamp = z.iso
  .datetime({ offset: true })
  .refine((text) => {
    const at = Date.parse(text);
    return at >= EARLIEST && at <= LATEST;
  }, 'A date from 1970-01-01 to 9999-12-31 (UTC).')
  .meta({ description: 'ISO 8601 date and time with Z or an offset, from 1970 to 9999.', example: '2027-01-31T23:59:59Z' });

/** An amount: an integer number of minor units, never a float, never negative in the catalog. */
export const Amount = z
  .number()
  .int('Amounts are integers of minor units (cents), not decimals.')
  .min(0, 'Amounts cannot be negative.')
  .max(Number.MAX_SAFE_INTEGER)
  .meta({ description: 'Integer number of minor units of the currency (cents for EUR).' });

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'A currency is an ISO 4217 code in upper case, like EUR.')
  .refine((code) => ISO_CURRENCIES.has(code), 'Unknown ISO 4217 currency.')
  .meta({ description: 'ISO 4217 currency code, upper case.', example: 'EUR' });

/** ISO 3166-1 alpha-2, read in either case (de is DE), as the tax rules read it. */
export const Country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'A country is an ISO 3166-1 alpha-2 code, like DE.')
  .transform((code) => code.toUpperCase())
  .refine((code) => COUNTRY_CODES.has(code), {
    error: (issue) => {
      const code = String(issue.input).toUpperCase();
      return `${COUNTRY_MISTAKES[code] ?? `${code} is not an ISO 3166-1 alpha-2 country code`}.`;
    },
  })
  .meta({ description: "A country's ISO 3166-1 alpha-2 code (the 249 assigned and XK), in either case; EL, UK or EU are refused.", example: 'DE' });

export const Id = z.string().min(1).max(255);

/** Codes appear in URLs and cart items. */
export const Code = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Use letters, digits, dot, dash and underscore; start with a letter or digit.');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.string().min(1).max(255).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), hasMore: z.boolean(), nextCursor: z.string().nullable() });

export const FieldErrorSchema = z.object({ pointer: z.string(), detail: z.string() });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. coupon_expired.' }),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

/**
 * A buyer's VAT ID as typed. Blank counts as not given; anything else is checked by the tax rules (format,
 * checksum, the country's prefix), so a wrong one is 422 vat_id_invalid, never a 400 on its length.
 */
export const VatId = z
  .string()
  .trim()
  .max(32)
  .optional()
  .meta({ description: 'Blank counts as not given. An invalid one is refused with 422 vat_id_invalid.' });
