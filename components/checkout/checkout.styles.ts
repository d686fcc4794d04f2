import { css } from 'lit';
import { tokens } from '../shared/tokens.js';

export const styles = [
  tokens,
  css`
    :host {
      --_gap: var(--billkit-checkout-gap, var(--_space-6));
      --_column: var(--billkit-checkout-column-min-width, 20rem);
    }
    [part='base'] {
      display: grid;
      gap: var(--_gap);
    }
    [part='columns'] {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--_column)), 1fr));
      gap: var(--_gap);
      align-items: start;
    }
    h2 {
      margin: 0 0 var(--_space-3);
      font-size: 1.1em;
    }
    [part='error'] {
      padding: var(--_space-4);
      border: 1px solid var(--_danger);
      border-radius: var(--_radius);
    }
  `,
];
