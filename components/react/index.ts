/**
 * React wrappers for the Billkit elements, made with @lit/react: properties are set as properties,
 * and events are props (onPlanSelect, onCouponApply, ...). Importing this module registers the elements.
 *
 *   import { BillkitCheckout } from 'billkit/react';
 *   <BillkitCheckout api="https://billing.example.com" publishableKey="pk_..." plan="pro-monthly"
 *     onCheckoutComplete={(e) => router.push(`/thanks/${e.detail.subscriptionId}`)} />
 */
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import { BillkitPlanPicker as PlanPickerElement } from '../plan-picker/plan-picker.js';
import { BillkitCart as CartElement } from '../cart/cart.js';
import { BillkitCouponEntry as CouponEntryElement } from '../coupon-entry/coupon-entry.js';
import { BillkitPaymentForm as PaymentFormElement } from '../payment-form/payment-form.js';
import { BillkitCheckout as CheckoutElement } from '../checkout/checkout.js';
import { BillkitPortal as PortalElement } from '../portal/portal.js';
import { BillkitSignIn as SignInElement } from '../sign-in/sign-in.js';
import { BillkitSubscription as SubscriptionElement } from '../subscription/subscription.js';
import { BillkitInvoiceList as InvoiceListElement } from '../invoice-list/invoice-list.js';
import { BillkitBillingDetails as BillingDetailsElement } from '../billing-details/billing-details.js';
import { BillkitPaymentMethod as PaymentMethodElement } from '../payment-method/payment-method.js';
import { BillkitPlanSwitch as PlanSwitchElement } from '../plan-switch/plan-switch.js';
import { BillkitCancelFlow as CancelFlowElement } from '../cancel-flow/cancel-flow.js';
import type {
  BillkitCartChangeEvent, BillkitCheckoutCompleteEvent, BillkitCouponApplyEvent, BillkitCouponRemoveEvent,
  BillkitPaymentErrorEvent, BillkitPlanSelectEvent, BillkitPortalSignInEvent, BillkitPortalSignOutEvent,
  BillkitSubscriptionUpdateEvent, BillkitInvoiceDownloadEvent, BillkitBillingDetailsUpdateEvent,
  BillkitPaymentMethodUpdateEvent, BillkitSubscriptionCancelEvent, BillkitSubscriptionChangeEvent,
} from '../shared/events.js';

const planSelect = 'billkit-plan-select' as EventName<BillkitPlanSelectEvent>;
const couponApply = 'billkit-coupon-apply' as EventName<BillkitCouponApplyEvent>;
const couponRemove = 'billkit-coupon-remove' as EventName<BillkitCouponRemoveEvent>;
const cartChange = 'billkit-cart-change' as EventName<BillkitCartChangeEvent>;
const checkoutComplete = 'billkit-checkout-complete' as EventName<BillkitCheckoutCompleteEvent>;
const paymentError = 'billkit-payment-error' as EventName<BillkitPaymentErrorEvent>;
const portalSignIn = 'billkit-portal-sign-in' as EventName<BillkitPortalSignInEvent>;
const portalSignOut = 'billkit-portal-sign-out' as EventName<BillkitPortalSignOutEvent>;
const subscriptionUpdate = 'billkit-subscription-update' as EventName<BillkitSubscriptionUpdateEvent>;
const subscriptionChange = 'billkit-subscription-change' as EventName<BillkitSubscriptionChangeEvent>;
const subscriptionCancel = 'billkit-subscription-cancel' as EventName<BillkitSubscriptionCancelEvent>;
const close = 'close' as EventName<Event>;

export const BillkitPlanPicker = createComponent({
  react: React,
  tagName: 'billkit-plan-picker',
  elementClass: PlanPickerElement,
  events: { onPlanSelect: planSelect, onChange: 'change' as EventName<Event> },
  displayName: 'BillkitPlanPicker',
});

export const BillkitCart = createComponent({
  react: React,
  tagName: 'billkit-cart',
  elementClass: CartElement,
  events: { onCartChange: cartChange },
  displayName: 'BillkitCart',
});

export const BillkitCouponEntry = createComponent({
  react: React,
  tagName: 'billkit-coupon-entry',
  elementClass: CouponEntryElement,
  events: { onCouponApply: couponApply, onCouponRemove: couponRemove },
  displayName: 'BillkitCouponEntry',
});

export const BillkitPaymentForm = createComponent({
  react: React,
  tagName: 'billkit-payment-form',
  elementClass: PaymentFormElement,
  events: { onCheckoutComplete: checkoutComplete, onPaymentError: paymentError },
  displayName: 'BillkitPaymentForm',
});

export const BillkitCheckout = createComponent({
  react: React,
  tagName: 'billkit-checkout',
  elementClass: CheckoutElement,
  events: {
    onPlanSelect: planSelect,
    onCouponApply: couponApply,
    onCouponRemove: couponRemove,
    onCartChange: cartChange,
    onCheckoutComplete: checkoutComplete,
    onPaymentError: paymentError,
  },
  displayName: 'BillkitCheckout',
});

export const BillkitPortal = createComponent({
  react: React,
  tagName: 'billkit-portal',
  elementClass: PortalElement,
  events: { onPortalSignIn: portalSignIn, onPortalSignOut: portalSignOut, onSubscriptionUpdate: subscriptionUpdate },
  displayName: 'BillkitPortal',
});

export const BillkitSignIn = createComponent({
  react: React,
  tagName: 'billkit-sign-in',
  elementClass: SignInElement,
  events: { onPortalSignIn: portalSignIn },
  displayName: 'BillkitSignIn',
});

export const BillkitSubscription = createComponent({
  react: React,
  tagName: 'billkit-subscription',
  elementClass: SubscriptionElement,
  events: { onSubscriptionUpdate: subscriptionUpdate },
  displayName: 'BillkitSubscription',
});

export const BillkitInvoiceList = createComponent({
  react: React,
  tagName: 'billkit-invoice-list',
  elementClass: InvoiceListElement,
  events: { onInvoiceDownload: 'billkit-invoice-download' as EventName<BillkitInvoiceDownloadEvent> },
  displayName: 'BillkitInvoiceList',
});

export const BillkitBillingDetails = createComponent({
  react: React,
  tagName: 'billkit-billing-details',
  elementClass: BillingDetailsElement,
  events: { onBillingDetailsUpdate: 'billkit-billing-details-update' as EventName<BillkitBillingDetailsUpdateEvent> },
  displayName: 'BillkitBillingDetails',
});

export const BillkitPaymentMethod = createComponent({
  react: React,
  tagName: 'billkit-payment-method',
  elementClass: PaymentMethodElement,
  events: { onPaymentMethodUpdate: 'billkit-payment-method-update' as EventName<BillkitPaymentMethodUpdateEvent> },
  displayName: 'BillkitPaymentMethod',
});

export const BillkitPlanSwitch = createComponent({
  react: React,
  tagName: 'billkit-plan-switch',
  elementClass: PlanSwitchElement,
  events: { onSubscriptionChange: subscriptionChange, onSubscriptionUpdate: subscriptionUpdate, onClose: close },
  displayName: 'BillkitPlanSwitch',
});

export const BillkitCancelFlow = createComponent({
  react: React,
  tagName: 'billkit-cancel-flow',
  elementClass: CancelFlowElement,
  events: { onSubscriptionCancel: subscriptionCancel, onSubscriptionUpdate: subscriptionUpdate, onClose: close },
  displayName: 'BillkitCancelFlow',
});
