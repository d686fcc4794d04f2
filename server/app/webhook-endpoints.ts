/**
 * Webhook endpoints (secret key): register, list, change, delete, rotate the secret, see the deliveries,
 * redeliver an event. The secret is answered by `create` and `rotateSecret` only.
 */
import { randomBytes } from 'node:crypto';
import { notFound, unprocessable } from '../domain/errors.js';
import { takesEvent, type EndpointFilter } from '../domain/notifications.js';
import type { Db } from '../storage/db.js';
import { findEvent } from '../storage/event-repository.js';
import { newId, type Page, type PageRequest } from '../storage/ids.js';
import * as repo from '../storage/webhook-repository.js';
import { urlRefusal, type UrlPolicy } from '../notify/address-policy.js';
import { CatalogCache } from './catalog-cache.js';

export interface EndpointInput {
  url: string;
  events: EndpointFilter;
  enabled: boolean;
  description?: string | null | undefined;
}

/** Standard Webhooks secrets: `whsec_` and 24 random bytes in base64. */
export const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** What the API shows of an endpoint: never its secret. */
export function endpointView(e: repo.EndpointWithSecret): repo.WebhookEndpoint {
  const { secret: _secret, ...shown } = e;
  return shown;
}

const endpointNotFound = (id: string) => notFound('webhook_endpoint_not_found', `No webhook endpoint ${id}.`, [{ pointer: '/path/id', detail: 'Unknown webhook endpoint.' }]);

export class WebhookEndpointService {
  constructor(
    private readonly db: Db,
    private readonly cache: CatalogCache,
    private readonly policy: UrlPolicy,
  ) {}

  async #now(): Promise<string> {
    return CatalogCache.now(await this.cache.get()).toISOString();
  }

  #checkUrl(url: string): void {
    const refusal = urlRefusal(new URL(url), this.policy);
    if (refusal) throw unprocessable('webhook_url_not_allowed', refusal, [{ pointer: '/url', detail: refusal }]);
  }

  async create(input: EndpointInput): Promise<repo.EndpointWithSecret> {
    this.#checkUrl(input.url);
    const at = await this.#now();
    const endpoint: repo.EndpointWithSecret = {
      id: newId('we'),
      url: input.url,
      events: input.events,
      enabled: input.enabled,
      description: input.description ?? null,
      disabledReason: null,
      failingSince: null,
      createdAt: at,
      updatedAt: at,
      secret: newSigningSecret(),
    };
    return this.db.transaction((tx) => repo.insertEndpoint(tx, endpoint));
  }

  list = (page: PageRequest): Promise<Page<repo.EndpointWithSecret>> => repo.listEndpoints(this.db, page);

  async get(id: string): Promise<repo.EndpointWithSecret> {
    const endpoint = await repo.findEndpoint(this.db, id);
    if (!endpoint) throw endpointNotFound(id);
    return endpoint;
  }

  async update(id: string, change: Partial<EndpointInput>): Promise<repo.EndpointWithSecret> {
    if (change.url !== undefined) this.#checkUrl(change.url);
    const at = await this.#now();
    const updated = await this.db.transaction((tx) => repo.updateEndpoint(tx, id, change, at));
    if (!updated) throw endpointNotFound(id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.db.transaction((tx) => repo.deleteEndpoint(tx, id)))) throw endpointNotFound(id);
  }

  /**
   * A new secret, signing every later delivery; the old one signs beside it for `previousValidHours` of
   * Billkit's clock (default 24; 0 ends it at once), so the merchant can switch verifiers without a refusal.
   */
  async rotateSecret(id: string, previousValidHours = 24): Promise<repo.EndpointWithSecret> {
    const now = CatalogCache.now(await this.cache.get());
    const until = previousValidHours > 0 ? new Date(now.getTime() + previousValidHours * 3_600_000).toISOString() : null;
    const updated = await this.db.transaction((tx) => repo.rotateSecret(tx, id, newSigningSecret(), until, now.toISOString()));
    if (!updated) throw endpointNotFound(id);
    return updated;
  }

  async deliveries(id: string, page: PageRequest & { eventId?: string | undefined }): Promise<Page<repo.Delivery>> {
    await this.get(id);
    return repo.listDeliveries(this.db, id, page);
  }

  /** Makes the event due now for every enabled endpoint that takes it (or the one named). */
  async redeliver(eventId: string, endpointId?: string | undefined): Promise<repo.Delivery[]> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw notFound('event_not_found', `No event ${eventId}.`, [{ pointer: '/path/id', detail: 'Unknown event.' }]);
    if (endpointId !== undefined) {
      const endpoint = await repo.findEndpoint(this.db, endpointId);
      if (!endpoint) throw notFound('webhook_endpoint_not_found', `No webhook endpoint ${endpointId}.`, [{ pointer: '/endpointId', detail: 'Unknown webhook endpoint.' }]);
      if (!endpoint.enabled) throw unprocessable('webhook_endpoint_disabled', `Webhook endpoint ${endpointId} is disabled: enable it first.`, [{ pointer: '/endpointId', detail: 'Disabled.' }]);
      if (!takesEvent(endpoint.events, event.type))
        throw unprocessable('event_not_subscribed', `Webhook endpoint ${endpointId} does not take ${event.type} events.`, [{ pointer: '/endpointId', detail: 'Not subscribed to this type.' }]);
    }
    const at = await this.#now();
    return this.db.transaction((tx) => repo.redeliver(tx, eventId, at, endpointId ?? null));
  }
}
