/**
 * Billkit's checkout elements, all registered by importing this one module:
 * <billkit-plan-picker>, <billkit-cart>, <billkit-coupon-entry>, <billkit-payment-form>, <billkit-checkout>.
 */
export { BillkitPlanPicker } from './plan-picker/plan-picker.js';
export { BillkitCart } from './cart/cart.js';
export { BillkitCouponEntry } from './coupon-entry/coupon-entry.js';
export { BillkitPaymentForm } from './payment-form/payment-form.js';
export { BillkitCheckout } from './checkout/checkout.js';
export { BillkitPlanSwitch } from './plan-switch/plan-switch.js';
export { BillkitCancelFlow } from './cancel-flow/cancel-flow.js';
export { ApiClient, BillkitApiError } from './shared/api-client.js';
export { CartStore } from './shared/cart-store.js';
export * from './shared/events.js';
export type * from './shared/types.js';
