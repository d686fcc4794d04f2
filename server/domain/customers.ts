/**
 * Customers the merchant links to its own users (SPEC.md section 13): metadata limits, customer sessions'
 * lifetime, what "live" means for data-privacy refusals, and the placeholders an obfuscation writes.
 */

import { unprocessable } from './errors.js';
import { EU_VAT_RATES, isValidVatId } from './tax.js';

/** Metadata is a flat map of strings: at most 50 keys of 1 to 40 characters, values of at most 500. */
export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

export type Metadata = Record<string, string>;

/** A customer session lives 30 minutes from its creation. */
export const CUSTOMER_SESSION_TTL_MS = 30 * 60 * 1000;

/** The prefix of a customer session's client secret, the only thing the browser holds. */
export const CUSTOMER_SESSION_PREFIX = 'cus_sess_';

/** Live = trialing, active, past_due, unpaid, paused (SPEC section 6). */
export const LIVE_SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'unpaid', 'paused'] as const;

/** The metadata a checkout gives its subscription: the merchant's unverified client reference, if any. */
export const checkoutMetadata = (clientReferenceId: string | null): Metadata =>
  clientReferenceId ? { clientReferenceId } : {};

/**
 * What an obfuscated customer keeps (GDPR Art. 17): its id, country, type, locale, balance and dates; its name,
 * email, address, VAT ID, metadata and refKey become placeholders. The email stays unique (it names the id)
 * and can never receive mail (`.invalid`, RFC 2606).
 */
export function obfuscatedFields(customerId: string) {
  return {
    name: 'Obfuscated customer',
    email: `obfuscated+${customerId}@obfuscated.invalid`,
    address: null,
    vatId: null,
    metadata: {} as Metadata,
    refKey: null,
  };
}

/**
 * A customer's VAT ID is checked as at checkout: in an EU country it must be that country's (format and
 * checksum), else 422 `vat_id_invalid`; elsewhere a business's tax ID is kept as given.
 */
export function checkCustomerVatId(country: string, vatId: string | null | undefined): void {
  if (!vatId || EU_VAT_RATES.rates[country] === undefined || isValidVatId(vatId, country)) return;
  throw unprocessable('vat_id_invalid', `${vatId} is not a valid VAT ID for ${country}.`, [{ pointer: '/vatId', detail: `Not a VAT ID of ${country}.` }]);
}
