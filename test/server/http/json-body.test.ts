import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import express, { type RequestHandler } from 'express';
import fc from 'fast-check';
import { errorHandler } from '../../../server/http/problem.js';
import { jsonBody, parseStrict } from '../../../server/http/json-body.js';
import { JSON_TYPES } from '../../../server/http/route.js';

/**
 * The JSON body reader's fast path must read every body exactly as body-parser (express.json) does, and
 * hand everything else to it. An echo app answers what it read; body-parser's own answer comes from the
 * same bytes sent as application/vnd.test+json, a type only body-parser reads.
 */
const LIMIT = 1024;

interface Answer {
  status: number;
  body: unknown;
}

describe('JSON request bodies', () => {
  let base = '';
  let server: ReturnType<express.Express['listen']>;
  const toBodyParser: string[] = [];

  before(async () => {
    const app = express();
    const general = express.json({ limit: LIMIT, type: JSON_TYPES });
    const spy: RequestHandler = (req, res, next) => {
      toBodyParser.push(req.headers['content-type'] ?? '');
      general(req, res, next);
    };
    app.use(jsonBody({ limit: LIMIT, type: JSON_TYPES }, spy));
    app.post('/echo', (req, res) => {
      res.json({ read: req.body === undefined ? 'nothing' : req.body });
    });
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  /** Sends `parts` one write at a time (a pause between them), with the headers given. */
  const send = (headers: Record<string, string>, parts: (string | Buffer)[]) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(`${base}/echo`, { method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      const write = async () => {
        for (const part of parts) {
          req.write(part);
          await new Promise((r) => setTimeout(r, 5));
        }
        req.end();
      };
      void write();
    });
  const sized = (type: string, text: string | Buffer, extra: Record<string, string> = {}) => ({
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(text)),
    ...extra,
  });
  /** The same request through the fast path and through body-parser. */
  const both = async (text: string) => {
    toBodyParser.length = 0;
    const fast = await send(sized('application/json', text), [text]);
    assert.deepEqual(toBodyParser, [], 'the plain JSON body went to body-parser');
    const general = await send(sized('application/vnd.test+json', text), [text]);
    assert.deepEqual(toBodyParser, ['application/vnd.test+json']);
    return { fast, general };
  };

  it('when a random JSON body (any value, whitespace around it, a byte order mark) is sent, then the fast path reads what body-parser reads or refuses it the same way', async () => {
    const space = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
    const body = fc.tuple(fc.boolean(), space, fc.json({ maxDepth: 3 }), space).map(([bom, lead, json, trail]) => `${bom ? '\uFEFF' : ''}${lead}${json}${trail}`);
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        fc.pre(Buffer.byteLength(text) <= LIMIT);
        const { fast, general } = await both(text);
        assert.deepEqual(fast, general);
      }),
      { numRuns: 150 },
    );
  });

  for (const [what, text, status] of [
    ['an object', '{"plan":"pro","quantity":3,"name":"Zoë 😀"}', 200],
    ['an empty body (read as {}, as body-parser does)', '', 200],
    ['a top-level string', '"pro"', 400],
    ['a top-level number after whitespace', '  42', 400],
    ['malformed JSON', '{"plan": pro}', 400],
    ['a truncated object', '{"plan":"pro"', 400],
  ] as const) {
    it(`when the body is ${what}, then the fast path answers ${status} exactly as body-parser does`, async () => {
      const { fast, general } = await both(text);
      assert.equal(fast.status, status);
      assert.deepEqual(fast, general);
      if (status === 400) assert.equal((fast.body as { code: string }).code, 'malformed_json');
    });
  }

  it('when a plain JSON body arrives in several pieces, then the fast path joins them, a character split across two pieces included', async () => {
    const text = JSON.stringify({ name: 'Zoë', note: '€'.repeat(40) });
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('€')) + 1; // inside the three bytes of a euro sign
    toBodyParser.length = 0;
    const answer = await send(sized('application/json; charset=UTF-8', bytes), [bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(answer, { status: 200, body: { read: JSON.parse(text) } });
    assert.deepEqual(toBodyParser, []);
  });

  it('when the body is compressed, chunked, in another charset, of another JSON type or over the limit, then body-parser reads or refuses it', async () => {
    const text = '{"plan":"pro"}';
    const gzip = gzipSync(text);
    toBodyParser.length = 0;
    assert.deepEqual(await send(sized('application/json', gzip, { 'Content-Encoding': 'gzip' }), [gzip]), { status: 200, body: { read: { plan: 'pro' } } });
    assert.deepEqual(await send({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, [text.slice(0, 5), text.slice(5)]), {
      status: 200,
      body: { read: { plan: 'pro' } },
    });
    const latin1 = await send(sized('application/json; charset=latin1', text), [text]);
    assert.equal(latin1.status, 415);
    assert.equal((latin1.body as { code: string }).code, 'unsupported_encoding');
    const big = JSON.stringify({ note: 'x'.repeat(LIMIT) });
    const tooLarge = await send(sized('application/json', big), [big]);
    assert.equal(tooLarge.status, 413);
    assert.equal((tooLarge.body as { code: string }).code, 'payload_too_large');
    assert.deepEqual(toBodyParser, ['application/json', 'application/json', 'application/json; charset=latin1', 'application/json']);
  });

  it('when a request stops before its stated length, then the server drops it and goes on answering others', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '100' } });
      req.on('error', () => resolve());
      req.write('{"plan":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 20);
    });
    const text = '{"plan":"pro"}';
    assert.deepEqual(await send(sized('application/json', text), [text]), { status: 200, body: { read: { plan: 'pro' } } });
  });

  it('when parseStrict reads a text, then only an object or an array is JSON enough, an empty text is {}, and a byte order mark is dropped', () => {
    assert.deepEqual(parseStrict('\uFEFF {"a":1}'), { a: 1 });
    assert.deepEqual(parseStrict('\n[1]'), [1]);
    assert.deepEqual(parseStrict(''), {});
    assert.throws(() => parseStrict('null'), SyntaxError);
    assert.throws(() => parseStrict(' "a"'), SyntaxError);
  });
});
