/**
 * How emails leave: over SMTP with nodemailer when BILLKIT_SMTP_URL is set (smtp://user:pass@host:587,
 * smtps://... for TLS from the start), otherwise not at all: they are kept in the database, and in test mode
 * shown at /dev/mail.
 */
import { createTransport, type Transporter } from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface MailTransport {
  /** `database`: nothing is sent; the mail stays in the emails table (kept). */
  readonly kind: 'smtp' | 'database';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp';
  readonly #transporter: Transporter;

  constructor(url: string) {
    this.#transporter = createTransport(url);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.#transporter.sendMail(mail);
  }

  close(): void {
    this.#transporter.close();
  }
}

export const databaseOnly: MailTransport = {
  kind: 'database',
  send: async () => {},
  close: () => {},
};

export const mailTransportFor = (smtpUrl: string | undefined): MailTransport => (smtpUrl ? new SmtpTransport(smtpUrl) : databaseOnly);
