import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { msg } from '@lit/localize';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { BillkitInvoiceDownloadEvent } from '../shared/events.js';
import { formatDate, formatMoney } from '../shared/format.js';
import { tokens } from '../shared/tokens.js';
import { accountStyles, followChanges, problemText, renderLoadError, renderSkeleton } from '../shared/account.js';
import type { Invoice } from '../shared/portal-types.js';

/**
 * @summary The customer's invoices, newest first: number, date, amount and status, each with its PDF; paged by "Show more". A narrow list (under 36rem) stacks each invoice's cells under their labels.
 *
 * @event billkit-invoice-download - The buyer downloaded an invoice's PDF. detail: {invoiceId, number}.
 *
 * @csspart table - The table of invoices.
 * @csspart row - One invoice.
 * @csspart badge - The status badge (also paid, open, failed, void, uncollectible or draft).
 * @csspart download - The "Download PDF" button of an invoice.
 * @csspart download-error - Why an invoice's PDF could not be downloaded.
 * @csspart more - "Show more invoices".
 * @csspart empty - "No invoices yet".
 * @csspart skeleton - The placeholder while loading.
 * @csspart error - The load failed, with "Try again".
 *
 * @cssprop --billkit-invoice-list-border-color - Row separators (defaults to --billkit-color-border).
 * @cssprop --billkit-invoice-list-paid-color - The paid badge (defaults to --billkit-color-success).
 * @cssprop --billkit-invoice-list-failed-color - The payment-failed badge (defaults to --billkit-color-danger).
 */
@customElement('billkit-invoice-list')
export class BillkitInvoiceList extends BillkitPortalElement {
  static override styles = [
    tokens,
    accountStyles,
    css`
      :host {
        --_rule: var(--billkit-invoice-list-border-color, var(--_border));
        --_paid: var(--billkit-invoice-list-paid-color, var(--_success));
        --_failed: var(--billkit-invoice-list-failed-color, var(--_danger));
        container-type: inline-size;
      }
      table {
        inline-size: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        padding: var(--_space-2);
        border-block-end: 1px solid var(--_rule);
        text-align: start;
        font-variant-numeric: tabular-nums;
      }
      th[scope='col'] {
        color: var(--_muted);
      }
      .end {
        text-align: end;
      }
      [part~='badge'] {
        display: inline-block;
        padding: 0 var(--_space-2);
        border: 1px solid currentColor;
        border-radius: var(--_radius);
        font-size: 0.85em;
        white-space: nowrap;
      }
      [part~='paid'] {
        color: var(--_paid);
      }
      [part~='failed'] {
        color: var(--_failed);
      }
      [part='download-error'] {
        display: block;
      }
      [part='more'] {
        margin-block-start: var(--_space-3);
      }
      /* Narrow: each invoice a block, its cells under their labels (still a table to a screen reader). */
      @container (max-width: 36rem) {
        thead {
          position: absolute;
          inline-size: 1px;
          overflow: hidden;
          clip-path: inset(50%);
        }
        tr,
        th[scope='row'],
        td {
          display: block;
          border: 0;
          padding: var(--_space-1) 0;
        }
        tr {
          padding-block: var(--_space-2);
          border-block-end: 1px solid var(--_rule);
        }
        td[data-label]::before {
          content: attr(data-label);
          display: inline-block;
          min-inline-size: 6rem;
          color: var(--_muted);
        }
        .end {
          text-align: start;
        }
      }
    `,
  ];

  /** Only this subscription's invoices (its id, sub_...). */
  @property() subscription = '';
  /** Invoices per page (1 to 100). */
  @property({ type: Number, attribute: 'page-size' }) pageSize = 10;

  @state() private invoices?: Invoice[];
  @state() private nextCursor: string | null = null;
  /** The last load failed: why, and whether it was the next page. */
  @state() private error?: { cause: unknown; more: boolean };
  @state() private busy = false;
  /** Per invoice: a download in flight (true) or why it failed. */
  @state() private pdf: Record<string, true | string> = {};
  #loads = 0;

  #unfollow?: () => void;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unfollow = followChanges(['billkit-payment-method-update', 'billkit-subscription-update'], () => this.inPortal || this.portalChanged());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unfollow?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (this.hasUpdated && (changed.has('subscription') || changed.has('pageSize'))) this.portalChanged();
  }

  protected override portalChanged(): void {
    void this.#load(false);
  }

  /** The first page again (after a change), or the next one ("Show more"), appended. */
  async #load(more: boolean): Promise<void> {
    const client = this.portal?.client;
    if (!client) return;
    const load = ++this.#loads;
    this.busy = true;
    this.error = undefined;
    try {
      const page = await client.invoices({
        limit: this.pageSize,
        ...(more && this.nextCursor ? { startingAfter: this.nextCursor } : {}),
        ...(this.subscription ? { subscriptionId: this.subscription } : {}),
      });
      if (load !== this.#loads) return;
      const first = this.invoices?.length ?? 0;
      this.invoices = more ? [...(this.invoices ?? []), ...page.data] : page.data;
      this.nextCursor = page.hasMore ? page.nextCursor : null;
      // Shown more: the first new invoice takes the focus, so the keyboard carries on where the list grew.
      if (more) void this.updateComplete.then(() => this.renderRoot.querySelectorAll<HTMLElement>('[part="row"] th')[first]?.focus());
    } catch (error) {
      if (load === this.#loads) this.error = { cause: error, more };
    } finally {
      if (load === this.#loads) this.busy = false;
    }
  }

  /** Fetches the PDF with the session's token and saves it as <number>.pdf through a temporary link. */
  async #download(invoice: Invoice): Promise<void> {
    const client = this.portal?.client;
    if (!client || this.pdf[invoice.id] === true) return;
    this.pdf = { ...this.pdf, [invoice.id]: true };
    let outcome: string | undefined;
    try {
      const url = URL.createObjectURL(await client.invoicePdf(invoice.id));
      const link = Object.assign(document.createElement('a'), { href: url, download: `${invoice.number}.pdf`, hidden: true });
      this.renderRoot.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      this.dispatchEvent(new BillkitInvoiceDownloadEvent({ invoiceId: invoice.id, number: invoice.number }));
    } catch (error) {
      outcome = (error as { status?: number }).status === 422
        ? msg('No PDF can be made of this invoice yet. Please contact us.', { id: 'invoices.pdf_unavailable' })
        : problemText(error);
    }
    const { [invoice.id]: _, ...rest } = this.pdf;
    this.pdf = outcome ? { ...rest, [invoice.id]: outcome } : rest;
  }

  override render() {
    const title = html`<h2 id="title">${msg('Invoices', { id: 'invoices.title' })}</h2>`;
    const invoices = this.invoices;
    if (!invoices) {
      return html`${title}${this.error
        ? renderLoadError(this.error.cause, () => this.#load(false))
        : renderSkeleton(msg('Loading invoices', { id: 'invoices.loading' }))}`;
    }
    if (!invoices.length) return html`${title}<p part="empty" class="muted">${msg('No invoices yet.', { id: 'invoices.empty' })}</p>`;
    const labels = {
      date: msg('Date', { id: 'invoices.date' }),
      amount: msg('Amount', { id: 'invoices.amount' }),
      status: msg('Status', { id: 'invoices.status' }),
    };
    return html`${title}
      <table part="table" aria-labelledby="title" aria-busy=${this.busy ? 'true' : 'false'}>
        <thead><tr>
          <th scope="col">${msg('Invoice', { id: 'invoices.number' })}</th>
          <th scope="col">${labels.date}</th>
          <th scope="col" class="end">${labels.amount}</th>
          <th scope="col">${labels.status}</th>
          <th scope="col"><span class="visually-hidden">${msg('Document', { id: 'invoices.document' })}</span></th>
        </tr></thead>
        <tbody>${invoices.map((invoice) => this.#renderRow(invoice, labels))}</tbody>
      </table>
      ${this.error ? renderLoadError(this.error.cause, () => this.#load(this.error!.more)) : nothing}
      ${this.nextCursor && !this.error
        ? html`<button part="more" type="button" class="button secondary" ?disabled=${this.busy} @click=${() => this.#load(true)}>
            ${msg('Show more invoices', { id: 'invoices.more' })}</button>`
        : nothing}`;
  }

  #renderRow(invoice: Invoice, labels: { date: string; amount: string; status: string }) {
    const locale = this.effectiveLocale;
    const pdf = this.pdf[invoice.id];
    const [kind, text] = this.#status(invoice);
    return html`<tr part="row">
      <th scope="row" tabindex="-1">${invoice.number}</th>
      <td data-label=${labels.date}>${formatDate(invoice.issuedAt, locale)}</td>
      <td data-label=${labels.amount} class="end">${formatMoney(invoice.total, invoice.currency, locale)}</td>
      <td data-label=${labels.status}><span part="badge ${kind}">${text}</span></td>
      <td>
        <button part="download" type="button" class="button secondary" aria-disabled=${pdf === true ? 'true' : 'false'}
          aria-describedby=${typeof pdf === 'string' ? `pdf-${invoice.id}` : nothing} @click=${() => this.#download(invoice)}>
          ${msg('Download PDF', { id: 'invoices.download' })}<span class="visually-hidden"> ${invoice.number}</span>
        </button>
        ${typeof pdf === 'string' ? html`<span part="download-error" id="pdf-${invoice.id}" class="error">${pdf}</span>` : nothing}
      </td>
    </tr>`;
  }

  /** The badge: its part name and its words. An open invoice whose payment was declined says so. */
  #status(invoice: Invoice): [string, string] {
    switch (invoice.status) {
      case 'paid': return ['paid', msg('Paid', { id: 'invoices.paid' })];
      case 'void': return ['void', msg('Void', { id: 'invoices.void' })];
      case 'uncollectible': return ['uncollectible', msg('Uncollectible', { id: 'invoices.uncollectible' })];
      case 'draft': return ['draft', msg('Draft', { id: 'invoices.draft' })];
      default:
        if (invoice.attempts.some((a) => a.outcome === 'declined')) return ['failed', msg('Payment failed', { id: 'invoices.failed' })];
        // A free trial's first invoice: open, but nothing is owed on it.
        return invoice.amountDue > invoice.amountPaid
          ? ['open', msg('Open', { id: 'invoices.open' })]
          : ['open', msg('Nothing due', { id: 'invoices.nothing_due' })];
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-invoice-list': BillkitInvoiceList;
  }
}
