/**
 * What the portal's subscription actions (<billkit-plan-switch>, <billkit-cancel-flow>) share: a base that
 * loads the configuration and the subscription together and moves focus to each step's heading, a refusal
 * in words, and the styles of a step.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { msg } from '@lit/localize';
import { BillkitApiError } from './api-client.js';
import { errorText } from './messages.js';
import { BillkitPortalElement } from './portal-base.js';
import type { PortalStore } from './portal-store.js';
import type { PortalConfiguration, PortalSubscription, PortalSubscriptionRights } from './portal-types.js';
import { tokens } from './tokens.js';

export interface ActionData {
  configuration: PortalConfiguration;
  subscription: PortalSubscription;
  /** What the buyer may do with this subscription (its entry in configuration.subscriptions). */
  rights: PortalSubscriptionRights;
}

/** The configuration and the subscription, read together; 404 when the configuration does not list it. */
export async function loadAction(store: PortalStore, id: string): Promise<ActionData> {
  const [configuration, subscription] = await Promise.all([store.configuration(), store.client.subscription(id)]);
  const rights = configuration.subscriptions.find((s) => s.id === id);
  if (!rights) throw new BillkitApiError({ code: 'subscription_not_found', status: 404, detail: '' }, 404);
  return { configuration, subscription, rights };
}

/**
 * A flow on one subscription, in steps: `step` starts at 'loading' and becomes 'error' when the data cannot be
 * read; `loaded()` picks the first real step. `go()` moves to a step and focuses its heading (an h2).
 */
export class BillkitSubscriptionActionElement<Step extends string = string> extends BillkitPortalElement {
  /** The subscription's id (sub_...). */
  @property() subscription = '';

  @state() protected step = 'loading' as Step;
  @state() protected data?: ActionData;
  @state() protected busy = false;
  @state() protected error?: unknown;

  #loading?: Promise<ActionData>;
  #focusHeading = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('subscription') && changed.get('subscription') !== undefined) {
      // Another subscription: start over from its data.
      this.data = undefined;
      this.load();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.#focusHeading) {
      this.#focusHeading = false;
      this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
    }
  }

  /** Reads the configuration and the subscription (again); the skeleton shows only the first time. */
  protected load(): void {
    const store = this.portal;
    if (!store || !this.subscription) return;
    if (!this.data) this.step = 'loading' as Step;
    const loading = (this.#loading = loadAction(store, this.subscription));
    loading.then(
      (data) => this.#loading === loading && this.loaded(data),
      (error: unknown) => {
        if (this.#loading !== loading) return;
        this.error = error;
        this.step = 'error' as Step;
      },
    );
  }

  /** The data arrived: subclasses choose the step. */
  protected loaded(data: ActionData): void {
    this.data = data;
  }

  protected go(step: Step): void {
    this.error = undefined;
    this.step = step;
    this.#focusHeading = true;
  }

  /** The buyer backs out or is done: the enclosing dialog closes. */
  protected close(): void {
    this.dispatchEvent(new Event('close', { bubbles: true, composed: true }));
  }

  protected heading(text: string) {
    return html`<h2 id="heading" part="heading" tabindex="-1">${text}</h2>`;
  }

  protected renderSkeleton(title: string) {
    return html`${this.heading(title)}
      <div role="status" aria-label=${msg('Loading your subscription', { id: 'actions.loading' })}>
        <span class="skeleton line"></span><span class="skeleton block"></span>
      </div>`;
  }

  protected renderLoadError(title: string) {
    return html`${this.heading(title)}
      <p part="error" role="alert">${msg('Your subscription could not be loaded.', { id: 'actions.load_error' })} ${actionErrorText(this.error)}</p>
      <div part="actions">
        <button type="button" class="button" @click=${() => this.load()}>${msg('Try again', { id: 'common.retry' })}</button>
        ${this.renderBack()}
      </div>`;
  }

  protected renderBack(label = msg('Back', { id: 'actions.back' }), primary = false) {
    return html`<button type="button" class="button ${primary ? '' : 'secondary'}" @click=${this.close}>${label}</button>`;
  }

  protected renderError() {
    return this.error ? html`<p part="error" role="alert">${actionErrorText(this.error)}</p>` : nothing;
  }
}

/** A failed portal request in words: the portal's refusals by code, then the shared ones, then the problem's detail. */
export function actionErrorText(error: unknown): string {
  const e = error instanceof BillkitApiError ? error : undefined;
  switch (e?.status === 401 ? 'session' : e?.code) {
    case 'session': return msg('Your session has ended. Sign in again to continue.', { id: 'actions.error.session' });
    case 'portal_feature_disabled':
      return msg('The shop does not offer this in the portal.', { id: 'actions.error.feature_disabled' });
    case 'plan_switch_not_allowed':
      return msg('This plan change is not offered for your subscription. Choose another plan.', { id: 'actions.error.switch_not_allowed' });
    case 'subscription_status':
      return msg('Your subscription cannot do this in its current state.', { id: 'actions.error.status' });
    case 'network_error':
    case 'rate_limited':
    case undefined:
      return errorText(e?.code);
    default:
      return e?.problem.detail || errorText(e?.code);
  }
}

/** A step of a flow: a focusable heading, text, figures, a row of actions; a skeleton and an alert. */
export const flowStyles = [
  tokens,
  css`
    [part='base'] {
      display: grid;
      gap: var(--_space-3);
      min-inline-size: 0;
    }
    h2 {
      margin: 0;
      padding-inline-end: var(--_close-room, 0);
      font-size: 1.15em;
    }
    h2:focus {
      outline: none;
    }
    h2:focus-visible {
      outline: 2px solid var(--_focus);
    }
    p {
      margin: 0;
    }
    dl {
      display: grid;
      gap: var(--_space-1);
      margin: 0;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      justify-content: space-between;
      gap: var(--_space-1) var(--_space-3);
      padding-block: var(--_space-1);
    }
    .row dt {
      flex: 1 1 10rem;
      min-inline-size: 0;
      overflow-wrap: anywhere;
    }
    .row dd {
      flex: none;
      margin: 0 0 0 auto;
      text-align: end;
      font-variant-numeric: tabular-nums;
    }
    .total {
      border-block-start: 1px solid var(--_border);
      padding-block-start: var(--_space-2);
      font-weight: 600;
    }
    .muted {
      color: var(--_muted);
      font-size: 0.9em;
    }
    [part='actions'] {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_space-2);
    }
    [part='actions'] .button {
      flex: 1 1 auto;
    }
    [part~='error'] {
      padding: var(--_space-3);
      border: 1px solid var(--_danger);
      border-radius: var(--_radius);
      color: var(--_danger);
    }
    [part~='note'] {
      padding: var(--_space-3);
      border-radius: var(--_radius);
      background: var(--_subtle);
    }
    .skeleton.line {
      block-size: 1.2em;
      inline-size: 100%;
    }
    .skeleton.title {
      block-size: 1.5em;
      inline-size: 60%;
    }
    .skeleton.block {
      block-size: 8rem;
      inline-size: 100%;
    }
  `,
];
