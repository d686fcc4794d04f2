#!/usr/bin/env node
// Before `npm start`: builds the elements (dist/) when they are missing or older than their sources, so
// a fresh clone serves the demo after `npm install && npm start`, and a warm start skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (dir) => {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }
  return latest;
};
const built = 'dist/billkit.js';
const sources = Math.max(newest('components'), statSync('vite.config.ts').mtimeMs, statSync('package.json').mtimeMs);
if (existsSync(built) && statSync(built).mtimeMs >= sources) process.exit(0);
console.log('Building the elements (dist/) ...');
const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
