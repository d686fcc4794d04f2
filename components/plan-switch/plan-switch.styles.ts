import { css } from 'lit';
import { flowStyles } from '../shared/subscription-actions.js';

export const styles = [
  flowStyles,
  css`
    :host {
      --_switch-bg: var(--billkit-plan-switch-background, var(--_surface));
      --_switch-border: var(--billkit-plan-switch-border-color, var(--_border));
    }
    [part='lines'],
    [part='totals'] {
      padding: var(--_space-2) var(--_space-3);
      border: 1px solid var(--_switch-border);
      border-radius: var(--_radius);
      background: var(--_switch-bg);
    }
    [part='totals'] {
      border-block-start: none;
      border-start-start-radius: 0;
      border-start-end-radius: 0;
      margin-block-start: calc(-1 * var(--_space-3));
    }
    [part='lines'] {
      border-end-start-radius: 0;
      border-end-end-radius: 0;
    }
    [part~='credit'] dd {
      color: var(--_success);
    }
    [part='quantity'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: var(--_space-2);
    }
    .stepper {
      display: inline-flex;
      align-items: center;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    .stepper button {
      inline-size: 2.75rem;
      block-size: 2.75rem;
      border: none;
      background: transparent;
      font-size: 1.2em;
      cursor: pointer;
    }
    .stepper button:disabled {
      opacity: 0.4;
      cursor: not-allowed;
    }
    .stepper input {
      inline-size: 4rem;
      block-size: 2.75rem;
      border: none;
      border-inline: 1px solid var(--_border);
      background: transparent;
      text-align: center;
    }
    [part~='outcome'] {
      padding: var(--_space-3);
      border-radius: var(--_radius);
      background: var(--_subtle);
    }
  `,
];
