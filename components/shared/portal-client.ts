/**
 * The portal's one client (SPEC section 12): sign-in with the publishable key, every other call with the
 * portal session's token (ps_...) as the bearer. It extends the checkout's client, so a plan switch can read
 * the catalog through it. Components ask this client; they never build a URL.
 */
import { ApiClient, BillkitApiError, newKey, type ApiClientOptions, type RequestOptions } from './api-client.js';
import type {
  Invoice, Page, PortalCancelInput, PortalConfiguration, PortalCustomer, PortalCustomerPatch, PortalInvoiceQuery,
  PortalPauseInput, PortalPaymentMethodInput, PortalPaymentMethodResult, PortalPaymentMethodSetup, PortalSignedIn,
  PortalSubscription, SubscriptionChange, SubscriptionChangeResult, UpcomingInvoice,
} from './portal-types.js';

export interface PortalClientOptions extends ApiClientOptions {
  /** The portal session's token (ps_...): from the merchant's POST /v1/portal-sessions, or from sign-in. */
  token?: string;
}

const id = (value: string) => encodeURIComponent(value);

export class PortalClient extends ApiClient {
  /** The portal session's token; set by signIn's verify, cleared by signOut. */
  token: string;

  constructor(options: PortalClientOptions) {
    super(options);
    this.token = options.token ?? '';
  }

  #get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, { ...options, bearer: this.#bearer() });
  }

  #post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, { ...options, bearer: this.#bearer() });
  }

  #bearer(): string {
    if (!this.token) throw new BillkitApiError({ code: 'portal_session_missing', title: 'Not signed in', detail: 'Sign in to the portal first.' }, 401);
    return this.token;
  }

  // Sign-in (publishable key).

  /** POST /v1/portal/sign-in: mails a 6-digit code (202 whether or not a customer has the email). */
  async requestSignInCode(email: string, options: RequestOptions = {}): Promise<void> {
    await this.request<void>('POST', '/v1/portal/sign-in', { email }, options);
  }

  /** POST /v1/portal/sign-in/verify: exchanges the code for a session, which this client then uses. */
  async verifySignInCode(email: string, code: string, options: RequestOptions = {}): Promise<PortalSignedIn> {
    const signedIn = await this.request<PortalSignedIn>('POST', '/v1/portal/sign-in/verify', { email, code }, options);
    this.token = signedIn.token;
    return signedIn;
  }

  /** POST /v1/portal/sign-out: revokes the token; the client forgets it. */
  async signOut(options: RequestOptions = {}): Promise<void> {
    try {
      await this.#post<void>('/v1/portal/sign-out', undefined, options);
    } finally {
      this.token = '';
    }
  }

  // What this customer may do, and who they are.

  configuration(options?: RequestOptions): Promise<PortalConfiguration> {
    return this.#get('/v1/portal/configuration', options);
  }

  /** DELETE /v1/portal/session/flow: the deep link was opened; later loads of the session (any tab) land on the home. */
  async useUpFlow(options: RequestOptions = {}): Promise<void> {
    await this.request<void>('DELETE', '/v1/portal/session/flow', undefined, { ...options, bearer: this.#bearer() });
  }

  customer(options?: RequestOptions): Promise<PortalCustomer> {
    return this.#get('/v1/portal/customer', options);
  }

  updateCustomer(patch: PortalCustomerPatch, options: RequestOptions = {}): Promise<PortalCustomer> {
    return this.request('PATCH', '/v1/portal/customer', patch, { ...options, bearer: this.#bearer() });
  }

  // Subscriptions.

  subscriptions(query: { limit?: number; startingAfter?: string } = {}, options?: RequestOptions): Promise<Page<PortalSubscription>> {
    return this.#get(`/v1/portal/subscriptions${queryString(query)}`, options);
  }

  subscription(subscriptionId: string, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#get(`/v1/portal/subscriptions/${id(subscriptionId)}`, options);
  }

  upcomingInvoice(subscriptionId: string, options?: RequestOptions): Promise<UpcomingInvoice> {
    return this.#get(`/v1/portal/subscriptions/${id(subscriptionId)}/upcoming-invoice`, options);
  }

  /** POST .../change: `preview: true` prices it; the confirmation passes the preview's prorationDate. */
  changeSubscription(subscriptionId: string, change: SubscriptionChange, options: RequestOptions = {}): Promise<SubscriptionChangeResult> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/change`, change, {
      ...options,
      idempotencyKey: change.preview ? options.idempotencyKey : options.idempotencyKey ?? newKey(),
    });
  }

  cancelSubscription(subscriptionId: string, input: PortalCancelInput = {}, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/cancel`, input, options);
  }

  uncancelSubscription(subscriptionId: string, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/uncancel`, undefined, options);
  }

  pauseSubscription(subscriptionId: string, input: PortalPauseInput = {}, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/pause`, input, options);
  }

  resumeSubscription(subscriptionId: string, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/resume`, undefined, options);
  }

  /** Keeps the subscription with the merchant's retention coupon instead of cancelling it. */
  acceptRetentionOffer(subscriptionId: string, options?: RequestOptions): Promise<PortalSubscription> {
    return this.#post(`/v1/portal/subscriptions/${id(subscriptionId)}/retention-offer/accept`, undefined, options);
  }

  // Invoices.

  invoices(query: PortalInvoiceQuery = {}, options?: RequestOptions): Promise<Page<Invoice>> {
    return this.#get(`/v1/portal/invoices${queryString(query)}`, options);
  }

  invoice(invoiceId: string, options?: RequestOptions): Promise<Invoice> {
    return this.#get(`/v1/portal/invoices/${id(invoiceId)}`, options);
  }

  /** GET .../pdf as a Blob (the token is a bearer header, so a plain link cannot download it). */
  async invoicePdf(invoiceId: string, options: RequestOptions = {}): Promise<Blob> {
    const response = await this.send('GET', `/v1/portal/invoices/${id(invoiceId)}/pdf`, undefined, { ...options, bearer: this.#bearer() });
    if (!response.ok) {
      let problem = {};
      try {
        problem = await response.json();
      } catch {
        problem = {};
      }
      throw new BillkitApiError({ status: response.status, ...problem }, response.status);
    }
    return response.blob();
  }

  // Payment methods.

  /** What the payment form needs to take a new payment method (Stripe: a SetupIntent's client secret). */
  paymentMethodSetup(options?: RequestOptions): Promise<PortalPaymentMethodSetup> {
    return this.#post('/v1/portal/payment-methods/setup', undefined, options);
  }

  /** The new default payment method; open past_due invoices are retried at once (their outcomes in `payments`). */
  setPaymentMethod(input: PortalPaymentMethodInput, options?: RequestOptions): Promise<PortalPaymentMethodResult> {
    return this.#post('/v1/portal/payment-methods', input, options);
  }
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
