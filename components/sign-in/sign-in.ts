import { css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { msg, str } from '@lit/localize';
import { BillkitApiError } from '../shared/api-client.js';
import { BillkitPortalElement } from '../shared/portal-base.js';
import { BillkitPortalSignInEvent } from '../shared/events.js';
import { errorText } from '../shared/messages.js';
import { tokens } from '../shared/tokens.js';

/**
 * @summary Sign-in to the customer portal by email: a 6-digit code is mailed, the buyer types it, the portal opens.
 *
 * @event billkit-portal-sign-in - The code was right; the portal's store now holds the session. detail: {expiresAt}.
 *
 * @slot help - Below the form (e.g. where to find the code in a test shop).
 *
 * @csspart base - The wrapper.
 * @csspart form - The email form, then the code form.
 * @csspart input - The email or the code field.
 * @csspart submit - "Send code" / "Sign in".
 * @csspart sent - "If an account uses this email, a code is on its way".
 * @csspart error - The field's error (wrong code, rate limit, network).
 * @csspart actions - "Use another email" and "Send a new code".
 *
 * @cssprop --billkit-sign-in-max-width - The form's widest (24rem).
 * @cssprop --billkit-sign-in-background - Background (defaults to --billkit-color-surface).
 * @cssprop --billkit-sign-in-border-color - Border (defaults to --billkit-color-border).
 */
@customElement('billkit-sign-in')
export class BillkitSignIn extends BillkitPortalElement {
  static override styles = [
    tokens,
    css`
      [part='base'],
      form {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: var(--_space-3);
      }
      [part='base'] {
        max-inline-size: var(--billkit-sign-in-max-width, 24rem);
        padding: var(--_space-6) var(--_space-4);
        border: 1px solid var(--billkit-sign-in-border-color, var(--_border));
        border-radius: var(--_radius-lg);
        background: var(--billkit-sign-in-background, var(--_surface));
      }
      h2,
      p {
        margin: 0;
      }
      h2 {
        font-size: 1.25em;
      }
      label {
        font-weight: 600;
      }
      input {
        inline-size: 100%;
        min-block-size: 2.75rem;
        padding: var(--_space-2) var(--_space-3);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_surface);
      }
      [part='error']:empty {
        display: none;
      }
      input[aria-invalid='true'] {
        border-color: var(--_danger);
      }
      [part='input'][inputmode] {
        font-size: 1.4em;
        letter-spacing: 0.3em;
        font-variant-numeric: tabular-nums;
      }
      [part='sent'],
      .hint {
        color: var(--_muted);
      }
      [part='actions'] {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_space-2) var(--_space-4);
      }
      .link {
        padding: var(--_space-2) 0;
        border: 0;
        background: none;
        color: var(--_primary);
        text-decoration: underline;
        cursor: pointer;
      }
    `,
  ];

  /** The email to start with (e.g. the shop's signed-in user). */
  @property() email = '';

  @state() private step: 'email' | 'code' = 'email';
  @state() private busy = false;
  @state() private error = '';
  @state() private resent = false;
  @query('input') private input?: HTMLInputElement;

  /** Focuses the field the buyer types in next (the email, or the code once sent). */
  override focus(options?: FocusOptions): void {
    this.input?.focus(options);
  }

  /** Asks for a code for the email in the field (or `email`). */
  async requestCode(): Promise<void> {
    const store = this.portal;
    const email = (this.input && this.step === 'email' ? this.input.value : this.email).trim();
    if (!store) return;
    if (!email || (this.step === 'email' && this.input && !this.input.checkValidity())) {
      this.error = msg('Enter a valid email address.', { id: 'sign-in.email_invalid' });
      return;
    }
    this.email = email;
    await this.#run(async () => {
      await store.client.requestSignInCode(email);
      this.resent = this.step === 'code';
      this.step = 'code';
    });
    if (!this.error) {
      await this.updateComplete;
      if (this.input) this.input.value = '';
      this.input?.focus();
    }
  }

  async #verify(): Promise<void> {
    const store = this.portal;
    const code = (this.input?.value ?? '').replace(/\D/g, '');
    if (!store) return;
    if (code.length !== 6) {
      this.error = msg('Enter the 6 digits from the email.', { id: 'sign-in.code_length' });
      return;
    }
    await this.#run(async () => {
      const { expiresAt } = await store.client.verifySignInCode(this.email, code);
      this.dispatchEvent(new BillkitPortalSignInEvent({ expiresAt }));
      store.changed();
    });
  }

  async #run(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      await action();
    } catch (error) {
      this.error = this.#errorText(error);
      await this.updateComplete;
      this.input?.focus();
    } finally {
      this.busy = false;
    }
  }

  #errorText(error: unknown): string {
    const e = error instanceof BillkitApiError ? error : undefined;
    const wait = e?.problem.retryAfter;
    switch (e?.code) {
      case 'sign_in_code_invalid': {
        const left = e.problem.attemptsLeft;
        return left ? msg(str`That is not the code we sent. ${left} tries left.`, { id: 'sign-in.code_invalid_left' })
          : msg('That is not the code we sent.', { id: 'sign-in.code_invalid' });
      }
      case 'sign_in_code_expired':
        return msg('This code has expired or was mistyped too often. Send a new code.', { id: 'sign-in.code_expired' });
      case 'rate_limited':
        return wait ? msg(str`Too many tries. Wait ${wait} seconds, then try again.`, { id: 'sign-in.rate_limited' }) : errorText('rate_limited');
      case 'validation_failed':
        return msg('Enter a valid email address.', { id: 'sign-in.email_invalid' });
    }
    return errorText(e?.code);
  }

  #submit(event: Event): void {
    event.preventDefault();
    if (this.busy) return;
    void (this.step === 'email' ? this.requestCode() : this.#verify());
  }

  async #anotherEmail(): Promise<void> {
    this.step = 'email';
    this.error = '';
    this.resent = false;
    await this.updateComplete;
    this.input?.focus();
  }

  override render() {
    const code = this.step === 'code';
    const invalid = this.error ? 'true' : 'false';
    return html`<section part="base" aria-labelledby="title">
      <h2 id="title">${msg('Sign in to manage your subscription', { id: 'sign-in.title' })}</h2>
      <form part="form" novalidate @submit=${this.#submit} aria-busy=${this.busy ? 'true' : 'false'}>
        ${code
          ? html`<p part="sent" role="status">${msg(str`If an account uses ${this.email}, we sent it a 6-digit code. It is valid for 10 minutes.`, { id: 'sign-in.sent' })}
              ${this.resent ? msg('(A new one: the older code no longer works.)', { id: 'sign-in.resent' }) : nothing}</p>
            <label for="input">${msg('Code from the email', { id: 'sign-in.code_label' })}</label>
            <input id="input" part="input" name="code" inputmode="numeric" autocomplete="one-time-code"
              pattern="[0-9]{6}" required aria-invalid=${invalid} aria-describedby="error" />`
          : html`<p class="hint">${msg('We email you a code; no password needed.', { id: 'sign-in.hint' })}</p>
            <label for="input">${msg('Email', { id: 'sign-in.email_label' })}</label>
            <input id="input" part="input" name="email" type="email" autocomplete="email" required .value=${this.email}
              aria-invalid=${invalid} aria-describedby="error" />`}
        <p id="error" part="error" class="error" role="alert">${this.error}</p>
        <button part="submit" class="button" type="submit" ?disabled=${this.busy}>${code
          ? msg('Sign in', { id: 'sign-in.verify' })
          : msg('Send code', { id: 'sign-in.send' })}</button>
      </form>
      ${code
        ? html`<div part="actions">
            <button class="link" type="button" @click=${this.#anotherEmail}>${msg('Use another email', { id: 'sign-in.another_email' })}</button>
            <button class="link" type="button" ?disabled=${this.busy} @click=${() => void this.requestCode()}>${msg('Send a new code', { id: 'sign-in.resend' })}</button>
          </div>`
        : nothing}
      <slot name="help"></slot>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billkit-sign-in': BillkitSignIn;
  }
}
