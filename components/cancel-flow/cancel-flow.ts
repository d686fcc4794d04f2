import { html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitSubscriptionCancelEvent, BillkitSubscriptionUpdateEvent, type SubscriptionAction } from '../shared/events.js';
import { formatDate, formatDuration, formatMoney, formatRate } from '../shared/format.js';
import { BillkitSubscriptionActionElement, type ActionData } from '../shared/subscription-actions.js';
import type { CancellationReason, PortalRetentionOffer, PortalSubscription } from '../shared/portal-types.js';
import { styles } from './cancel-flow.styles.js';

type Step = 'loading' | 'error' | 'unavailable' | 'reason' | 'offer' | 'confirm' | 'kept' | 'done' | 'undone';
type At = 'period_end' | 'now';

/** A cancellation reason in the buyer's words (SPEC's eight, Stripe's). */
export function reasonText(reason: CancellationReason): string {
  switch (reason) {
    case 'too_expensive': return msg('It is too expensive', { id: 'cancel.reason.too_expensive' });
    case 'missing_features': return msg('Features I need are missing', { id: 'cancel.reason.missing_features' });
    case 'switched_service': return msg('I am switching to another service', { id: 'cancel.reason.switched_service' });
    case 'unused': return msg('I do not use it enough', { id: 'cancel.reason.unused' });
    case 'customer_service': return msg('Customer service was not good enough', { id: 'cancel.reason.customer_service' });
    case 'too_complex': return msg('It is too complicated', { id: 'cancel.reason.too_complex' });
    case 'low_quality': return msg('The quality was not good enough', { id: 'cancel.reason.low_quality' });
    case 'other': return msg('Another reason', { id: 'cancel.reason.other' });
  }
}

/**
 * @summary Cancel a subscription in the portal: the reason (and a comment), the shop's retention offer when
 * it has one, the confirmation (at the period's end or now, as the shop allows), and undo.
 *
 * @event billkit-subscription-cancel - The buyer confirmed the cancellation (cancelable: preventDefault() keeps the subscription as it is). detail: {subscriptionId, at, reason}.
 * @event billkit-subscription-update - The server changed the subscription. detail: {subscriptionId, action: 'cancelled' | 'offer_accepted' | 'uncancelled', status}.
 * @event close - The buyer kept the subscription ("Keep subscription") or closed the last step.
 *
 * @csspart base - The wrapper of each step.
 * @csspart heading - The step's heading (focused when the step appears).
 * @csspart reasons - The reasons (a radio group).
 * @csspart reason - One reason's label and radio button.
 * @csspart comment - The optional comment.
 * @csspart offer - The retention offer.
 * @csspart when - The choice of when it ends (when the shop lets the buyer choose).
 * @csspart summary - When the subscription ends and what is credited.
 * @csspart outcome - What happened.
 * @csspart actions - The buttons of a step.
 * @csspart error - A refusal or failure, with what to do.
 *
 * @cssprop --billkit-cancel-flow-offer-background - Background of the retention offer (defaults to --billkit-color-subtle).
 * @cssprop --billkit-cancel-flow-offer-color - Accent of the retention offer's border (defaults to --billkit-color-primary).
 */
@customElement('billkit-cancel-flow')
export class BillkitCancelFlow extends BillkitSubscriptionActionElement<Step> {
  static override styles = styles;

  @state() private reason?: CancellationReason;
  @state() private comment = '';
  @state() private at: At = 'period_end';
  @state() private ended?: PortalSubscription;

  /** Reload while nothing is under way; a step the buyer is on stays as it is. */
  protected override portalChanged(): void {
    if (this.step === 'loading' || this.step === 'error') this.load();
  }

  protected override loaded(data: ActionData): void {
    super.loaded(data);
    this.at = data.configuration.cancellation.mode === 'now' ? 'now' : 'period_end';
    if (data.rights.uncancel) this.ended = data.subscription;
    this.step = data.rights.cancel ? 'reason' : data.rights.uncancel ? 'done' : 'unavailable';
  }

  get #offer(): PortalRetentionOffer | null {
    return this.data?.rights.retentionOffer ? this.data.configuration.retentionOffer : null;
  }

  /** Runs a server change; on success the store reloads and the page hears of it. */
  async #act(action: SubscriptionAction, run: () => Promise<PortalSubscription>, next: Step): Promise<void> {
    if (this.busy) return;
    this.error = undefined;
    this.busy = true;
    try {
      const sub = await run();
      this.ended = sub;
      this.go(next);
      this.portal!.changed();
      this.dispatchEvent(new BillkitSubscriptionUpdateEvent({ subscriptionId: this.subscription, action, status: sub.status }));
    } catch (error) {
      this.error = error;
    } finally {
      this.busy = false;
    }
  }

  #acceptOffer(): void {
    void this.#act('offer_accepted', () => this.portal!.client.acceptRetentionOffer(this.subscription), 'kept');
  }

  #confirm(): void {
    const at = this.at;
    const reason = this.reason;
    if (!this.dispatchEvent(new BillkitSubscriptionCancelEvent({ subscriptionId: this.subscription, at, ...(reason ? { reason } : {}) }))) return;
    const comment = this.comment.trim();
    void this.#act('cancelled', () => this.portal!.client.cancelSubscription(this.subscription, {
      at, ...(reason ? { reason } : {}), ...(comment ? { comment } : {}),
    }), 'done');
  }

  #undo(): void {
    void this.#act('uncancelled', () => this.portal!.client.uncancelSubscription(this.subscription), 'undone');
  }

  override render() {
    return html`<section part="base" aria-busy=${this.step === 'loading' || this.busy ? 'true' : 'false'} aria-labelledby="heading">
      ${this.#renderStep()}
    </section>`;
  }

  #renderStep() {
    switch (this.step) {
      case 'loading': return this.renderSkeleton(msg('Cancel subscription', { id: 'cancel.title' }));
      case 'error': return this.renderLoadError(msg('Cancel subscription', { id: 'cancel.title' }));
      case 'unavailable': return this.#renderUnavailable();
      case 'reason': return this.#renderReason();
      case 'offer': return this.#renderOffer(this.#offer!);
      case 'confirm': return this.#renderConfirm();
      case 'kept': return this.#renderKept();
      case 'done': return this.#renderDone();
      case 'undone': return this.#renderUndone();
    }
  }

  #keep() {
    return this.renderBack(msg('Keep subscription', { id: 'cancel.keep' }));
  }

  #done() {
    return this.renderBack(msg('Done', { id: 'actions.done' }), true);
  }

  #renderUnavailable() {
    return html`${this.heading(msg('Cancel subscription', { id: 'cancel.title' }))}
      <p part="summary">${msg('This subscription cannot be cancelled here.', { id: 'cancel.unavailable' })}</p>
      <div part="actions">${this.renderBack()}</div>`;
  }

  #renderReason() {
    const { reasons } = this.data!.configuration.cancellation;
    return html`${this.heading(msg('Why are you cancelling?', { id: 'cancel.reason_title' }))}
      <fieldset part="reasons">
        <legend class="visually-hidden">${msg('Reason (optional)', { id: 'cancel.reason_legend' })}</legend>
        ${reasons.map((reason) => html`<label part="reason">
          <input type="radio" name="reason" value=${reason} .checked=${this.reason === reason}
            @change=${() => (this.reason = reason)} />
          <span>${reasonText(reason)}</span>
        </label>`)}
      </fieldset>
      <label part="comment">
        <span>${msg('Anything else? (optional)', { id: 'cancel.comment' })}</span>
        <textarea maxlength="1000" rows="3" .value=${this.comment}
          @input=${(e: Event) => (this.comment = (e.target as HTMLTextAreaElement).value)}></textarea>
      </label>
      <div part="actions">
        <button type="button" class="button" @click=${() => this.go(this.#offer ? 'offer' : 'confirm')}>${msg('Continue', { id: 'cancel.continue' })}</button>
        ${this.#keep()}
      </div>`;
  }

  /** "Stay and get 20% off the next 3 months", from the coupon. */
  #offerText(offer: PortalRetentionOffer): string {
    const locale = this.effectiveLocale;
    const off = offer.type === 'percentage'
      ? formatRate((offer.percentage ?? 0) * 100, locale)
      : formatMoney(offer.fixedAmount ?? 0, offer.currency ?? this.data!.subscription.plan.currency, locale, { trimZeros: true });
    if (offer.frequency === 'once') return msg(str`Stay and get ${off} off your next invoice`, { id: 'cancel.offer_once' });
    if (offer.frequency === 'lifetime') return msg(str`Stay and get ${off} off every invoice from now on`, { id: 'cancel.offer_lifetime' });
    const { unit, count } = this.data!.subscription.plan.interval;
    const duration = formatDuration(unit, count * (offer.numberOfPeriods ?? 1), locale);
    return msg(str`Stay and get ${off} off the next ${duration}`, { id: 'cancel.offer_limited' });
  }

  #renderOffer(offer: PortalRetentionOffer) {
    return html`${this.heading(msg('Before you go', { id: 'cancel.offer_title' }))}
      <p part="offer">${this.#offerText(offer)}</p>
      ${this.renderError()}
      <div part="actions">
        <button type="button" class="button" ?disabled=${this.busy} @click=${this.#acceptOffer}>${msg('Accept offer', { id: 'cancel.accept' })}</button>
        <button type="button" class="button secondary" ?disabled=${this.busy} @click=${() => this.go('confirm')}>${msg('No thanks, cancel', { id: 'cancel.decline' })}</button>
      </div>`;
  }

  /** When it ends and what is credited, for `at`. */
  #endText(at: At, sub = this.data!.subscription): string {
    if (at === 'period_end') {
      return msg(str`Your subscription ends on ${formatDate(sub.currentPeriodEnd, this.effectiveLocale)}; you keep access until then.`, { id: 'cancel.ends_on' });
    }
    return `${msg('Your subscription ends now.', { id: 'cancel.ends_now' })} ${this.#refundText()}`;
  }

  #refundText(): string {
    return this.data!.configuration.cancellation.refund === 'prorate'
      ? msg('The unused time of this period is refunded to your payment method.', { id: 'cancel.refund' })
      : msg('The rest of this period is not refunded.', { id: 'cancel.no_refund' });
  }

  #renderConfirm() {
    const choose = this.data!.configuration.cancellation.mode === 'choose';
    return html`${this.heading(msg('Cancel your subscription?', { id: 'cancel.confirm_title' }))}
      ${choose
        ? html`<fieldset part="when">
            <legend>${msg('When should it end?', { id: 'cancel.when' })}</legend>
            ${(['period_end', 'now'] as const).map((at) => html`<label part="reason">
              <input type="radio" name="at" value=${at} .checked=${this.at === at} @change=${() => (this.at = at)} />
              <span>${this.#endText(at)}</span>
            </label>`)}
          </fieldset>`
        : html`<p part="summary">${this.#endText(this.at)}</p>`}
      ${this.renderError()}
      <div part="actions">
        <button type="button" class="button danger" ?disabled=${this.busy} @click=${this.#confirm}>${msg('Cancel subscription', { id: 'cancel.title' })}</button>
        ${this.#keep()}
      </div>`;
  }

  #renderKept() {
    return html`${this.heading(msg('Thank you for staying', { id: 'cancel.kept_title' }))}
      <p part="outcome">${msg('Your discount starts with the next invoice.', { id: 'cancel.kept' })}</p>
      <div part="actions">${this.#done()}</div>`;
  }

  #renderDone() {
    const sub = this.ended!;
    if (sub.cancelAtPeriodEnd) {
      return html`${this.heading(msg('Your subscription is cancelled', { id: 'cancel.done_title' }))}
        <p part="outcome">${this.#endText('period_end', sub)}</p>
        ${this.renderError()}
        <div part="actions">
          <button type="button" class="button" ?disabled=${this.busy} @click=${this.#undo}>${msg('Undo cancellation', { id: 'cancel.undo' })}</button>
          ${this.renderBack(msg('Done', { id: 'actions.done' }))}
        </div>`;
    }
    return html`${this.heading(msg('Your subscription has ended', { id: 'cancel.ended_title' }))}
      <p part="outcome">${this.#refundText()}</p>
      <div part="actions">${this.#done()}</div>`;
  }

  #renderUndone() {
    return html`${this.heading(msg('Your subscription continues', { id: 'cancel.undone_title' }))}
      <div part="actions">${this.#done()}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-cancel-flow': BillkitCancelFlow;
  }
}
