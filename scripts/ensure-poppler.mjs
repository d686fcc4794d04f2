#!/usr/bin/env node
/**
 * The document tests read PDFs back with poppler-utils (pdftotext, pdfdetach; pdftoppm for the README's
 * pictures). When they are missing and this runs as root with apt-get, installs Debian's poppler-utils;
 * otherwise says how and exits 1.
 */
import { spawnSync } from 'node:child_process';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const tools = ['pdftotext', 'pdfdetach', 'pdftoppm'];
if (tools.every(has)) process.exit(0);

const install = 'apt-get update && apt-get install -y poppler-utils';
if (process.getuid?.() === 0 && has('apt-get')) {
  console.log(`poppler-utils missing; running: ${install}`);
  spawnSync('sh', ['-c', install], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (tools.every(has)) process.exit(0);
}
console.error(`${tools.filter((t) => !has(t)).join(', ')} not found: install Debian's poppler-utils (${install}).`);
process.exit(1);
