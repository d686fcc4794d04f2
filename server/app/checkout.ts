import { conflict, DomainError, notFound, unprocessable } from '../domain/errors.js';
import { firstInvoiceStatus, invoiceNote, invoiceNumberPrefix, taxBreakdown } from '../domain/invoices.js';
import { addDays, addInterval } from '../domain/periods.js';
import { resolveSelection, type Cart } from '../domain/quote.js';
import { normalizeVatId } from '../domain/tax.js';
import { declinedError, type PaymentOutcome, type PaymentProvider } from '../payments/provider.js';
import * as store from '../storage/commerce-repository.js';
import { redeemCoupon } from '../storage/coupon-repository.js';
import type { Address, Customer, Invoice, Subscription } from '../storage/commerce-repository.js';
import * as checkoutStore from '../storage/checkout-repository.js';
import type { Checkout } from '../storage/checkout-repository.js';
import { pgConstraint, pgErrorCode, PG_UNIQUE_VIOLATION, type Db } from '../storage/db.js';
import { newId, newSecretId } from '../storage/ids.js';
import { recordEvents } from '../storage/event-repository.js';
import { billTo, sellerOf } from './billing-parties.js';
import { invoiceView, subscriptionView } from './views.js';
import { CatalogCache } from './catalog-cache.js';
import type { CouponCache, QuoteService } from './quotes.js';
import { checkoutMetadata } from '../domain/customers.js';
import { DEFAULT_LOCALE, type CatalogLocale } from '../domain/translations.js';
import { emailTaken } from './customers.js';
import type { CustomerSessionService } from './customer-sessions.js';
import type { SessionPrefill } from '../storage/customer-repository.js';

/** How the merchant ties a checkout to its user: a customer session (verified) or a client reference (not). */
export interface CheckoutLink {
  customerSession?: string | undefined;
  clientReferenceId?: string | undefined;
}

export interface Buyer {
  email: string;
  name: string;
  country: string;
  type: 'individual' | 'business';
  vatId?: string | undefined;
  address?: Address | undefined;
  locale?: 'en' | 'de' | undefined;
}

export type ConfirmResult =
  | { status: 'complete'; customer: Customer; subscription: Subscription; invoice: Invoice }
  | { status: 'requires_action'; checkoutId: string; reason: string; clientSecret?: string };

/** A confirmation whose transaction wrote the first invoice, before the commit gave it its number. */
type Issued = { status: 'issued'; customer: Customer; subscription: Subscription; invoice: Invoice };

const subscriptionExists = () =>
  conflict(
    'subscription_exists',
    'This customer already has a live subscription in this product family; a second one cannot be started.',
    [{ pointer: '/customer/email', detail: 'Has a live subscription in this family.' }],
  );

const refundSentence = (refund: { refundId: string } | null) =>
  refund ? 'The payment was refunded in full.' : 'Nothing was charged: the saved payment method will not be used.';

const refundView = (checkout: Checkout, refund: { refundId: string } | null) =>
  refund ? { id: refund.refundId, amount: checkout.amountDue, currency: checkout.currency } : null;

/** A paid checkout that was refused and refunded: it cannot be completed any more. */
const checkoutRefunded = (checkout: Checkout, refund: { refundId: string } | null) =>
  new DomainError(
    'conflict',
    'checkout_refunded',
    `This checkout could not be completed after its payment (${checkout.refusalCode ?? 'refused'}). ${refundSentence(refund)} Start a new checkout.`,
    undefined,
    { refusalCode: checkout.refusalCode, refund: refundView(checkout, refund) },
  );

/** Whether a confirmation's failure is a paid checkout's refusal that ended in a refund (webhooks ack these). */
export const endedInRefund = (error: unknown): boolean =>
  error instanceof DomainError && (error.code === 'checkout_refunded' || (error.extra !== undefined && 'refund' in error.extra));

const sessionDefaults = ({ address, locale }: SessionPrefill): Partial<Buyer> => ({
  ...(address ? { address } : {}),
  ...(locale === 'en' || locale === 'de' ? { locale } : {}),
});

class RequiresAction extends Error {
  constructor(readonly reason: string, readonly clientSecret?: string) {
    super('requires_action');
  }
}

/**
 * Checkout: create (price + prepare payment) and confirm (pay + customer + subscription + first invoice +
 * redemption, all in one transaction). The amount charged is always the stored quote's total.
 */
export class CheckoutService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly quotes: QuoteService,
    private readonly payments: PaymentProvider,
    private readonly coupons: CouponCache,
    private readonly sessions: CustomerSessionService,
  ) {}

  /**
   * With a customer session the checkout is that session's customer's: its email replaces the one sent, and
   * the live-subscription check asks about that customer, not about whoever has the typed email.
   */
  /**
   * `requestLocale`: the language the request named (?locale=, Accept-Language), the buyer's when neither
   * the form nor the session says one. The quote's lines, and so the first invoice's, are in the buyer's.
   */
  async create(cart: Cart, given: Buyer, link: CheckoutLink = {}, requestLocale?: CatalogLocale) {
    const session = link.customerSession ? await this.sessions.resolve(link.customerSession) : null;
    const email = session ? await this.sessions.emailOf(session) : given.email.toLowerCase();
    const who = !session ? { email } : session.customerId ? { id: session.customerId } : { refKey: session.refKey! };
    // What the form did not send (an address, a language), the session's prefill gives.
    const { vatId: typed, ...rest } = session ? { ...sessionDefaults(session.prefill), ...given } : given;
    // A blank VAT ID is no VAT ID. Otherwise it is priced as typed (the tax rules check it; a wrong one is
    // refused) and stored as they read it: FR 40 303 265 045 -> FR40303265045.
    const vatId = typed?.trim() ? typed : undefined;
    const locale = rest.locale ?? requestLocale;
    const buyer: Buyer = {
      ...rest,
      ...(locale ? { locale } : {}),
      email,
      ...(vatId !== undefined ? { vatId: normalizeVatId(vatId) } : {}),
      // The billing address is in the buyer's country (the one the tax is decided by): say so on it.
      ...(rest.address ? { address: { ...rest.address, country: rest.country } } : {}),
    };
    const { quote, entry } = await this.quotes.quote(
      { ...cart, customer: { email, country: buyer.country, type: buyer.type, ...(vatId !== undefined ? { vatId } : {}) } },
      buyer.locale,
    );
    const plan = entry.snapshot.plans.get(quote.plan)!;
    if (await store.liveSubscriptionIn(this.db, who, plan.familyId ?? plan.id)) throw subscriptionExists();
    const id = newSecretId('co');
    const amount = quote.dueToday.total;
    const prepared = await this.payments.prepare({
      checkoutId: id,
      amount,
      currency: quote.currency,
      customer: { email, name: buyer.name },
      description: `${plan.name} (${plan.code})`,
    });
    const checkout = await checkoutStore.insertCheckout(this.db, {
      id,
      status: 'open',
      cart: { ...cart },
      buyer: { ...buyer, email },
      quote,
      planId: plan.id,
      amountDue: amount,
      currency: quote.currency,
      paymentProvider: this.payments.name,
      paymentIntentId: prepared.intentId ?? null,
      customerSessionId: session?.id ?? null,
      clientReferenceId: link.clientReferenceId ?? null,
    });
    return {
      id: checkout.id,
      status: checkout.status,
      locale: buyer.locale ?? DEFAULT_LOCALE,
      quote,
      payment: {
        provider: this.payments.name,
        intentType: prepared.intentType,
        ...(this.payments.publishableKey ? { publishableKey: this.payments.publishableKey } : {}),
        ...(prepared.clientSecret ? { clientSecret: prepared.clientSecret } : {}),
      },
    };
  }

  async get(id: string): Promise<Checkout> {
    const checkout = await checkoutStore.findCheckout(this.db, id);
    if (!checkout) throw notFound('checkout_not_found', `No checkout ${id}.`, [{ pointer: '/path/id', detail: 'Unknown checkout.' }]);
    return checkout;
  }

  /**
   * Confirms a checkout. In one transaction: lock the checkout, create or reuse the customer, create the
   * subscription (the unique index refuses a second live one per family), redeem the coupon (conditional
   * updates hold every limit), take the payment, write the invoice (numbered as the transaction commits),
   * complete the checkout. A decline or a refusal rolls everything back; `requires_action` rolls back and
   * marks the checkout.
   *
   * Where the browser pays before the BFF hears of it (Stripe), the payment's outcome is read first, outside
   * the transaction (no provider call while rows are locked). A checkout refused after its payment went
   * through (the coupon ran out, the buyer subscribed in another tab meanwhile) is marked `refunded` and its
   * payment given back in full; the refusal's problem says so.
   */
  async confirm(id: string, input: { paymentMethod: string; authenticated?: boolean | undefined }): Promise<ConfirmResult> {
    if (this.payments.charges === 'on_confirm') return this.#complete(id, input, null);
    const checkout = await this.get(id);
    if (checkout.status === 'complete') return this.#complete(id, input, null);
    if (checkout.status === 'refunded') {
      // A refund that failed last time (the provider was unreachable) is retried; the same one otherwise.
      const refund = checkout.refundId ? { refundId: checkout.refundId } : await this.#refund(checkout, checkout.paymentId!, checkout.amountDue, checkout.refusalCode!);
      throw checkoutRefunded(checkout, refund);
    }
    const outcome = await this.#pay(checkout, input);
    if (outcome.status === 'declined') throw declinedError(outcome);
    if (outcome.status === 'requires_action') return this.#requiresAction(id, new RequiresAction(outcome.reason, outcome.clientSecret));
    try {
      return await this.#complete(id, input, outcome);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.kind !== 'conflict' && error.kind !== 'unprocessable')) throw error;
      // A twin confirmation refused and marked it meanwhile: answer as for any refunded checkout.
      if (error.code === 'checkout_refunded') return this.confirm(id, input);
      // Mark first: once marked, nothing completes this checkout, so the refund can't race a completion.
      if (!(await checkoutStore.markCheckoutRefunded(this.db, id, outcome.paymentId, error.code))) return this.#complete(id, input, null);
      const refund = await this.#refund(checkout, outcome.paymentId, outcome.amount, error.code);
      throw new DomainError(error.kind, error.code, `${error.message} ${refundSentence(refund)}`, error.errors, {
        ...error.extra,
        refund: refundView(checkout, refund),
      });
    }
  }

  /** Asks the provider for the checkout's stored amount (never a figure from the request). */
  #pay(checkout: Checkout, input: { paymentMethod: string; authenticated?: boolean | undefined }): Promise<PaymentOutcome> {
    return this.payments.confirm({
      checkoutId: checkout.id,
      intentId: checkout.paymentIntentId,
      amount: checkout.amountDue,
      currency: checkout.currency,
      paymentMethod: input.paymentMethod,
      ...(input.authenticated ? { authenticated: true } : {}),
    });
  }

  async #refund(checkout: Checkout, paymentId: string, amount: number, reason: string): Promise<{ refundId: string } | null> {
    const refund = await this.payments.refund({ checkoutId: checkout.id, paymentId, amount, currency: checkout.currency, reason });
    await checkoutStore.recordCheckoutRefund(this.db, checkout.id, refund?.refundId ?? null);
    return refund;
  }

  async #requiresAction(id: string, action: RequiresAction): Promise<ConfirmResult> {
    await checkoutStore.markCheckoutRequiresAction(this.db, id);
    return { status: 'requires_action', checkoutId: id, reason: action.reason, ...(action.clientSecret ? { clientSecret: action.clientSecret } : {}) };
  }

  /** The transaction. `paid`: the outcome already read from a `before_confirm` provider; null: charge now. */
  async #complete(
    id: string,
    input: { paymentMethod: string; authenticated?: boolean | undefined },
    paid: Extract<PaymentOutcome, { status: 'succeeded' }> | null,
  ): Promise<ConfirmResult> {
    const entry = await this.cache.cached();
    let redeemed = false;
    try {
      const result = await this.db.transaction(async (tx): Promise<ConfirmResult | Issued> => {
        redeemed = false;
        const checkout = await checkoutStore.findCheckout(tx, id, { lock: true });
        if (!checkout) throw notFound('checkout_not_found', `No checkout ${id}.`, [{ pointer: '/path/id', detail: 'Unknown checkout.' }]);
        if (checkout.status === 'complete') return this.#completed(tx, checkout);
        if (checkout.status === 'refunded') throw checkoutRefunded(checkout, checkout.refundId ? { refundId: checkout.refundId } : null);
        const now = CatalogCache.now(entry);
        const at = now.toISOString();
        const { quote, buyer } = checkout;
        const plan = entry.planByRef.get(checkout.planId);
        if (!plan) throw unprocessable('plan_not_available', 'The plan of this checkout no longer exists.');

        const selection = resolveSelection(entry.snapshot, { ...(checkout.cart as unknown as Cart) }).charges;
        const trialEnd = plan.trialDays > 0 ? addDays(now, plan.trialDays) : null;
        const periodEnd = trialEnd ?? addInterval(now, plan.interval);
        const couponValid = quote.coupon?.valid === true;
        const target = checkout.customerSessionId ? await this.sessions.spend(tx, checkout.customerSessionId, checkout.id, at) : undefined;
        const { customer, subscription, created } = await store.createCustomerAndSubscription(
          tx,
          { email: buyer.email, name: buyer.name, country: buyer.country, type: buyer.type, vatId: buyer.vatId ?? null, address: buyer.address ?? null, locale: buyer.locale },
          {
            id: newId('sub'),
            planId: plan.id,
            familyKey: plan.familyId ?? plan.id,
            status: trialEnd ? 'trialing' : 'active',
            items: selection.map((s) => ({ chargeId: s.charge.id, quantity: s.quantity })),
            couponId: null,
            periodsBilled: trialEnd ? 0 : 1,
            currentPeriodStart: at,
            currentPeriodEnd: periodEnd.toISOString(),
            trialEnd: trialEnd?.toISOString() ?? null,
            checkoutId: checkout.id,
            // Period 1 starts now; with a trial, at the trial's end (the trial is period 0).
            anchor: (trialEnd ?? now).toISOString(),
            anchorPeriods: trialEnd ? 0 : 1,
            defaultPaymentMethod: null,
            metadata: checkoutMetadata(checkout.clientReferenceId),
          },
          target,
        );

        if (couponValid) {
          const coupon = await tx.query<{ id: string }>(
            `select c.id from coupon_codes cc join coupons c on c.id = cc.coupon_id where cc.code = $1`,
            [quote.coupon!.code],
          );
          const couponId = coupon.rows[0]?.id;
          const refused = couponId
            ? await redeemCoupon(tx, { couponId, code: quote.coupon!.code, customerId: customer.id, customerEmail: customer.email, checkoutId: checkout.id, at })
            : 'coupon_exhausted';
          if (refused)
            throw new DomainError('conflict', refused, 'The coupon can no longer be redeemed for this checkout. Start a new checkout without it or with another code.', [
              { pointer: '/couponCode', detail: refused },
            ]);
          redeemed = true;
          subscription.couponId = couponId!;
          subscription.couponCode = quote.coupon!.code;
        }

        const outcome = paid ?? (await this.#pay(checkout, input));
        if (outcome.status === 'declined') throw declinedError(outcome);
        if (outcome.status === 'requires_action') throw new RequiresAction(outcome.reason, outcome.clientSecret);

        if (outcome.savedMethod) subscription.defaultPaymentMethod = { provider: this.payments.name, ...outcome.savedMethod };
        const status = firstInvoiceStatus(quote.dueToday, outcome.amount);
        const draft: store.NewInvoice = {
          id: newId('inv'),
          series: invoiceNumberPrefix(now.getUTCFullYear()),
          customerId: customer.id,
          subscriptionId: subscription.id,
          kind: 'checkout',
          status,
          currency: quote.currency,
          ...quote.dueToday,
          balanceApplied: 0,
          amountDue: quote.dueToday.total,
          amountPaid: outcome.amount,
          taxTreatment: quote.taxTreatment,
          taxBehavior: quote.taxBehavior,
          taxBreakdown: taxBreakdown(quote.lines, quote.taxBehavior),
          note: invoiceNote(quote.taxTreatment),
          billTo: billTo(customer),
          seller: sellerOf(entry.settings),
          periodStart: at,
          periodEnd: periodEnd.toISOString(),
          issuedAt: at,
          dueAt: at,
          paidAt: status === 'paid' ? at : null,
          voidedAt: null,
          paymentId: outcome.paymentId,
          nextAttemptAt: null,
          lines: quote.lines.map((line) => ({
            ...line,
            id: newId('il'),
            periodStart: line.type === 'one_time' ? null : at,
            periodEnd: line.type === 'one_time' ? null : periodEnd.toISOString(),
          })),
        };
        await store.issueFirstInvoice(tx, draft, {
          checkoutId: checkout.id,
          paymentId: outcome.paymentId,
          at,
          couponId: subscription.couponId,
          couponCode: subscription.couponCode,
          paymentMethod: subscription.defaultPaymentMethod,
        });
        const { series: _series, ...issued } = draft;
        const invoice: Invoice = { ...issued, number: '', attempts: [] };
        const planCode = (planId: string) => entry.planByRef.get(planId)?.code ?? planId;
        const sub = subscriptionView(subscription, planCode);
        await recordEvents(
          tx,
          [
            { type: created ? 'customer.created' : 'customer.updated', object: customer },
            { type: 'subscription.created', object: sub },
            { type: 'invoice.finalized', object: invoiceView(invoice) },
            ...(status === 'paid' ? [{ type: 'invoice.paid' as const, object: invoiceView(invoice) }] : []),
            {
              type: 'checkout.completed',
              object: {
                id: checkout.id, customerId: customer.id, subscriptionId: subscription.id, invoiceId: draft.id, amountTotal: quote.dueToday.total,
                currency: quote.currency, clientReferenceId: checkout.clientReferenceId,
              },
            },
          ],
          at,
        );
        return { status: 'issued', customer, subscription, invoice };
      });
      if (result.status !== 'issued') return result;
      // The invoice's number is taken as the transaction commits (migration 0004).
      const number = await store.invoiceNumber(this.db, result.invoice.id);
      return { ...result, status: 'complete', invoice: { ...result.invoice, number } };
    } catch (error) {
      redeemed = false;
      if (error instanceof RequiresAction) return this.#requiresAction(id, error);
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION && pgConstraint(error) === 'subscriptions_one_live_per_family') throw subscriptionExists();
      // A session's new customer whose email another customer took meanwhile.
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION && pgConstraint(error) === 'customers_email_key') throw emailTaken('/customer/email');
      throw error;
    } finally {
      if (redeemed) this.coupons.invalidate();
    }
  }

  async #completed(tx: Parameters<Parameters<Db['transaction']>[0]>[0], checkout: Checkout): Promise<ConfirmResult> {
    const customer = await store.findCustomer(tx, checkout.customerId!);
    const subscription = await store.findSubscription(tx, checkout.subscriptionId!);
    const invoice = await store.findInvoice(tx, checkout.invoiceId!);
    return { status: 'complete', customer: customer!, subscription: subscription!, invoice: invoice! };
  }
}
