/**
 * For end-to-end tests: Billkit started as `npm start` does (server-process.ts) and Debian's Chromium through
 * playwright-core, opened before the block's tests and closed after them, and a GET with the secret key.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startBillkit, type RunningBillkit } from './server-process.js';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface DemoShop {
  billkit: RunningBillkit;
  browser: Browser;
  /** GET `path` with the secret key; asserts 200. */
  admin(path: string): Promise<Record<string, unknown> & { data: Record<string, unknown>[] }>;
}

export function onDemoShop(): DemoShop {
  const shop = {
    async admin(path: string) {
      const res = await fetch(`${shop.billkit.url}${path}`, { headers: { Authorization: `Bearer ${shop.billkit.keys.secret}` } });
      assert.equal(res.status, 200, path);
      return res.json();
    },
  } as DemoShop;
  before(async () => {
    shop.billkit = await startBillkit();
    shop.browser = await chromium.launch({ executablePath: CHROME, args: ARGS });
  });
  after(async () => {
    await shop.browser?.close();
    await shop.billkit?.stop();
  });
  return shop;
}
