/**
 * What the portal's account parts (<billkit-invoice-list>, <billkit-billing-details>, <billkit-payment-method>)
 * share: a failed load said in words with a way to try again, and the loading skeleton.
 */
import { css, html } from 'lit';
import { msg } from '@lit/localize';
import { BillkitApiError } from './api-client.js';
import { errorText } from './messages.js';

/** A failure in words: the session's end, the network, else the problem's own detail. */
export function problemText(error: unknown): string {
  const e = error instanceof BillkitApiError ? error : new BillkitApiError({ code: 'network_error' }, 0);
  if (e.status === 401) return msg('Your session has ended. Sign in again.', { id: 'account.session_ended' });
  return e.code === 'network_error' || e.code === 'rate_limited' ? errorText(e.code) : e.problem.detail || errorText(e.code);
}

/** The load failed: what happened, and "Try again". */
export const renderLoadError = (error: unknown, retry: () => void) =>
  html`<div part="error" role="alert"><p>${problemText(error)}</p>
    <button type="button" class="button secondary" @click=${retry}>${msg('Try again', { id: 'account.retry' })}</button></div>`;

/** Grey bars in the shape of what is coming, announced once as loading. */
export const renderSkeleton = (label: string, rows = 3) =>
  html`<div part="skeleton" role="status" aria-label=${label}>${Array.from({ length: rows }, () =>
    html`<span class="skeleton" aria-hidden="true"></span>`)}</div>`;

/** The account parts' common look: the heading, the error box, the skeleton bars, a status line. */
export const accountStyles = css`
  h2 {
    margin: 0 0 var(--_space-3);
    font-size: 1.1em;
  }
  [part~='error'] {
    display: grid;
    justify-items: start;
    gap: var(--_space-2);
    margin: 0;
    padding: var(--_space-2) var(--_space-3);
    border-inline-start: 3px solid var(--_danger);
    background: color-mix(in srgb, var(--_danger) 8%, transparent);
  }
  [part~='error'] p {
    margin: 0;
  }
  [part='skeleton'] {
    display: grid;
    gap: var(--_space-2);
  }
  [part='skeleton'] .skeleton {
    block-size: 2.75rem;
  }
  p {
    margin: 0;
  }
  .muted {
    color: var(--_muted);
  }
`;

/**
 * Parts alone on one page share no store: another part's change, heard by its event on the window, reloads
 * this one too (inside <billkit-portal> the shared store does it). Answers the function that stops listening.
 */
export function followChanges(types: string[], reload: () => void): () => void {
  for (const type of types) addEventListener(type, reload);
  return () => types.forEach((type) => removeEventListener(type, reload));
}
