import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { msg } from '@lit/localize';
import { BillkitElement } from '../shared/base.js';
import { ApiClient, clientFor } from '../shared/api-client.js';
import { apiClientContext, cartContext } from '../shared/context.js';
import { CartStore } from '../shared/cart-store.js';
import type { Catalog } from '../shared/types.js';
import type { BillkitPlanPicker } from '../plan-picker/plan-picker.js';
import '../plan-picker/plan-picker.js';
import '../cart/cart.js';
import '../coupon-entry/coupon-entry.js';
import '../payment-form/payment-form.js';
import type { StripeLoader } from '../payment-form/stripe.js';
import { styles } from './checkout.styles.js';

/**
 * @summary The whole checkout: plan choice, cart, coupon and payment, sharing one API client and one cart.
 *
 * @event billkit-plan-select - Re-dispatched from the plan picker (cancelable). detail: {plan, interval, currency}.
 * @event billkit-coupon-apply - From the coupon entry (cancelable). detail: {code}.
 * @event billkit-coupon-remove - From the coupon entry. detail: {code}.
 * @event billkit-cart-change - From the cart. detail: {cart}.
 * @event billkit-checkout-complete - The subscription and its invoice exist. detail: {checkoutId, customerId, subscriptionId, invoiceId, invoiceNumber}.
 * @event billkit-payment-error - A payment attempt failed. detail: {code, checkoutId}.
 *
 * @slot heading - Content above everything (a title, the merchant's logo).
 * @slot complete - Replaces the thank-you message.
 *
 * @csspart base - The wrapper.
 * @csspart plans - The plan picker's section.
 * @csspart columns - The two columns: the order (cart with the coupon entry) first, as it is read and tabbed through, then the payment form.
 * @csspart plan-picker - The <billkit-plan-picker> (its own parts are reachable through exportparts).
 * @csspart cart - The <billkit-cart>.
 * @csspart coupon-entry - The <billkit-coupon-entry>.
 * @csspart payment-form - The <billkit-payment-form>.
 *
 * @cssprop --billkit-checkout-gap - Space between the sections (defaults to --billkit-space-6).
 * @cssprop --billkit-checkout-column-min-width - Narrowest column before they stack (20rem).
 */
@customElement('billkit-checkout')
export class BillkitCheckout extends BillkitElement {
  static override styles = styles;

  /** The plan to start with (its code); falls back to ?plan= in the page's URL. */
  @property() plan = '';
  /** Show plans in this currency (ISO 4217). */
  @property() currency = '';
  /** A coupon code to apply from the start. */
  @property() coupon = '';
  /** Show the plan picker for the plan's family (set to false to hide it). */
  @property({ type: Boolean, attribute: 'show-plans' }) showPlans = true;
  /** The merchant's customer portal, handed to the payment form ("Manage subscription"). */
  @property({ attribute: 'portal-url' }) portalUrl = '';
  /** Milliseconds to wait after a change before re-pricing. */
  @property({ type: Number }) debounce = 200;
  /** A customer session's client secret (cus_sess_...) your server made for its signed-in user: the checkout is that customer's, the email fixed, the details prefilled. */
  @property({ attribute: 'customer-session' }) customerSession = '';
  /** Your reference for the buyer (e.g. your user id), unverified: copied to the subscription's metadata and checkout.completed. Prefer customer-session for signed-in users. */
  @property({ attribute: 'client-reference-id' }) clientReferenceId = '';
  /** The Stripe.js loader handed to the payment form (tests). */
  @property({ attribute: false }) stripeLoader?: StripeLoader;

  @provide({ context: apiClientContext }) @state() protected sharedClient?: ApiClient;
  @provide({ context: cartContext }) @state() protected sharedCart?: CartStore;

  @state() private catalog?: Catalog;
  @state() private complete = false;
  #catalogFrom?: ApiClient;
  #catalogIn?: string;
  #onCartChange = () => this.requestUpdate();

  /** The shared cart (plan, quantities, add-ons, coupon, customer) and its last quote. */
  get cart(): CartStore | undefined {
    return this.sharedCart;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const client = this.client ?? (this.api ? clientFor(this.api, this.publishableKey) : undefined);
    if (client && client !== this.sharedClient) {
      this.sharedClient = client;
      if (this.sharedCart) this.sharedCart.client = client;
      else {
        this.sharedCart = new CartStore(client);
        this.sharedCart.addEventListener('change', this.#onCartChange);
      }
    }
    if (this.sharedCart) this.sharedCart.debounce = this.debounce;
    const plan = this.plan || new URLSearchParams(window.location.search).get('plan') || '';
    if (this.sharedCart && plan && (changed.has('plan') || !this.sharedCart.cart)) {
      this.sharedCart.setPlan(plan, this.coupon ? { couponCode: this.coupon } : {});
    }
    // The shared cart's quote, and the catalog, are named in this element's locale.
    this.sharedCart?.setLocale(this.effectiveLocale);
    const locale = this.effectiveLocale;
    if (client && (this.#catalogFrom !== client || this.#catalogIn !== locale)) {
      this.#catalogFrom = client;
      this.#catalogIn = locale;
      client.catalog({ locale }).then((catalog) => {
        if (this.#catalogIn === locale) this.catalog = catalog;
      }, () => undefined);
    }
  }

  #onPlanChange(event: Event): void {
    const picker = event.target as BillkitPlanPicker;
    if (picker.value) this.sharedCart?.setPlan(picker.value);
  }

  override render() {
    if (!this.sharedCart) {
      return html`<p part="error" role="alert">${msg('This checkout is missing its api and publishable-key attributes.', { id: 'checkout.misconfigured' })}</p>`;
    }
    const code = this.sharedCart.cart?.plan;
    const plan = this.catalog?.plans.find((p) => p.code === code);
    // A plan code the catalog doesn't know (a stale link, a typo): offer every plan instead of a dead end.
    const unknown = Boolean(this.catalog && code && !plan);
    const family = plan?.familyCode ?? '';
    const siblings = this.catalog?.plans.filter((p) => p.familyCode === family && family).length ?? 0;
    const locale = this.locale ?? this.effectiveLocale;
    return html`<div part="base">
      <slot name="heading"></slot>
      ${this.showPlans && !this.complete && (siblings > 1 || unknown)
        ? html`<section part="plans" aria-labelledby="plans-title">
            <h2 id="plans-title">${msg('Choose your plan', { id: 'checkout.choose_plan' })}</h2>
            <billkit-plan-picker part="plan-picker" family=${family} currency=${this.currency || plan?.currency || ''}
              .value=${code ?? ''} locale=${locale} @change=${this.#onPlanChange}></billkit-plan-picker>
          </section>`
        : nothing}
      <div part="columns">
        <billkit-cart part="cart" locale=${locale} ?readonly=${this.complete}>
          ${this.complete ? nothing : html`<billkit-coupon-entry part="coupon-entry" slot="footer" locale=${locale}></billkit-coupon-entry>`}
        </billkit-cart>
        <section aria-labelledby="pay-title">
          <h2 id="pay-title">${this.complete
            ? msg('Order confirmed', { id: 'checkout.confirmed' })
            : msg('Your details', { id: 'checkout.details' })}</h2>
          <billkit-payment-form part="payment-form" locale=${locale} portal-url=${this.portalUrl || nothing} .stripeLoader=${this.stripeLoader ?? undefined}
            .customerSession=${this.customerSession} .clientReferenceId=${this.clientReferenceId}
            @billkit-checkout-complete=${() => (this.complete = true)}>${this.querySelector(':scope > [slot="complete"]')
              ? html`<slot name="complete" slot="complete"></slot>`
              : nothing}</billkit-payment-form>
        </section>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-checkout': BillkitCheckout;
  }
}
