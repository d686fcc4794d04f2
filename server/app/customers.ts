import { checkCustomerVatId, LIVE_SUBSCRIPTION_STATUSES, obfuscatedFields } from '../domain/customers.js';
import { conflict, DomainError, notFound } from '../domain/errors.js';
import { normalizeVatId } from '../domain/tax.js';
import * as commerce from '../storage/commerce-repository.js';
import type { Customer } from '../storage/commerce-repository.js';
import * as repo from '../storage/customer-repository.js';
import type { CustomerFields } from '../storage/customer-repository.js';
import type { Db, Tx } from '../storage/db.js';
import { recordEvents } from '../storage/event-repository.js';
import { newId, type PageRequest } from '../storage/ids.js';
import { CatalogCache } from './catalog-cache.js';
import { rethrowUnique } from './errors.js';
import { customerView, invoiceView, subscriptionView } from './views.js';

export const customerNotFound = (id: string, pointer = '/path/id') =>
  notFound('customer_not_found', `No customer ${id}.`, [{ pointer, detail: 'Unknown customer.' }]);

export const emailTaken = (pointer = '/email') =>
  conflict('customer_email_taken', 'Another customer has this email address.', [{ pointer, detail: 'Already taken by another customer.' }]);

const refKeyTaken = () =>
  conflict('ref_key_taken', 'Another customer has this refKey.', [{ pointer: '/refKey', detail: 'Already taken by another customer.' }]);

/** The 409s a customer's unique constraints stand for. */
export const CUSTOMER_UNIQUE = { customers_email_key: () => emailTaken(), customers_ref_key_key: refKeyTaken };

/** A blank VAT ID is none; otherwise stored as the tax rules read it (FR 40 303 ... -> FR40303...). */
const withVatId = (fields: CustomerFields): CustomerFields =>
  fields.vatId === undefined ? fields : { ...fields, vatId: fields.vatId?.trim() ? normalizeVatId(fields.vatId) : null };

/**
 * Customers with the secret key (SPEC.md section 13): one method per verb, each one transaction. Writes
 * record `customer.created` / `customer.updated` in the same transaction (the outbox).
 */
export class CustomerService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
  ) {}

  async #now(): Promise<string> {
    return CatalogCache.now(await this.cache.cached()).toISOString();
  }

  async create(fields: CustomerFields): Promise<Customer> {
    const at = await this.#now();
    try {
      const given = withVatId(fields);
      checkCustomerVatId(given.country!, given.vatId);
      return await this.db.transaction(async (tx) => {
        const customer = await repo.insertCustomer(tx, newId('cus'), given, at);
        await recordEvents(tx, [{ type: 'customer.created', object: customerView(customer) }], at);
        return customer;
      });
    } catch (error) {
      rethrowUnique(error, CUSTOMER_UNIQUE);
    }
  }

  async get(id: string): Promise<Customer> {
    return (await commerce.findCustomer(this.db, id)) ?? throwing(customerNotFound(id));
  }

  async getByRef(refKey: string): Promise<Customer> {
    return (await repo.findCustomerByRef(this.db, refKey)) ?? throwing(customerNotFound(refKey, '/path/refKey'));
  }

  list(page: PageRequest, filter: { refKey?: string | undefined; email?: string | undefined }) {
    return commerce.listCustomers(this.db, page, filter);
  }

  async update(id: string, fields: CustomerFields): Promise<Customer> {
    const at = await this.#now();
    try {
      const given = withVatId(fields);
      return await this.db.transaction(async (tx) => {
        const current = (await repo.lockCustomer(tx, id)) ?? throwing(customerNotFound(id));
        // A new country re-checks the VAT ID it keeps, a new VAT ID is checked against the country it will have.
        if (given.vatId !== undefined || given.country !== undefined) checkCustomerVatId(given.country ?? current.country, given.vatId === undefined ? current.vatId : given.vatId);
        const customer = (await repo.updateCustomer(tx, id, given, at))!;
        await recordEvents(tx, [{ type: 'customer.updated', object: customerView(customer) }], at);
        return customer;
      });
    } catch (error) {
      rethrowUnique(error, CUSTOMER_UNIQUE);
    }
  }

  /** Everything Billkit holds about the customer (GDPR Art. 15), as the API shows each thing. */
  async export(id: string) {
    const customer = await this.get(id);
    const entry = await this.cache.get();
    const planCode = (planId: string) => entry.planByRef.get(planId)?.code ?? planId;
    const subscriptions = await repo.subscriptionsOf(this.db, id);
    const invoices = await commerce.invoicesOf(this.db, id);
    const records = await repo.customerRecords(this.db, customer);
    return {
      exportedAt: CatalogCache.now(entry).toISOString(),
      customer: customerView(customer),
      subscriptions: subscriptions.map((s) => subscriptionView(s, planCode)),
      invoices: invoices.map(invoiceView),
      ...records,
    };
  }

  /**
   * Replaces the customer's personal data with placeholders (GDPR Art. 17), in one transaction with the
   * customer's row locked: refused with 409 `customer_live` while a subscription is live. Issued invoices
   * keep the buyer as it was (their legal retention).
   */
  async obfuscate(id: string): Promise<Customer> {
    const at = await this.#now();
    return this.db.transaction(async (tx: Tx) => {
      const before = (await repo.lockCustomer(tx, id)) ?? throwing(customerNotFound(id));
      if (await repo.hasLiveSubscription(tx, id, LIVE_SUBSCRIPTION_STATUSES))
        throw conflict('customer_live', 'The customer has a live subscription: cancel or expire it first, then obfuscate.', [
          { pointer: '/path/id', detail: `Has a subscription in one of the statuses ${LIVE_SUBSCRIPTION_STATUSES.join(', ')}.` },
        ]);
      const after = (await repo.updateCustomer(tx, id, obfuscatedFields(id), at))!;
      await repo.obfuscateTraces(tx, before, after, customerView(after));
      await recordEvents(tx, [{ type: 'customer.updated', object: customerView(after) }], at);
      return after;
    });
  }
}

export function throwing(error: DomainError): never {
  throw error;
}
