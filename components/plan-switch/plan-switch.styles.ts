import { css } from 'lit';
import { flowStyles } from '../shared/subscription-actions.js';
import { addOnStyles } from '../shared/add-ons.js';

export const styles = [
  flowStyles,
  addOnStyles,
  css`
    :host {
      --_switch-bg: var(--billkit-plan-switch-background, var(--_surface));
      --_switch-border: var(--billkit-plan-switch-border-color, var(--_border));
    }
    .receipt {
      display: grid;
      gap: var(--_space-1);
      padding: var(--_space-2) var(--_space-3);
      border: 1px solid var(--_switch-border);
      border-radius: var(--_radius);
      background: var(--_switch-bg);
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
    [part='quantity'] input {
      inline-size: 6rem;
      min-block-size: 2.75rem;
      padding: 0 var(--_space-2);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: transparent;
    }
    [part~='outcome'] {
      padding: var(--_space-3);
      border-radius: var(--_radius);
      background: var(--_subtle);
    }
  `,
];
