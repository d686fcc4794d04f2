/**
 * Design tokens. Global tokens (--billkit-color-*, --billkit-space-*, --billkit-radius-*, --billkit-font-*)
 * are read once on the host into private variables that every element's styles use;
 * element knobs (--billkit-<element>-<thing>) fall back to them.
 */
import { css } from 'lit';

export const tokens = css`
  :host {
    --_primary: var(--billkit-color-primary, #3b37c8);
    --_on-primary: var(--billkit-color-on-primary, #ffffff);
    --_text: var(--billkit-color-text, #1b1f29);
    --_muted: var(--billkit-color-muted, #535b6b);
    --_surface: var(--billkit-color-surface, #ffffff);
    --_subtle: var(--billkit-color-subtle, #f3f4f8);
    --_border: var(--billkit-color-border, #c9cdd8);
    --_success: var(--billkit-color-success, #146c3a);
    --_danger: var(--billkit-color-danger, #b3261e);
    --_focus: var(--billkit-color-focus, #3b37c8);
    --_space-1: var(--billkit-space-1, 0.25rem);
    --_space-2: var(--billkit-space-2, 0.5rem);
    --_space-3: var(--billkit-space-3, 0.75rem);
    --_space-4: var(--billkit-space-4, 1rem);
    --_space-6: var(--billkit-space-6, 1.5rem);
    --_radius: var(--billkit-radius-md, 0.5rem);
    --_radius-lg: var(--billkit-radius-lg, 0.75rem);
    --_font: var(--billkit-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_font-size: var(--billkit-font-size, 1rem);
    display: block;
    box-sizing: border-box;
    min-inline-size: 0;
    font-family: var(--_font);
    font-size: var(--_font-size);
    line-height: 1.4;
    color: var(--_text);
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button,
  input,
  select {
    font: inherit;
    color: inherit;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .skeleton {
    display: inline-block;
    border-radius: var(--_radius);
    background: var(--_subtle);
    color: transparent;
    animation: billkit-pulse 1.2s ease-in-out infinite alternate;
  }
  @keyframes billkit-pulse {
    to {
      opacity: 0.55;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .skeleton {
      animation: none;
    }
  }
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--_space-2);
    min-block-size: 2.75rem;
    padding: var(--_space-2) var(--_space-4);
    border: 1px solid var(--_primary);
    border-radius: var(--_radius);
    background: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
    cursor: pointer;
  }
  .button.secondary {
    background: transparent;
    color: var(--_primary);
  }
  .button:disabled,
  .button[aria-disabled='true'] {
    opacity: 0.6;
    cursor: not-allowed;
  }
  .error {
    color: var(--_danger);
  }
  .success {
    color: var(--_success);
  }
`;
