import type { Response } from 'express';

/**
 * Sends a JSON answer: the same bytes and headers as Express's `res.status(s).json(body)` (ETags are off for
 * the API), without the general-purpose steps of `res.send` that a JSON body never needs. The hot routes
 * (quotes, checkouts) answer through here.
 */
export function sendJson(res: Response, status: number, body: unknown, type = 'application/json', text = JSON.stringify(body)): void {
  res.statusCode = status;
  res.setHeader('Content-Type', `${type}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
