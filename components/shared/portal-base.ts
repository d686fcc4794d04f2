/**
 * What every portal part shares (<billkit-subscription>, <billkit-plan-switch>, <billkit-cancel-flow>,
 * <billkit-invoice-list>, <billkit-billing-details>, <billkit-payment-method>, <billkit-sign-in>): the
 * `session` attribute, and the PortalStore of an enclosing <billkit-portal> (through @lit/context) or its own
 * for api + publishable-key + session. When the store changes (a part changed something, or a new session),
 * `portalChanged()` runs: a part overrides it to reload what it shows.
 */
import type { PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { BillkitElement } from './base.js';
import { portalContext } from './context.js';
import { PortalClient } from './portal-client.js';
import { PortalStore } from './portal-store.js';

export class BillkitPortalElement extends BillkitElement {
  /** The portal session's token (ps_...), from the merchant's server (POST /v1/portal-sessions). */
  @property() session = '';
  /** A PortalStore to use instead of one built from the attributes (tests, custom transports). */
  @property({ attribute: false }) store?: PortalStore;

  /** The store shared by an enclosing <billkit-portal>. */
  @consume({ context: portalContext, subscribe: true })
  @state()
  protected contextPortal?: PortalStore;

  #ownStore?: PortalStore;
  #watched?: PortalStore;
  #onChange = () => this.portalChanged();

  /** The store: injected, else the portal's, else this part's own for api + publishable-key + session. */
  protected get portal(): PortalStore | undefined {
    if (this.store) return this.store;
    if (this.contextPortal) return this.contextPortal;
    if (!this.api) return undefined;
    if (!this.#ownStore || this.#ownStore.client.baseUrl !== this.api.replace(/\/+$/, '')) {
      this.#ownStore = new PortalStore(new PortalClient({ baseUrl: this.api, publishableKey: this.publishableKey, token: this.session }));
    }
    return this.#ownStore;
  }

  /** True when this part is inside a <billkit-portal> (which shows the shared sign-in and errors). */
  protected get inPortal(): boolean {
    return Boolean(this.contextPortal);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const store = this.portal;
    if (changed.has('session') && this.session && store === this.#ownStore) store?.setToken(this.session);
    if (store !== this.#watched) {
      this.#watched?.removeEventListener('change', this.#onChange);
      store?.addEventListener('change', this.#onChange);
      this.#watched = store;
      if (store) queueMicrotask(() => this.portalChanged());
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#watched?.removeEventListener('change', this.#onChange);
    this.#watched = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached (moved in the DOM): listen again and reload.
    if (!this.#watched && this.hasUpdated) this.requestUpdate();
  }

  /** The store changed or became available: reload. Parts override this; the default re-renders. */
  protected portalChanged(): void {
    this.requestUpdate();
  }
}
