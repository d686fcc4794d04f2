/**
 * Billing addresses in the browser: the postal code's shape per country from postcode-validator (the same
 * library and rule as the BFF's), so a typo is said at the field before the checkout is asked for. Pure.
 */
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';

export interface Address {
  line1: string;
  line2: string;
  postalCode: string;
  city: string;
}

export type PostalCodeCheck = 'empty' | 'valid' | 'invalid' | 'free';

/**
 * Whether a postal code has the country's shape (as typed, case aside). `free`: the library knows no shape
 * for the country (it may have no postal codes), so any or none is taken.
 */
export function checkPostalCode(country: string, postalCode: string): PostalCodeCheck {
  const code = postalCode.trim().toUpperCase();
  if (!postcodeValidatorExistsForCountry(country)) return 'free';
  if (!code) return 'empty';
  return postcodeValidator(code, country) ? 'valid' : 'invalid';
}

/** Whether any part of the address was given (an individual who starts one finishes it). */
export const addressStarted = (a: Address): boolean => Boolean(a.line1.trim() || a.line2.trim() || a.postalCode.trim() || a.city.trim());

/** The address as the BFF takes it: trimmed, line 2 and a free postal code only when given. */
export function addressPayload(a: Address, country: string): Record<string, string> {
  return {
    line1: a.line1.trim(),
    ...(a.line2.trim() ? { line2: a.line2.trim() } : {}),
    ...(a.postalCode.trim() ? { postalCode: a.postalCode.trim().toUpperCase() } : {}),
    city: a.city.trim(),
    country,
  };
}
