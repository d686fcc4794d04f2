/**
 * The elements' API types (components/shared/api.gen.ts) are generated from the OpenAPI document the
 * routes' zod schemas make. When a schema changes and the file is not generated again, the elements would
 * compile against an old contract: this fails until `npm run api-types` is run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { API_TYPES_FILE, apiTypes } from '../../scripts/api-types.js';

describe('the elements\' API types', () => {
  it('when generated from the OpenAPI document now, then they equal components/shared/api.gen.ts', async () => {
    const generated = await apiTypes();
    assert.match(generated, /"\/v1\/portal\/subscriptions\/\{id\}\/change"/);
    assert.equal(readFileSync(API_TYPES_FILE, 'utf8'), generated, 'components/shared/api.gen.ts is not current: run `npm run api-types`');
  });

  it('when the elements are read, then none takes a type from server/ (types come from the contract)', () => {
    const grep = spawnSync('git', ['grep', '-n', '-E', "^import type .* from '(\\.\\./)+server/", '--', 'components'], { encoding: 'utf8' });
    assert.equal(grep.status, 1, `git grep found type imports from server/ (or failed):\n${grep.stdout}${grep.stderr}`);
  });
});
