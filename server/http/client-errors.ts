import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { problem, type Problem } from './problem.js';

/** What Node's HTTP parser refuses, by its error code; anything else it refuses is a plain 400. */
const REFUSALS: Record<string, () => Problem> = {
  HPE_HEADER_OVERFLOW: () => problem(431, 'headers_too_large', 'The request line and headers are larger than 16 kB.'),
  ERR_HTTP_REQUEST_TIMEOUT: () => problem(408, 'request_timeout', 'The request was not received in time.'),
};

/**
 * Requests Node's HTTP parser refuses before Express sees them (a malformed request line or header, a bad
 * or doubled Content-Length, Content-Length with Transfer-Encoding, headers over 16 kB) are answered as
 * problem+json like every other refusal, rather than Node's bare status line, and the connection is closed.
 */
export function answerClientErrors(server: Server, logger?: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const body = (REFUSALS[error.code ?? ''] ?? (() => problem(400, 'bad_request', 'The request is not valid HTTP/1.1 (its request line, a header or its length).')))();
    logger?.warn({ code: error.code, status: body.status }, 'request refused by the HTTP parser');
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  });
}
