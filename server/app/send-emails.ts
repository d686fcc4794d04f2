/**
 * One pass of the buyer's emails: claim what is due (like webhook deliveries), render each in the buyer's
 * locale from its event (or its own data: the sign-in code), send it over SMTP or keep it in the database,
 * and record the outcome. Each email is one row per (event, template): a pass killed before it recorded
 * leaves the row due again after the lease (none lost; what the SMTP server had accepted of that batch goes
 * again: at most EMAIL_BATCH_SIZE per crash, test/server/storage/crash.test.ts); in normal operation each
 * is sent once.
 */
import type { Logger } from 'pino';
import { afterFailure, EMAIL_RETRY_DELAYS_MS, toLocale, type EmailTemplate } from '../domain/notifications.js';
import type { Db, Tx } from '../storage/db.js';
import * as repo from '../storage/email-repository.js';
import { newId } from '../storage/ids.js';
import type { MailTransport } from '../notify/mail-transport.js';
import { renderMail, type MailValues } from '../notify/templates.js';
import { catalogFor, type CatalogCache, type MerchantSettings } from './catalog-cache.js';
import type { DocumentService } from './documents.js';
import { drainDue, type PassSummary } from './delivery-pass.js';
import { NOBODY, type WorkObserver } from './work-observer.js';

export interface MailSettings {
  transport: MailTransport;
  /** The sender's address (BILLKIT_MAIL_FROM), else the seller's email from the settings. */
  from?: string | undefined;
  /** Where buyers manage their subscription (the payment-failed email links to it). */
  portalUrl?: string | undefined;
}

/** Emails claimed and in flight at once, per pass (a process killed mid-pass sends at most these again). */
export const EMAIL_BATCH_SIZE = 20;

/** A sign-in code is valid this long (SPEC section 12). */
export const SIGN_IN_CODE_MINUTES = 10;

/**
 * Mails a portal sign-in code, in the transaction that stores the code's hash: the mail exists exactly when
 * the code does, and is sent by the delivery worker after the commit.
 */
export async function sendSignInCode(tx: Tx, input: { email: string; code: string; locale?: string | undefined; name?: string | undefined; at: string }): Promise<string> {
  const id = newId('em');
  await repo.enqueueEmail(tx, {
    id,
    key: `sign_in:${id}`,
    template: 'sign_in_code',
    data: { email: input.email, code: input.code, locale: toLocale(input.locale), ...(input.name ? { name: input.name } : {}) },
    at: input.at,
  });
  return id;
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** The template's values from what its event carried. */
function valuesFor(template: EmailTemplate, object: Obj, eventAt: string): Omit<MailValues, 'sellerName'> {
  switch (template) {
    case 'receipt':
      return { invoiceNumber: str(object.number), amount: num(object.amountPaid) ?? num(object.total), currency: str(object.currency), date: str(object.paidAt) ?? eventAt };
    case 'payment_failed':
      return { invoiceNumber: str(object.number), amount: num(object.amountDue) ?? num(object.total), currency: str(object.currency), date: eventAt };
    case 'trial_ending':
      return { planCode: str(object.planCode), date: str(object.trialEnd) ?? eventAt };
    case 'cancellation_confirmed':
      return { planCode: str(object.planCode), date: str(object.cancelledAt) ?? str(object.endedAt) ?? eventAt };
    case 'sign_in_code':
      return { code: str(object.code), minutes: SIGN_IN_CODE_MINUTES };
  }
}

/** The receipt's invoice as a PDF attachment; none when it cannot be rendered (no seller set yet): the receipt still goes. */
export class EmailDelivery {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly mail: MailSettings,
    private readonly logger?: Logger,
    private readonly batchSize = EMAIL_BATCH_SIZE,
    /** Renders the invoice PDF a receipt carries (absent: receipts go without it). */
    private readonly documents?: Pick<DocumentService, 'invoice'>,
    /** Told each batch's outcomes once recorded (the metrics). */
    private readonly observer: WorkObserver = NOBODY,
  ) {}

  async #invoicePdf(invoice: Obj): Promise<{ filename: string; content: Buffer; contentType: string }[]> {
    const id = str(invoice.id);
    if (!this.documents || !id) return [];
    try {
      const pdf = await this.documents.invoice(id, 'pdf');
      return [{ filename: pdf.filename, content: Buffer.from(pdf.bytes), contentType: pdf.contentType }];
    } catch (error) {
      this.logger?.warn({ invoiceId: id, err: (error as Error).message }, 'receipt sent without its PDF');
      return [];
    }
  }

  get transportKind(): MailTransport['kind'] {
    return this.mail.transport.kind;
  }

  /** Sends everything due now (on Billkit's clock), a batch in flight at once. */
  async runOnce(): Promise<PassSummary> {
    const { settings } = await this.cache.get();
    return drainDue(
      this.db,
      this.cache,
      (tx, now, leaseUntil) => repo.claimEmails(tx, now, leaseUntil, this.batchSize),
      (email, clock) => this.#send(email, clock(), settings),
      async (tx, sent) => {
        for (const { item, result } of sent) await repo.recordEmail(tx, item.id, result);
        return sent.map(({ result }) => result.status === 'sent' || result.status === 'kept' || result.status === 'skipped');
      },
      // After the commit: what is told is recorded (a pass killed before it told nothing, and sends again).
      (sent) => this.observer.emailsAttempted(
        sent.map(({ result }) => result.status),
        sent.flatMap(({ item, result, at }) => (result.status === 'sent' ? [(at.getTime() - Date.parse(item.createdAt)) / 1000] : [])),
      ),
    );
  }

  async #send(email: repo.ClaimedEmail, at: Date, settings: MerchantSettings): Promise<repo.EmailOutcome> {
    const object: Obj = email.event?.object ?? email.data;
    let recipient: string | null = null;
    let locale = toLocale(email.data.locale);
    let customerName = str(email.data.name);
    if (email.event) {
      const customerId = str(object.customerId) ?? (str(object.subscriptionId) ? await repo.subscriptionCustomerId(this.db, str(object.subscriptionId)!) : null);
      const contact = customerId ? await repo.customerContact(this.db, customerId) : null;
      if (contact) {
        recipient = contact.email;
        locale = toLocale(contact.locale);
        customerName = contact.name;
      }
    } else {
      recipient = str(email.data.email) ?? null;
    }
    const seller = (object.seller as Obj | null | undefined) ?? (settings.seller as unknown as Obj | null);
    const sellerName = str(seller?.name) ?? 'Billkit';
    const values = valuesFor(email.template, object, at.toISOString());
    // The plan as the customer knows it: its name in their language, not its code.
    const plan = values.planCode ? catalogFor(await this.cache.cached(), locale).plans.get(values.planCode) : undefined;
    if (plan) values.planName = plan.name;
    const rendered = renderMail(email.template, locale, { sellerName, customerName, portalUrl: this.mail.portalUrl, ...values });
    const base = { recipient, locale, ...rendered, at: at.toISOString(), retryAt: null };
    // A trial's checkout is an invoice of 0 marked paid: there was no payment to confirm.
    if (email.template === 'receipt' && values.amount === 0) return { ...base, status: 'skipped', error: 'Nothing was paid: no receipt.' };
    if (!recipient) return { ...base, status: 'failed', error: 'No recipient: the customer of this event was not found.' };
    if (this.mail.transport.kind === 'database') return { ...base, status: 'kept', error: null };
    const fromAddress = this.mail.from ?? str(seller?.email) ?? 'billing@localhost';
    try {
      const attachments = email.template === 'receipt' ? await this.#invoicePdf(object) : [];
      await this.mail.transport.send({
        from: `"${sellerName.replaceAll('"', "'")}" <${fromAddress}>`, to: recipient, subject: rendered.subject, text: rendered.text, html: rendered.html,
        ...(attachments.length > 0 ? { attachments } : {}),
      });
      // A sign-in code is a secret: once it left, the database keeps neither the code nor its text.
      const secret = email.template === 'sign_in_code';
      return { ...base, status: 'sent', error: null, ...(secret ? { text: null, html: null, subject: null, forgetData: true } : {}) };
    } catch (error) {
      const message = (error as Error).message;
      const next = afterFailure(email.attempt, at, EMAIL_RETRY_DELAYS_MS);
      this.logger?.warn({ emailId: email.id, template: email.template, err: message }, next.kind === 'retry' ? 'email not sent: will retry' : 'email not sent: gave up');
      return next.kind === 'retry' ? { ...base, status: 'pending', error: message, retryAt: next.at.toISOString() } : { ...base, status: 'failed', error: message };
    }
  }
}
