import { css } from 'lit';
import { tokens } from '../shared/tokens.js';
import { addOnStyles } from '../shared/add-ons.js';

export const styles = [
  tokens,
  addOnStyles,
  css`
    :host {
      --_cart-bg: var(--billkit-cart-background, var(--_surface));
      --_cart-border: var(--billkit-cart-border-color, var(--_border));
      --_amount-width: var(--billkit-cart-amount-width, 7rem);
    }
    [part='base'] {
      display: grid;
      gap: var(--_space-3);
      padding: var(--_space-4);
      border: 1px solid var(--_cart-border);
      border-radius: var(--_radius-lg);
      background: var(--_cart-bg);
    }
    h2 {
      margin: 0;
      font-size: 1.1em;
    }
    ul,
    dl {
      margin: 0;
      padding: 0;
      list-style: none;
    }
    [part~='line'],
    .row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: var(--_space-2);
      min-block-size: 2.75rem;
    }
    .label {
      flex: 1 1 10rem;
      min-inline-size: 0;
      overflow-wrap: anywhere;
    }
    /* A long label (the reverse-charge note) wraps within its own column; the amount stays on its row. */
    .row dt {
      flex: 1 1 0;
      min-inline-size: 0;
    }
    .amount,
    dd {
      flex: none;
      margin: 0;
      min-inline-size: var(--_amount-width);
      text-align: end;
      font-variant-numeric: tabular-nums;
    }
    [part='lines'] {
      display: grid;
      gap: var(--_space-1);
    }
    [part~='badge'] {
      margin-inline-start: var(--_space-1);
      padding: 0 var(--_space-2);
      border-radius: var(--_radius);
      background: var(--_subtle);
      font-size: 0.8em;
      /* A badge wraps as a whole, never across lines. */
      display: inline-block;
      white-space: nowrap;
    }
    .muted {
      color: var(--_muted);
      font-size: 0.9em;
    }
    [part='stepper'] {
      display: inline-flex;
      align-items: center;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    [part='stepper'] button {
      inline-size: 2.75rem;
      block-size: 2.75rem;
      border: 0;
      background: transparent;
      color: inherit;
      font-size: 1.2em;
      cursor: pointer;
    }
    [part='stepper'] button:disabled {
      color: var(--_muted);
      cursor: not-allowed;
    }
    [part='stepper'] input {
      /* Room for six digits; no spin buttons (the stepper has its own), the theme's colours in dark mode too. */
      inline-size: 5rem;
      block-size: 2.5rem;
      border: 0;
      background: transparent;
      color: inherit;
      font: inherit;
      text-align: center;
      appearance: textfield;
      -moz-appearance: textfield;
    }
    [part='stepper'] input::-webkit-inner-spin-button,
    [part='stepper'] input::-webkit-outer-spin-button {
      -webkit-appearance: none;
      margin: 0;
    }
    /* Priced for the cart before: muted (at a readable contrast) until the cart prices again. */
    [part~='lines'].stale .amount {
      color: var(--_muted);
    }
    [part='totals'] {
      display: grid;
      padding-block-start: var(--_space-2);
      border-block-start: 1px solid var(--_border);
    }
    [part~='total'] {
      font-weight: 700;
      font-size: 1.15em;
    }
    [part~='discount'] dd {
      color: var(--_success);
    }
    [part='renewal'],
    [part='metered'] {
      margin: 0;
      color: var(--_muted);
    }
    [part='metered'] ul {
      padding-inline-start: var(--_space-4);
      list-style: disc;
    }
    [part='error'] {
      margin: 0;
      padding: var(--_space-2) var(--_space-3);
      border-inline-start: 3px solid var(--_danger);
      background: color-mix(in srgb, var(--_danger) 8%, transparent);
    }
    :host([loading]) .amount,
    :host([loading]) dd {
      opacity: 0.6;
    }
    .skeleton.text {
      flex: 0 1 12rem;
      block-size: 1.1em;
    }
    .skeleton.figure {
      inline-size: var(--_amount-width);
      block-size: 1.1em;
    }
  `,
];
