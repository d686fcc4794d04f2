import { css } from 'lit';
import { tokens } from '../shared/tokens.js';

export const styles = [
  tokens,
  css`
    :host {
      --_input-border: var(--billkit-payment-form-input-border-color, var(--_border));
      --_columns: var(--billkit-payment-form-columns, 14rem);
    }
    [part='form'] {
      display: grid;
      gap: var(--_space-4);
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--_columns)), 1fr));
      gap: var(--_space-3) var(--_space-4);
    }
    [part~='field'] {
      display: grid;
      gap: var(--_space-1);
      align-content: start;
      min-inline-size: 0;
      margin: 0;
      padding: 0;
      border: 0;
    }
    label,
    legend {
      font-weight: 600;
    }
    .types {
      grid-column: 1 / -1;
      display: flex !important;
      flex-wrap: wrap;
      gap: var(--_space-4);
    }
    .types legend {
      margin-block-end: var(--_space-1);
    }
    .types label {
      display: inline-flex;
      align-items: center;
      gap: var(--_space-2);
      min-block-size: 2.75rem;
      font-weight: 400;
    }
    [part~='input'] {
      inline-size: 100%;
      min-block-size: 2.75rem;
      padding: var(--_space-2) var(--_space-3);
      border: 1px solid var(--_input-border);
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    /* The email a customer session fixed. */
    [part~='input'][readonly] {
      background: var(--_subtle);
    }
    [part~='input'][aria-invalid='true'] {
      border-color: var(--_danger);
    }
    [part~='card'] {
      font-variant-numeric: tabular-nums;
      letter-spacing: 0.05em;
    }
    .hint {
      min-block-size: 1.4em;
      font-size: 0.9em;
      color: var(--_muted);
    }
    .hint.error {
      color: var(--_danger);
    }
    .hint.success {
      color: var(--_success);
    }
    .summary {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: var(--_space-2);
      overflow-wrap: anywhere;
    }
    [part='submit'] {
      inline-size: 100%;
    }
    [part='error'] {
      margin: 0;
      padding: var(--_space-2) var(--_space-3);
      border-inline-start: 3px solid var(--_danger);
      background: color-mix(in srgb, var(--_danger) 8%, transparent);
    }
    [part='dialog'] {
      max-inline-size: min(28rem, calc(100vw - 2rem));
      border: 1px solid var(--_border);
      border-radius: var(--_radius-lg);
      background: var(--_surface);
      color: var(--_text);
    }
    [part='dialog'] h2 {
      margin-block-start: 0;
      font-size: 1.15em;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_space-2);
    }
    .address {
      grid-column: 1 / -1;
    }
    .address legend {
      margin-block-end: var(--_space-2);
    }
    [part='complete'] h3 {
      margin: 0 0 var(--_space-2);
      font-size: 1.1em;
    }
    [part='complete'] {
      padding: var(--_space-4);
      border: 1px solid var(--_success);
      border-radius: var(--_radius-lg);
    }
  `,
];
