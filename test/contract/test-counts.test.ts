/** `npm test`'s closing line counts and names what was skipped (a skipped suite too), not only passes and failures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without types
import { countsOf } from '../../scripts/test-counts.mjs';

describe("npm test's counts", () => {
  it('when a node:test run skipped a suite and a test, then both are counted and named with their reasons', () => {
    const output = [
      '﹣ PostgreSQL adapter (8.9ms) # needs DATABASE_URL',
      '  ﹣ limits under concurrency (0.2ms) # SKIP',
      'ℹ tests 3', 'ℹ pass 3', 'ℹ fail 0', 'ℹ skipped 0',
    ].join('\n');
    assert.deepEqual(countsOf(output), {
      passed: 3, failed: 0, skipped: ['PostgreSQL adapter (needs DATABASE_URL)', 'limits under concurrency (SKIP)'],
    });
  });
  it('when a runner ends with a plain line, then it is read', () => {
    assert.deepEqual(countsOf('components: 143 passed, 0 failed\n'), { passed: 143, failed: 0, skipped: [] });
  });
});
