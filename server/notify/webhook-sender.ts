/**
 * Sends one webhook the Standard Webhooks way: the event's JSON as the body, `webhook-id` (the event id),
 * `webhook-timestamp` (real seconds, as receivers' verifiers compare it with their own clock) and
 * `webhook-signature`, made by the `standardwebhooks` library. No redirects are followed; the answer must
 * come within the timeout; only the first characters of it are kept.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { excerpt, EXCERPT_LENGTH, WEBHOOK_TIMEOUT_MS } from '../domain/notifications.js';
import { checkLiteralHost, guardedLookup, type UrlPolicy } from './address-policy.js';

export interface WebhookMessage {
  url: string;
  /** whsec_...: the current secret, then the previous one while it still signs after a rotation. */
  secrets: readonly string[];
  eventId: string;
  body: string;
}

export interface WebhookResult {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export interface WebhookSender {
  send(message: WebhookMessage): Promise<WebhookResult>;
}

/**
 * The three signed headers for `body`: one signature per secret, space-separated, as Standard Webhooks
 * allows (a verifier accepts the message when any of them is its own).
 */
export function signedHeaders(secrets: string | readonly string[], eventId: string, body: string, at = new Date()): Record<string, string> {
  const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(seconds.getTime() / 1000),
    'webhook-signature': (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => new Webhook(secret).sign(eventId, seconds, body)).join(' '),
  };
}

export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {}

  send(message: WebhookMessage): Promise<WebhookResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<WebhookResult>((resolve) => {
      let settled = false;
      let status: number | null = null;
      let text = '';
      /** `finished`: the answer was read to its end, so the connection may serve the next delivery. */
      const done = (error: string | null, finished = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!finished) req.destroy();
        resolve({ statusCode: status, durationMs: elapsed(), responseExcerpt: status === null ? null : excerpt(text), error });
      };
      const url = new URL(message.url);
      try {
        checkLiteralHost(url, this.policy);
      } catch (error) {
        resolve({ statusCode: null, durationMs: elapsed(), responseExcerpt: null, error: (error as Error).message });
        return;
      }
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const bytes = Buffer.from(message.body);
      const req = request(url, {
        method: 'POST',
        lookup: guardedLookup(this.policy) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': bytes.length,
          'user-agent': 'Billkit-Webhooks/1',
          ...signedHeaders(message.secrets, message.eventId, message.body),
        },
      });
      const timer = setTimeout(() => done(status === null ? `no answer within ${this.timeoutMs / 1000} s` : null), this.timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        status = res.statusCode ?? null;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // Enough of the answer is kept: stop reading the rest.
          if (text.length >= EXCERPT_LENGTH) done(null);
        });
        res.on('end', () => done(null, true));
        res.on('error', () => done(null));
      });
      req.on('error', (error) => done(error.message));
      req.end(bytes);
    });
  }
}
