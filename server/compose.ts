import type { Logger } from 'pino';
import { CatalogCache } from './app/catalog-cache.js';
import { CatalogService } from './app/catalog.js';
import { SubscriptionChangeService } from './app/change-subscription.js';
import { CheckoutService } from './app/checkout.js';
import { PaymentCollector } from './app/collect-payment.js';
import { InvoiceActions } from './app/invoice-actions.js';
import { CouponService } from './app/coupons.js';
import { CreditNoteService } from './app/credit-invoice.js';
import { DocumentService } from './app/documents.js';
import { CustomerSessionService } from './app/customer-sessions.js';
import { CustomerService } from './app/customers.js';
import { SubscriptionMetadataService } from './app/subscription-metadata.js';
import { ObservedBillingRuns, ObservedUsageRecorder } from './app/work-observer.js';
import type { PaymentProvider } from './payments/provider.js';
import { TestPaymentProvider } from './payments/test-provider.js';
import { KeyStore } from './app/keys.js';
import { CouponCache, QuoteService } from './app/quotes.js';
import { SettingsService } from './app/settings.js';
import { PortalService } from './app/portal.js';
import { PortalSessions } from './app/portal-session.js';
import { SignInService } from './app/sign-in.js';
import { WebhookDelivery } from './app/deliver-webhooks.js';
import { EMAIL_BATCH_SIZE, EmailDelivery, sendSignInCode } from './app/send-emails.js';
import { WebhookEndpointService } from './app/webhook-endpoints.js';
import type { Deps, HttpConfig } from './http/deps.js';
import { createMetrics } from './http/metrics.js';
import { livePolicy, TEST_MODE_POLICY, type UrlPolicy } from './notify/address-policy.js';
import { databaseOnly, type MailTransport } from './notify/mail-transport.js';
import { HttpWebhookSender, type WebhookSender } from './notify/webhook-sender.js';
import type { Db } from './storage/db.js';

/** How webhooks and emails leave (main.ts reads them from the environment; tests give their own). */
export interface NotifyOptions {
  /** Where webhooks may go; by default test mode's (anything) with the test provider, live mode's otherwise. */
  policy?: UrlPolicy;
  sender?: WebhookSender;
  mail?: MailTransport;
  mailFrom?: string | undefined;
}

/** Wires repositories and use cases over one database; used by main.ts and by the HTTP tests alike. */
export function buildDeps(db: Db, config: HttpConfig, logger?: Logger, payments: PaymentProvider = new TestPaymentProvider(), notify: NotifyOptions = {}): Deps {
  const catalogCache = new CatalogCache(db);
  const policy = notify.policy ?? (payments.name === 'test' ? TEST_MODE_POLICY : livePolicy(false));
  const couponCache = new CouponCache(db, catalogCache);
  const quotes = new QuoteService(db, catalogCache, couponCache);
  const customerSessions = new CustomerSessionService(db, catalogCache);
  const collector = new PaymentCollector(db, payments, catalogCache);
  const subscriptionChanges = new SubscriptionChangeService(db, catalogCache, collector);
  const documents = new DocumentService(db, catalogCache);
  const creditNotes = new CreditNoteService(db, catalogCache, payments);
  const portalSessions = new PortalSessions(db, catalogCache, `${config.publicUrl ?? ''}/portal`);
  // The process's metrics: the HTTP requests (createApp) and the background work the services below do.
  const metrics = createMetrics(db, async () => CatalogCache.now(await catalogCache.cached()));
  return {
    db,
    metrics,
    keys: new KeyStore(db),
    catalogCache,
    catalog: new CatalogService(db, catalogCache),
    coupons: new CouponService(db, catalogCache, couponCache),
    quotes,
    creditNotes,
    documents,
    checkouts: new CheckoutService(db, catalogCache, quotes, payments, couponCache, customerSessions),
    customers: new CustomerService(db, catalogCache),
    customerSessions,
    subscriptionMetadata: new SubscriptionMetadataService(db, catalogCache),
    payments,
    collector,
    couponCache,
    billingRuns: new ObservedBillingRuns(metrics.work, db, catalogCache, collector),
    invoiceActions: new InvoiceActions(db, catalogCache, collector, payments),
    usage: new ObservedUsageRecorder(metrics.work, db, catalogCache, collector),
    subscriptionChanges,
    settings: new SettingsService(db, catalogCache),
    portalSessions,
    // The code's mail is written in the sign-in's transaction; the email worker sends it (in test mode /dev/mail shows it).
    signIn: new SignInService(db, catalogCache, portalSessions, sendSignInCode),
    portal: new PortalService(db, catalogCache, collector, couponCache, payments, portalSessions, subscriptionChanges, documents, creditNotes),
    webhookEndpoints: new WebhookEndpointService(db, catalogCache, policy),
    webhookDelivery: new WebhookDelivery(db, catalogCache, notify.sender ?? new HttpWebhookSender(policy), logger, undefined, metrics.work),
    emailDelivery: new EmailDelivery(db, catalogCache, { transport: notify.mail ?? databaseOnly, from: notify.mailFrom, portalUrl: `${config.publicUrl ?? 'http://localhost:4000'}/portal` }, logger, EMAIL_BATCH_SIZE, documents, metrics.work),
    config,
    ...(logger ? { logger } : {}),
  };
}
