/**
 * EU VAT for a seller established in one EU country (SPEC.md section 4). Pure.
 *
 * Rates are integers in basis points (1900 = 19 %). Treatment is decided once per invoice from the buyer;
 * amounts are computed per rate group with the one rounding function and shown per line with the one
 * allocation function, so lines always add up to the totals.
 */
import {
  austria, belgium, bulgaria, checkVAT, croatia, cyprus, czechRepublic, denmark, estonia, finland, france,
  germany, greece, hungary, ireland, italy, latvia, lithuania, luxembourg, malta, netherlands, poland,
  portugal, romania, slovakiaRepublic, slovenia, spain, sweden, type Country,
} from 'jsvat';
import type { TaxBehavior, TaxGroup } from './catalog.js';
import { DomainError } from './errors.js';
import { allocate, mulDivRound } from './money.js';
import euVatTable from './data/eu-vat-rates.json' with { type: 'json' };

export interface VatRate {
  /** Basis points. */
  standard: number;
  /** Basis points; equals standard where the country has no reduced rate. */
  reduced: number;
  /** Prefix of the country's VAT IDs (Greece: EL). */
  vatPrefix: string;
}

export interface VatRateTable {
  about: string;
  validFrom: string;
  rates: Readonly<Record<string, VatRate>>;
}

/** The shipped table of the 27 EU countries' rates (kept with its date). */
export const EU_VAT_RATES: VatRateTable = euVatTable;

export interface TaxSettings {
  /** ISO 3166-1 alpha-2 of the seller's establishment; must be a country of `rates`. */
  homeCountry: string;
  rates: Readonly<Record<string, VatRate>>;
}

export function defaultTaxSettings(overrides: Partial<TaxSettings> = {}): TaxSettings {
  return { homeCountry: overrides.homeCountry ?? 'DE', rates: overrides.rates ?? EU_VAT_RATES.rates };
}

export type TaxTreatment = 'outside_scope' | 'domestic' | 'reverse_charge' | 'oss';

export interface TaxCustomer {
  country: string;
  type: 'individual' | 'business';
  vatId?: string | null;
}

/** How one invoice is taxed: the treatment and the rates its tax groups get. */
export interface TaxDetermination {
  treatment: TaxTreatment;
  /** Country whose rates apply (the home country, the buyer's, or the buyer's for 0-rated treatments). */
  country: string;
  /** Basis points for each product tax group. */
  standard: number;
  reduced: number;
  /** The normalized VAT ID when one was given (and found valid). */
  vatId: string | null;
}

export const reverseChargeNote =
  'Reverse charge: VAT to be accounted for by the recipient of the supply (Article 196, Council Directive 2006/112/EC).';

/** ISO 3166-1 alpha-2 -> jsvat's rules for that country (the 27 EU member states). */
const JSVAT_COUNTRIES: ReadonlyMap<string, Country> = new Map(
  [
    austria, belgium, bulgaria, croatia, cyprus, czechRepublic, denmark, estonia, finland, france, germany,
    greece, hungary, ireland, italy, latvia, lithuania, luxembourg, malta, netherlands, poland, portugal,
    romania, slovakiaRepublic, slovenia, spain, sweden,
  ].map((country) => [country.codes[0]!, country]),
);

/** Upper case without the separators people type (spaces, dots, hyphens, slashes). */
export function normalizeVatId(vatId: string): string {
  return vatId.toUpperCase().replace(/[\s.\-/]+/g, '');
}

/**
 * True when `vatId` is a VAT ID of `country` (an EU member state) with a valid format and checksum: it must
 * start with the country's vatPrefix (Greece: EL) and pass jsvat's rules for that country.
 */
export function isValidVatId(vatId: string, country: string, rates: Readonly<Record<string, VatRate>> = EU_VAT_RATES.rates): boolean {
  const rate = rates[country];
  const rules = JSVAT_COUNTRIES.get(country);
  if (rate === undefined || rules === undefined) return false;
  const normalized = normalizeVatId(vatId);
  if (!normalized.startsWith(rate.vatPrefix)) return false;
  const result = checkVAT(normalized, [rules]);
  return result.isValid && result.country?.isoCode.short === country;
}

export function isEuCountry(settings: TaxSettings, country: string): boolean {
  return Object.hasOwn(settings.rates, country);
}

/**
 * The invoice's treatment (SPEC.md section 4): outside the EU 0 % outside_scope; home country domestic;
 * a business elsewhere in the EU with a valid VAT ID 0 % reverse_charge; anyone else in the EU that
 * country's rate, oss. A VAT ID that is given (for an EU country) and invalid throws `vat_id_invalid`;
 * a VAT ID of a buyer outside the EU plays no part and is not checked.
 */
export function determineTax(settings: TaxSettings, customer: TaxCustomer): TaxDetermination {
  const home = settings.rates[settings.homeCountry];
  if (home === undefined) throw new RangeError(`home country ${settings.homeCountry} has no VAT rates`);
  const country = customer.country.toUpperCase();
  const rate = settings.rates[country];
  if (rate === undefined) {
    return { treatment: 'outside_scope', country, standard: 0, reduced: 0, vatId: null };
  }
  const given = customer.vatId != null && customer.vatId.trim() !== '' ? normalizeVatId(customer.vatId) : null;
  if (given !== null && !isValidVatId(given, country, settings.rates)) {
    throw new DomainError('unprocessable', 'vat_id_invalid', `${given} is not a valid VAT ID for ${country}`, [
      {
        pointer: '/customer/vatId',
        detail: `expected a VAT ID of ${country} starting with ${rate.vatPrefix}, with a valid checksum`,
      },
    ]);
  }
  if (country === settings.homeCountry) {
    return { treatment: 'domestic', country, standard: home.standard, reduced: home.reduced, vatId: given };
  }
  if (customer.type === 'business' && given !== null) {
    return { treatment: 'reverse_charge', country, standard: 0, reduced: 0, vatId: given };
  }
  return { treatment: 'oss', country, standard: rate.standard, reduced: rate.reduced, vatId: given };
}

/** The rate (bp) a product of `taxGroup` gets under `tax`. */
export function rateFor(tax: TaxDetermination, taxGroup: TaxGroup): number {
  return taxGroup === 'reduced' ? tax.reduced : tax.standard;
}

/** Tax on one rate group: exclusive round(net x bp / 10000); inclusive round(gross x bp / (10000 + bp)). */
export function taxOnAmount(behavior: TaxBehavior, amount: number, rate: number): number {
  if (rate === 0 || amount === 0) return 0;
  return behavior === 'exclusive' ? mulDivRound(amount, rate, 10_000) : mulDivRound(amount, rate, 10_000 + rate);
}

/**
 * An amount priced in one tax behaviour, in the terms of another (an invoice of the other behaviour: a change's
 * credit for a plan of the other behaviour, the usage of such a plan billed after a pending change). The same
 * behaviour: unchanged. Inclusive to exclusive: the net inside the gross, gross - round(gross x bp / (10000 +
 * bp)). Exclusive to inclusive: the net with its tax added, net + round(net x bp / 10000). The latter keeps
 * the gross and the tax exactly; the former keeps the net exactly, and its gross whenever a net can (README).
 */
export function inTaxBehavior(amount: number, rate: number, from: TaxBehavior, to: TaxBehavior): number {
  if (from === to) return amount;
  return from === 'inclusive' ? amount - taxOnAmount('inclusive', amount, rate) : amount + taxOnAmount('exclusive', amount, rate);
}

/**
 * Per-line taxes of one invoice. `amounts` are the lines after discount (net for exclusive, gross for
 * inclusive), `rates` their rates in bp. Lines are grouped by rate; each group's tax is computed on its sum
 * and allocated over its lines in proportion to their amounts.
 *
 * Amounts may be negative (a proration's credit lines, SPEC section 6): a negative sum gives a negative tax,
 * rounded the same way. A group whose lines are all of one sign allocates its tax by magnitude; a group with
 * both signs taxes each line on its own and gives the difference to the rate's tax to the line with the
 * largest absolute amount (the earliest on ties), so the lines still add up to the rate's tax.
 */
export function taxLines(behavior: TaxBehavior, amounts: readonly number[], rates: readonly number[]): number[] {
  const n = amounts.length;
  const taxes = new Array<number>(n).fill(0);
  const done = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    if (done[i]) continue;
    const rate = rates[i]!;
    if (rate === 0) {
      done[i] = true;
      continue;
    }
    // Collect the group of lines with this rate (invoices have a handful of lines: a scan is cheapest).
    const members: number[] = [];
    const bases: number[] = [];
    let groupSum = 0;
    for (let j = i; j < n; j++) {
      if (!done[j] && rates[j] === rate) {
        done[j] = true;
        members.push(j);
        bases.push(amounts[j]!);
        groupSum += amounts[j]!;
      }
    }
    if (!Number.isSafeInteger(groupSum)) {
      throw new DomainError('unprocessable', 'amount_out_of_range', 'invoice amounts exceed the largest safe integer');
    }
    const groupTax = taxOnAmount(behavior, groupSum, rate);
    if (members.length === 1) {
      taxes[members[0]!] = groupTax;
      continue;
    }
    let negative = false;
    let positive = false;
    for (const base of bases) {
      if (base < 0) negative = true;
      else if (base > 0) positive = true;
    }
    if (negative && positive) {
      mixedSignTaxes(behavior, rate, groupTax, members, bases, taxes);
      continue;
    }
    if (groupTax === 0) continue;
    const shares = negative ? allocate(-groupTax, bases.map((base) => -base)).map((share) => -share) : allocate(groupTax, bases);
    for (let k = 0; k < members.length; k++) taxes[members[k]!] = shares[k]!;
  }
  return taxes;
}

/** A rate group with lines of both signs: each line taxed alone, the rounding difference to the largest line. */
function mixedSignTaxes(behavior: TaxBehavior, rate: number, groupTax: number, members: number[], bases: number[], taxes: number[]): void {
  let largest = 0;
  let assigned = 0;
  for (let k = 0; k < members.length; k++) {
    const tax = taxOnAmount(behavior, bases[k]!, rate);
    taxes[members[k]!] = tax;
    assigned += tax;
    if (Math.abs(bases[k]!) > Math.abs(bases[largest]!)) largest = k;
  }
  taxes[members[largest]!]! += groupTax - assigned;
}
