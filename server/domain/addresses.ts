/**
 * Billing addresses (SPEC.md sections 8 and 10): the postal code's shape per country, from
 * postcode-validator (regular expressions per ISO 3166-1 country, maintained on npm). Pure.
 */
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';

/**
 * Why a postal code can't be the country's, or null when it can: required and checked where the library
 * knows the country's shape; elsewhere (countries without postal codes, or unknown to it) optional and free.
 */
export function postalCodeProblem(country: string, postalCode: string): string | null {
  const code = postalCode.trim();
  if (!postcodeValidatorExistsForCountry(country)) return null;
  if (!code) return `A postal code is required for an address in ${country}.`;
  return postcodeValidator(code, country) ? null : `This is not a postal code of ${country}.`;
}
