/**
 * The buyer's emails, in English and German, as plain text and HTML with the seller's name. Each template
 * is a subject and paragraphs; values are escaped into the HTML, links become anchors. Money and dates are
 * formatted here, at rendering, from the stored figures (minor units, ISO instants).
 */
import { minorUnitExponent } from '../domain/money.js';
import type { EmailTemplate, Locale } from '../domain/notifications.js';

export interface MailValues {
  sellerName: string;
  customerName?: string | undefined;
  invoiceNumber?: string | undefined;
  /** Minor units, with `currency`. */
  amount?: number | undefined;
  currency?: string | undefined;
  /** An ISO instant (trial end, period end, paid at). */
  date?: string | undefined;
  planCode?: string | undefined;
  /** The plan's name in the customer's language (the catalog's translation), shown rather than its code. */
  planName?: string | undefined;
  portalUrl?: string | undefined;
  code?: string | undefined;
  minutes?: number | undefined;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph: text, or text with a link after it. */
type Paragraph = string | { text: string; href: string };

interface Texts {
  subject: string;
  body: Paragraph[];
}

type Fmt = { money: string; date: string; hello: string };

const TEXTS: Record<Locale, Record<EmailTemplate, (v: MailValues, f: Fmt) => Texts>> = {
  en: {
    receipt: (v, f) => ({
      subject: `Receipt for invoice ${v.invoiceNumber} from ${v.sellerName}`,
      body: [f.hello, `Thank you for your payment of ${f.money} on ${f.date}. Invoice ${v.invoiceNumber} is paid.`, `${v.sellerName}`],
    }),
    payment_failed: (v, f) => ({
      subject: `Payment failed for invoice ${v.invoiceNumber} from ${v.sellerName}`,
      body: [
        f.hello,
        `We could not collect ${f.money} for invoice ${v.invoiceNumber}. We will try again; to avoid an interruption, please check your payment method.`,
        ...(v.portalUrl ? [{ text: 'Update your payment method:', href: v.portalUrl }] : []),
        `${v.sellerName}`,
      ],
    }),
    trial_ending: (v, f) => ({
      subject: `Your trial with ${v.sellerName} ends on ${f.date}`,
      body: [f.hello, `Your trial of ${v.planName ?? v.planCode} ends on ${f.date}. Your subscription then continues with the payment method you gave.`, ...(v.portalUrl ? [{ text: 'Manage your subscription:', href: v.portalUrl }] : []), `${v.sellerName}`],
    }),
    cancellation_confirmed: (v, f) => ({
      subject: `Your subscription with ${v.sellerName} is cancelled`,
      body: [f.hello, `Your subscription to ${v.planName ?? v.planCode} was cancelled on ${f.date}. You will not be charged for it again.`, `${v.sellerName}`],
    }),
    sign_in_code: (v) => ({
      subject: `Your sign-in code for ${v.sellerName}: ${v.code}`,
      body: [`Your code to sign in to your ${v.sellerName} account is ${v.code}. It is valid for ${v.minutes} minutes.`, 'If you did not ask for it, ignore this email.'],
    }),
  },
  de: {
    receipt: (v, f) => ({
      subject: `Zahlungsbestätigung für Rechnung ${v.invoiceNumber} von ${v.sellerName}`,
      body: [f.hello, `Vielen Dank für Ihre Zahlung von ${f.money} am ${f.date}. Rechnung ${v.invoiceNumber} ist bezahlt.`, `${v.sellerName}`],
    }),
    payment_failed: (v, f) => ({
      subject: `Zahlung für Rechnung ${v.invoiceNumber} von ${v.sellerName} fehlgeschlagen`,
      body: [
        f.hello,
        `Wir konnten ${f.money} für Rechnung ${v.invoiceNumber} nicht einziehen. Wir versuchen es erneut; bitte prüfen Sie Ihre Zahlungsmethode, damit es zu keiner Unterbrechung kommt.`,
        ...(v.portalUrl ? [{ text: 'Zahlungsmethode aktualisieren:', href: v.portalUrl }] : []),
        `${v.sellerName}`,
      ],
    }),
    trial_ending: (v, f) => ({
      subject: `Ihr Testzeitraum bei ${v.sellerName} endet am ${f.date}`,
      body: [f.hello, `Ihr Testzeitraum für ${v.planName ?? v.planCode} endet am ${f.date}. Danach läuft Ihr Abonnement mit der angegebenen Zahlungsmethode weiter.`, ...(v.portalUrl ? [{ text: 'Abonnement verwalten:', href: v.portalUrl }] : []), `${v.sellerName}`],
    }),
    cancellation_confirmed: (v, f) => ({
      subject: `Ihr Abonnement bei ${v.sellerName} ist gekündigt`,
      body: [f.hello, `Ihr Abonnement für ${v.planName ?? v.planCode} wurde am ${f.date} gekündigt. Es wird Ihnen nicht erneut berechnet.`, `${v.sellerName}`],
    }),
    sign_in_code: (v) => ({
      subject: `Ihr Anmeldecode für ${v.sellerName}: ${v.code}`,
      body: [`Ihr Code für die Anmeldung bei Ihrem Konto bei ${v.sellerName} lautet ${v.code}. Er ist ${v.minutes} Minuten gültig.`, 'Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.'],
    }),
  },
};

const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', de: 'de-DE' };

export function formatMoney(amount: number, currency: string, locale: Locale): string {
  const digits = minorUnitExponent(currency);
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount / 10 ** digits);
}

export const formatDate = (iso: string, locale: Locale) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderMail(template: EmailTemplate, locale: Locale, values: MailValues): RenderedMail {
  const fmt: Fmt = {
    money: values.amount !== undefined && values.currency ? formatMoney(values.amount, values.currency, locale) : '',
    date: values.date ? formatDate(values.date, locale) : '',
    hello: locale === 'de' ? `Guten Tag${values.customerName ? ` ${values.customerName}` : ''},` : `Hello${values.customerName ? ` ${values.customerName}` : ''},`,
  };
  const { subject, body } = TEXTS[locale][template](values, fmt);
  const text = body.map((p) => (typeof p === 'string' ? p : `${p.text} ${p.href}`)).join('\n\n') + '\n';
  const paragraphs = body
    .map((p) => (typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p>${escapeHtml(p.text)} <a href="${escapeHtml(p.href)}">${escapeHtml(p.href)}</a></p>`))
    .join('\n');
  const html = `<!doctype html>\n<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family: system-ui, sans-serif; line-height: 1.5">\n${paragraphs}\n</body></html>\n`;
  return { subject, text, html };
}
