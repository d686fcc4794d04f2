import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitElement } from '../shared/base.js';
import { BillkitPlanSelectEvent } from '../shared/events.js';
import { formatMoney, formatPercent } from '../shared/format.js';
import { errorText, intervalName, perInterval, pricingText, unitOf, unitPluralOf } from '../shared/messages.js';
import {
  bestSaving, headlinePrice, intervalKey, intervalsOf, savingPercent, setupFee, shortestTwin,
} from '../shared/catalog.js';
import type { Catalog, Interval, Plan } from '../shared/types.js';
import { styles } from './plan-picker.styles.js';

/**
 * @summary A pricing table: the plans of a family as cards, with an interval toggle and one action per plan.
 *
 * @event billkit-plan-select - The buyer chose a plan (cancelable). detail: {plan, interval, currency}.
 * @event change - The chosen plan (the form value) changed by the buyer.
 *
 * @slot heading - Content above the interval toggle.
 *
 * @csspart base - The wrapper.
 * @csspart intervals - The interval toggle group.
 * @csspart interval - One interval button.
 * @csspart saving - The saving shown next to a longer interval and on a card.
 * @csspart plans - The card grid (the radio group).
 * @csspart card - One plan's card.
 * @csspart ribbon - The highlighted plan's label.
 * @csspart description - The plan's description.
 * @csspart price - The price row.
 * @csspart amount - The price figure.
 * @csspart badges - The trial and setup-fee badges.
 * @csspart badge - One badge.
 * @csspart charges - How the plan's charges are priced.
 * @csspart action - The call to action (role radio).
 * @csspart error - The message shown when the catalog cannot be loaded.
 *
 * @cssprop --billkit-plan-picker-card-background - Card background (defaults to --billkit-color-surface).
 * @cssprop --billkit-plan-picker-card-border-color - Card border (defaults to --billkit-color-border).
 * @cssprop --billkit-plan-picker-highlight-color - Highlighted card border and ribbon (defaults to --billkit-color-primary).
 * @cssprop --billkit-plan-picker-card-min-width - Narrowest card before the grid wraps (15rem).
 * @cssprop --billkit-plan-picker-card-min-height - Card height while cards sit side by side (the picker 31rem wide or more), also the skeleton's (26rem). One card a row, each is as tall as its content.
 */
@customElement('billkit-plan-picker')
export class BillkitPlanPicker extends BillkitElement {
  static override styles = styles;
  static formAssociated = true;
  #internals = this.attachInternals();

  /** The product family whose plans are shown (its code). Empty shows every plan. */
  @property() family = '';
  /** The code of the plan to highlight ("most popular"); several codes, space-separated, highlight a plan in each interval. */
  @property() highlight = '';
  /** Where the hosted checkout lives; when standalone, choosing a plan goes there with ?plan=<code>. */
  @property({ attribute: 'checkout-url' }) checkoutUrl = '';
  /** Show the plans in this currency (ISO 4217); defaults to the first plan's. */
  @property() currency = '';
  /** The interval shown: month, year, or count-unit such as 3-month. Defaults to the chosen plan's, else the shortest. */
  @property() interval = '';
  /** The chosen plan's code (the form value). The attribute is the default that form reset returns to. */
  @property() value = '';
  /** The form field name. */
  @property() name = '';
  /** The catalog to show instead of fetching GET /v1/catalog. */
  @property({ attribute: false }) catalog?: Catalog;
  /** How to go to the hosted checkout (replace to use a router). */
  @property({ attribute: false }) navigate: (url: string) => void = (url) => window.location.assign(url);

  @state() private status: 'loading' | 'loaded' | 'error' = 'loading';
  @state() private errorCode?: string;
  @state() private loaded?: Catalog;
  @state() private focusCode = '';

  #loadedFrom?: unknown;
  /** The locale the loaded catalog is in: another one loads it again, named in that language. */
  #loadedIn?: string;

  /** The plans on show (family and currency applied), across all intervals. */
  get plans(): Plan[] {
    const catalog = this.catalog ?? this.loaded;
    if (!catalog) return [];
    const family = catalog.plans.filter((p) => !this.family || p.familyCode === this.family);
    const currency = this.currency.toUpperCase()
      || family.find((p) => p.code === this.value || this.#highlighted(p.code))?.currency
      || family[0]?.currency;
    return family.filter((p) => p.currency === currency);
  }

  get form(): HTMLFormElement | null {
    return this.#internals.form;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('value')) this.#internals.setFormValue(this.value || null);
    if (this.catalog) this.status = 'loaded';
    else this.#load();
  }

  /** Fetch the catalog again (after an error). */
  reload(): void {
    this.#loadedFrom = undefined;
    this.#load();
  }

  formResetCallback(): void {
    this.value = this.getAttribute('value') ?? '';
  }

  formStateRestoreCallback(state: string | null): void {
    this.value = state ?? '';
  }

  #load(): void {
    const client = this.apiClient;
    const locale = this.effectiveLocale;
    if (!client || (this.#loadedFrom === client && this.#loadedIn === locale)) return;
    this.#loadedFrom = client;
    this.#loadedIn = locale;
    // A catalog already on show stays while the other language's loads.
    if (!this.loaded) this.status = 'loading';
    client.catalog({ locale }).then(
      (catalog) => {
        if (this.#loadedFrom !== client || this.#loadedIn !== locale) return;
        this.loaded = catalog;
        this.status = 'loaded';
      },
      (error: { code?: string }) => {
        if (this.#loadedFrom !== client || this.#loadedIn !== locale) return;
        this.errorCode = error.code;
        this.status = 'error';
      },
    );
  }

  #highlighted(code: string): boolean {
    return this.highlight.split(/\s+/).includes(code);
  }

  #currentInterval(plans: Plan[]): Interval | undefined {
    const intervals = intervalsOf(plans);
    const wanted = this.interval.includes('-') ? this.interval : this.interval ? `1-${this.interval}` : '';
    return intervals.find((i) => intervalKey(i) === wanted)
      ?? plans.find((p) => p.code === this.value)?.interval
      ?? intervals[0];
  }

  #onIntervalClick(interval: Interval): void {
    this.interval = interval.count === 1 ? interval.unit : intervalKey(interval);
  }

  #choose(plan: Plan): void {
    const event = new BillkitPlanSelectEvent({ plan: plan.code, interval: plan.interval, currency: plan.currency });
    if (!this.dispatchEvent(event)) return;
    const changed = this.value !== plan.code;
    this.value = plan.code;
    this.#internals.setFormValue(plan.code);
    if (changed) this.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
    if (!this.composed && this.checkoutUrl) {
      const url = new URL(this.checkoutUrl, window.location.href);
      url.searchParams.set('plan', plan.code);
      this.navigate(url.toString());
    }
  }

  #onKeydown(event: KeyboardEvent): void {
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[part~="action"]')];
    const index = buttons.findIndex((b) => b === this.renderRoot.querySelector(':focus') || b.matches(':focus'));
    if (index < 0) return;
    let next = index;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (index + 1) % buttons.length;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (index - 1 + buttons.length) % buttons.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = buttons.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    this.focusCode = buttons[next].dataset.code ?? '';
    buttons[next].focus();
  }

  override render() {
    return html`<div part="base">
      <slot name="heading"></slot>
      ${this.status === 'error'
        ? html`<div part="error" role="alert">
            <p>${msg('The plans could not be loaded.', { id: 'picker.error' })} ${errorText(this.errorCode)}</p>
            <button class="button secondary" @click=${() => this.reload()}>${msg('Try again', { id: 'common.retry' })}</button>
          </div>`
        : this.status === 'loading'
          ? this.#renderSkeleton()
          : this.#renderPlans()}
    </div>`;
  }

  #renderSkeleton() {
    return html`<div part="intervals" aria-hidden="true"><span class="skeleton" style="inline-size:12rem"></span></div>
      <div part="plans" aria-busy="true" aria-label=${msg('Loading plans', { id: 'picker.loading' })} role="region">
        ${[0, 1, 2].map(
          () => html`<div part="card" aria-hidden="true">
            <span class="skeleton title"></span><span class="skeleton line"></span>
            <span class="skeleton amount"></span><span class="skeleton line"></span>
            <span class="skeleton action"></span>
          </div>`,
        )}
      </div>`;
  }

  #renderPlans() {
    const all = this.plans;
    const interval = this.#currentInterval(all);
    if (!interval) return html`<p>${msg('No plans are available.', { id: 'picker.empty' })}</p>`;
    const shown = all.filter((p) => intervalKey(p.interval) === intervalKey(interval));
    const focusCode = shown.some((p) => p.code === this.focusCode) ? this.focusCode
      : shown.find((p) => p.code === this.value)?.code ?? shown[0]?.code;
    const intervals = intervalsOf(all);
    return html`${intervals.length > 1 ? this.#renderIntervals(all, intervals, interval) : nothing}
      <div part="plans" role="radiogroup" aria-label=${msg('Plans', { id: 'picker.plans' })} @keydown=${this.#onKeydown}>
        ${shown.map((plan) => this.#renderCard(plan, all, plan.code === focusCode))}
      </div>`;
  }

  #renderIntervals(all: Plan[], intervals: Interval[], current: Interval) {
    return html`<div part="intervals" role="group" aria-label=${msg('Billing interval', { id: 'picker.interval' })}>
      ${intervals.map((interval) => {
        const saving = bestSaving(all, interval);
        return html`<button type="button" part="interval" aria-pressed=${intervalKey(interval) === intervalKey(current)}
          @click=${() => this.#onIntervalClick(interval)}>
          ${intervalName(interval)}${saving
            ? html` <span part="saving">${msg(str`Save up to ${formatPercent(saving, this.effectiveLocale)}`, { id: 'picker.save_up_to' })}</span>`
            : nothing}
        </button>`;
      })}
    </div>`;
  }

  #renderCard(plan: Plan, all: Plan[], focusable: boolean) {
    const locale = this.effectiveLocale;
    const money = (amount: number) => formatMoney(amount, plan.currency, locale, { trimZeros: true });
    const headline = headlinePrice(plan);
    const twin = shortestTwin(all, plan);
    const saving = twin ? savingPercent(twin, plan) : 0;
    const fee = setupFee(plan);
    const selected = plan.code === this.value;
    const highlighted = this.#highlighted(plan.code);
    const priceId = `price-${plan.code}`;
    const explained = plan.charges.filter(
      (c) => c.type !== 'one_time' && !(c.type === 'recurring' && c.pricing.model === 'flat' && !c.optional),
    );
    return html`<div part="card${highlighted ? ' highlighted' : ''}${selected ? ' selected' : ''}"
      ?data-highlighted=${highlighted} ?data-selected=${selected}>
      ${highlighted ? html`<span part="ribbon">${msg('Most popular', { id: 'picker.popular' })}</span>` : nothing}
      <h3>${plan.name}</h3>
      ${plan.description ? html`<p part="description">${plan.description}</p>` : nothing}
      <p part="price" id=${priceId}>
        ${headline.from ? html`<span class="muted">${msg('from', { id: 'picker.from' })}</span>` : nothing}
        <span part="amount">${money(headline.amount)}</span>
        <span class="muted">${headline.perUnit
          ? msg(str`per ${unitOf(headline.perUnit)} ${perInterval(plan.interval)}`, { id: 'picker.per_unit_interval' })
          : perInterval(plan.interval)}</span>
      </p>
      ${saving ? html`<span part="saving">${msg(str`Save ${formatPercent(saving, locale)}`, { id: 'picker.save' })}</span>` : nothing}
      ${plan.trialDays || fee
        ? html`<ul part="badges">
            ${plan.trialDays ? html`<li part="badge trial">${msg(str`${plan.trialDays}-day free trial`, { id: 'picker.trial' })}</li>` : nothing}
            ${fee ? html`<li part="badge setup-fee">${msg(str`Setup fee ${money(fee)}`, { id: 'picker.setup_fee' })}</li>` : nothing}
          </ul>`
        : nothing}
      ${explained.length
        ? html`<ul part="charges">
            ${explained.map((charge) => {
              const [first, ...rest] = pricingText(charge.pricing, plan.currency, locale, unitOf(charge), unitPluralOf(charge));
              const label = charge.optional
                ? msg(str`Add-on ${charge.productName}`, { id: 'picker.addon' })
                : charge.type === 'metered'
                  ? msg(str`${charge.productName}, billed by usage`, { id: 'picker.metered' })
                  : charge.productName;
              return html`<li>${label}: ${first}${rest.length ? html`<ul>${rest.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}</li>`;
            })}
          </ul>`
        : nothing}
      <button type="button" part="action" class="button" role="radio" data-code=${plan.code}
        aria-checked=${selected ? 'true' : 'false'} aria-describedby=${priceId} tabindex=${focusable ? 0 : -1}
        @focus=${() => (this.focusCode = plan.code)} @click=${() => this.#choose(plan)}>
        ${selected ? msg(str`${plan.name} chosen`, { id: 'picker.chosen' }) : msg(str`Choose ${plan.name}`, { id: 'picker.choose' })}
      </button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-plan-picker': BillkitPlanPicker;
  }
}
