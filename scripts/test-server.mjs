#!/usr/bin/env node
// Runs the server tests (node:test with tsx) over every *.test.ts below the given folders
// (default: test/server). On node 20 a quoted glob is not expanded, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
for (const root of roots.length ? roots : ['test/server']) {
  if (statSync(root).isDirectory()) walk(root);
  else files.push(root);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// The document tests read PDFs back with poppler-utils.
const poppler = spawnSync(process.execPath, [new URL('./ensure-poppler.mjs', import.meta.url).pathname], { stdio: 'inherit' });
if (poppler.status !== 0) process.exit(poppler.status ?? 1);
// Which node runs them (CI runs them on Node 20 and on Node 24), in the log.
process.stdout.write(`server tests on node ${process.version}: ${files.length} files\n`);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', ...(flags.some((f) => f.startsWith('--test-concurrency')) ? [] : ['--test-concurrency=2']), '--test-reporter=spec', ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
