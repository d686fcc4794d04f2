/**
 * The portal's shared state: one PortalClient (one session) and the configuration (what this customer may
 * do), fetched once and fetched again after any change. <billkit-portal> makes one and shares it through
 * @lit/context; a part used alone makes its own. A part that changed something calls `changed()`, and every
 * part listening reloads (a plan switch shows in the subscription, a new card in the payment method).
 */
import { BillkitApiError } from './api-client.js';
import { PortalClient } from './portal-client.js';
import type { PortalConfiguration } from './portal-types.js';

export class PortalStore extends EventTarget {
  readonly client: PortalClient;
  /** Bumped by every change: parts compare it to know their data is stale. */
  version = 0;
  #configuration?: Promise<PortalConfiguration>;

  constructor(client: PortalClient) {
    super();
    this.client = client;
  }

  /** Whether a session token is set (signed in, or handed over by the merchant's server). */
  get signedIn(): boolean {
    return Boolean(this.client.token);
  }

  /** GET /v1/portal/configuration, once per change (a failed fetch is retried on the next call). */
  configuration(): Promise<PortalConfiguration> {
    if (!this.#configuration) {
      this.#configuration = this.client.configuration();
      this.#configuration.catch(() => (this.#configuration = undefined));
    }
    return this.#configuration;
  }

  /** Something changed on the server through one part: every part reloads what it shows. */
  changed(): void {
    this.#configuration = undefined;
    this.version++;
    this.dispatchEvent(new Event('change'));
  }

  /** A new token (signed in, or the attribute changed): everything is reloaded. */
  setToken(token: string): void {
    if (token === this.client.token) return;
    this.client.token = token;
    this.changed();
  }

  /** Whether an error means the session is gone (expired, revoked, missing): the portal asks to sign in again. */
  static isSessionError(error: unknown): boolean {
    return error instanceof BillkitApiError && error.status === 401;
  }
}
