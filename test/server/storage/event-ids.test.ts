import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventIds } from '../../../server/storage/event-repository.js';
import { newId } from '../../../server/storage/ids.js';

describe('event ids', () => {
  it('when a batch of 3,000 events takes its ids, then they increase and an event made right after sorts after them all', () => {
    const batch = eventIds(3000);
    const sorted = [...batch].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted, batch);
    assert.equal(new Set(batch).size, batch.length);
    const next = newId('evt');
    assert.ok(batch.every((id) => id < next), `a later event (${next}) sorts before the batch's last (${batch.at(-1)})`);
  });
});
