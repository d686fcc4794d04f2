import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { DomainError, type ErrorKind, type FieldError } from '../domain/errors.js';
import { sendJson } from './respond.js';

/**
 * RFC 9457 problem details. The only place that maps domain failures to HTTP statuses.
 * `code` is stable and documented; `type` is a URI naming it.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  payment: 402,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problemType = (code: string) => `https://billkit.dev/problems/${code.replaceAll('_', '-')}`;

export function problem(status: number, code: string, detail: string, errors?: FieldError[]): Problem {
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function sendProblem(res: Response, body: Problem): void {
  sendJson(res, body.status, body, 'application/problem+json');
}

export function fromDomainError(error: DomainError): Problem {
  return { ...problem(STATUS[error.kind], error.code, error.message, error.errors), ...(error.extra ?? {}) };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'route_not_found', `No route for ${req.method} ${req.path}.`));
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/** The last middleware: every failure leaves as problem+json, never as a stack trace. */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (res.headersSent) return;
  if (error instanceof DomainError) return sendProblem(res, fromDomainError(error));
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
  // body-parser's errors carry a status and a type.
  if (e.type === 'entity.parse.failed')
    return sendProblem(res, problem(400, 'malformed_json', 'The request body is not valid JSON.', [{ pointer: '', detail: 'Malformed JSON.' }]));
  if (e.type === 'entity.too.large')
    return sendProblem(res, problem(413, 'payload_too_large', 'The request body is larger than 100 kB.'));
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return sendProblem(res, problem(415, 'unsupported_encoding', 'The request body encoding is not supported.'));
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500 && e.expose !== false)
    return sendProblem(res, problem(status, 'bad_request', 'The request could not be read.'));
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, problem(500, 'internal_error', 'Something went wrong on our side. The request id identifies it in the logs.'));
};
