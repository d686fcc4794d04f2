#!/usr/bin/env node
// `npm test`: every check, in order: type check, server tests, component tests in headless Chromium,
// end-to-end tests, then the server and end-to-end tests again on Node 24 (`npx -y node@24`, from the npm
// registry: Node 20 is past its end of life, and Billkit supports both). Each step's output is shown as it runs; the counts
// are added up at the end into one plain `N passed, N failed` line, after each step's time.
import { spawn } from 'node:child_process';
import { countsOf } from './test-counts.mjs';

const steps = [
  { name: 'type check', cmd: 'npx', args: ['tsc', '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'server tests', cmd: 'node', args: ['scripts/test-server.mjs', 'test/server', 'test/react', 'test/contract'] },
  { name: 'component tests', cmd: 'npm', args: ['run', '--silent', 'test:components'] },
  { name: 'end-to-end tests', cmd: 'npm', args: ['run', '--silent', 'test:e2e'] },
  // Whatever node runs this script, the server tests also run on the newest Node 24 (its test-server.mjs
  // starts every test process, and the processes those tests start, with the same node).
  { name: 'node 24: server tests', cmd: 'npx', args: ['-y', 'node@24', 'scripts/test-server.mjs', 'test/server', 'test/react', 'test/contract'] },
  // The end-to-end tests too: `npm start` under them runs on the node in PATH, which npx makes Node 24.
  // (The component tests run in Chromium; Node only serves their files.)
  { name: 'node 24: end-to-end tests', cmd: 'npx', args: ['-y', 'node@24', 'scripts/test-server.mjs', '--test-concurrency=1', 'test/e2e'] },
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const skipped = [];
const summary = [];

for (const step of steps) {
  if (only.length && !only.some((o) => step.name.startsWith(o))) continue;
  process.stdout.write(`\n=== ${step.name}\n`);
  const started = Date.now();
  const { code, output } = await run(step.cmd, step.args);
  const took = `${Math.round((Date.now() - started) / 1000)} s`;
  const counts = countsOf(output, step.name === 'type check' ? code : null);
  passed += counts.passed;
  failed += counts.failed;
  skipped.push(...counts.skipped.map((name) => `${step.name}: ${name}`));
  summary.push(`${step.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} (${counts.passed} passed, ${counts.failed} failed, ${counts.skipped.length} skipped) in ${took}`);
  if (code !== 0 && counts.failed === 0) failed += 1; // a step that broke without counting a failure
}

const skips = skipped.length ? `\nskipped:\n${skipped.map((s) => `  ${s}`).join('\n')}` : '';
process.stdout.write(`\n${summary.join('\n')}${skips}\n${passed} passed, ${failed} failed, ${skipped.length} skipped\n`);
process.exit(failed > 0 ? 1 : 0);

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const tee = (stream, out) =>
      stream.on('data', (chunk) => {
        output += chunk;
        out.write(chunk);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
