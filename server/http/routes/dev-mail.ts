import type { Router } from 'express';
import type { Email } from '../../storage/email-repository.js';
import { findEmail, listEmails } from '../../storage/email-repository.js';
import type { Deps } from '../deps.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}</style>
</head><body>${body}</body></html>\n`;

const row = (m: Email) =>
  `<tr><td>${escapeHtml(m.createdAt)}</td><td>${escapeHtml(m.recipient ?? '')}</td><td><a href="/dev/mail/${encodeURIComponent(m.id)}">${escapeHtml(m.subject ?? `(${m.template}, not rendered yet)`)}</a></td><td>${escapeHtml(m.locale ?? '')}</td><td>${escapeHtml(m.status)}</td></tr>`;

/**
 * /dev/mail: the emails Billkit made, newest first, and each one's text and HTML (test mode only: the
 * buyers' emails carry their addresses and sign-in codes).
 */
export function devMailRoutes(router: Router, { db }: Deps): void {
  router.get('/dev/mail', async (_req, res) => {
    const mails = await listEmails(db, 200);
    const table = mails.length
      ? `<table><thead><tr><th>created</th><th>to</th><th>subject</th><th>locale</th><th>status</th></tr></thead><tbody>${mails.map(row).join('')}</tbody></table>`
      : '<p>No emails yet. A paid invoice, a failed payment, a trial ending, a cancellation or a sign-in code makes one; the delivery worker renders it within a second.</p>';
    res.type('html').send(page('Billkit mail', `<h1>Mail</h1><p>Kept in the database (no BILLKIT_SMTP_URL): test mode only.</p>${table}`));
  });
  router.get('/dev/mail/:id', async (req, res) => {
    const mail = await findEmail(db, req.params.id);
    if (!mail) return void res.status(404).type('html').send(page('Not found', '<p>No such email. <a href="/dev/mail">All mail</a></p>'));
    res.type('html').send(
      page(
        mail.subject ?? mail.template,
        `<p><a href="/dev/mail">All mail</a></p><h1>${escapeHtml(mail.subject ?? mail.template)}</h1>
<p>To: ${escapeHtml(mail.recipient ?? '')} · ${escapeHtml(mail.locale ?? '')} · ${escapeHtml(mail.status)}${mail.error ? ` · ${escapeHtml(mail.error)}` : ''}</p>
<pre>${escapeHtml(mail.text ?? '')}</pre>${mail.html ? `<p><a href="/dev/mail/${encodeURIComponent(mail.id)}/html">HTML version</a></p>` : ''}`,
      ),
    );
  });
  router.get('/dev/mail/:id/html', async (req, res) => {
    const mail = await findEmail(db, req.params.id);
    if (!mail?.html) return void res.status(404).type('html').send(page('Not found', '<p>No such email.</p>'));
    res.type('html').send(mail.html);
  });
}
