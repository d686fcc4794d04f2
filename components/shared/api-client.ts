/**
 * The one place that knows the BFF's URLs. Components ask this client; they never build a URL.
 * Errors come back as BillkitApiError carrying the RFC 9457 problem (code, status, field errors).
 */
import type {
  CartRequest, Catalog, Checkout, CheckoutRequest, ConfirmRequest, ConfirmResult, CustomerSessionPrefill, Problem, Quote,
} from './types.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class BillkitApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  constructor(problem: Problem, status: number) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = 'BillkitApiError';
    this.status = status;
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.problem = problem;
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  idempotencyKey?: string;
  /** A customer session's client secret, sent as the Billkit-Customer-Session header. */
  customerSession?: string;
  /** The bearer token instead of the publishable key (a portal session's ps_... token). */
  bearer?: string;
  /** The element's locale (BCP 47), sent as Accept-Language: the catalog's names and the quote's lines come in it. */
  locale?: string;
}

export interface ApiClientOptions {
  /** The BFF's base URL, e.g. http://localhost:4000 (paths below it start with /v1). */
  baseUrl: string;
  publishableKey: string;
  /** Injected in tests; defaults to the page's fetch at call time. */
  fetch?: FetchLike;
}

export const newKey = (): string =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;

export class ApiClient {
  readonly baseUrl: string;
  readonly publishableKey: string;
  #fetch?: FetchLike;
  /** One catalog per locale asked in. */
  #catalogs = new Map<string, Promise<Catalog>>();

  constructor(options: ApiClientOptions) {
    this.baseUrl = (options.baseUrl || '').replace(/\/+$/, '');
    this.publishableKey = options.publishableKey;
    this.#fetch = options.fetch;
  }

  /**
   * GET /v1/catalog in the locale (names, descriptions and units as the merchant translated them), fetched
   * once per client and locale (a failed fetch is retried on the next call).
   */
  catalog(options: RequestOptions = {}): Promise<Catalog> {
    const key = options.locale ?? '';
    let catalog = this.#catalogs.get(key);
    if (!catalog) {
      catalog = this.request<Catalog>('GET', '/v1/catalog', undefined, options);
      this.#catalogs.set(key, catalog);
      catalog.catch(() => this.#catalogs.delete(key));
    }
    return catalog;
  }

  /** POST /v1/quotes: prices a cart. */
  quote(cart: CartRequest, options: RequestOptions = {}): Promise<Quote> {
    return this.request<Quote>('POST', '/v1/quotes', cart, options);
  }

  /** POST /v1/checkouts with an Idempotency-Key. */
  createCheckout(body: CheckoutRequest, options: RequestOptions = {}): Promise<Checkout> {
    return this.request<Checkout>('POST', '/v1/checkouts', body, {
      ...options,
      idempotencyKey: options.idempotencyKey ?? newKey(),
    });
  }

  /** POST /v1/checkouts/{id}/confirm with an Idempotency-Key. */
  confirmCheckout(id: string, body: ConfirmRequest, options: RequestOptions = {}): Promise<ConfirmResult> {
    return this.request<ConfirmResult>('POST', `/v1/checkouts/${encodeURIComponent(id)}/confirm`, body, {
      ...options,
      idempotencyKey: options.idempotencyKey ?? newKey(),
    });
  }

  /** GET /v1/customer-sessions/current: the details a customer session prefills. */
  customerSession(clientSecret: string, options: RequestOptions = {}): Promise<CustomerSessionPrefill> {
    return this.request<CustomerSessionPrefill>('GET', '/v1/customer-sessions/current', undefined, { ...options, customerSession: clientSecret });
  }

  /** One JSON request; a problem answer throws BillkitApiError. */
  protected async request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
    const response = await this.send(method, path, body, options);
    const text = await response.text();
    let data: unknown = undefined;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const problem = (data && typeof data === 'object' ? data : {}) as Problem;
      throw new BillkitApiError({ status: response.status, ...problem }, response.status);
    }
    return data as T;
  }

  /** The raw response of one request (a network failure throws BillkitApiError network_error). */
  protected async send(method: string, path: string, body: unknown, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      Authorization: `Bearer ${options.bearer ?? this.publishableKey}`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    if (options.customerSession) headers['Billkit-Customer-Session'] = options.customerSession;
    if (options.locale) headers['Accept-Language'] = options.locale;
    const doFetch = this.#fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
    try {
      return await doFetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      throw new BillkitApiError({ code: 'network_error', title: 'Network error' }, 0);
    }
  }
}

const shared = new Map<string, ApiClient>();

/** The page-wide client for a BFF and key, so standalone elements share one catalog fetch. */
export function clientFor(baseUrl: string, publishableKey: string): ApiClient {
  const key = `${baseUrl}\n${publishableKey}`;
  let client = shared.get(key);
  if (!client) {
    client = new ApiClient({ baseUrl, publishableKey });
    shared.set(key, client);
  }
  return client;
}

/** Forget the shared clients (tests). */
export function resetSharedClients(): void {
  shared.clear();
}
