/**
 * Money (SPEC.md section 1): integer minor units with an ISO 4217 currency code. Pure.
 *
 * - `roundHalfAwayFromZero` is the ONE rounding function of the domain; every named rounding point
 *   (percentage discounts, taxes) goes through it.
 * - `allocate` is the ONE allocation function: total-preserving, largest remainders, ties to the earlier line.
 * - Products that can pass 2^53 (unit amount x quantity, base x percentage, amount x basis points) are
 *   computed in BigInt and turned back into numbers through `toSafeAmount`, which refuses what a JS number
 *   cannot hold exactly.
 */
import { DomainError } from './errors.js';

/** ISO 4217 codes in circulation with their minor-unit exponent where it is not 2. */
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF ' +
  'CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ ' +
  'GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD ' +
  'MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON ' +
  'RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS ' +
  'UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

function exponentTable(): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  const add = (codes: string, exponent: number) => {
    for (const code of codes.split(' ')) table.set(code, exponent);
  };
  add(EXPONENT_2, 2);
  add(EXPONENT_0, 0);
  add(EXPONENT_3, 3);
  add(EXPONENT_4, 4);
  return table;
}

/** Currency code -> ISO 4217 minor-unit exponent (JPY 0, EUR 2, KWD 3). */
export const CURRENCY_EXPONENTS: ReadonlyMap<string, number> = exponentTable();

/** True for an upper-case ISO 4217 code of a currency in circulation. */
export function isCurrency(code: string): boolean {
  return CURRENCY_EXPONENTS.has(code);
}

/** The currency's minor-unit exponent; throws a RangeError for an unknown code (a programming error here). */
export function minorUnitExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS.get(currency);
  if (exponent === undefined) throw new RangeError(`unknown currency ${currency}`);
  return exponent;
}

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** True for an integer amount that a JS number holds exactly (negative allowed). */
export function isSafeAmount(value: number): boolean {
  return Number.isSafeInteger(value);
}

/** True for a non-negative safe integer (a price, a quantity, a tier bound). */
export function isNonNegativeAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A BigInt result back to a number. Amounts beyond 2^53 - 1 cannot be represented exactly (nor stored as
 * a JSON number safely): that is a business rule refusal, not a crash.
 */
export function toSafeAmount(value: bigint): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    throw new DomainError('unprocessable', 'amount_out_of_range', `amount ${value} exceeds the largest safe integer`);
  }
  return Number(value);
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount ${amount} is not a safe integer`);
  if (!isCurrency(currency)) throw new RangeError(`unknown currency ${currency}`);
  return { amount, currency };
}

export function assertSameCurrency(a: string, b: string): void {
  if (a !== b) throw new RangeError(`currency mismatch: ${a} and ${b}`);
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a.currency, b.currency);
  return { amount: toSafeAmount(BigInt(a.amount) + BigInt(b.amount)), currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a.currency, b.currency);
  return { amount: toSafeAmount(BigInt(a.amount) - BigInt(b.amount)), currency: a.currency };
}

/** amount x factor, exactly (BigInt), refused beyond the safe range. */
export function multiply(amount: number, factor: number): number {
  const product = amount * factor;
  if (Number.isSafeInteger(product)) return product; // exact: both integers and the product fits in 53 bits
  return toSafeAmount(BigInt(amount) * BigInt(factor));
}

/** The sum of safe integers, refused beyond the safe range. */
export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  if (Number.isSafeInteger(total)) return total;
  let big = 0n;
  for (const value of values) big += BigInt(value);
  return toSafeAmount(big);
}

/**
 * numerator / denominator rounded half away from zero: 5/2 = 3, -5/2 = -3, 7/3 = 2.
 * The one rounding function of the domain.
 */
export function roundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = (2n * magnitude + denominator) / (2n * denominator);
  return negative ? -quotient : quotient;
}

/**
 * round(amount x multiplier / divisor), half away from zero, exactly; the result as a number.
 *
 * The same rule as `roundHalfAwayFromZero` (floor((2|n| + d) / 2d) with the sign of n), taken in number
 * arithmetic while every intermediate is a safe integer, where it is exact: integer products, sums and
 * remainders below 2^53 are exact in a double, and so is dividing a multiple of 2d by 2d. Anything larger
 * goes through BigInt. Percentage discounts and taxes on every quote land on the first path, without
 * allocating a BigInt per step.
 */
export function mulDivRound(amount: number, multiplier: number, divisor: number): number {
  const product = amount * multiplier;
  if (divisor > 0 && Number.isSafeInteger(product) && Number.isSafeInteger(amount) && Number.isSafeInteger(multiplier) && Number.isSafeInteger(divisor)) {
    const magnitude = product < 0 ? -product : product;
    const numerator = 2 * magnitude + divisor;
    const denominator = 2 * divisor;
    if (Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator)) {
      const quotient = (numerator - (numerator % denominator)) / denominator;
      return product < 0 ? 0 - quotient : quotient; // 0 - q: never -0
    }
  }
  return toSafeAmount(roundHalfAwayFromZero(BigInt(amount) * BigInt(multiplier), BigInt(divisor)));
}

/**
 * Splits `total` (a non-negative integer) over `bases` (non-negative integers) in proportion, preserving the
 * total: floor each share, then one leftover unit each to the largest remainders, ties to the earlier line.
 * A zero base gets nothing. When every base is zero only a zero total can be allocated.
 */
export function allocate(total: number, bases: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`cannot allocate ${total}`);
  const n = bases.length;
  const shares = new Array<number>(n).fill(0);
  if (total === 0) return shares;
  let baseSum = 0;
  for (let i = 0; i < n; i++) {
    const base = bases[i]!;
    if (!Number.isSafeInteger(base) || base < 0) throw new RangeError(`invalid allocation base ${base}`);
    baseSum += base;
  }
  if (baseSum === 0) throw new RangeError(`cannot allocate ${total} over zero bases`);
  const remainders = new Array<number | bigint>(n).fill(0);
  let allocated = 0;
  if (Number.isSafeInteger(baseSum) && Number.isSafeInteger(total * baseSum)) {
    // Fast path: every product total x base fits in 53 bits, so number arithmetic is exact.
    for (let i = 0; i < n; i++) {
      const product = total * bases[i]!;
      let share = Math.floor(product / baseSum);
      let remainder = product - share * baseSum;
      // Guard against the floating-point quotient landing on the wrong side of an integer.
      if (remainder < 0) {
        share -= 1;
        remainder += baseSum;
      } else if (remainder >= baseSum) {
        share += 1;
        remainder -= baseSum;
      }
      shares[i] = share;
      remainders[i] = remainder;
      allocated += share;
    }
  } else {
    const bigTotal = BigInt(total);
    let bigSum = 0n;
    for (let i = 0; i < n; i++) bigSum += BigInt(bases[i]!);
    for (let i = 0; i < n; i++) {
      const product = bigTotal * BigInt(bases[i]!);
      const share = product / bigSum;
      shares[i] = Number(share);
      remainders[i] = product - share * bigSum;
      allocated += shares[i]!;
    }
  }
  let leftover = total - allocated; // < number of non-zero bases
  if (leftover === 0) return shares;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (bases[i]! > 0) order.push(i);
  order.sort((a, b) => {
    const ra = remainders[a]!;
    const rb = remainders[b]!;
    if (ra === rb) return a - b;
    return ra > rb ? -1 : 1;
  });
  for (let k = 0; leftover > 0; k++, leftover--) shares[order[k]!]! += 1;
  return shares;
}
