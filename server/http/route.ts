import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Db } from '../storage/db.js';
import { withIdempotency } from './idempotency.js';
import { problem, sendProblem } from './problem.js';
import { sendJson } from './respond.js';
import { ProblemSchema } from './schemas/common.js';
import { parse } from './validate.js';

export type Auth = 'secret' | 'publishable' | 'portal' | 'none';

export interface RouteContext {
  router: Router;
  registry: OpenAPIRegistry;
  /** The middleware that checks the key for a given level. */
  auth: (level: Exclude<Auth, 'none'>) => RequestHandler;
  /** Where Idempotency-Keys are kept (shared by every process). */
  db: Db;
  /** Extra middleware per route, e.g. rate limits, by path. */
  limits?: (path: string) => RequestHandler[];
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<B, Q, P> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: /v1/plans/{code} */
  path: string;
  auth: Auth;
  summary: string;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  /** Request headers the route reads, for the document (the handler reads them from `req`). */
  headers?: z.ZodObject;
  /** The success status and schema, for the document. */
  response: { status: number; schema?: z.ZodType; description?: string };
  /** Problem codes this route may answer with, for the document. */
  problems?: number[];
  idempotent?: boolean;
  /** Writes the success body as JSON, where JSON.stringify is too slow for a hot route (the same bytes). */
  serialize?: (body: never) => string;
}

export interface Handled<B, Q, P> {
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
  req: Request;
  res: Response;
}

/** The body types the API reads as JSON (express.json in app.ts, and the 415 check below). */
export const JSON_TYPES = ['application/json', 'application/*+json'];

const SECURITY: Record<Exclude<Auth, 'none'>, string> = {
  secret: 'secretKey',
  publishable: 'publishableKey',
  portal: 'portalSession',
};

/**
 * Registers one route: the same zod schemas validate the request and describe it in the OpenAPI document.
 * The handler returns the body to send with the declared status (or sends itself and returns undefined).
 */
export function defineRoute<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  ctx: RouteContext,
  spec: RouteSpec<B, Q, P>,
  handler: (input: Handled<B, Q, P>) => Promise<unknown> | unknown,
): void {
  const problems = [...new Set([400, ...(spec.auth === 'none' ? [] : [401, 403]), ...(spec.body ? [415] : []), ...(spec.problems ?? [])])];
  // A body whose every field is optional may be left out (curl -X POST without -d): it reads as {}.
  const bodyOptional = spec.body !== undefined && (spec.body as z.ZodType).safeParse({}).success;
  ctx.registry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    security: spec.auth === 'none' ? [] : [{ [SECURITY[spec.auth]]: [] }],
    request: {
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body as z.ZodType } }, required: !bodyOptional } } : {}),
      ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
      ...(spec.params ? { params: spec.params as unknown as z.ZodObject } : {}),
      ...(spec.idempotent
        ? { headers: z.object({ 'Idempotency-Key': z.string().max(255).optional().meta({ description: 'Replays the first response for 24 h.' }) }) }
        : spec.headers ? { headers: spec.headers } : {}),
    },
    responses: {
      [spec.response.status]: {
        description: spec.response.description ?? 'OK',
        ...(spec.response.schema ? { content: { 'application/json': { schema: spec.response.schema } } } : {}),
      },
      ...Object.fromEntries(
        problems.map((status) => [status, { description: 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
      ),
    },
  });
  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  const middleware: RequestHandler[] = [...(spec.auth === 'none' ? [] : [ctx.auth(spec.auth)]), ...(ctx.limits?.(spec.path) ?? [])];
  ctx.router[spec.method](expressPath, ...middleware, async (req: Request, res: Response) => {
    // express.json left the body unread: a body of another type (a form, plain text) is refused as such,
    // rather than reported as a missing object. Only looked at when there is no parsed body. A request
    // with no body at all (no Content-Length, no Transfer-Encoding: curl -X POST without -d) has no type
    // to refuse, whatever its Content-Type says: req.is answers null for it, and false for another type.
    if (spec.body && req.body === undefined && req.headers['content-type'] !== undefined && req.is(JSON_TYPES) === false) {
      return sendProblem(res, problem(415, 'unsupported_media_type', 'Send the body as JSON, with Content-Type: application/json.', [{ pointer: '', detail: `Got ${req.headers['content-type']}.` }]));
    }
    const input = {
      body: (spec.body ? parse(spec.body as z.ZodType, req.body === undefined && bodyOptional ? {} : req.body) : undefined) as Out<B>,
      query: (spec.query ? parse(spec.query as z.ZodType, req.query, '/query') : undefined) as Out<Q>,
      params: (spec.params ? parse(spec.params as z.ZodType, req.params, '/path') : undefined) as Out<P>,
      req,
      res,
    };
    if (spec.idempotent) return withIdempotency(ctx.db, req, res, spec.response.status, async () => handler(input));
    const result = await handler(input);
    if (result === undefined || res.headersSent) return;
    sendJson(res, spec.response.status, result, undefined, spec.serialize?.(result as never));
  });
}

export function newRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'secretKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Secret key sk_...: server to server only.',
  });
  registry.registerComponent('securitySchemes', 'publishableKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Publishable key pk_...: from the browser, only from the allowed origins.',
  });
  registry.registerComponent('securitySchemes', 'portalSession', {
    type: 'http',
    scheme: 'bearer',
    description: "A short-lived portal session token: one customer's own portal.",
  });
  return registry;
}
