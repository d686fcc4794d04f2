import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../../server/config.js';

describe('configuration', () => {
  it("when nothing is set, then the defaults apply: port 4000 on loopback, PGlite, the adapter's pool size", () => {
    const config = readConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.dbPoolSize, undefined);
    assert.deepEqual(config.allowedOrigins, ['http://localhost:4000', 'http://127.0.0.1:4000']);
  });

  it('when BILLKIT_DB_POOL is a whole number, then PostgreSQL gets that many connections per process', () => {
    assert.equal(readConfig({ BILLKIT_DB_POOL: '6' }).dbPoolSize, 6);
  });

  it('when BILLKIT_DB_POOL or a rate limit is not a whole number of at least 1, then start-up refuses with the variable named', () => {
    assert.throws(() => readConfig({ BILLKIT_DB_POOL: '0' }), /BILLKIT_DB_POOL/);
    assert.throws(() => readConfig({ BILLKIT_DB_POOL: 'many' }), /BILLKIT_DB_POOL/);
    assert.throws(() => readConfig({ BILLKIT_RATE_LIMIT_QUOTES: '2.5' }), /BILLKIT_RATE_LIMIT_QUOTES/);
  });

  it('when BILLKIT_TRUST_PROXY is unset, a hop count or addresses, then Express trusts no proxy, that many hops or those addresses; `true` is refused', () => {
    assert.equal(readConfig({}).trustProxy, false);
    assert.equal(readConfig({ BILLKIT_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(readConfig({ BILLKIT_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(readConfig({ BILLKIT_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, ['loopback', '10.0.0.0/8']);
    assert.throws(() => readConfig({ BILLKIT_TRUST_PROXY: 'true' }), /BILLKIT_TRUST_PROXY/);
  });

  it('when BILLKIT_METRICS_PORT is unset, then no metrics port; a port number opens one; anything else is refused', () => {
    assert.equal(readConfig({}).metricsPort, undefined);
    assert.equal(readConfig({ BILLKIT_METRICS_PORT: '9464' }).metricsPort, 9464);
    assert.throws(() => readConfig({ BILLKIT_METRICS_PORT: 'yes' }), /BILLKIT_METRICS_PORT/);
  });

  it('when BILLKIT_SHUTDOWN_TIMEOUT is unset, then a stopping process waits 10 s for requests in flight; seconds otherwise; anything else is refused', () => {
    assert.equal(readConfig({}).shutdownTimeoutMs, 10_000);
    assert.equal(readConfig({ BILLKIT_SHUTDOWN_TIMEOUT: '30' }).shutdownTimeoutMs, 30_000);
    assert.throws(() => readConfig({ BILLKIT_SHUTDOWN_TIMEOUT: '-1' }), /BILLKIT_SHUTDOWN_TIMEOUT/);
  });
});
