import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { DomainError } from '../domain/errors.js';
import * as keys from '../storage/idempotency-repository.js';
import type { Db } from '../storage/db.js';
import { fromDomainError, problem, sendProblem } from './problem.js';
import { sendJson } from './respond.js';

/** sha256 of the body as JSON with sorted keys (the same body always hashes the same). */
export function idempotencyHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

/**
 * JSON with object keys sorted. Recursive: the body has passed the input rules first (route.ts parses it
 * before running under a key), so it nests at most MAX_DEPTH levels (a 20,000-level body overflowed here).
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/**
 * Runs a creating POST under its Idempotency-Key (SPEC section 7): the same key and body within 24 h
 * replays the first response with no second effect; the same key with another body is 422; a request
 * whose twin is still running is 409. Responses with 4xx problems are kept and replayed too; 5xx are not.
 */
export async function withIdempotency(
  db: Db,
  req: Request,
  res: Response,
  successStatus: number,
  run: () => Promise<unknown>,
): Promise<void> {
  const key = req.get('idempotency-key');
  if (key === undefined) {
    const body = await run();
    if (!res.headersSent) sendJson(res, successStatus, body);
    return;
  }
  if (key.length === 0 || key.length > 255)
    throw new DomainError('invalid', 'validation_failed', 'Idempotency-Key must be 1 to 255 characters.', [{ pointer: '/header/Idempotency-Key', detail: 'Invalid.' }]);
  const caller = createHash('sha256').update(req.auth?.key ?? '').digest('hex').slice(0, 16);
  const scope = `${req.method} ${req.path} ${caller}`;
  const hash = idempotencyHash(req.body);
  const claim = await keys.claim(db, scope, key, hash);
  if (claim.state === 'mismatch')
    return sendProblem(res, problem(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body.'));
  if (claim.state === 'running')
    return sendProblem(res, problem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still running; retry shortly.'));
  if (claim.state === 'replay') {
    res.setHeader('Idempotent-Replayed', 'true');
    return sendStored(res, claim.status, claim.body);
  }
  let status = successStatus;
  let body: unknown;
  try {
    body = await run();
  } catch (error) {
    const p = error instanceof DomainError ? fromDomainError(error) : undefined;
    // A failure on our side (an unexpected error, the database gone) is not kept: a retry may succeed.
    if (!p || p.status >= 500) {
      await keys.release(db, scope, key).catch(() => {});
      throw error;
    }
    status = p.status;
    body = p;
  }
  await keys.complete(db, scope, key, status, body);
  sendStored(res, status, body);
}

/** A kept answer: a problem when it was a failure. */
const sendStored = (res: Response, status: number, body: unknown) =>
  sendJson(res, status, body, status >= 400 ? 'application/problem+json' : undefined);
