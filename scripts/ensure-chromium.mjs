#!/usr/bin/env node
/**
 * Makes sure a Chromium for web-test-runner exists.
 * Looks at CHROME_PATH, then /usr/bin/chromium. When missing and running as root on a machine
 * with apt-get, installs Debian's chromium; otherwise exits 1 with the command to run.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const INSTALL = 'apt-get update && apt-get install -y chromium';
const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium'].filter(Boolean);
const found = candidates.find((path) => existsSync(path));

if (found) {
  console.log(`chromium: ${found}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (isRoot && hasApt) {
  console.log(`chromium not found; running: ${INSTALL}`);
  const result = spawnSync('sh', ['-c', INSTALL], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0 && existsSync('/usr/bin/chromium')) {
    console.log('chromium: /usr/bin/chromium');
    process.exit(0);
  }
  console.error(`installing chromium failed; run it by hand: ${INSTALL}`);
  process.exit(1);
}

console.error(
  `chromium not found (looked at ${candidates.join(', ')}).\n` +
    `Install it with:\n  sudo ${INSTALL}\n` +
    'or set CHROME_PATH to a Chromium/Chrome executable.',
);
process.exit(1);
