/**
 * Requests Node's HTTP parser refuses before Express sees them get problem+json too (client-errors.ts),
 * sent over raw sockets since no HTTP client writes them.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { answerClientErrors } from '../../../server/http/client-errors.js';
import { testApp, type TestApp } from '../../support/app.js';
import { sharedPglite } from '../../support/db.js';

/** Writes raw bytes to the server and reads everything until it closes the connection. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** Status, headers (lower case) and the JSON body of a raw HTTP answer. */
function answerOf(text: string) {
  const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body) as { status: number; code: string; title: string; detail: string } };
}

describe("requests Node's HTTP parser refuses", () => {
  let server: Server;
  let port: number;
  before(async () => {
    const t = await testApp(await sharedPglite());
    server = t.app.listen(0, '127.0.0.1');
    answerClientErrors(server);
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const cases: { name: string; raw: string; status: number; code: string }[] = [
    { name: 'when Content-Length is not a number, then 400 bad_request', raw: 'POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}', status: 400, code: 'bad_request' },
    { name: 'when Content-Length is given twice with two values, then 400 bad_request', raw: 'POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', status: 400, code: 'bad_request' },
    { name: 'when Content-Length comes with Transfer-Encoding, then 400 bad_request', raw: 'POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'when the request line is not HTTP, then 400 bad_request', raw: 'HELLO THERE\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'when a header holds a NUL byte, then 400 bad_request', raw: 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'when the headers are 20 kB, then 431 headers_too_large', raw: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'headers_too_large' },
  ];
  for (const c of cases)
    it(`${c.name}, as problem+json, and the connection is closed`, async () => {
      const answer = answerOf(await exchange(port, c.raw));
      assert.equal(answer.status, c.status);
      assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(answer.headers.connection, 'close');
      assert.equal(answer.body.status, c.status);
      assert.equal(answer.body.code, c.code);
      assert.ok(answer.body.title && answer.body.detail);
    });

  it('when a refused request is followed by a valid one on a new connection, then that one is answered', async () => {
    await exchange(port, 'HELLO\r\n\r\n');
    const text = await exchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 200 /);
  });
});

describe('a POST with no body at all (curl -X POST -H "Content-Type: application/json", no -d)', () => {
  let server: Server;
  let port: number;
  let t: TestApp;
  before(async () => {
    t = await testApp(await sharedPglite());
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  // No Content-Length and no Transfer-Encoding: there is no body, whatever Content-Type says. Node's own
  // client always sends Content-Length: 0, so only a raw request shows it.
  const bodyless = (path: string, type: string) =>
    exchange(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.sk.Authorization}\r\nContent-Type: ${type}\r\nConnection: close\r\n\r\n`);

  for (const type of ['application/json', 'text/plain'])
    it(`when a route whose body is optional gets Content-Type: ${type} and no body, then it runs as with no body (404 for an unknown event), not 415`, async () => {
      const answer = answerOf(await bodyless('/v1/events/evt_nope/redeliver', type));
      assert.equal(answer.status, 404, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'event_not_found');
    });

  it('when a route that needs a body gets Content-Type: application/json and no body, then 400 validation_failed, not 415', async () => {
    const answer = answerOf(await bodyless('/v1/products', 'application/json'));
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.code, 'validation_failed');
  });
});
