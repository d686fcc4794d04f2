import { css } from 'lit';
import { tokens } from '../shared/tokens.js';

export const styles = [
  tokens,
  css`
    :host {
      --_card-bg: var(--billkit-plan-picker-card-background, var(--_surface));
      --_card-border: var(--billkit-plan-picker-card-border-color, var(--_border));
      --_highlight: var(--billkit-plan-picker-highlight-color, var(--_primary));
      --_card-min: var(--billkit-plan-picker-card-min-width, 15rem);
      --_card-height: var(--billkit-plan-picker-card-min-height, 26rem);
      /* Cards sit side by side from 31rem (two of the default 15rem and the gap): the picker's own width
         decides, not the viewport's, so it lays out the same in a sidebar as on a phone. */
      container-type: inline-size;
    }
    [part='base'] {
      display: grid;
      gap: var(--_space-4);
    }
    [part='intervals'] {
      display: inline-flex;
      flex-wrap: wrap;
      justify-self: center;
      gap: var(--_space-1);
      padding: var(--_space-1);
      border-radius: 999px;
      background: var(--_subtle);
      min-block-size: 3rem;
    }
    [part~='interval'] {
      min-block-size: 2.5rem;
      padding: var(--_space-1) var(--_space-4);
      border: 0;
      border-radius: 999px;
      background: transparent;
      cursor: pointer;
    }
    [part~='interval'][aria-pressed='true'] {
      background: var(--_surface);
      color: var(--_primary);
      font-weight: 600;
      box-shadow: 0 1px 3px rgb(0 0 0 / 0.15);
    }
    [part~='saving'] {
      margin-inline-start: var(--_space-1);
      color: var(--_success);
      font-size: 0.85em;
      font-weight: 600;
    }
    [part='plans'] {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--_card-min)), 1fr));
      gap: var(--_space-4);
    }
    [part~='card'] {
      position: relative;
      display: flex;
      flex-direction: column;
      gap: var(--_space-2);
      min-block-size: var(--_card-height);
      padding: var(--_space-6) var(--_space-4) var(--_space-4);
      border: 1px solid var(--_card-border);
      border-radius: var(--_radius-lg);
      background: var(--_card-bg);
    }
    [part~='card'][data-highlighted] {
      border: 2px solid var(--_highlight);
    }
    [part~='card'][data-selected] {
      box-shadow: 0 0 0 3px color-mix(in srgb, var(--_primary) 35%, transparent);
    }
    [part~='ribbon'] {
      position: absolute;
      inset-block-start: 0;
      inset-inline-start: 50%;
      transform: translate(-50%, -50%);
      padding: 0 var(--_space-3);
      border-radius: 999px;
      background: var(--_highlight);
      color: var(--_on-primary);
      font-size: 0.8em;
      font-weight: 600;
      white-space: nowrap;
    }
    h3 {
      margin: 0;
      font-size: 1.2em;
    }
    [part='description'] {
      margin: 0;
      color: var(--_muted);
    }
    [part='price'] {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: var(--_space-1);
      margin: 0;
      min-block-size: 2.75rem;
    }
    [part='amount'] {
      font-size: 2em;
      font-weight: 700;
      font-variant-numeric: tabular-nums;
    }
    .muted {
      color: var(--_muted);
    }
    [part='badges'],
    [part='charges'] {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_space-1);
      margin: 0;
      padding: 0;
      list-style: none;
    }
    [part='charges'] {
      flex-direction: column;
      font-size: 0.9em;
      color: var(--_muted);
    }
    [part='charges'] ul {
      margin: 0;
      padding-inline-start: var(--_space-4);
    }
    [part~='badge'] {
      padding: 0 var(--_space-2);
      border-radius: var(--_radius);
      background: var(--_subtle);
      font-size: 0.85em;
    }
    [part~='action'] {
      margin-block-start: auto;
      inline-size: 100%;
    }
    [part~='action'][aria-checked='false'] {
      background: transparent;
      color: var(--_primary);
    }
    /* One card a row: each card is as tall as what it says (the common height only evens out cards side
       by side and keeps the skeleton from jumping); the interval switch stays one row, the saving under its interval. */
    @container (width < 31rem) {
      [part~='card'] {
        min-block-size: 0;
      }
      [part~='card'][aria-hidden='true'] {
        min-block-size: 14rem;
      }
      [part~='interval'] {
        padding-inline: var(--_space-3);
        line-height: 1.2;
      }
      [part~='saving'] {
        display: block;
        margin-inline-start: 0;
      }
    }
    .skeleton.line {
      display: block;
      block-size: 1em;
      inline-size: 70%;
    }
    .skeleton.title {
      display: block;
      block-size: 1.4em;
      inline-size: 40%;
    }
    .skeleton.amount {
      display: block;
      block-size: 2.5rem;
      inline-size: 55%;
    }
    .skeleton.action {
      display: block;
      block-size: 2.75rem;
      inline-size: 100%;
      margin-block-start: auto;
    }
    [part='error'] {
      padding: var(--_space-4);
      border: 1px solid var(--_danger);
      border-radius: var(--_radius);
    }
  `,
];
