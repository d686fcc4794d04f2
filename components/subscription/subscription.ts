import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { PortalStore } from '../shared/portal-store.js';
import { BillkitSubscriptionUpdateEvent, type SubscriptionAction } from '../shared/events.js';
import { formatDate, formatMoney, formatNumber } from '../shared/format.js';
import { errorText, exclVat, perInterval, unitPluralOf, unitsOf } from '../shared/messages.js';
import type { Charge } from '../shared/types.js';
import { itemsPrice } from '../shared/catalog.js';
import type { PortalConfiguration, PortalSubscription, PortalSubscriptionRights, SubscriptionStatus } from '../shared/portal-types.js';
import { tokens } from '../shared/tokens.js';
import { accountStyles, renderLoadError, renderSkeleton } from '../shared/account.js';
import '../plan-switch/plan-switch.js';
import '../cancel-flow/cancel-flow.js';

export type SubscriptionFlow = 'switch_plan' | 'cancel';

/**
 * @summary One subscription in the portal: plan, status, price, next invoice, usage so far, what is pending, and the
 * buyer's actions (change plan, cancel, pause, resume, keep a cancelled subscription).
 *
 * "Change plan" and "Cancel" open <billkit-plan-switch> and <billkit-cancel-flow> in a dialog; pause, resume and
 * "Keep subscription" are done here.
 *
 * @event billkit-subscription-update - Paused, resumed or uncancelled here, or changed, cancelled, kept by the dialog's parts (their events bubble through). detail: {subscriptionId, action, status}.
 *
 * @csspart base - The card.
 * @csspart header - Plan name and status.
 * @csspart badge - The status badge (its status is the `status` attribute of the host).
 * @csspart price - The price per interval ("excl. VAT" when the plan's prices are net).
 * @csspart details - Next invoice, trial end, usage so far.
 * @csspart usage - The usage so far of the metered charges.
 * @csspart notice - What is pending or wrong (payment failed, ends on, switches to, paused).
 * @csspart actions - The buttons.
 * @csspart dialog - The dialog for changing plan and cancelling.
 * @csspart error - The error (with "Try again" when loading failed).
 *
 * @cssprop --billkit-subscription-background - Card background (defaults to --billkit-color-surface).
 * @cssprop --billkit-subscription-border-color - Card border (defaults to --billkit-color-border).
 * @cssprop --billkit-subscription-badge-background - The badge of a healthy subscription (defaults to --billkit-color-subtle).
 */
@customElement('billkit-subscription')
export class BillkitSubscription extends BillkitPortalElement {
  static override styles = [
    tokens,
    accountStyles,
    css`
      [part='base'] {
        display: grid;
        gap: var(--_space-3);
        padding: var(--_space-4);
        border: 1px solid var(--billkit-subscription-border-color, var(--_border));
        border-radius: var(--_radius-lg);
        background: var(--billkit-subscription-background, var(--_surface));
      }
      [part='header'] {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: var(--_space-2);
      }
      h3,
      p,
      dl,
      dd {
        margin: 0;
      }
      h3 {
        font-size: 1.15em;
      }
      [part='badge'] {
        padding: 0.1em 0.6em;
        border-radius: 999px;
        background: var(--billkit-subscription-badge-background, var(--_subtle));
        font-size: 0.85em;
        font-weight: 600;
        white-space: nowrap;
      }
      :host([status='past_due']) [part='badge'],
      :host([status='unpaid']) [part='badge'] {
        background: var(--_danger);
        color: var(--_on-primary);
      }
      [part='price'] {
        font-size: 1.2em;
        font-weight: 600;
      }
      [part='details'] {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 12rem), 1fr));
        gap: var(--_space-2) var(--_space-4);
      }
      dt {
        color: var(--_muted);
        font-size: 0.9em;
      }
      [part='notice'] {
        padding: var(--_space-3);
        border-inline-start: 4px solid var(--_primary);
        border-radius: var(--_radius);
        background: var(--_subtle);
      }
      [part='notice'].error {
        border-color: var(--_danger);
      }
      [part='actions'] {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space-2);
      }
      [part='dialog'] {
        inline-size: min(40rem, calc(100vw - 1rem));
        max-block-size: calc(100dvh - 1rem);
        padding: var(--_space-4);
        border: 1px solid var(--_border);
        border-radius: var(--_radius-lg);
        background: var(--_surface);
        color: var(--_text);
      }
      [part='dialog']::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      /* The ✕ sits in the corner, over the part's heading's end, so the part keeps the dialog's whole width. */
      .close {
        position: absolute;
        inset-block-start: var(--_space-2);
        inset-inline-end: var(--_space-2);
        min-inline-size: 2.75rem;
      }
      [part='dialog'] > :not(.close) {
        --_close-room: 3rem;
      }
    `,
  ];

  /** The subscription's id (sub_...). */
  @property() subscription = '';
  /** Opens this flow's dialog at once (the portal session's deep link); set from code, emits nothing. */
  @property() flow?: SubscriptionFlow | '';
  /** The status, reflected for styling (trialing, active, past_due, unpaid, paused, cancelled, expired). */
  @property({ reflect: true }) status?: SubscriptionStatus;

  @state() private data?: PortalSubscription;
  @state() private configuration?: PortalConfiguration;
  @state() private loadError?: unknown;
  @state() private actionError = '';
  @state() private busy = false;
  @state() private confirmingPause = false;
  @state() private open?: SubscriptionFlow;
  @query('dialog') private dialog?: HTMLDialogElement;
  #opener?: HTMLElement | null;
  #focusAfterLoad = false;
  #loaded?: string;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('subscription') && this.hasUpdated) this.portalChanged();
  }

  protected override updated(): void {
    // The deep link opens its dialog once the subscription is shown.
    if (this.flow && this.data && this.#loaded === this.subscription) {
      const flow = this.flow;
      const rights = this.#rights;
      this.flow = '';
      // Only what this subscription may do (a stale link to a cancelled one opens nothing).
      if (flow === 'cancel' ? rights?.cancel : rights?.switchPlanTo.length || rights?.changeQuantity) void this.openFlow(flow);
    }
  }

  protected override portalChanged(): void {
    void this.#load();
  }

  /** Opens "Change plan" or "Cancel" in the dialog (what the buttons do). */
  async openFlow(flow: SubscriptionFlow): Promise<void> {
    this.#opener ??= this.renderRoot.querySelector<HTMLElement>(`[data-flow="${flow}"]`);
    this.open = flow;
    await this.updateComplete;
    if (this.dialog && !this.dialog.open) this.dialog.showModal();
  }

  async #load(): Promise<void> {
    const store = this.portal;
    const id = this.subscription;
    if (!store || !id || !store.signedIn) return;
    this.loadError = undefined;
    try {
      const [data, configuration] = await Promise.all([store.client.subscription(id), store.configuration()]);
      if (id !== this.subscription) return;
      this.data = data;
      this.configuration = configuration;
      this.status = data.status;
      this.#loaded = id;
      if (this.#focusAfterLoad) {
        this.#focusAfterLoad = false;
        await this.updateComplete;
        this.#focus();
      }
    } catch (error) {
      // Inside the portal an expired session is the portal's to show (it asks to sign in again).
      if (this.inPortal && PortalStore.isSessionError(error)) return;
      this.loadError = error;
    }
  }

  get #rights(): PortalSubscriptionRights | undefined {
    return this.configuration?.subscriptions.find((s) => s.id === this.subscription);
  }

  async #act(action: SubscriptionAction, run: (store: PortalStore) => Promise<PortalSubscription>): Promise<void> {
    const store = this.portal;
    if (!store || this.busy) return;
    this.busy = true;
    this.actionError = '';
    try {
      const after = await run(store);
      this.confirmingPause = false;
      this.#focusAfterLoad = true;
      this.dispatchEvent(new BillkitSubscriptionUpdateEvent({ subscriptionId: this.subscription, action, status: after.status }));
      store.changed();
    } catch (error) {
      this.actionError = errorText((error as { code?: string }).code);
      await this.updateComplete;
      this.#focus();
    } finally {
      this.busy = false;
    }
  }

  /** Focus goes to what changed: the error, else the notice that says what is pending, else the price. */
  #focus(): void {
    const find = (name: string) => this.renderRoot.querySelector<HTMLElement>(`[part~="${name}"]`);
    (find('error') ?? find('notice') ?? find('price'))?.focus();
  }

  #uncancel = () => this.#act('uncancelled', (s) => s.client.uncancelSubscription(this.subscription));
  #resume = () => this.#act('resumed', (s) => s.client.resumeSubscription(this.subscription));
  #pause = () => this.#act('paused', (s) => s.client.pauseSubscription(this.subscription, { at: 'period_end' }));

  async #askPause(on: boolean): Promise<void> {
    this.confirmingPause = on;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(on ? '[data-confirm]' : '[data-action="pause"]')?.focus();
  }

  #openFrom(event: Event, flow: SubscriptionFlow): void {
    this.#opener = event.currentTarget as HTMLElement;
    void this.openFlow(flow);
  }

  /**
   * The buyer closed the dialog: its part's `close` ("Keep my plan", or closing its outcome), Escape or ✕. Focus
   * returns to the button, or, when the change removed it, to what changed.
   */
  #done = (): void => {
    if (this.dialog?.open) this.dialog.close();
    if (!this.open) return;
    this.open = undefined;
    const opener = this.#opener;
    this.#opener = undefined;
    if (opener?.isConnected) opener.focus();
    else this.#focus();
  };

  override render() {
    const sub = this.data;
    if (!sub) {
      return html`<div part="base">${this.loadError
        ? renderLoadError(this.loadError, () => this.portalChanged())
        : renderSkeleton(msg('Loading your subscription…', { id: 'subscription.loading' }))}</div>`;
    }
    const locale = this.effectiveLocale;
    const date = (iso: string | null | undefined) => (iso ? formatDate(iso, locale) : '');
    return html`<article part="base" aria-labelledby="name">
      <div part="header">
        <h3 id="name">${sub.plan.name}</h3>
        <span part="badge">${statusText(sub.status)}</span>
      </div>
      <p part="price" tabindex="-1">${formatMoney(itemsPrice(sub.plan.charges, sub.items), sub.plan.currency, locale)} <span>${perInterval(sub.plan.interval)}${
        // A net price says so: the next invoice below it adds the VAT.
        exclVat(sub.plan)}</span></p>
      ${this.#renderNotice(sub, date)}
      ${this.#renderDetails(sub, date)}
      ${this.actionError ? html`<p part="error" class="error" role="alert" tabindex="-1">${this.actionError}</p>` : nothing}
      ${this.#renderActions(sub, date)}
      <dialog part="dialog" aria-label=${this.open === 'cancel' ? cancelText() : changeText()} @close=${this.#done}>
        ${this.open ? this.#renderDialog(this.open) : nothing}
      </dialog>
    </article>`;
  }

  /** The dialog: ✕, then the part, whose own headings say each step (the dialog is named after the action). */
  #renderDialog(flow: SubscriptionFlow) {
    const store = this.portal;
    const locale = this.effectiveLocale;
    return html`<button class="button secondary close" type="button" aria-label=${msg('Close', { id: 'subscription.close' })} @click=${() => this.dialog?.close()}>✕</button>
      ${flow === 'cancel'
        ? html`<billkit-cancel-flow subscription=${this.subscription} locale=${locale} .store=${store}></billkit-cancel-flow>`
        : html`<billkit-plan-switch subscription=${this.subscription} locale=${locale} .store=${store}></billkit-plan-switch>`}`;
  }


  #renderNotice(sub: PortalSubscription, date: (iso: string | null) => string) {
    const notice = (text: string, error = false) => html`<p part="notice" class=${error ? 'error' : ''} tabindex="-1">${text}</p>`;
    if (sub.status === 'past_due' || sub.status === 'unpaid') {
      return notice(msg('Payment failed: update your payment method.', { id: 'subscription.payment_failed' }), true);
    }
    if (sub.status === 'cancelled' || sub.status === 'expired') {
      return notice(msg(str`Ended on ${date(sub.endedAt ?? sub.cancelledAt ?? sub.currentPeriodEnd)}.`, { id: 'subscription.ended' }));
    }
    if (sub.status === 'paused') {
      return notice(sub.resumesAt
        ? msg(str`Paused. Resumes on ${date(sub.resumesAt)}.`, { id: 'subscription.resumes_on' })
        : msg('Paused until you resume it.', { id: 'subscription.paused' }));
    }
    if (sub.pausedAt) return notice(msg(str`Pauses on ${date(sub.pausedAt)}.`, { id: 'subscription.pauses_on' }));
    if (sub.cancelAtPeriodEnd) return notice(msg(str`Ends on ${date(sub.currentPeriodEnd)}.`, { id: 'subscription.ends_on' }));
    if (sub.pendingChange) {
      const plan = this.configuration?.plans.find((p) => p.code === sub.pendingChange!.plan)?.name ?? sub.pendingChange.plan;
      return notice(msg(str`Switches to ${plan} on ${date(sub.pendingChange.effectiveAt)}.`, { id: 'subscription.switches_to' }));
    }
    return nothing;
  }

  #renderDetails(sub: PortalSubscription, date: (iso: string | null) => string) {
    const locale = this.effectiveLocale;
    const next = sub.upcomingInvoice;
    const usage = sub.usage?.charges ?? [];
    return html`<dl part="details">
      ${sub.status === 'trialing' && sub.trialEnd
        ? html`<div><dt>${msg('Trial ends', { id: 'subscription.trial_ends' })}</dt><dd>${date(sub.trialEnd)}</dd></div>`
        : nothing}
      ${next
        ? html`<div><dt>${msg('Next invoice', { id: 'subscription.next_invoice' })}</dt>
            <dd>${msg(str`${formatMoney(next.amountDue, next.currency, locale)} on ${date(next.issuedAt)}`, { id: 'subscription.next_invoice_value' })}</dd></div>`
        : nothing}
      ${usage.length
        ? html`<div part="usage"><dt>${msg('Usage so far', { id: 'subscription.usage' })}</dt>
            ${usage.map((u) => html`<dd>${u.description}: ${formatNumber(u.quantity, locale)} ${unitsOf(u.measurement.unit, u.quantity, locale, unitPluralOf(sub.plan.charges.find((c) => c.id === u.chargeId) as Charge | undefined))}
              (${formatMoney(u.amount, sub.usage!.currency ?? sub.plan.currency, locale)})</dd>`)}</div>`
        : nothing}
    </dl>`;
  }

  #renderActions(sub: PortalSubscription, date: (iso: string | null) => string) {
    const rights = this.#rights;
    if (!rights) return nothing;
    if (this.confirmingPause) {
      return html`<div part="notice" role="group" aria-labelledby="pause-q">
        <p id="pause-q">${msg(str`Pause from ${date(sub.currentPeriodEnd)}? Nothing is billed while paused.`, { id: 'subscription.pause_question' })}</p>
        <div part="actions">
          <button class="button" type="button" data-confirm ?disabled=${this.busy} @click=${this.#pause}>${msg('Pause subscription', { id: 'subscription.pause_confirm' })}</button>
          <button class="button secondary" type="button" @click=${() => this.#askPause(false)}>${msg('Keep it running', { id: 'subscription.pause_back' })}</button>
        </div>
      </div>`;
    }
    const button = (label: string, click: (e: Event) => void, key: string, secondary = true) =>
      html`<button class="button ${secondary ? 'secondary' : ''}" type="button" data-action=${key} data-flow=${key} ?disabled=${this.busy} @click=${click}>${label}</button>`;
    const buttons = [
      rights.uncancel ? button(msg('Keep subscription', { id: 'subscription.uncancel' }), this.#uncancel, 'uncancel', false) : nothing,
      rights.resume ? button(msg('Resume', { id: 'subscription.resume' }), this.#resume, 'resume', false) : nothing,
      rights.switchPlanTo.length || rights.changeQuantity
        ? button(changeText(), (e) => this.#openFrom(e, 'switch_plan'), 'switch_plan') : nothing,
      rights.pause ? button(msg('Pause', { id: 'subscription.pause' }), () => this.#askPause(true), 'pause') : nothing,
      rights.cancel ? button(cancelText(), (e) => this.#openFrom(e, 'cancel'), 'cancel') : nothing,
    ];
    return buttons.some((b) => b !== nothing) ? html`<div part="actions">${buttons}</div>` : nothing;
  }
}

const changeText = () => msg('Change plan', { id: 'subscription.change' });
const cancelText = () => msg('Cancel subscription', { id: 'subscription.cancel_title' });

/** A status in words, for the badge. */
export function statusText(status: SubscriptionStatus): string {
  switch (status) {
    case 'trialing': return msg('Trial', { id: 'subscription.status.trialing' });
    case 'active': return msg('Active', { id: 'subscription.status.active' });
    case 'past_due': return msg('Past due', { id: 'subscription.status.past_due' });
    case 'unpaid': return msg('Unpaid', { id: 'subscription.status.unpaid' });
    case 'paused': return msg('Paused', { id: 'subscription.status.paused' });
    case 'cancelled': return msg('Cancelled', { id: 'subscription.status.cancelled' });
    case 'expired': return msg('Expired', { id: 'subscription.status.expired' });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-subscription': BillkitSubscription;
  }
}
