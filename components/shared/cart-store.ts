/**
 * The live cart: what the buyer chose, and the last quote the BFF gave for it.
 * Every change re-prices, debounced; the last request wins (earlier ones are aborted and ignored);
 * a failed quote keeps the previous one and exposes the error.
 */
import { BillkitApiError, type ApiClient } from './api-client.js';
import type { CartRequest, QuoteCustomer, Quote } from './types.js';

export interface CartState {
  cart: CartRequest | null;
  quote: Quote | null;
  loading: boolean;
  error: BillkitApiError | null;
}

export class CartStore extends EventTarget {
  client: ApiClient;
  /** Milliseconds to wait after the last change before asking for a quote. */
  debounce: number;
  /** The locale the quote's lines are named in (setLocale). */
  #locale?: string;
  #state: CartState = { cart: null, quote: null, loading: false, error: null };
  #timer?: ReturnType<typeof setTimeout>;
  #controller?: AbortController;
  #sequence = 0;
  #waiters: (() => void)[] = [];

  constructor(client: ApiClient, options: { debounce?: number } = {}) {
    super();
    this.client = client;
    this.debounce = options.debounce ?? 200;
  }

  get state(): CartState {
    return this.#state;
  }
  get cart(): CartRequest | null {
    return this.#state.cart;
  }
  get quote(): Quote | null {
    return this.#state.quote;
  }

  /** Start over with a plan (quantities and add-ons reset; coupon and customer kept). */
  setPlan(plan: string, extra: Partial<CartRequest> = {}): void {
    const previous = this.#state.cart;
    if (previous?.plan === plan && Object.keys(extra).length === 0) return;
    this.#update({
      plan,
      couponCode: previous?.couponCode,
      customer: previous?.customer,
      ...extra,
    });
  }

  setQuantity(chargeId: string, quantity: number): void {
    const cart = this.#require();
    const charges = (cart.charges ?? []).filter((c) => c.chargeId !== chargeId);
    charges.push({ chargeId, quantity });
    this.#update({ ...cart, charges });
  }

  setAddOn(chargeId: string, on: boolean): void {
    const cart = this.#require();
    const addOns = (cart.addOns ?? []).filter((id) => id !== chargeId);
    if (on) addOns.push(chargeId);
    this.#update({ ...cart, addOns });
  }

  /** Set or clear the coupon; reprice: false changes the cart without asking for a new quote. */
  setCoupon(code: string | undefined, options: { reprice?: boolean } = {}): void {
    const cart = this.#require();
    const next = { ...cart, couponCode: code || undefined };
    if (options.reprice === false) this.#set({ cart: next });
    else this.#update(next);
  }

  setCustomer(customer: QuoteCustomer | undefined): void {
    const cart = this.#state.cart;
    if (!cart) return;
    if (JSON.stringify(cart.customer) === JSON.stringify(customer)) return;
    this.#update({ ...cart, customer });
  }

  /** The buyer's locale: the quote's lines come named in it; a change re-prices a cart that has a plan. */
  setLocale(locale: string | undefined): void {
    if (locale === this.#locale) return;
    this.#locale = locale;
    if (this.#state.cart) this.#schedule();
  }

  /** Ask for a quote now (after the debounce). */
  refresh(): void {
    this.#schedule();
  }

  /** Resolves when no change is waiting and no quote is in flight. */
  settled(): Promise<void> {
    if (!this.#timer && !this.#state.loading) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #require(): CartRequest {
    if (!this.#state.cart) throw new Error('billkit: the cart has no plan yet');
    return this.#state.cart;
  }

  #update(cart: CartRequest): void {
    this.#set({ cart });
    this.#schedule();
  }

  #set(patch: Partial<CartState>): void {
    this.#state = { ...this.#state, ...patch };
    this.dispatchEvent(new Event('change'));
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (!this.#state.loading) this.#set({ loading: true });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#fetch();
    }, this.debounce);
  }

  async #fetch(): Promise<void> {
    const cart = this.#state.cart;
    if (!cart) return this.#finish({ loading: false });
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const sequence = ++this.#sequence;
    try {
      const quote = await this.client.quote(cart, { signal: controller.signal, ...(this.#locale ? { locale: this.#locale } : {}) });
      if (sequence !== this.#sequence) return;
      this.#finish({ quote, error: null, loading: false });
    } catch (error) {
      if (sequence !== this.#sequence || controller.signal.aborted) return;
      const apiError = error instanceof BillkitApiError
        ? error
        : new BillkitApiError({ code: 'network_error', detail: String(error) }, 0);
      this.#finish({ error: apiError, loading: false });
    }
  }

  #finish(patch: Partial<CartState>): void {
    this.#set({ ...patch, loading: Boolean(this.#timer) });
    if (this.#timer) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
