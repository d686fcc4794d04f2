import type { Logger } from 'pino';
import type { CatalogCache } from '../app/catalog-cache.js';
import type { CatalogService } from '../app/catalog.js';
import type { CheckoutService } from '../app/checkout.js';
import type { CreditNoteService } from '../app/credit-invoice.js';
import type { DocumentService } from '../app/documents.js';
import type { SubscriptionChangeService } from '../app/change-subscription.js';
import type { PaymentCollector } from '../app/collect-payment.js';
import type { UsageRecorder } from '../app/record-usage.js';
import type { BillingRunService } from '../app/billing-run.js';
import type { InvoiceActions } from '../app/invoice-actions.js';
import type { PaymentProvider } from '../payments/provider.js';
import type { Metrics } from './metrics.js';
import type { RateLimits } from './rate-limit.js';
import type { CouponService } from '../app/coupons.js';
import type { CustomerSessionService } from '../app/customer-sessions.js';
import type { CustomerService } from '../app/customers.js';
import type { SubscriptionMetadataService } from '../app/subscription-metadata.js';
import type { CouponCache, QuoteService } from '../app/quotes.js';
import type { SettingsService } from '../app/settings.js';
import type { KeyStore } from '../app/keys.js';
import type { PortalService } from '../app/portal.js';
import type { PortalSessions } from '../app/portal-session.js';
import type { SignInService } from '../app/sign-in.js';
import type { Db } from '../storage/db.js';
import type { WebhookDelivery } from '../app/deliver-webhooks.js';
import type { EmailDelivery } from '../app/send-emails.js';
import type { WebhookEndpointService } from '../app/webhook-endpoints.js';

/** Everything the HTTP layer needs, built by the composition root (server/main.ts) or a test. */
export interface Deps {
  db: Db;
  /**
   * The process's Prometheus metrics: createApp counts the requests, the services the background work.
   * buildDeps always makes them; without them (the OpenAPI generator's bare app) createApp makes its own.
   */
  metrics?: Metrics;
  keys: KeyStore;
  catalogCache: CatalogCache;
  catalog: CatalogService;
  coupons: CouponService;
  quotes: QuoteService;
  settings: SettingsService;
  checkouts: CheckoutService;
  creditNotes: CreditNoteService;
  documents: DocumentService;
  customers: CustomerService;
  customerSessions: CustomerSessionService;
  subscriptionMetadata: SubscriptionMetadataService;
  payments: PaymentProvider;
  webhookEndpoints: WebhookEndpointService;
  /** One pass each of webhook and email delivery (the delivery worker runs them; tests call them). */
  webhookDelivery: WebhookDelivery;
  emailDelivery: EmailDelivery;
  /** Charges open invoices off-session and records the outcome (renewals, retries, prorations, manual payments). */
  collector: PaymentCollector;
  couponCache: CouponCache;
  billingRuns: BillingRunService;
  invoiceActions: InvoiceActions;
  /** Portal session tokens: made, resolved on every portal request, revoked. */
  portalSessions: PortalSessions;
  signIn: SignInService;
  portal: PortalService;
  /** POST /v1/usage. */
  usage: UsageRecorder;
  /** Changes of plan, quantities and add-ons (SPEC section 6), with their proration invoices. */
  subscriptionChanges: SubscriptionChangeService;
  config: HttpConfig;
  logger?: Logger;
}

/** false (no proxy: the socket's address is the client's), a number of proxy hops, or addresses and subnets. */
export type TrustProxy = boolean | number | string[];

export interface HttpConfig {
  /** Browser origins allowed to use the publishable key (CORS). */
  allowedOrigins: string[];
  /** Serve the demo and built elements from these folders (npm start); absent in API-only tests. */
  staticDirs?: { demo: string; dist: string } | undefined;
  /** Requests per minute per key and address on quotes, checkouts and confirmations. */
  rateLimits?: RateLimits | undefined;
  /** Enables POST /v1/test-clock/advance (never in production with real money). */
  testClock?: boolean | undefined;
  /** Served to the demo pages as /demo-config.json. */
  demo?: {
    publishableKey?: string | undefined;
    /** The demo shop's server making a customer session for its signed-in user (POST /demo/session); test mode only. */
    userSession?: (() => Promise<{ clientSecret: string; expiresAt: string }>) | undefined;
    /** The demo shop's server opening the portal for its signed-in user (POST /demo/portal-session); null before a purchase. */
    portalSession?: ((returnUrl?: string) => Promise<{ url: string; expiresAt: string } | null>) | undefined;
  } | undefined;
  /** Which proxies in front may name the client's address (Express's `trust proxy`); none by default. */
  trustProxy?: TrustProxy | undefined;
  /** Origin the BFF is reached at, for links in the OpenAPI document. */
  publicUrl?: string | undefined;
}
