/**
 * Billkit's checkout elements, all registered by importing this one module:
 * <billkit-plan-picker>, <billkit-cart>, <billkit-coupon-entry>, <billkit-payment-form>, <billkit-checkout>.
 */
export { BillkitPlanPicker } from './plan-picker/plan-picker.js';
export { BillkitCart } from './cart/cart.js';
export { BillkitCouponEntry } from './coupon-entry/coupon-entry.js';
export { BillkitPaymentForm } from './payment-form/payment-form.js';
export { BillkitCheckout } from './checkout/checkout.js';
export { BillkitPortal } from './portal/portal.js';
export { BillkitSignIn } from './sign-in/sign-in.js';
export { BillkitSubscription } from './subscription/subscription.js';
export { PortalStore } from './shared/portal-store.js';
export { PortalClient } from './shared/portal-client.js';
export { BillkitInvoiceList } from './invoice-list/invoice-list.js';
export { BillkitBillingDetails } from './billing-details/billing-details.js';
export { BillkitPaymentMethod } from './payment-method/payment-method.js';
export { BillkitPlanSwitch } from './plan-switch/plan-switch.js';
export { BillkitCancelFlow } from './cancel-flow/cancel-flow.js';
export { ApiClient, BillkitApiError } from './shared/api-client.js';
export { CartStore } from './shared/cart-store.js';
export * from './shared/events.js';
export type * from './shared/types.js';
