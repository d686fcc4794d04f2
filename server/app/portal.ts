/**
 * The customer portal's use cases (SPEC.md section 12). Every method takes the customer the portal session
 * speaks for: a subscription or invoice of anyone else is answered exactly like an unknown one (404). The
 * merchant's rules (portal-policy.ts) are checked first, then the lifecycle's own verbs do the work, so the
 * portal changes a subscription exactly as the secret-key API does.
 */
import type { Coupon } from '../domain/coupons.js';
import { determineTax, normalizeVatId } from '../domain/tax.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { PaymentProvider } from '../payments/provider.js';
import { findCustomer, findInvoice, findSubscription, listInvoices, listSubscriptions, LIVE_STATUSES, type Customer, type Subscription } from '../storage/commerce-repository.js';
import { findCoupon } from '../storage/coupon-repository.js';
import type { Db } from '../storage/db.js';
import { lockCustomer } from '../storage/billing-repository.js';
import { recordEvents } from '../storage/event-repository.js';
import type { PageRequest } from '../storage/ids.js';
import { updateCustomer, type CustomerFields } from '../storage/customer-repository.js';
import { applyCoupon } from './apply-coupon.js';
import { cancelSubscription, uncancelSubscription, type CancelInput } from './cancel.js';
import { CatalogCache, catalogFor, publicPlan, type CatalogEntry } from './catalog-cache.js';
import type { PaymentCollector } from './collect-payment.js';
import { CHANGEABLE, type ChangeRequest, type SubscriptionChangeService } from './change-subscription.js';
import type { DocumentService } from './documents.js';
import type { CreditNoteService } from './credit-invoice.js';
import { CUSTOMER_UNIQUE } from './customers.js';
import { rethrowUnique } from './errors.js';
import { pauseSubscription, resumeSubscription, type PauseInput } from './pause.js';
import { setPaymentMethod } from './payment-method.js';
import { adjustable, cancellationOf, checkChange, featureDisabled, pauseAllowed, requireFeature, retentionOfferOpen, switchTargets } from './portal-policy.js';
import type { PortalCaller, PortalSessions } from './portal-session.js';
import type { CouponCache } from './quotes.js';
import { subscriptionNotFound } from './subscription-tx.js';
import { upcomingInvoice } from './upcoming-invoice.js';
import { currentUsage } from './usage.js';
import { customerView, invoiceView, subscriptionView } from './views.js';

const invoiceNotFound = (id: string) => notFound('invoice_not_found', `No invoice ${id}.`, [{ pointer: '/path/id', detail: 'Unknown invoice.' }]);

export class PortalService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly collector: PaymentCollector,
    private readonly coupons: CouponCache,
    private readonly payments: PaymentProvider,
    private readonly sessions: PortalSessions,
    private readonly changes: SubscriptionChangeService,
    private readonly documents: DocumentService,
    private readonly creditNotes: CreditNoteService,
  ) {}

  // ------------------------------------------------------------------------------------------- customer

  async customer(customerId: string): Promise<Customer> {
    return customerView((await findCustomer(this.db, customerId))!);
  }

  /** Name, email, address, country, type, VAT ID (checked as at checkout), locale; later invoices use them. */
  async updateCustomer(customerId: string, details: Omit<CustomerFields, 'refKey' | 'metadata'>): Promise<Customer> {
    const entry = await this.cache.get();
    requireFeature(entry.settings.portal, 'billingDetails');
    const at = CatalogCache.now(entry).toISOString();
    try {
      return await this.db.transaction(async (tx) => {
        // Locked: the VAT ID is checked against the country and type the update is made on.
        const current = await lockCustomer(tx, customerId);
        const vatId = details.vatId === undefined ? current.vatId : details.vatId?.trim() ? details.vatId : null;
        const merged = { country: details.country ?? current.country, type: details.type ?? current.type, vatId };
        try {
          determineTax(entry.tax, merged);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'vat_id_invalid') {
            throw new DomainError(error.kind, error.code, error.message, [{ pointer: '/vatId', detail: error.errors?.[0]?.detail ?? 'invalid' }]);
          }
          throw error;
        }
        const customer = (await updateCustomer(tx, customerId, { ...details, ...(details.vatId !== undefined ? { vatId: vatId && normalizeVatId(vatId) } : {}) }, at))!;
        await recordEvents(tx, [{ type: 'customer.updated', object: customerView(customer) }], at);
        return customer;
      });
    } catch (error) {
      rethrowUnique(error, CUSTOMER_UNIQUE);
    }
  }

  // -------------------------------------------------------------------------------------- subscriptions

  async subscriptions(customerId: string, page: PageRequest) {
    const result = await listSubscriptions(this.db, page, { customerId });
    const entry = await this.cache.get();
    return { ...result, data: await Promise.all(result.data.map((s) => this.#detail(entry, s))) };
  }

  async subscription(customerId: string, id: string) {
    const entry = await this.cache.get();
    return this.#detail(entry, await this.#own(customerId, id));
  }

  async upcomingInvoice(customerId: string, id: string) {
    await this.#own(customerId, id);
    return upcomingInvoice(this.db, this.cache, id);
  }

  /** The subscription with its plan, its next invoice (null when none is coming) and the usage of its period so far. */
  async #detail(entry: CatalogEntry, sub: Subscription) {
    const plan = entry.planByRef.get(sub.planId)!;
    // Named in the customer's language, as their invoices are.
    const customer = await findCustomer(this.db, sub.customerId);
    const upcoming = await upcomingInvoice(this.db, this.cache, sub.id).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'invoice_upcoming_none') return null;
      throw error;
    });
    return {
      ...subscriptionView(sub, (id) => entry.planByRef.get(id)?.code ?? id),
      plan: publicPlan(plan, catalogFor(entry, customer?.locale)),
      upcomingInvoice: upcoming,
      usage: await currentUsage(this.db, this.cache, sub.id, customer?.locale),
    };
  }

  async #own(customerId: string, id: string, pointer?: string): Promise<Subscription> {
    const sub = await findSubscription(this.db, id);
    if (!sub || sub.customerId !== customerId) throw subscriptionNotFound(id, pointer);
    return sub;
  }

  async #view(sub: Subscription) {
    const entry = await this.cache.get();
    return this.#detail(entry, sub);
  }

  // ------------------------------------------------------------------------------------------- actions

  async cancel(customerId: string, id: string, input: Omit<CancelInput, 'at' | 'offerDeclined'> & { at?: CancelInput['at'] | undefined }) {
    const sub = await this.#own(customerId, id);
    const portal = (await this.cache.get()).settings.portal;
    const at = cancellationOf(portal, input);
    // The flow offers the retention coupon before it cancels: cancelling declines it, once and for all.
    const result = await cancelSubscription(this.db, this.cache, this.collector, id, { ...input, at, offerDeclined: retentionOfferOpen(portal, sub) }, this.creditNotes);
    return this.#view(result.subscription);
  }

  /**
   * A change of plan, quantities or add-ons (or its preview) within the merchant's rules; priced and made
   * exactly as the secret API's (a preview's `prorationDate` sent back charges exactly the preview).
   */
  async change(customerId: string, id: string, input: ChangeRequest) {
    const sub = await this.#own(customerId, id);
    checkChange(await this.cache.get(), sub, input);
    return this.changes.change(id, input);
  }

  async uncancel(customerId: string, id: string) {
    await this.#own(customerId, id);
    requireFeature((await this.cache.get()).settings.portal, 'cancel');
    return this.#view(await uncancelSubscription(this.db, this.cache, id));
  }

  async pause(customerId: string, id: string, input: PauseInput) {
    await this.#own(customerId, id);
    const portal = (await this.cache.get()).settings.portal;
    if (!pauseAllowed(portal)) throw featureDisabled('pause');
    const result = await pauseSubscription(this.db, this.cache, this.collector, id, { ...input, maxPeriods: portal.pause.maxPeriods });
    return this.#view(result.subscription);
  }

  async resume(customerId: string, id: string) {
    await this.#own(customerId, id);
    if (!pauseAllowed((await this.cache.get()).settings.portal)) throw featureDisabled('pause');
    const result = await resumeSubscription(this.db, this.cache, this.collector, id);
    return this.#view(result.subscription);
  }

  /** Accepts the retention offer: the configured coupon from the next invoice, instead of cancelling. */
  async acceptRetentionOffer(customerId: string, id: string) {
    await this.#own(customerId, id);
    const portal = (await this.cache.get()).settings.portal;
    requireFeature(portal, 'cancel');
    const code = portal.cancellation.retentionCoupon;
    if (code === undefined) throw featureDisabled('retentionOffer');
    return this.#view(await applyCoupon(this.db, this.cache, this.coupons, id, { code }, true));
  }

  // -------------------------------------------------------------------------------------------- invoices

  async invoices(customerId: string, page: PageRequest & { subscriptionId?: string | undefined; status?: string | undefined }) {
    requireFeature((await this.cache.get()).settings.portal, 'invoices');
    // The buyer's latest invoice first (the merchant's list, GET /v1/invoices, stays oldest first).
    const result = await listInvoices(this.db, page, { ...page, customerId }, true);
    return { ...result, data: result.data.map(invoiceView) };
  }

  async invoice(customerId: string, id: string) {
    requireFeature((await this.cache.get()).settings.portal, 'invoices');
    const invoice = await findInvoice(this.db, id);
    if (!invoice || invoice.customerId !== customerId) throw invoiceNotFound(id);
    return invoiceView(invoice);
  }

  /** The invoice's PDF, in the customer's language, as GET /v1/invoices/{id}/pdf renders it. */
  async invoicePdf(customerId: string, id: string) {
    const invoice = await this.invoice(customerId, id);
    return this.documents.invoice(invoice.id, 'pdf');
  }

  // ------------------------------------------------------------------------------------ payment methods

  /** What the payment form needs: the provider, and for Stripe a SetupIntent's client secret (one per session). */
  async paymentMethodSetup(caller: PortalCaller) {
    requireFeature((await this.cache.get()).settings.portal, 'paymentMethod');
    const customer = (await findCustomer(this.db, caller.customerId))!;
    const sub = (await this.#live(caller.customerId))[0];
    const prepared = await this.payments.prepare({
      checkoutId: `portal_${caller.sessionId}`,
      amount: 0,
      currency: sub ? (await this.cache.get()).planByRef.get(sub.planId)?.currency ?? 'EUR' : 'EUR',
      customer: { email: customer.email, name: customer.name },
      description: `New payment method for ${customer.email}`,
    });
    return {
      provider: this.payments.name,
      ...(this.payments.publishableKey ? { publishableKey: this.payments.publishableKey } : {}),
      ...(prepared.clientSecret ? { clientSecret: prepared.clientSecret } : {}),
    };
  }

  /**
   * The new default of the customer's live subscriptions (or of the one named); each one's open invoices are
   * retried at once with it, and the outcomes answered.
   */
  async setPaymentMethod(customerId: string, input: { paymentMethod: string; subscriptionId?: string | undefined }) {
    requireFeature((await this.cache.get()).settings.portal, 'paymentMethod');
    const targets = input.subscriptionId ? [await this.#own(customerId, input.subscriptionId, '/subscriptionId')] : await this.#live(customerId);
    if (targets.length === 0 || targets.some((s) => !LIVE_STATUSES.includes(s.status))) {
      throw new DomainError('conflict', 'subscription_status', 'A payment method is set on a live subscription; there is none.', [
        { pointer: input.subscriptionId ? '/subscriptionId' : '', detail: 'no live subscription' },
      ]);
    }
    const subscriptions = [];
    const payments = [];
    for (const sub of targets) {
      const result = await setPaymentMethod(this.db, this.cache, this.payments, this.collector, sub.id, input.paymentMethod);
      subscriptions.push(await this.#view(result.subscription));
      payments.push(...result.payments);
    }
    return { subscriptions, payments };
  }

  async #live(customerId: string): Promise<Subscription[]> {
    const page = await listSubscriptions(this.db, { limit: 100 }, { customerId });
    return page.data.filter((s) => LIVE_STATUSES.includes(s.status));
  }

  // ---------------------------------------------------------------------------------------- configuration

  /** Everything an element needs to know about what this customer may do, from the rules the routes enforce. */
  async configuration(caller: PortalCaller) {
    const entry = await this.cache.get();
    const portal = entry.settings.portal;
    const session = await this.sessions.get(caller.sessionId);
    const customer = (await findCustomer(this.db, caller.customerId))!;
    const subs = (await listSubscriptions(this.db, { limit: 100 }, { customerId: caller.customerId })).data;
    const code = portal.cancellation.retentionCoupon;
    const coupon = code !== undefined ? await findCoupon(this.db, code) : null;
    const plans = new Map<string, ReturnType<typeof publicPlan>>();
    // The plans are named in the portal's language.
    const catalog = catalogFor(entry, session.locale ?? customer.locale);
    const subscriptions = subs.map((sub) => {
      const plan = entry.planByRef.get(sub.planId)!;
      const targets = switchTargets(entry, sub);
      for (const p of [plan, ...targets]) plans.set(p.id, publicPlan(p, catalog));
      const live = LIVE_STATUSES.includes(sub.status);
      // What the change route takes: a paused or unpaid subscription is not changed (409), so not offered.
      const changeable = CHANGEABLE.includes(sub.status);
      return {
        id: sub.id,
        planCode: plan.code,
        status: sub.status,
        switchPlanTo: changeable ? targets.map((p) => p.code) : [],
        changeQuantity: changeable && portal.features.quantity && adjustable(plan),
        cancel: portal.features.cancel && ['trialing', 'active', 'past_due'].includes(sub.status) && !sub.cancelAtPeriodEnd,
        uncancel: portal.features.cancel && sub.cancelAtPeriodEnd && live,
        pause: pauseAllowed(portal) && ['trialing', 'active'].includes(sub.status) && sub.pausedAt === null,
        resume: pauseAllowed(portal) && sub.pausedAt !== null && live,
        retentionOffer: live && coupon !== null && retentionOfferOpen(portal, sub),
      };
    });
    return {
      customer: { id: customer.id, email: customer.email, name: customer.name, locale: customer.locale },
      merchantName: entry.settings.seller?.name ?? null,
      session: { locale: session.locale ?? customer.locale, returnUrl: session.returnUrl, flow: session.flow, expiresAt: session.expiresAt },
      payments: { provider: this.payments.name, ...(this.payments.publishableKey ? { publishableKey: this.payments.publishableKey } : {}) },
      features: { ...portal.features, pause: pauseAllowed(portal) },
      cancellation: { mode: portal.cancellation.mode, reasons: portal.cancellation.reasons, refund: entry.settings.cancellation.refund },
      pause: { maxPeriods: portal.pause.maxPeriods ?? null },
      downgrades: entry.settings.downgrades,
      retentionOffer: coupon ? offerOf(coupon) : null,
      subscriptions,
      // In the shop's order (the catalog's), as the plan picker shows them, not the current plan first.
      plans: [...entry.snapshot.plans.values()].flatMap((p) => plans.get(p.id) ?? []),
    };
  }
}

/** What the offer's wording needs ("Stay and get 20% off the next 3 months"). */
function offerOf({ code, name, type, percentage, fixedAmount, currency, frequency, numberOfPeriods }: Coupon) {
  return { couponCode: code, name, type, percentage, fixedAmount, currency, frequency, numberOfPeriods };
}
