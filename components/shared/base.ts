/**
 * What every Billkit element shares: the api / publishable-key / locale attributes, the client and cart
 * from <billkit-checkout> when inside one (through @lit/context), and locale resolution.
 */
import { LitElement, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { updateWhenLocaleChanges } from '@lit/localize';
import { ApiClient, clientFor } from './api-client.js';
import { apiClientContext, cartContext } from './context.js';
import { CartStore } from './cart-store.js';
import { resolveLocale, useLocale } from './localize.js';

export class BillkitElement extends LitElement {
  /** The BFF's base URL, e.g. https://billing.example.com. */
  @property() api = '';
  /** The publishable key (pk_...) sent as the bearer token. */
  @property({ attribute: 'publishable-key' }) publishableKey = '';
  /** BCP 47 locale for text, money, dates and the catalog's names (asked in it); falls back to the page's lang. */
  @property({ reflect: true }) locale?: string;
  /** An API client to use instead of one built from api and publishable-key (tests, custom transports). */
  @property({ attribute: false }) client?: ApiClient;

  /** The client shared by an enclosing <billkit-checkout>. */
  @consume({ context: apiClientContext, subscribe: true })
  @state()
  protected contextClient?: ApiClient;

  /** The cart shared by an enclosing <billkit-checkout>. */
  @consume({ context: cartContext, subscribe: true })
  @state()
  protected contextCart?: CartStore;

  /** The locale in effect (own attribute, nearest lang, page). */
  @state() protected effectiveLocale = 'en';

  #ownCart?: CartStore;
  #watched?: CartStore;
  #onCartChange = () => this.requestUpdate();

  constructor() {
    super();
    updateWhenLocaleChanges(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#applyLocale();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale')) this.#applyLocale();
  }

  /** True when this element is inside a <billkit-checkout> that shares its cart. */
  protected get composed(): boolean {
    return Boolean(this.contextCart);
  }

  /** The client to talk to: injected, else the checkout's, else one for api + publishable-key. */
  protected get apiClient(): ApiClient | undefined {
    if (this.client) return this.client;
    if (this.contextClient) return this.contextClient;
    if (!this.api) return undefined;
    return clientFor(this.api, this.publishableKey);
  }

  /** Milliseconds an own cart waits after a change before re-pricing. */
  protected get quoteDelay(): number {
    return 200;
  }

  /** The cart: the checkout's, else this element's own. */
  protected get cartStore(): CartStore | undefined {
    if (this.contextCart) return this.contextCart;
    const client = this.apiClient;
    if (!client) return undefined;
    if (!this.#ownCart) this.#ownCart = new CartStore(client);
    this.#ownCart.client = client;
    this.#ownCart.setLocale(this.effectiveLocale);
    this.#ownCart.debounce = this.quoteDelay;
    return this.#ownCart;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#watched?.removeEventListener('change', this.#onCartChange);
    this.#watched = undefined;
  }

  /** Re-render whenever the cart (own or shared) changes; call from willUpdate. */
  protected watchCart(): CartStore | undefined {
    const store = this.cartStore;
    if (store !== this.#watched) {
      this.#watched?.removeEventListener('change', this.#onCartChange);
      store?.addEventListener('change', this.#onCartChange);
      this.#watched = store;
    }
    return store;
  }

  #applyLocale(): void {
    const tag = resolveLocale(this, this.locale);
    this.effectiveLocale = tag;
    this.#ownCart?.setLocale(tag);
    void useLocale(tag);
  }
}
