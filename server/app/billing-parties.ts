/** Who an invoice is from and to, copied into it as they are when it is issued (SPEC.md section 10). */
import type { Customer } from '../storage/commerce-repository.js';
import type { MerchantSettings } from './catalog-cache.js';

export const billTo = (c: Customer): Record<string, unknown> => ({
  name: c.name,
  email: c.email,
  country: c.country,
  type: c.type,
  vatId: c.vatId,
  address: c.address,
  locale: c.locale,
});

export const sellerOf = (settings: MerchantSettings): Record<string, unknown> | null =>
  settings.seller ? { ...settings.seller } : null;
