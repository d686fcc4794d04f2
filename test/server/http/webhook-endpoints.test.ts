import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { pino } from 'pino';
import { WebhookDelivery } from '../../../server/app/deliver-webhooks.js';
import { livePolicy, TEST_MODE_POLICY } from '../../../server/notify/address-policy.js';
import { HttpWebhookSender, type WebhookMessage, type WebhookResult } from '../../../server/notify/webhook-sender.js';
import type { Db } from '../../../server/storage/db.js';
import { pointers, problemOf } from '../../support/api.js';
import type { TestApp } from '../../support/app.js';
import { aFlatPlan, confirm, startCheckout, testAppWith } from '../../support/checkout.js';
import { testDatabases } from '../../support/db.js';
import { advanceClock, createEndpoint, deliverNow, startReceiver, webhookSuite, type Receiver } from '../../support/webhooks.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

for (const target of testDatabases()) {
  describe(`webhook endpoints and deliveries on ${target.name}`, () => {
    const suite = webhookSuite(target);
    let db: Db;
    let t: TestApp;
    let receiver: Receiver;
    before(() => void ({ db, t, receiver } = suite));

    const checkout = async () => {
      const plan = await aFlatPlan(t, 2900);
      const res = await confirm(t, (await startCheckout(t, { plan: plan.code })).id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { customer: { id: string }; subscription: { id: string }; invoice: { id: string; number: string } };
    };
    const eventIdsOf = async (objectIds: string[]) =>
      (await db.query<{ id: string }>('select id from events where object_id = any($1::text[]) order by id', [objectIds])).rows.map((r) => r.id);
    const deliveries = async (endpointId: string, query = '') => {
      const res = await request(t.app).get(`/v1/webhook-endpoints/${endpointId}/deliveries${query}`).set(t.sk);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { data: { eventId: string; eventType: string; status: string; nextAttemptAt: string | null; attempts: { number: number; statusCode: number | null; durationMs: number; responseExcerpt: string | null; error: string | null }[] }[]; hasMore: boolean; nextCursor: string | null };
    };

    describe('the routes', () => {
      it('when an endpoint is registered, then its whsec_ secret is answered once: reads, lists and changes never show it', async () => {
        const created = await request(t.app).post('/v1/webhook-endpoints').set(t.sk).send({ url: receiver.url, events: ['invoice.paid'], description: 'ERP' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
        assert.deepEqual({ ...created.body, secret: undefined, id: undefined, createdAt: undefined, updatedAt: undefined }, {
          secret: undefined, id: undefined, createdAt: undefined, updatedAt: undefined,
          url: receiver.url, events: ['invoice.paid'], enabled: true, description: 'ERP', disabledReason: null, failingSince: null,
        });
        const read = await request(t.app).get(`/v1/webhook-endpoints/${created.body.id}`).set(t.sk);
        assert.equal(read.status, 200);
        assert.equal(read.body.secret, undefined);
        const list = await request(t.app).get('/v1/webhook-endpoints?limit=100').set(t.sk);
        assert.ok(list.body.data.some((e: { id: string }) => e.id === created.body.id));
        assert.ok(list.body.data.every((e: { secret?: string }) => e.secret === undefined));
        const patched = await request(t.app).patch(`/v1/webhook-endpoints/${created.body.id}`).set(t.sk).send({ events: ['*'], enabled: false, description: null });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.deepEqual([patched.body.events, patched.body.enabled, patched.body.description, patched.body.secret], [['*'], false, null, undefined]);
      });

      it('when the secret is rotated, then a new one is answered; the old one signs beside it for 24 h of the clock, then only the new one', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
        const rotated = await request(t.app).post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(t.sk);
        assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
        assert.match(rotated.body.secret, /^whsec_/);
        assert.notEqual(rotated.body.secret, endpoint.secret);
        await checkout();
        await deliverNow(t);
        assert.equal(receiver.received.length, 1);
        assert.match(String(receiver.received[0]!.headers['webhook-signature']), /^v1,\S+ v1,\S+$/, 'two signatures while both sign');
        assert.equal(receiver.verified(rotated.body.secret).length, 1);
        assert.equal(receiver.verified(endpoint.secret).length, 1, 'a verifier with the old secret still accepts it');
        receiver.received.length = 0;
        await advanceClock(t, 24 * HOUR + SECOND);
        await checkout();
        await deliverNow(t);
        assert.equal(receiver.verified(rotated.body.secret).length, 1);
        assert.throws(() => receiver.verified(endpoint.secret), /signature/i, 'after 24 h only the new secret signs');
      });

      it('when the secret is rotated with previousValidHours 0, then the old one stops at once; more than 72 is refused', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
        const rotated = await request(t.app).post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(t.sk).send({ previousValidHours: 0 });
        assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
        await checkout();
        await deliverNow(t);
        assert.equal(receiver.verified(rotated.body.secret).length, 1);
        assert.throws(() => receiver.verified(endpoint.secret), /signature/i);
        const tooLong = await request(t.app).post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(t.sk).send({ previousValidHours: 73 });
        assert.deepEqual(pointers(problemOf(tooLong, 400, 'validation_failed')), ['/previousValidHours']);
      });

      it('when an endpoint is deleted, then it is gone (404 webhook_endpoint_not_found on every route)', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url });
        assert.equal((await request(t.app).delete(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk)).status, 204);
        for (const res of [
          await request(t.app).get(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk),
          await request(t.app).patch(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk).send({ enabled: true }),
          await request(t.app).delete(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk),
          await request(t.app).post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(t.sk),
          await request(t.app).get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set(t.sk),
        ]) assert.deepEqual(pointers(problemOf(res, 404, 'webhook_endpoint_not_found')), ['/path/id']);
      });

      it('when the input is malformed, then 400 validation_failed points at the field', async () => {
        const cases: [Record<string, unknown>, string][] = [
          [{ url: 'not a url', events: ['*'] }, '/url'],
          [{ url: 'ftp://example.com/x', events: ['*'] }, '/url'],
          [{ url: receiver.url, events: [] }, '/events'],
          [{ url: receiver.url, events: ['*', 'invoice.paid'] }, '/events'],
          [{ url: receiver.url, events: ['invoice.paid', 'invoice.paid'] }, '/events'],
          [{ url: receiver.url, events: ['invoice.nope'] }, '/events/0'],
          [{ url: receiver.url, events: ['*'], enabled: 'yes' }, '/enabled'],
          [{ events: ['*'] }, '/url'],
        ];
        for (const [body, pointer] of cases) {
          const res = await request(t.app).post('/v1/webhook-endpoints').set(t.sk).send(body);
          assert.deepEqual(pointers(problemOf(res, 400, 'validation_failed')), [pointer], JSON.stringify(body));
        }
        const endpoint = await createEndpoint(t, { url: receiver.url });
        const empty = await request(t.app).patch(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk).send({});
        problemOf(empty, 400, 'validation_failed');
      });

      it('when a route is called without the secret key, then 401 (and 403 with the publishable key)', async () => {
        problemOf(await request(t.app).get('/v1/webhook-endpoints'), 401, 'unauthenticated');
        assert.equal((await request(t.app).post('/v1/webhook-endpoints').set(t.pk).send({ url: receiver.url, events: ['*'] })).status, 403);
      });
    });

    describe('delivery', () => {
      it('when a checkout completes, then each of its events reaches the endpoint once, signed (standardwebhooks verify), with webhook-id the event id and the event as GET shows it', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url });
        const done = await checkout();
        const pass = await deliverNow(t);
        const expected = await eventIdsOf([done.customer.id, done.subscription.id, done.invoice.id]);
        assert.equal(expected.length, 4);
        const events = receiver.verified(endpoint.secret);
        assert.deepEqual(receiver.ids().filter((id) => expected.includes(id)).sort(), expected);
        assert.equal(pass.webhooks.attempted, receiver.received.length);
        for (const event of events) {
          const shown = await request(t.app).get(`/v1/events/${event.id}`).set(t.sk);
          assert.deepEqual(event, shown.body);
        }
        const paid = events.find((e) => e.type === 'invoice.paid')!;
        assert.equal(paid.data.object.number, done.invoice.number, 'the invoice number taken at commit is in the webhook');
        const headers = receiver.received[0]!.headers;
        assert.match(String(headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
        assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 60, 'the timestamp is real time, as verifiers check it');
        assert.equal(headers['content-type'], 'application/json');
        // Delivered: another pass sends nothing again.
        const again = await deliverNow(t);
        assert.equal(again.webhooks.attempted, 0);
        const list = await deliveries(endpoint.id);
        assert.ok(list.data.every((d) => d.status === 'delivered' && d.attempts.length === 1 && d.attempts[0]!.statusCode === 200));
        assert.equal(list.data[0]!.attempts[0]!.responseExcerpt, 'ok');
      });

      it('when an endpoint takes some types, then only those reach it', async () => {
        await createEndpoint(t, { url: receiver.url, events: ['invoice.paid', 'checkout.completed'] });
        await checkout();
        await deliverNow(t);
        assert.deepEqual(receiver.received.map((r) => JSON.parse(r.body).type).sort(), ['checkout.completed', 'invoice.paid']);
      });

      it('when the endpoint answers 500, then it is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h of the clock, and then given up, every attempt listed', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
        receiver.answer = 500;
        await checkout();
        assert.equal((await deliverNow(t)).webhooks.attempted, 1);
        const schedule = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
        for (const [i, wait] of schedule.entries()) {
          await advanceClock(t, wait - 2 * SECOND);
          assert.equal((await deliverNow(t)).webhooks.attempted, 0, `retry ${i + 1} is not due before its time`);
          await advanceClock(t, 2 * SECOND);
          assert.equal((await deliverNow(t)).webhooks.attempted, 1, `retry ${i + 1} is due after ${wait} ms`);
        }
        await advanceClock(t, 2 * DAY);
        assert.equal((await deliverNow(t)).webhooks.attempted, 0, 'eight attempts, then given up');
        const [delivery] = (await deliveries(endpoint.id)).data;
        assert.equal(delivery!.status, 'failed');
        assert.deepEqual(delivery!.attempts.map((a) => a.number), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert.ok(delivery!.attempts.every((a) => a.statusCode === 500 && a.responseExcerpt === 'no thanks (500)' && a.durationMs >= 0));
        assert.equal(receiver.received.length, 8);
      });

      it('when the receiver is down for an hour of clock time, then it gets everything afterwards', async () => {
        const down = await startReceiver();
        const url = down.url;
        const port = down.port;
        await down.close();
        await createEndpoint(t, { url });
        const done = await checkout();
        await deliverNow(t);
        for (const wait of [5 * SECOND, 5 * MINUTE, 30 * MINUTE]) {
          await advanceClock(t, wait);
          await deliverNow(t);
        }
        const up = await startReceiver(port);
        try {
          await advanceClock(t, 2 * HOUR);
          await deliverNow(t);
          const expected = await eventIdsOf([done.customer.id, done.subscription.id, done.invoice.id]);
          assert.deepEqual(up.ids().filter((id) => expected.includes(id)).sort(), expected);
        } finally {
          await up.close();
        }
      });

      it('when the endpoint answers 410, then it is disabled at once (reason gone) with a log line, webhook_endpoint.disabled goes to the others, and nothing more is sent to it', async () => {
        const gone = await startReceiver();
        gone.answer = 410;
        try {
          const endpoint = await createEndpoint(t, { url: gone.url, events: ['checkout.completed'] });
          const watcher = await createEndpoint(t, { url: receiver.url, events: ['webhook_endpoint.disabled'] });
          await checkout();
          const logged: { msg: string; endpointId?: string; reason?: string }[] = [];
          const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
          await new WebhookDelivery(db, t.deps.catalogCache, new HttpWebhookSender(TEST_MODE_POLICY), logger).runOnce();
          assert.deepEqual(logged.map((l) => [l.msg, l.endpointId, l.reason]), [['webhook endpoint answered 410 Gone: disabled', endpoint.id, 'gone']]);
          await deliverNow(t);
          const read = await request(t.app).get(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk);
          assert.deepEqual([read.body.enabled, read.body.disabledReason], [false, 'gone']);
          const notice = receiver.verified(watcher.secret);
          assert.deepEqual(notice.map((e) => [e.type, e.data.object.id, e.data.object.secret]), [['webhook_endpoint.disabled', endpoint.id, undefined]]);
          await checkout();
          await advanceClock(t, HOUR);
          await deliverNow(t);
          assert.equal(gone.received.length, 1);
          assert.equal((await deliveries(endpoint.id)).data[0]!.status, 'failed');
        } finally {
          await gone.close();
        }
      });

      it('when an endpoint has failed for 5 days, then it is disabled (reason failing); enabling it again clears that and delivers what waited', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
        receiver.answer = 503;
        const first = await checkout();
        await deliverNow(t);
        await advanceClock(t, 4 * DAY);
        await checkout();
        await deliverNow(t);
        let read = await request(t.app).get(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk);
        assert.equal(read.body.enabled, true, 'four days of failures are not five');
        assert.ok(read.body.failingSince);
        await advanceClock(t, DAY + MINUTE);
        await deliverNow(t);
        read = await request(t.app).get(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk);
        assert.deepEqual([read.body.enabled, read.body.disabledReason], [false, 'failing']);
        const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from events where type = 'webhook_endpoint.disabled' and object_id = $1`, [endpoint.id]);
        assert.equal(Number(rows[0]!.n), 1);

        receiver.answer = 200;
        const enabled = await request(t.app).patch(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk).send({ enabled: true });
        assert.deepEqual([enabled.body.enabled, enabled.body.disabledReason, enabled.body.failingSince], [true, null, null]);
        const [firstEvent] = await db.query<{ id: string }>(`select id from events where type = 'checkout.completed' and data->'object'->>'subscriptionId' = $1`, [first.subscription.id]).then((r) => r.rows);
        const redelivered = await request(t.app).post(`/v1/events/${firstEvent!.id}/redeliver`).set(t.sk).send({ endpointId: endpoint.id });
        assert.equal(redelivered.status, 202, JSON.stringify(redelivered.body));
        await deliverNow(t);
        assert.ok(receiver.ids().includes(firstEvent!.id));
        assert.equal((await deliveries(endpoint.id, `?eventId=${firstEvent!.id}`)).data[0]!.status, 'delivered');
      });

      it('when an event is redelivered, then it is sent again now, its attempts counting on; refusals name the reason', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url, events: ['invoice.paid'] });
        const done = await checkout();
        await deliverNow(t);
        const [paid] = receiver.verified(endpoint.secret);
        const res = await request(t.app).post(`/v1/events/${paid!.id}/redeliver`).set(t.sk);
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.deepEqual(res.body.data.map((d: { endpointId: string; status: string }) => [d.endpointId, d.status]), [[endpoint.id, 'pending']]);
        await deliverNow(t);
        assert.deepEqual(receiver.ids(), [paid!.id, paid!.id]);
        const [delivery] = (await deliveries(endpoint.id, `?eventId=${paid!.id}`)).data;
        assert.deepEqual(delivery!.attempts.map((a) => [a.number, a.statusCode]), [[1, 200], [2, 200]]);

        problemOf(await request(t.app).post('/v1/events/evt_nope/redeliver').set(t.sk), 404, 'event_not_found');
        const unknown = await request(t.app).post(`/v1/events/${paid!.id}/redeliver`).set(t.sk).send({ endpointId: 'we_nope' });
        assert.deepEqual(pointers(problemOf(unknown, 404, 'webhook_endpoint_not_found')), ['/endpointId']);
        const [customerEvent] = await eventIdsOf([done.customer.id]);
        const notTaken = await request(t.app).post(`/v1/events/${customerEvent}/redeliver`).set(t.sk).send({ endpointId: endpoint.id });
        assert.deepEqual(pointers(problemOf(notTaken, 422, 'event_not_subscribed')), ['/endpointId']);
        await request(t.app).patch(`/v1/webhook-endpoints/${endpoint.id}`).set(t.sk).send({ enabled: false });
        const disabled = await request(t.app).post(`/v1/events/${paid!.id}/redeliver`).set(t.sk).send({ endpointId: endpoint.id });
        assert.deepEqual(pointers(problemOf(disabled, 422, 'webhook_endpoint_disabled')), ['/endpointId']);
      });

      it('when deliveries are listed, then newest event first, in pages', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url });
        await checkout();
        await deliverNow(t);
        const first = await deliveries(endpoint.id, '?limit=2');
        assert.equal(first.data.length, 2);
        assert.equal(first.hasMore, true);
        assert.ok(first.data[0]!.eventId > first.data[1]!.eventId);
        const next = await deliveries(endpoint.id, `?limit=100&startingAfter=${first.nextCursor}`);
        assert.equal(next.data.length, receiver.received.length - 2);
        assert.ok(next.data[0]!.eventId < first.data[1]!.eventId);
      });

      it('when POST /v1/delivery-runs is called, then what is due is delivered and summed up', async () => {
        await createEndpoint(t, { url: receiver.url, events: ['checkout.completed'] });
        await checkout();
        const res = await request(t.app).post('/v1/delivery-runs').set(t.sk);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.webhooks, { attempted: 1, succeeded: 1, failed: 0 });
        assert.equal(receiver.received.length, 1);
      });

      it('when a pass dies after sending part of a batch (the process killed), then the next pass after the lease delivers every event: none lost', async () => {
        const endpoint = await createEndpoint(t, { url: receiver.url });
        for (let i = 0; i < 3; i++) await checkout();
        const due = (await db.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where endpoint_id = $1`, [endpoint.id])).rows[0]!.n;
        // Two requests reach the receiver, then the process dies: nothing after the claim is recorded.
        let sent = 0;
        const real = new HttpWebhookSender(TEST_MODE_POLICY);
        const sender = {
          send: async (message: WebhookMessage): Promise<WebhookResult> => {
            if (++sent === 3) throw new Error('killed');
            if (sent < 3) await real.send(message);
            return new Promise(() => {});
          },
        };
        const dying = await testAppWith(db, { testClock: true, notify: { sender } });
        const pass = dying.deps.webhookDelivery.runOnce();
        await assert.rejects(Promise.race([pass, new Promise((_, reject) => setTimeout(() => reject(new Error('killed')), 2000))]), /killed/);
        assert.equal((await deliverNow(t)).webhooks.attempted, 0, 'claimed rows are leased, not sent twice at once');
        await advanceClock(t, 61 * SECOND);
        await deliverNow(t);
        assert.equal(new Set(receiver.ids()).size, Number(due), 'every event arrived');
        assert.ok(receiver.received.length <= Number(due) + 2, 'at most the two sent before the crash arrive twice');
        assert.equal(receiver.verified(endpoint.secret).length, receiver.received.length);
      });
    });

    describe('live mode (Stripe configured)', () => {
      let live: TestApp;
      before(async () => {
        live = await testAppWith(db, { notify: { policy: livePolicy(false) } });
      });

      it('when the URL is http or a private address, then 422 webhook_url_not_allowed at /url', async () => {
        for (const url of ['http://example.com/hooks', 'https://127.0.0.1/hooks', 'https://10.1.2.3/hooks', 'https://[::1]/hooks', 'https://169.254.169.254/latest']) {
          const res = await request(live.app).post('/v1/webhook-endpoints').set(live.sk).send({ url, events: ['*'] });
          assert.deepEqual(pointers(problemOf(res, 422, 'webhook_url_not_allowed')), ['/url'], url);
        }
        const ok = await request(live.app).post('/v1/webhook-endpoints').set(live.sk).send({ url: 'https://hooks.example.com/billkit', events: ['*'] });
        assert.equal(ok.status, 201);
        await request(live.app).delete(`/v1/webhook-endpoints/${ok.body.id}`).set(live.sk);
      });

      it('when a name resolves to a loopback address, then the delivery is refused after DNS and nothing reaches it', async () => {
        const endpoint = await createEndpoint(live, { url: `https://localhost:${receiver.port}/hooks` });
        await checkout();
        await live.deps.webhookDelivery.runOnce();
        assert.equal(receiver.received.length, 0);
        const list = await deliveries(endpoint.id);
        assert.ok(list.data.length > 0);
        assert.ok(list.data.every((d) => d.status === 'pending' && /not allowed in live mode/.test(d.attempts[0]!.error ?? '')), JSON.stringify(list.data[0]));
      });
    });
  });
}
