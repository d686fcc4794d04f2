/**
 * The add-on toggles (a plan's optional charges, each with its price), shared by the checkout's <billkit-cart>
 * and the portal's <billkit-plan-switch>: one fieldset, one checkbox per add-on, the same look in both.
 */
import { css, html, nothing } from 'lit';
import { msg } from '@lit/localize';
import { perInterval, pricingText, unitOf, unitPluralOf } from './messages.js';
import type { Charge, Interval } from './types.js';

/** The fieldset `add-ons` (nothing without add-ons); `toggle` gets the charge and whether it is now chosen. */
export function renderAddOns(charges: Charge[], chosen: readonly string[], interval: Interval, currency: string, locale: string, toggle: (charge: Charge, on: boolean) => void) {
  return charges.length
    ? html`<fieldset part="add-ons"><legend>${msg('Add-ons', { id: 'cart.add_ons' })}</legend>
        ${charges.map((charge) => html`<label>
          <input type="checkbox" .checked=${chosen.includes(charge.id)}
            @change=${(e: Event) => toggle(charge, (e.target as HTMLInputElement).checked)} />
          <span class="label">${charge.productName}</span>
          <span class="muted">${pricingText(charge.pricing, currency, locale, unitOf(charge), unitPluralOf(charge))[0]}
            ${charge.type === 'recurring' ? perInterval(interval) : ''}</span>
        </label>`)}
      </fieldset>`
    : nothing;
}

export const addOnStyles = css`
  [part='add-ons'] {
    margin: 0;
    padding: var(--_space-2) 0 0;
    border: 0;
    border-block-start: 1px solid var(--_border);
  }
  [part='add-ons'] label {
    display: flex;
    align-items: center;
    gap: var(--_space-2);
    min-block-size: 2.75rem;
    cursor: pointer;
  }
  [part='add-ons'] input {
    inline-size: 1.25rem;
    block-size: 1.25rem;
    accent-color: var(--_primary);
  }
`;
