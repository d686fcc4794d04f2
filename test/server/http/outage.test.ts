/**
 * A database outage (issue 20): with PostgreSQL unreachable, requests get 503 database_unavailable and
 * /health says so; once it is back, Billkit recovers without a restart. PostgreSQL itself is shared, so the
 * outage is a TCP proxy in front of it that is switched off (every connection cut, new ones refused) and on
 * again on the same port.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Db } from '../../../server/storage/db.js';
import { problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aCheckoutInput, aFlatPlan, testAppWith } from '../../support/checkout.js';
import { freshPostgres, unique } from '../../support/db.js';

/** A TCP proxy to PostgreSQL that can be cut and restored. */
class Cable {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;
  constructor(readonly target: { host: string; port: number }) {}

  async plugIn(): Promise<void> {
    const server = createServer((socket) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [socket, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      }
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Every open connection is cut, and new ones are refused. */
  async pullOut(): Promise<void> {
    const server = this.#server!;
    this.#server = null;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

describe('a database outage on PostgreSQL', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' }, () => {
  let cable: Cable;
  let db: Db;
  let t: TestApp;
  let plan: string;
  before(async () => {
    const url = new URL(process.env.DATABASE_URL!);
    cable = new Cable({ host: url.hostname, port: Number(url.port || 5432) });
    await cable.plugIn();
    url.hostname = '127.0.0.1';
    url.port = String(cable.port);
    db = await freshPostgres(url.toString());
    t = await testAppWith(db);
    plan = (await aFlatPlan(t, 1000)).code;
  });
  after(async () => {
    await db.close();
    await cable.pullOut();
  });

  it('when PostgreSQL cannot be reached, then requests are 503 database_unavailable and /health says so; when it is back, they are served again without a restart', async () => {
    assert.equal((await request(t.app).get('/v1/customers').set(t.sk)).status, 200);
    const key = unique('outage');
    const checkout = aCheckoutInput({ plan });

    await cable.pullOut();
    problemOf(await request(t.app).get('/v1/customers').set(t.sk), 503, 'database_unavailable');
    problemOf(await request(t.app).post('/v1/quotes').set(t.pk).send({ plan }), 503, 'database_unavailable');
    problemOf(await request(t.app).post('/v1/checkouts').set(t.pk).send(checkout), 503, 'database_unavailable');
    problemOf(await request(t.app).get('/health/ready'), 503, 'database_unavailable');
    problemOf(await request(t.app).get('/health'), 503, 'database_unavailable');
    assert.equal((await request(t.app).get('/health/live')).status, 200);

    await cable.plugIn();
    assert.equal((await request(t.app).get('/health/ready')).status, 200);
    assert.equal((await request(t.app).get('/v1/customers').set(t.sk)).status, 200);
    assert.equal((await request(t.app).post('/v1/quotes').set(t.pk).send({ plan })).status, 200);
    const created = await request(t.app).post('/v1/checkouts').set(t.pk).set('Idempotency-Key', key).send(checkout);
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
});
