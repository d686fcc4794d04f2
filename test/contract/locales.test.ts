/**
 * The elements' German: every message an element shows through msg() has a template in
 * components/locales/de.ts, and de.ts holds no template that no element uses any more. Without this, a new
 * English sentence silently shows in English on a German page.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'locales' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The explicit ids given to msg(): `msg('…', { id: 'x' })` and `msg(str`…`, { id: 'x' })`. */
function messageIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const file of sources('components')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bmsg\((?:[^()]|\([^()]*\))*?\{\s*id:\s*'([^']+)'\s*\}\)/gs)) ids.set(match[1]!, file);
  }
  return ids;
}

function germanIds(): Set<string> {
  // de.ts and the files it spreads in (components/locales/de-*.ts, one per area of elements).
  const files = readdirSync('components/locales').filter((name) => /^de(-.+)?\.ts$/.test(name));
  const text = files.map((name) => readFileSync(join('components/locales', name), 'utf8')).join('\n');
  return new Set([...text.matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]!));
}

describe('German templates for the elements', () => {
  it('when the elements are read for msg() ids, then they find the ones the checkout and payment form are known to use', () => {
    const ids = messageIds();
    // A guard on the scan itself: were the pattern to stop matching, the comparison below would pass on nothing.
    for (const id of ['checkout.details', 'checkout.confirmed', 'payment.refunded', 'interval.per.months']) assert.ok(ids.has(id), id);
    assert.ok(ids.size >= 100, `only ${ids.size} ids found`);
  });

  it('when every msg() id is looked up in de.ts, then each has a German template', () => {
    const german = germanIds();
    const missing = [...messageIds()].filter(([id]) => !german.has(id)).map(([id, file]) => `${id} (${file})`);
    assert.deepEqual(missing, []);
  });

  it('when de.ts is compared with the elements, then it holds no template that no element uses', () => {
    const used = messageIds();
    assert.deepEqual([...germanIds()].filter((id) => !used.has(id)), []);
  });
});
