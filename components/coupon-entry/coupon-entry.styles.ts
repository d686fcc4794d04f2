import { css } from 'lit';
import { tokens } from '../shared/tokens.js';

export const styles = [
  tokens,
  css`
    :host {
      --_input-border: var(--billkit-coupon-entry-input-border-color, var(--_border));
    }
    [part='base'] {
      display: grid;
      gap: var(--_space-2);
    }
    label {
      font-weight: 600;
    }
    .field {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_space-2);
    }
    [part='input'] {
      flex: 1 1 10rem;
      min-inline-size: 0;
      min-block-size: 2.75rem;
      padding: var(--_space-2) var(--_space-3);
      border: 1px solid var(--_input-border);
      border-radius: var(--_radius);
      background: var(--_surface);
      text-transform: uppercase;
    }
    [part='input'][aria-invalid='true'] {
      border-color: var(--_danger);
    }
    [part='applied'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: var(--_space-2);
      min-block-size: 2.75rem;
      padding: var(--_space-1) var(--_space-3);
      border: 1px dashed var(--_success);
      border-radius: var(--_radius);
    }
    [part='code'] {
      font-weight: 700;
      letter-spacing: 0.04em;
    }
    [part='status'] {
      margin: 0;
      min-block-size: 1.4em;
    }
  `,
];
