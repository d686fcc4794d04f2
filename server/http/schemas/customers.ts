import { z } from 'zod';
import { METADATA_LIMITS as L } from '../../domain/customers.js';
import { Address, BuyerFields, Customer, Invoice, Subscription } from './checkout.js';
import { Country, Id, PageQuery } from './common.js';

/** Flat string map; past a limit, the pointer names the key (`/metadata/plan`) or the map (too many keys). */
export const Metadata = z
  .record(
    z.string().min(1, 'Keys are not empty.').max(L.keyLength, `Keys have at most ${L.keyLength} characters.`),
    z.string().max(L.valueLength, `Values have at most ${L.valueLength} characters.`),
  )
  .refine((m) => Object.keys(m).length <= L.keys, `At most ${L.keys} keys.`)
  .meta({ id: 'Metadata', description: `Your own data: at most ${L.keys} keys of ${L.keyLength} characters, string values of ${L.valueLength}.` });

export const RefKey = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .meta({ description: "Your own id for the customer (your user's or account's id); unique when set." });

const Locale = z.enum(['en', 'de']);

export const CustomerCreate = z
  .object({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(200),
    country: Country,
    type: z.enum(['individual', 'business']).default('individual'),
    vatId: z.string().trim().max(32).nullable().optional(),
    address: Address.nullable().optional(),
    locale: Locale.optional(),
    refKey: RefKey.nullable().optional(),
    metadata: Metadata.optional(),
  })
  .meta({ id: 'CustomerCreate' });

export const CustomerPatch = CustomerCreate.partial()
  .extend({ type: z.enum(['individual', 'business']).optional() })
  .meta({ id: 'CustomerPatch', description: 'Only the fields given change; metadata is replaced whole; null clears refKey, vatId, address.' });

export const CustomerQuery = PageQuery.extend({ refKey: z.string().min(1).max(255).optional(), email: z.string().min(1).max(254).optional() });

export const RefKeyParam = z.object({ refKey: RefKey });

export const CustomerSessionInput = z
  .object({
    customerId: Id.optional(),
    refKey: RefKey.optional(),
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    country: Country.optional(),
    type: z.enum(['individual', 'business']).optional(),
    vatId: z.string().trim().max(32).optional(),
    address: Address.optional(),
    locale: Locale.optional(),
  })
  .refine((s) => (s.customerId === undefined) !== (s.refKey === undefined), { message: 'Give customerId or refKey (one of them).', path: ['customerId'] })
  .meta({ id: 'CustomerSessionInput', description: 'An existing customer (customerId, or the refKey of one), or a new one: a refKey no customer has, with its email.' });

export const CustomerSession = z
  .object({
    clientSecret: z.string().meta({ description: 'cus_sess_...: put it on <billkit-checkout customer-session="...">. Shown once.' }),
    expiresAt: z.string(),
    customerId: z.string().nullable().meta({ description: 'null until the checkout creates the new customer.' }),
    refKey: z.string().nullable(),
  })
  .meta({ id: 'CustomerSession' });

export const SESSION_HEADER = 'Billkit-Customer-Session';

export const SessionPrefill = BuyerFields.partial()
  .extend({ customerId: z.string().nullable(), expiresAt: z.string() })
  .meta({ id: 'CustomerSessionPrefill', description: "What the checkout prefills; the email is fixed." });

export const CustomerExport = z
  .object({
    exportedAt: z.string(),
    customer: Customer,
    subscriptions: z.array(Subscription),
    invoices: z.array(Invoice),
    checkouts: z.array(z.record(z.string(), z.unknown())),
    usage: z.array(z.record(z.string(), z.unknown())),
    events: z.array(z.object({ id: z.string(), type: z.string(), createdAt: z.string(), data: z.unknown() })),
  })
  .meta({ id: 'CustomerExport' });

export const SubscriptionPatch = z.object({ metadata: Metadata }).meta({ id: 'SubscriptionPatch' });
