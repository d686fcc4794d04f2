/** Presentational pieces of <billkit-payment-form>: the details fields and the error texts. */
import { html, nothing } from 'lit';
import { msg, str } from '@lit/localize';
import { formatCountry } from '../shared/format.js';
import { errorText } from '../shared/messages.js';
import { addressStarted, checkPostalCode, type Address } from '../shared/address.js';
import { checkVatFormat, isEu, vatExample, type VatCheck } from '../shared/vat.js';
import { formatCardNumber, type TestCardResult } from '../shared/test-cards.js';
import type { CustomerType } from '../shared/types.js';

export interface Details extends Address {
  email: string;
  name: string;
  country: string;
  type: CustomerType;
  vatId: string;
}

export const emptyDetails = (): Details => ({
  email: '', name: '', country: 'DE', type: 'individual', vatId: '', line1: '', line2: '', postalCode: '', city: '',
});

/** The billing address is required of a business (its invoice must name it) and of anyone who starts one. */
export const addressRequired = (d: Details): boolean => d.type === 'business' || addressStarted(d);

/**
 * The form's own checks, field by field: email, name, an EU business's VAT ID format, and the billing
 * address (line 1, city, and the postal code where the country's shape is known) when it is required.
 */
export function detailsErrors(d: Details, locale: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!/^\S+@\S+\.\S+$/.test(d.email)) errors.email = msg('Enter a valid email address.', { id: 'payment.email_invalid' });
  if (!d.name.trim()) errors.name = msg('Enter your name.', { id: 'payment.name_missing' });
  if (d.type === 'business' && isEu(d.country) && checkVatFormat(d.country, d.vatId) === 'invalid') {
    errors.vatId = vatFormatText(d.country, locale);
  }
  if (addressRequired(d)) {
    if (!d.line1.trim()) errors.line1 = msg('Enter the street and house number.', { id: 'payment.line1_missing' });
    const postal = checkPostalCode(d.country, d.postalCode);
    if (postal === 'empty') errors.postalCode = msg('Enter the postal code.', { id: 'payment.postal_missing' });
    if (postal === 'invalid') {
      errors.postalCode = msg(str`This is not a postal code of ${formatCountry(d.country, locale)}.`, { id: 'payment.postal_invalid' });
    }
    if (!d.city.trim()) errors.city = msg('Enter the city.', { id: 'payment.city_missing' });
  }
  return errors;
}

export interface DetailsView {
  details: Details;
  countries: readonly { code: string; name: string }[];
  errors: Record<string, string>;
  touched: Set<string>;
  vatCheck: VatCheck;
  vatVisible: boolean;
  /** A business outside the EU: a tax ID for the invoice, with no VAT format or reverse charge to it. */
  taxIdOnly: boolean;
  /** The merchant's customer portal, when the email was refused for holding a subscription already. */
  portalUrl?: string | undefined;
  /** The buyer is a business, or started an address: line 1, postal code and city must be given. */
  addressRequired: boolean;
  /** The buyer's language, for the VAT ID's texts. */
  locale: string;
  /** What the BFF made of the buyer as the form describes them: its tax treatment, or that it refused the VAT ID. */
  priced: { treatment?: string; vatRefused: boolean };
  onInput: (patch: Partial<Details>, field: keyof Details, push?: boolean) => void;
  /** The email a customer session fixed: shown, not editable. */
  emailFixed?: boolean;
  /** The line under an empty VAT ID, in place of the checkout's (the portal knows no treatment before saving). */
  vatHint?: string;
}

/** "Manage subscription": the way to the merchant's customer portal. */
export const portalLink = (url: string) =>
  html`<a part="portal" class="button secondary" href=${url}>${msg('Manage subscription', { id: 'payment.manage' })}</a>`;

/** A VAT ID whose shape is not the country's. */
export function vatFormatText(country: string, locale: string): string {
  const example = vatExample(country);
  return msg(str`This is not a VAT ID of ${formatCountry(country, locale)} (like ${example}).`, { id: 'payment.vat_format' });
}

/** A VAT ID of the right shape that the BFF refused (its checksum). */
export function vatRefusedText(country: string, locale: string): string {
  return msg(str`This is not a valid VAT ID of ${formatCountry(country, locale)}: check it for typos.`, { id: 'payment.vat_refused' });
}

/**
 * The field a refusal is about, with a text of the form's own: said in the buyer's language, in place of the
 * BFF's English detail for that field.
 */
export function refusalFieldText(code: string, country: string, locale: string, portal = false): { field: keyof Details; text: string } | undefined {
  switch (code) {
    case 'vat_id_invalid':
      return { field: 'vatId', text: vatRefusedText(country, locale) };
    case 'subscription_exists':
      return {
        field: 'email',
        text: portal
          ? msg('This email already has a subscription in this product family. To change it, use Manage subscription.', { id: 'payment.email_subscribed_portal' })
          : msg('This email already has a subscription in this product family. To change it, get in touch with us.', { id: 'payment.email_subscribed' }),
      };
    default:
      return undefined;
  }
}

/** A payment or checkout failure in words. */
export function paymentErrorText(code: string, detail?: string, portal = false): string {
  switch (code) {
    case 'payment_declined':
      return msg('Your card was declined. Try again or use another card.', { id: 'payment.declined' });
    case 'authentication_failed':
      return msg('The payment was not confirmed. Try again or use another card.', { id: 'payment.auth_failed' });
    case 'subscription_exists':
      return portal
        ? msg('You already have a subscription in this product family. To change it, use Manage subscription.', { id: 'payment.subscription_exists_portal' })
        : msg('You already have a subscription in this product family. To change it, get in touch with us.', { id: 'payment.subscription_exists' });
    case 'customer_session_invalid':
      return msg('Your sign-in for this checkout has expired. Reload the page to continue.', { id: 'payment.session_expired' });
    case 'customer_session_used':
      return msg('This checkout is already complete. Reload the page to buy again.', { id: 'payment.session_used' });
    case 'vat_id_invalid':
    case 'network_error':
    case 'rate_limited':
    case 'plan_not_found':
    case 'plan_not_available':
      return errorText(code);
    default:
      return detail || errorText(code);
  }
}

export function renderDetails(view: DetailsView) {
  const { details: d, errors } = view;
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  const describe = (field: string, hint = false) =>
    errors[field] ? `${field}-error` : hint ? `${field}-hint` : nothing;
  const error = (field: string) =>
    errors[field] ? html`<span id="${field}-error" class="hint error">${errors[field]}</span>` : nothing;
  const vatShown = view.vatVisible;
  const vatState = view.touched.has('vatId') && view.vatCheck !== 'empty' ? view.vatCheck : 'empty';
  const vatRefused = vatState === 'valid' && view.priced.vatRefused;
  return html`<div class="grid">
    <div part="field">
      <label for="email">${msg('Email', { id: 'payment.email' })}</label>
      <input id="email" part="input" type="email" autocomplete="email" required .value=${d.email} ?readonly=${view.emailFixed === true}
        aria-invalid=${errors.email ? 'true' : 'false'} aria-describedby=${describe('email')}
        @input=${(e: Event) => view.onInput({ email: value(e) }, 'email', false)}
        @change=${(e: Event) => view.onInput({ email: value(e) }, 'email')} />
      ${error('email')}
      ${view.portalUrl ? portalLink(view.portalUrl) : nothing}
    </div>
    <div part="field">
      <label for="name">${msg('Full name', { id: 'payment.name' })}</label>
      <input id="name" part="input" autocomplete="name" required .value=${d.name}
        aria-invalid=${errors.name ? 'true' : 'false'} aria-describedby=${describe('name')}
        @input=${(e: Event) => view.onInput({ name: value(e) }, 'name', false)} />
      ${error('name')}
    </div>
    <div part="field">
      <label for="country">${msg('Country', { id: 'payment.country' })}</label>
      <select id="country" part="input" autocomplete="country" @change=${(e: Event) => view.onInput({ country: value(e) }, 'country')}>
        ${view.countries.map((c) => html`<option value=${c.code} ?selected=${c.code === d.country}>${c.name}</option>`)}
      </select>
    </div>
    <fieldset part="field" class="types">
      <legend>${msg('Buying as', { id: 'payment.buying_as' })}</legend>
      ${(['individual', 'business'] as const).map((type) => html`<label>
        <input type="radio" name="customer-type" value=${type} .checked=${d.type === type}
          @change=${() => view.onInput({ type }, 'type')} />
        ${type === 'individual' ? msg('An individual', { id: 'payment.individual' }) : msg('A business', { id: 'payment.business' })}
      </label>`)}
    </fieldset>
    ${vatShown
      ? html`<div part="field">
          <label for="vatId">${view.taxIdOnly
            ? msg('Tax ID (optional)', { id: 'payment.tax_id' })
            : msg('VAT ID (optional, checked when given)', { id: 'payment.vat_id' })}</label>
          <input id="vatId" part="input" autocomplete="off" spellcheck="false" .value=${d.vatId}
            aria-invalid=${errors.vatId || vatState === 'invalid' || vatRefused ? 'true' : 'false'} aria-describedby="vatId-status"
            @input=${(e: Event) => view.onInput({ vatId: value(e) }, 'vatId')} />
          <span id="vatId-status" part="vat-status" class=${errors.vatId || vatState === 'invalid' || vatRefused ? 'hint error' : vatState === 'valid' ? 'hint success' : 'hint'}
            >${errors.vatId || vatStatusText(view, vatState)}</span>
        </div>`
      : nothing}
    ${renderAddress(view, describe, error)}
  </div>`;
}

type Describe = (field: string, hint?: boolean) => string | typeof nothing;
type ErrorOf = (field: string) => unknown;

/** Line 1, line 2, postal code and city, with the autocomplete tokens browsers fill them from. */
function renderAddress(view: DetailsView, describe: Describe, error: ErrorOf) {
  const { details: d, errors } = view;
  const field = (id: 'line1' | 'line2' | 'postalCode' | 'city', label: string, autocomplete: string, required: boolean) => html`<div part="field">
      <label for=${id}>${label}</label>
      <input id=${id} part="input" autocomplete=${autocomplete} ?required=${required} .value=${d[id]}
        aria-invalid=${errors[id] ? 'true' : 'false'} aria-describedby=${describe(id)}
        @input=${(e: Event) => view.onInput({ [id]: (e.target as HTMLInputElement).value }, id, false)} />
      ${error(id)}
    </div>`;
  const required = view.addressRequired;
  const postalRequired = required && checkPostalCode(d.country, d.postalCode) !== 'free';
  return html`<fieldset part="field address" class="address">
    <legend>${view.details.type === 'business'
      ? msg('Billing address', { id: 'payment.address' })
      : msg('Billing address (optional)', { id: 'payment.address_optional' })}</legend>
    <div class="grid">
      ${field('line1', msg('Street and house number', { id: 'payment.line1' }), 'address-line1', required)}
      ${field('line2', msg('Address line 2 (optional)', { id: 'payment.line2' }), 'address-line2', false)}
      ${field('postalCode', msg('Postal code', { id: 'payment.postal_code' }), 'postal-code', postalRequired)}
      ${field('city', msg('City', { id: 'payment.city' }), 'address-level2', required)}
    </div>
  </fieldset>`;
}

/**
 * The line under the VAT ID: a wrong format at once; the BFF's verdict once it priced the ID (a checksum it
 * refused; reverse charge, or VAT as before where the buyer is in the seller's country); a hint while empty.
 */
function vatStatusText(view: DetailsView, vatState: VatCheck): string {
  if (view.taxIdOnly) return msg('It goes on your invoice.', { id: 'payment.tax_id_hint' });
  if (vatState === 'empty' && view.vatHint) return view.vatHint;
  if (vatState === 'invalid') return vatFormatText(view.details.country, view.locale);
  if (vatState === 'valid') {
    if (view.priced.vatRefused) return vatRefusedText(view.details.country, view.locale);
    return view.priced.treatment === 'reverse_charge'
      ? msg('The format is right; no VAT is charged (reverse charge).', { id: 'payment.vat_ok' })
      : msg('The format is right.', { id: 'payment.vat_ok_format' });
  }
  return view.priced.treatment === 'domestic'
    ? msg('Your VAT ID goes on the invoice; VAT is charged as usual.', { id: 'payment.vat_hint_domestic' })
    : msg('With a valid VAT ID no VAT is charged (reverse charge).', { id: 'payment.vat_hint' });
}

/** Why a typed test card cannot be used, in words. */
export function cardErrorText(reason: Extract<TestCardResult, { ok: false }>['reason']): string {
  return reason === 'unsupported'
    ? msg('This card is not accepted in test mode. Use 4242 4242 4242 4242.', { id: 'payment.card_unsupported' })
    : msg('Enter the full card number.', { id: 'payment.card_incomplete' });
}

/**
 * The test provider's card field (the checkout's payment step and the portal's new payment method): the
 * number formatted as typed; `onInput` gets the formatted value.
 */
export function renderTestCard(card: string, error: string, onInput: (card: string) => void) {
  return html`<div part="field">
    <label for="card">${msg('Card number', { id: 'payment.card' })}</label>
    <input id="card" part="input card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"
      .value=${card} aria-invalid=${error ? 'true' : 'false'} aria-describedby="card-hint"
      @input=${(e: Event) => {
        const input = e.target as HTMLInputElement;
        input.value = formatCardNumber(input.value);
        onInput(input.value);
      }} />
    <span id="card-hint" class=${error ? 'hint error' : 'hint'}>${error
      || msg('Test mode: no real card is charged. Use 4242 4242 4242 4242.', { id: 'payment.test_hint' })}</span>
  </div>`;
}
