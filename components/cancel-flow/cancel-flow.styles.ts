import { css } from 'lit';
import { flowStyles } from '../shared/subscription-actions.js';

export const styles = [
  flowStyles,
  css`
    :host {
      --_offer-bg: var(--billkit-cancel-flow-offer-background, var(--_subtle));
      --_offer-color: var(--billkit-cancel-flow-offer-color, var(--_primary));
    }
    fieldset {
      display: grid;
      gap: var(--_space-1);
      margin: 0;
      padding: 0;
      border: none;
      min-inline-size: 0;
    }
    legend {
      padding: 0;
      margin-block-end: var(--_space-2);
      font-weight: 600;
    }
    [part='reason'] {
      display: flex;
      align-items: flex-start;
      gap: var(--_space-2);
      min-block-size: 2.75rem;
      padding: var(--_space-2);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      cursor: pointer;
    }
    [part='reason']:has(input:checked) {
      border-color: var(--_primary);
    }
    [part='reason'] input {
      flex: none;
      inline-size: 1.25rem;
      block-size: 1.25rem;
      margin: 0.1rem 0 0;
      accent-color: var(--_primary);
    }
    [part='comment'] {
      display: grid;
      gap: var(--_space-1);
    }
    textarea {
      inline-size: 100%;
      padding: var(--_space-2);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
      color: inherit;
      font: inherit;
      resize: vertical;
    }
    [part='offer'] {
      padding: var(--_space-4);
      border: 2px solid var(--_offer-color);
      border-radius: var(--_radius-lg);
      background: var(--_offer-bg);
      font-size: 1.25em;
      font-weight: 700;
    }
    [part='summary'],
    [part='outcome'] {
      padding: var(--_space-3);
      border-radius: var(--_radius);
      background: var(--_subtle);
    }
    .button.danger {
      border-color: var(--_danger);
      background: var(--_danger);
    }
  `,
];
