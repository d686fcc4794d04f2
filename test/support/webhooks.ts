/**
 * A real webhook receiver on 127.0.0.1 for the delivery tests: it records every request (headers and raw
 * body), answers with the status the test sets, and verifies signatures with the standardwebhooks library's
 * own `verify`, as a merchant's app would. And a real SMTP server on 127.0.0.1 for the email tests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { after, before, beforeEach } from 'node:test';
import type { Db } from '../../server/storage/db.js';
import type { TestApp } from './app.js';
import { testAppWith } from './checkout.js';
import type { TestDatabase } from './db.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The status every request gets (200 by default), or a function of the request. */
  answer: number | ((r: Received) => number);
  /** Called with each request before it is answered (a test may kill a process here). */
  onRequest?: (r: Received) => void;
  /** The event ids received, in order (duplicates included). */
  ids(): string[];
  /** Verifies every request with `secret`; returns the parsed events. */
  verified(secret: string): { id: string; type: string; createdAt: string; data: { object: Record<string, unknown> } }[];
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    answer: 200,
    ids: () => receiver.received.map((r) => String(r.headers['webhook-id'])),
    verified: (secret) =>
      receiver.received.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as ReturnType<Receiver['verified']>[number]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const got = { path: req.url ?? '', headers: req.headers, body };
      receiver.received.push(got);
      receiver.onRequest?.(got);
      const status = typeof receiver.answer === 'number' ? receiver.answer : receiver.answer(got);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `no thanks (${status})`);
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}

/** Registers an endpoint through the API; answers it with its secret. */
export async function createEndpoint(t: TestApp, body: Record<string, unknown>) {
  const res = await request(t.app).post('/v1/webhook-endpoints').set(t.sk).send({ events: ['*'], ...body });
  if (res.status !== 201) throw new Error(`endpoint not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; url: string; secret: string; events: string[]; enabled: boolean };
}

/** Moves Billkit's test clock forward by `ms`. */
export const advanceClock = (t: TestApp, ms: number) => t.deps.settings.advanceClock(ms);

/** One delivery pass now (webhooks, then emails), as the worker would run it. */
export async function deliverNow(t: TestApp) {
  return { webhooks: await t.deps.webhookDelivery.runOnce(), emails: await t.deps.emailDelivery.runOnce() };
}

/** A real SMTP server on 127.0.0.1 (smtp-server) that keeps every message, parsed (mailparser). */
export interface MailCatcher {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Refuse every message with this SMTP reply (a mail server that is down for mail). */
  refuse: boolean;
  /**
   * From the nth message kept on, the server answers none and keeps none (a server that stopped before its
   * 250 OK: the message is not delivered) until `release()`. Resolves when the first is held: the sender has
   * a message in flight that will not be accepted (a crash test kills it then).
   */
  holdFrom(n: number): Promise<void>;
  /** Stops holding: the held messages are refused (421), and those after them kept as before. */
  release(): void;
  close(): Promise<void>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  let hold: { n: number; held: (() => void)[]; reached: () => void } | undefined;
  const catcher: MailCatcher = {
    url: '',
    port: 0,
    messages: [],
    refuse: false,
    holdFrom: (n) => new Promise((reached) => (hold = { n, held: [], reached })),
    release() {
      for (const refuse of hold?.held ?? []) refuse();
      hold = undefined;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (catcher.refuse) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 451 }));
          if (hold && catcher.messages.length + 1 >= hold.n) {
            hold.held.push(() => callback(Object.assign(new Error('Service shutting down'), { responseCode: 421 })));
            hold.reached();
            return;
          }
          catcher.messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  // A sender that dies mid-message (a crash test's SIGKILL) resets its connection: nothing to report.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  catcher.port = (server.server.address() as AddressInfo).port;
  catcher.url = `smtp://127.0.0.1:${catcher.port}`;
  return catcher;
}

export interface WebhookSuite {
  db: Db;
  t: TestApp;
  receiver: Receiver;
}

/**
 * Hooks for a describe block over one test database: an app in test mode and a receiver. Before each test
 * the endpoints of earlier tests (the database is shared) stop taking events and the receiver starts afresh.
 */
export function webhookSuite(target: TestDatabase): WebhookSuite {
  const suite = {} as WebhookSuite;
  before(async () => {
    suite.db = await target.open();
    suite.t = await testAppWith(suite.db, { testClock: true });
    suite.receiver = await startReceiver();
  });
  after(async () => {
    await suite.receiver?.close();
    if (target.name === 'postgres') await suite.db?.close();
  });
  beforeEach(async () => {
    await suite.db.query('update webhook_endpoints set enabled = false');
    suite.receiver.received.length = 0;
    suite.receiver.answer = 200;
  });
  return suite;
}
