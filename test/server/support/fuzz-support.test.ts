/**
 * The fuzzer's own mutations: whatever the seed, a body mutated three times over stays a body that can be
 * sent (a string pushed past its edge three times in a row grew 200-fold each time and broke String.repeat,
 * failing the fuzz test in its generation, before any request and before its seed was printed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mutateBody, Random, toJson } from '../../support/fuzz.js';

describe('the fuzzer\'s mutations', () => {
  it('when a body with one long string is mutated under 5,000 seeds, then none throws and every body serializes', () => {
    const valid = { name: 'n'.repeat(500) };
    for (let seed = 0; seed < 5_000; seed++) {
      const random = new Random(seed);
      let body: unknown = valid;
      // Mutating the mutant again is what the three mutations of one body do to one field.
      for (let round = 0; round < 3 && body !== null && typeof body === 'object'; round++) body = mutateBody(body, random, []);
      assert.ok(toJson(body).length < 50_000_000, `seed ${seed}: a body of ${toJson(body).length} characters`);
    }
  });
});
