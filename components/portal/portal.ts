import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { msg, str } from '@lit/localize';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { PortalStore } from '../shared/portal-store.js';
import { portalContext } from '../shared/context.js';
import { BillkitPortalSignOutEvent } from '../shared/events.js';
import type { PortalConfiguration, PortalSubscription } from '../shared/portal-types.js';
import { tokens } from '../shared/tokens.js';
import { accountStyles, renderLoadError, renderSkeleton } from '../shared/account.js';
import '../sign-in/sign-in.js';
import '../subscription/subscription.js';
import '../invoice-list/invoice-list.js';
import '../payment-method/payment-method.js';
import '../billing-details/billing-details.js';

/**
 * @summary The customer portal: sign-in by emailed code (or the merchant's session), then the buyer's
 * subscriptions, invoices, payment method and billing details, sharing one session through @lit/context.
 *
 * Without a `session` attribute it takes the token from the address's fragment (`#session=ps_...`, the hosted
 * portal's link) and removes it from the address bar. After a sign-in by code, `session` holds the new token;
 * after a sign-out or an expired session it is empty.
 *
 * @event billkit-portal-sign-in - From the sign-in. detail: {expiresAt}.
 * @event billkit-portal-sign-out - The buyer signed out, or the session expired. detail: {reason: 'signed_out' | 'expired'}.
 * @event billkit-subscription-update - From a subscription and its dialogs. detail: {subscriptionId, action, status}.
 *
 * @slot heading - Above everything (the merchant's logo, a title).
 * @slot help - Under the sign-in form.
 *
 * @csspart base - The wrapper.
 * @csspart header - The customer's name and email, "Back to …" (the merchant's name from the settings' seller, else the return URL's host) and "Sign out".
 * @csspart sign-out - The sign-out button.
 * @csspart back - The link back to the merchant's site (the session's returnUrl), named by the merchant's name or the URL's host.
 * @csspart subscriptions - The subscriptions' section.
 * @csspart invoices - The invoices' section.
 * @csspart payment-method - The payment method's section.
 * @csspart billing-details - The billing details' section.
 * @csspart alert - "A payment failed" with "Update payment method" (when a subscription is past due or unpaid); it carries the error part too.
 * @csspart empty - "You have no subscriptions".
 * @csspart error - A load error with "Try again".
 *
 * @cssprop --billkit-portal-gap - Space between the sections (defaults to --billkit-space-6).
 * @cssprop --billkit-portal-max-width - The portal's widest (56rem).
 */
@customElement('billkit-portal')
export class BillkitPortal extends BillkitPortalElement {
  static override styles = [
    tokens,
    accountStyles,
    css`
      [part='base'] {
        display: grid;
        gap: var(--billkit-portal-gap, var(--_space-6));
        max-inline-size: var(--billkit-portal-max-width, 56rem);
      }
      [part='header'],
      .links {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--_space-3);
      }
      .who {
        display: grid;
        min-inline-size: 0;
        overflow-wrap: anywhere;
      }
      .who span {
        color: var(--_muted);
      }
      a {
        color: var(--_primary);
      }
      section {
        display: grid;
      }
    `,
  ];

  @provide({ context: portalContext }) @state() protected shared?: PortalStore;

  @state() private configuration?: PortalConfiguration;
  @state() private subscriptions?: PortalSubscription[];
  @state() private error?: unknown;
  @state() private expired = false;
  #flowDone = false;
  /** Signed in by code: the sign-in the buyer typed in is gone, so focus goes to the account once shown. */
  #focusAccount = false;
  #loading = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.session) this.#sessionFromAddress();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.shared = this.portal;
  }

  protected override portalChanged(): void {
    this.requestUpdate();
    void this.#load();
  }

  /** The hosted portal's link carries the token in the fragment: take it, and take it out of the address. */
  #sessionFromAddress(): void {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const token = params.get('session');
    if (!token?.startsWith('ps_')) return;
    this.session = token;
    params.delete('session');
    const rest = params.toString();
    history.replaceState(history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  }

  async #load(): Promise<void> {
    const store = this.portal;
    if (!store?.signedIn) {
      this.configuration = undefined;
      this.subscriptions = undefined;
      return;
    }
    const run = ++this.#loading;
    this.error = undefined;
    try {
      const [configuration, page] = await Promise.all([store.configuration(), store.client.subscriptions({ limit: 100 })]);
      if (run !== this.#loading) return;
      this.expired = false;
      this.configuration = configuration;
      this.subscriptions = page.data;
      await this.updateComplete;
      if (this.#focusAccount) this.renderRoot.querySelector<HTMLElement>('#subs-title')?.focus();
      this.#focusAccount = false;
      this.#openFlow();
    } catch (error) {
      if (run !== this.#loading) return;
      if (PortalStore.isSessionError(error)) return this.#signedOut('expired');
      this.error = error;
    }
  }

  /**
   * The session's deep link (switch plan, cancel, payment method), once per session: the server forgets it when
   * it is opened, so a reload or another tab of the session lands on the home (a failed call only means the
   * next load opens it again).
   */
  #openFlow(): void {
    const flow = this.configuration?.session.flow;
    if (!flow || this.#flowDone) return;
    this.#flowDone = true;
    this.portal?.client.useUpFlow().catch(() => {});
    if (flow.type === 'payment_method') return this.#toPaymentMethod();
    const sub = [...this.renderRoot.querySelectorAll('billkit-subscription')].find((s) => s.subscription === flow.subscriptionId);
    if (sub) sub.flow = flow.type;
  }

  /** To the payment method with its new-card form open (the form takes the focus once it is ready). */
  #toPaymentMethod = (): void => {
    const section = this.renderRoot.querySelector<HTMLElement>('[part~="payment-method"]');
    section?.scrollIntoView({ block: 'start' });
    section?.focus();
    void section?.querySelector('billkit-payment-method')?.replace();
  };

  #signedOut(reason: 'signed_out' | 'expired'): void {
    const store = this.portal;
    if (store) store.client.token = '';
    this.session = '';
    this.expired = reason === 'expired';
    this.configuration = undefined;
    this.subscriptions = undefined;
    this.dispatchEvent(new BillkitPortalSignOutEvent({ reason }));
  }

  /** Signed in by the emailed code: `session` now holds the token (a hosted page may keep it for a reload). */
  #signedIn = (): void => {
    this.#focusAccount = true;
    this.session = this.portal?.client.token ?? '';
  };

  async #signOut(): Promise<void> {
    try {
      await this.portal?.client.signOut();
    } catch {
      // The token is forgotten either way; a network error leaves it to expire.
    }
    this.#signedOut('signed_out');
    await this.updateComplete;
    this.renderRoot.querySelector('billkit-sign-in')?.focus();
  }

  override render() {
    const store = this.portal;
    if (!store) {
      return html`<p part="error" role="alert">${msg('This portal is missing its api and publishable-key attributes.', { id: 'portal.misconfigured' })}</p>`;
    }
    return html`<div part="base">
      <slot name="heading"></slot>
      ${store.signedIn ? this.#renderAccount() : this.#renderSignIn()}
    </div>`;
  }

  #renderSignIn() {
    return html`${this.expired
        ? html`<p part="error" role="alert">${msg('Your session has ended. Sign in again.', { id: 'portal.expired' })}</p>`
        : nothing}
      <billkit-sign-in locale=${this.effectiveLocale} @billkit-portal-sign-in=${this.#signedIn}><slot name="help" slot="help"></slot></billkit-sign-in>`;
  }

  #renderAccount() {
    const config = this.configuration;
    if (this.error) return renderLoadError(this.error, () => this.portalChanged());
    if (!config || !this.subscriptions) return renderSkeleton(msg('Loading your account…', { id: 'portal.loading' }));
    const locale = this.effectiveLocale;
    const back = config.session.returnUrl;
    const features = config.features;
    return html`<header part="header">
        <p class="who"><strong>${config.customer.name}</strong> <span>${config.customer.email}</span></p>
        <div class="links">
          ${back ? html`<a part="back" href=${back}>${msg(str`Back to ${config.merchantName || hostOf(back)}`, { id: 'portal.back' })}</a>` : nothing}
          <button part="sign-out" class="button secondary" type="button" @click=${this.#signOut}>${msg('Sign out', { id: 'portal.sign_out' })}</button>
        </div>
      </header>
      ${features.paymentMethod && this.subscriptions.some((s) => s.status === 'past_due' || s.status === 'unpaid')
        ? html`<div part="alert error" role="alert"><p>${msg('Payment failed: update your payment method.', { id: 'subscription.payment_failed' })}</p>
            <button class="button" type="button" @click=${this.#toPaymentMethod}>${msg('Update payment method', { id: 'portal.update_payment_method' })}</button></div>`
        : nothing}
      <section part="subscriptions" aria-labelledby="subs-title">
        <h2 id="subs-title" tabindex="-1">${msg('Subscriptions', { id: 'portal.subscriptions' })}</h2>
        ${this.subscriptions.length
          ? this.subscriptions.map((s) => html`<billkit-subscription subscription=${s.id} locale=${locale}></billkit-subscription>`)
          : html`<p part="empty">${msg('You have no subscriptions.', { id: 'portal.empty' })}</p>`}
      </section>
      ${features.invoices
        ? html`<section part="invoices"><billkit-invoice-list locale=${locale}></billkit-invoice-list></section>`
        : nothing}
      ${features.paymentMethod
        ? html`<section part="payment-method" tabindex="-1"><billkit-payment-method locale=${locale}></billkit-payment-method></section>`
        : nothing}
      ${features.billingDetails
        ? html`<section part="billing-details"><billkit-billing-details locale=${locale}></billkit-billing-details></section>`
        : nothing}`;
  }
}

/** "shop.example" from the return URL: what "Back to …" names when the settings name no seller. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-portal': BillkitPortal;
  }
}
