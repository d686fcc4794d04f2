import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterFailure, disableReason, isDelivered, takesEvent, WEBHOOK_RETRY_DELAYS_MS } from '../../../server/domain/notifications.js';

const AT = new Date('2026-12-01T12:00:00.000Z');
const plus = (ms: number) => new Date(AT.getTime() + ms).toISOString();

describe('notifications: the retry schedule', () => {
  const cases: [number, string | 'failed'][] = [
    [1, plus(5_000)],
    [2, plus(5 * 60_000)],
    [3, plus(30 * 60_000)],
    [4, plus(2 * 3_600_000)],
    [5, plus(5 * 3_600_000)],
    [6, plus(10 * 3_600_000)],
    [7, plus(10 * 3_600_000)],
    [8, 'failed'],
  ];
  for (const [attempt, expected] of cases) {
    it(`when attempt ${attempt} fails, then ${expected === 'failed' ? 'the delivery is given up' : `the next is due at ${expected}`}`, () => {
      const next = afterFailure(attempt, AT);
      assert.equal(next.kind === 'retry' ? next.at.toISOString() : next.kind, expected);
    });
  }
  it('when the table is summed, then eight attempts span 27 h 35 min 5 s', () => {
    assert.equal(WEBHOOK_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0), ((27 * 60 + 35) * 60 + 5) * 1000);
  });
});

describe('notifications: what counts and what disables', () => {
  const statuses: [number | null, boolean][] = [[200, true], [204, true], [299, true], [300, false], [301, false], [410, false], [500, false], [null, false]];
  for (const [status, delivered] of statuses) {
    it(`when the answer is ${status ?? 'missing'}, then it is ${delivered ? '' : 'not '}delivered`, () => assert.equal(isDelivered(status), delivered));
  }
  const DAY = 86_400_000;
  const disables: [string, number | null, number, 'gone' | 'failing' | null][] = [
    ['a 410 on the first failure', 410, 0, 'gone'],
    ['a 500 after 4 days 23 h of failures', 500, 5 * DAY - 3_600_000, null],
    ['a 500 after exactly 5 days', 500, 5 * DAY, 'failing'],
    ['no answer after 6 days', null, 6 * DAY, 'failing'],
  ];
  for (const [situation, status, failingFor, reason] of disables) {
    it(`when ${situation}, then ${reason ?? 'the endpoint stays on'}`, () => assert.equal(disableReason(status, AT, new Date(AT.getTime() + failingFor)), reason));
  }
  it('when an endpoint takes "*", then it takes every type; otherwise only those it names', () => {
    assert.equal(takesEvent(['*'], 'credit_note.created'), true);
    assert.equal(takesEvent(['invoice.paid'], 'invoice.paid'), true);
    assert.equal(takesEvent(['invoice.paid'], 'invoice.finalized'), false);
  });
});
