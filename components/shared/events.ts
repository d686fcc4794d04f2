/**
 * The events Billkit elements dispatch. All bubble and cross shadow roots (composed);
 * the ones the host page may veto are cancelable (call preventDefault()).
 * Nothing is dispatched when a property is set from code: only buyer actions emit.
 */
import type { CartRequest, Interval } from './types.js';

const init = <T>(detail: T, cancelable: boolean): CustomEventInit<T> => ({
  detail,
  bubbles: true,
  composed: true,
  cancelable,
});

export interface PlanSelectDetail {
  /** The chosen plan's code. */
  plan: string;
  interval: Interval;
  currency: string;
}
/** The buyer chose a plan. Cancelable: preventDefault() keeps the previous choice (and stays on the page). */
export class BillkitPlanSelectEvent extends CustomEvent<PlanSelectDetail> {
  static readonly eventName = 'billkit-plan-select';
  constructor(detail: PlanSelectDetail) {
    super(BillkitPlanSelectEvent.eventName, init(detail, true));
  }
}

export interface CouponDetail {
  code: string;
}
/** The buyer asked to apply a coupon code. Cancelable: preventDefault() stops the request. */
export class BillkitCouponApplyEvent extends CustomEvent<CouponDetail> {
  static readonly eventName = 'billkit-coupon-apply';
  constructor(detail: CouponDetail) {
    super(BillkitCouponApplyEvent.eventName, init(detail, true));
  }
}

/** The buyer removed the applied coupon. */
export class BillkitCouponRemoveEvent extends CustomEvent<CouponDetail> {
  static readonly eventName = 'billkit-coupon-remove';
  constructor(detail: CouponDetail) {
    super(BillkitCouponRemoveEvent.eventName, init(detail, false));
  }
}

export interface CartChangeDetail {
  cart: CartRequest;
}
/** The buyer changed a quantity or an add-on in the cart. */
export class BillkitCartChangeEvent extends CustomEvent<CartChangeDetail> {
  static readonly eventName = 'billkit-cart-change';
  constructor(detail: CartChangeDetail) {
    super(BillkitCartChangeEvent.eventName, init(detail, false));
  }
}

export interface CheckoutCompleteDetail {
  checkoutId: string;
  customerId: string;
  subscriptionId: string;
  invoiceId: string;
  invoiceNumber?: string;
}
/** The payment went through: the subscription and its first invoice exist. */
export class BillkitCheckoutCompleteEvent extends CustomEvent<CheckoutCompleteDetail> {
  static readonly eventName = 'billkit-checkout-complete';
  constructor(detail: CheckoutCompleteDetail) {
    super(BillkitCheckoutCompleteEvent.eventName, init(detail, false));
  }
}

export interface PaymentErrorDetail {
  /** A stable code: payment_declined, authentication_failed, subscription_exists, card_invalid, ... */
  code: string;
  checkoutId?: string;
}
/** A payment attempt failed; the form shows why and lets the buyer retry. */
export class BillkitPaymentErrorEvent extends CustomEvent<PaymentErrorDetail> {
  static readonly eventName = 'billkit-payment-error';
  constructor(detail: PaymentErrorDetail) {
    super(BillkitPaymentErrorEvent.eventName, init(detail, false));
  }
}

// The portal's events (<billkit-portal> and its parts). Each names the subscription or invoice by id.

export interface PortalSignInDetail {
  /** When the session ends (ISO 8601). */
  expiresAt: string;
}
/** The buyer signed in with the emailed code; the portal now shows their account. */
export class BillkitPortalSignInEvent extends CustomEvent<PortalSignInDetail> {
  static readonly eventName = 'billkit-portal-sign-in';
  constructor(detail: PortalSignInDetail) {
    super(BillkitPortalSignInEvent.eventName, init(detail, false));
  }
}

/** The buyer signed out (the token is revoked), or the session expired. */
export class BillkitPortalSignOutEvent extends CustomEvent<{ reason: 'signed_out' | 'expired' }> {
  static readonly eventName = 'billkit-portal-sign-out';
  constructor(detail: { reason: 'signed_out' | 'expired' }) {
    super(BillkitPortalSignOutEvent.eventName, init(detail, false));
  }
}

export interface SubscriptionChangeDetail {
  subscriptionId: string;
  /** The plan code after the change. */
  plan: string;
  /** The adjustable charges' quantity after the change, when it is one number. */
  quantity?: number;
  /** The add-ons (charge ids) after the change, when the plan has any. */
  addOns?: string[];
  /** When it takes effect: now (invoiced at once) or at the period's end. */
  effective: 'now' | 'period_end';
  /** What the preview said is due now (minor units), 0 for a change at the period's end. */
  amountDue: number;
  currency: string;
}
/**
 * The buyer confirmed a plan or quantity change, after seeing its preview. Cancelable: preventDefault()
 * stops it before anything is charged.
 */
export class BillkitSubscriptionChangeEvent extends CustomEvent<SubscriptionChangeDetail> {
  static readonly eventName = 'billkit-subscription-change';
  constructor(detail: SubscriptionChangeDetail) {
    super(BillkitSubscriptionChangeEvent.eventName, init(detail, true));
  }
}

export interface SubscriptionCancelDetail {
  subscriptionId: string;
  /** At the period's end, or now. */
  at: 'period_end' | 'now';
  /** One of SPEC's eight reasons, when the buyer gave one. */
  reason?: string;
}
/** The buyer confirmed the cancellation. Cancelable: preventDefault() keeps the subscription as it is. */
export class BillkitSubscriptionCancelEvent extends CustomEvent<SubscriptionCancelDetail> {
  static readonly eventName = 'billkit-subscription-cancel';
  constructor(detail: SubscriptionCancelDetail) {
    super(BillkitSubscriptionCancelEvent.eventName, init(detail, true));
  }
}

export type SubscriptionAction = 'changed' | 'cancelled' | 'uncancelled' | 'paused' | 'resumed' | 'offer_accepted';
export interface SubscriptionUpdateDetail {
  subscriptionId: string;
  action: SubscriptionAction;
  /** The subscription's status after it. */
  status: string;
}
/** A subscription changed through the portal (done: the server answered). */
export class BillkitSubscriptionUpdateEvent extends CustomEvent<SubscriptionUpdateDetail> {
  static readonly eventName = 'billkit-subscription-update';
  constructor(detail: SubscriptionUpdateDetail) {
    super(BillkitSubscriptionUpdateEvent.eventName, init(detail, false));
  }
}

export interface PaymentMethodUpdateDetail {
  /** The new default payment method's id. */
  paymentMethod: string;
  /** Open invoices retried with it: how many were paid and how many declined. */
  paid: number;
  declined: number;
}
/** The buyer saved a new payment method (and open invoices were retried with it). */
export class BillkitPaymentMethodUpdateEvent extends CustomEvent<PaymentMethodUpdateDetail> {
  static readonly eventName = 'billkit-payment-method-update';
  constructor(detail: PaymentMethodUpdateDetail) {
    super(BillkitPaymentMethodUpdateEvent.eventName, init(detail, false));
  }
}

/** The buyer saved their billing details (name, email, address, type, VAT ID). */
export class BillkitBillingDetailsUpdateEvent extends CustomEvent<{ customerId: string }> {
  static readonly eventName = 'billkit-billing-details-update';
  constructor(detail: { customerId: string }) {
    super(BillkitBillingDetailsUpdateEvent.eventName, init(detail, false));
  }
}

/** The buyer downloaded an invoice's PDF. */
export class BillkitInvoiceDownloadEvent extends CustomEvent<{ invoiceId: string; number: string | null }> {
  static readonly eventName = 'billkit-invoice-download';
  constructor(detail: { invoiceId: string; number: string | null }) {
    super(BillkitInvoiceDownloadEvent.eventName, init(detail, false));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'billkit-plan-select': BillkitPlanSelectEvent;
    'billkit-coupon-apply': BillkitCouponApplyEvent;
    'billkit-coupon-remove': BillkitCouponRemoveEvent;
    'billkit-cart-change': BillkitCartChangeEvent;
    'billkit-checkout-complete': BillkitCheckoutCompleteEvent;
    'billkit-payment-error': BillkitPaymentErrorEvent;
    'billkit-portal-sign-in': BillkitPortalSignInEvent;
    'billkit-portal-sign-out': BillkitPortalSignOutEvent;
    'billkit-subscription-change': BillkitSubscriptionChangeEvent;
    'billkit-subscription-cancel': BillkitSubscriptionCancelEvent;
    'billkit-subscription-update': BillkitSubscriptionUpdateEvent;
    'billkit-payment-method-update': BillkitPaymentMethodUpdateEvent;
    'billkit-billing-details-update': BillkitBillingDetailsUpdateEvent;
    'billkit-invoice-download': BillkitInvoiceDownloadEvent;
  }
}
