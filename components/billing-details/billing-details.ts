import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { msg } from '@lit/localize';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { BillkitApiError } from '../shared/api-client.js';
import { BillkitBillingDetailsUpdateEvent } from '../shared/events.js';
import { countryOptions } from '../shared/format.js';
import { addressPayload, addressStarted } from '../shared/address.js';
import { checkVatFormat, isEu, normalizeVatId } from '../shared/vat.js';
import { accountStyles, problemText, renderLoadError, renderSkeleton } from '../shared/account.js';
import { addressRequired, detailsErrors, emptyDetails, renderDetails, vatRefusedText, type Details } from '../payment-form/payment-form.parts.js';
import { styles as formStyles } from '../payment-form/payment-form.styles.js';
import type { PortalCustomer } from '../shared/portal-types.js';

/**
 * @summary The customer's billing details: name, email, individual or business, country, billing address and VAT ID (its format checked as typed, the BFF's verdict at the field). Saving says that later invoices use them, their VAT included.
 *
 * @event billkit-billing-details-update - The buyer saved their details. detail: {customerId}.
 *
 * @csspart form - The form.
 * @csspart field - One labelled field.
 * @csspart input - A text field or select.
 * @csspart vat-status - The VAT ID format verdict.
 * @csspart address - The billing address fieldset.
 * @csspart note - "Changes apply to future invoices; your VAT may change."
 * @csspart submit - The Save button.
 * @csspart saved - "Saved", once saved.
 * @csspart skeleton - The placeholder while loading.
 * @csspart error - The load or save failed.
 *
 * @cssprop --billkit-payment-form-input-border-color - Field borders (the payment form's fields; defaults to --billkit-color-border).
 * @cssprop --billkit-payment-form-columns - Minimum column width before the fields stack (14rem).
 */
@customElement('billkit-billing-details')
export class BillkitBillingDetails extends BillkitPortalElement {
  static override styles = [
    formStyles,
    accountStyles,
    css`
      .actions {
        align-items: center;
      }
      [part='submit'] {
        inline-size: auto;
      }
    `,
  ];

  @state() private customer?: PortalCustomer;
  @state() private details: Details = emptyDetails();
  @state() private errors: Record<string, string> = {};
  @state() private touched = new Set<string>();
  @state() private busy = false;
  @state() private saved = false;
  @state() private loadError?: unknown;
  @state() private saveError = '';
  /** The buyer edited since the last load or save: a reload does not overwrite their typing. */
  #dirty = false;

  protected override async portalChanged(): Promise<void> {
    const client = this.portal?.client;
    if (!client) return;
    this.loadError = undefined;
    try {
      const customer = await client.customer();
      this.customer = customer;
      if (!this.#dirty) this.details = detailsOf(customer);
    } catch (error) {
      if (!this.customer) this.loadError = error;
    }
  }

  #onInput(patch: Partial<Details>, field: keyof Details): void {
    this.details = { ...this.details, ...patch };
    this.#dirty = true;
    this.saved = false;
    if (field === 'vatId' || field === 'type' || field === 'country') this.touched = new Set(['vatId']);
    const { [field]: _, ...rest } = this.errors;
    if (field === 'country') delete rest.postalCode;
    this.errors = rest;
  }

  async #onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const client = this.portal?.client;
    if (this.busy || !client) return;
    const d = this.details;
    this.touched = new Set(['vatId']);
    this.saveError = '';
    this.errors = detailsErrors(d, this.effectiveLocale);
    if (Object.keys(this.errors).length) return this.#focus('[aria-invalid="true"]');
    this.busy = true;
    try {
      const customer = await client.updateCustomer({
        name: d.name.trim(),
        email: d.email.trim(),
        country: d.country,
        type: d.type,
        vatId: d.type === 'business' && d.vatId.trim() ? normalizeVatId(d.vatId) : null,
        address: addressStarted(d) ? addressPayload(d, d.country) : null,
      });
      this.customer = customer;
      this.details = detailsOf(customer);
      this.#dirty = false;
      this.saved = true;
      this.dispatchEvent(new BillkitBillingDetailsUpdateEvent({ customerId: customer.id }));
      this.portal?.changed();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.busy = false;
    }
  }

  /** A refusal about fields is said once at each field, the first taking the focus; anything else above the button. */
  #fail(error: unknown): void {
    const e = error instanceof BillkitApiError ? error : undefined;
    const texts: Record<string, string> = {};
    for (const { pointer, detail } of e?.problem.errors ?? []) {
      const field = pointer.split('/').pop() ?? '';
      if (field in this.details) texts[field] = detail;
    }
    if (e?.code === 'vat_id_invalid') texts.vatId = vatRefusedText(this.details.country, this.effectiveLocale);
    if (e?.code === 'customer_email_taken') texts.email = msg('Another account uses this email address.', { id: 'details.email_taken' });
    if (Object.keys(texts).length) {
      this.errors = texts;
      return this.#focus('[aria-invalid="true"]');
    }
    this.saveError = problemText(error);
    this.#focus('p[part="error"]');
  }

  #focus(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  override render() {
    const title = html`<h2 id="details-title">${msg('Billing details', { id: 'details.title' })}</h2>`;
    if (!this.customer) {
      return html`${title}${this.loadError
        ? renderLoadError(this.loadError, () => this.portalChanged())
        : renderSkeleton(msg('Loading billing details', { id: 'details.loading' }), 5)}`;
    }
    const d = this.details;
    return html`${title}
      <form part="form" novalidate aria-labelledby="details-title" aria-busy=${this.busy ? 'true' : 'false'} @submit=${this.#onSubmit}>
        ${renderDetails({
          details: d,
          countries: countryOptions(this.effectiveLocale),
          errors: this.errors,
          touched: this.touched,
          vatCheck: isEu(d.country) ? checkVatFormat(d.country, d.vatId) : 'empty',
          vatVisible: d.type === 'business',
          taxIdOnly: !isEu(d.country),
          locale: this.effectiveLocale,
          priced: { vatRefused: false },
          addressRequired: addressRequired(d),
          vatHint: msg('It goes on your future invoices.', { id: 'details.vat_hint' }),
          onInput: (patch, field) => this.#onInput(patch, field),
        })}
        <p part="note" class="muted">${msg('Changes apply to future invoices; your VAT may change.', { id: 'details.note' })}</p>
        ${this.saveError ? html`<p part="error" tabindex="-1">${this.saveError}</p>` : nothing}
        <div class="actions">
          <button part="submit" class="button" type="submit" aria-disabled=${this.busy ? 'true' : 'false'}>${msg('Save', { id: 'details.save' })}</button>
          <span part="saved" class="success" role="status">${this.saved ? msg('Saved', { id: 'details.saved' }) : ''}</span>
        </div>
      </form>`;
  }
}

/** The form's fields from the customer as the BFF has them. */
function detailsOf(c: PortalCustomer): Details {
  const a = c.address ?? {};
  return {
    ...emptyDetails(),
    email: c.email, name: c.name, country: c.country, type: c.type, vatId: c.vatId ?? '',
    line1: a.line1 ?? '', line2: a.line2 ?? '', postalCode: a.postalCode ?? '', city: a.city ?? '',
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-billing-details': BillkitBillingDetails;
  }
}
