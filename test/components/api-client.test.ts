import { expect } from '@open-wc/testing';
import { ApiClient, BillkitApiError } from '../../components/shared/api-client.js';
import { aClient, problem } from './fixtures.js';

describe('shared/api-client', () => {
  it('when the catalog is asked twice, then it is fetched once with the publishable key', async () => {
    const { client, calls } = aClient();
    await client.catalog();
    await client.catalog();
    expect(calls).to.have.length(1);
    expect(calls[0].headers.Authorization).to.equal('Bearer pk_test_123');
  });

  it('when the catalog is asked in two locales, then each is fetched once, with its Accept-Language; a quote says its locale too', async () => {
    const { client, calls } = aClient();
    await client.catalog({ locale: 'de-AT' });
    await client.catalog({ locale: 'en' });
    await client.catalog({ locale: 'de-AT' });
    await client.quote({ plan: 'pro-monthly' }, { locale: 'de' });
    await client.quote({ plan: 'pro-monthly' });
    expect(calls.map((c) => [c.path, c.headers['Accept-Language']])).to.deep.equal([
      ['/v1/catalog', 'de-AT'], ['/v1/catalog', 'en'], ['/v1/quotes', 'de'], ['/v1/quotes', undefined],
    ]);
  });

  it('when the BFF answers problem+json, then the error carries its code, status and field errors', async () => {
    const { client } = aClient({
      'POST /v1/quotes': () => problem(400, 'validation_failed', 'Quantity out of range', [{ pointer: '/charges/0/quantity', detail: 'At most 50.' }]),
    });
    const error = await client.quote({ plan: 'pro-monthly' }).catch((e) => e);
    expect(error).to.be.instanceOf(BillkitApiError);
    expect(error).to.include({ status: 400, code: 'validation_failed', message: 'Quantity out of range' });
    expect(error.problem.errors).to.deep.equal([{ pointer: '/charges/0/quantity', detail: 'At most 50.' }]);
  });

  it('when the network fails, then the error is network_error', async () => {
    const client = new ApiClient({ baseUrl: 'http://bff.test', publishableKey: 'pk', fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    const error = await client.catalog().catch((e) => e);
    expect(error).to.include({ code: 'network_error', status: 0 });
  });

  it('when a request is aborted, then the AbortError passes through', async () => {
    const client = new ApiClient({ baseUrl: 'http://bff.test', publishableKey: 'pk', fetch: () => Promise.reject(new DOMException('x', 'AbortError')) });
    const error = await client.quote({ plan: 'x' }).catch((e) => e);
    expect(error.name).to.equal('AbortError');
  });

  it('when checkouts are created and confirmed, then each request has its own Idempotency-Key and the id is escaped', async () => {
    const { client, calls } = aClient({ 'POST /v1/checkouts/co%2F1/confirm': () => problem(404, 'not_found') });
    await client.createCheckout({ plan: 'pro-monthly', customer: { email: 'a@b.co', name: 'A', country: 'DE', type: 'individual' } });
    await client.confirmCheckout('co/1', { paymentMethod: 'pm_card_visa' }).catch(() => undefined);
    expect(calls.map((c) => c.path)).to.deep.equal(['/v1/checkouts', '/v1/checkouts/co%2F1/confirm']);
    expect(calls[0].headers['Idempotency-Key']).to.be.a('string').and.not.equal(calls[1].headers['Idempotency-Key']);
    expect(calls[0].headers['Content-Type']).to.equal('application/json');
  });
});
