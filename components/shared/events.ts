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

declare global {
  interface GlobalEventHandlersEventMap {
    'billkit-plan-select': BillkitPlanSelectEvent;
    'billkit-coupon-apply': BillkitCouponApplyEvent;
    'billkit-coupon-remove': BillkitCouponRemoveEvent;
    'billkit-cart-change': BillkitCartChangeEvent;
    'billkit-checkout-complete': BillkitCheckoutCompleteEvent;
    'billkit-payment-error': BillkitPaymentErrorEvent;
  }
}
