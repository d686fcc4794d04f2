import type { Express } from 'express';
import { generateKey } from '../../server/app/keys.js';
import { buildDeps } from '../../server/compose.js';
import { createApp } from '../../server/http/app.js';
import type { Deps } from '../../server/http/deps.js';
import type { Db } from '../../server/storage/db.js';

export interface TestApp {
  app: Express;
  deps: Deps;
  secret: string;
  publishable: string;
  /** Authorization headers for each key. */
  sk: { Authorization: string };
  pk: { Authorization: string };
}

export const TEST_ORIGIN = 'http://shop.test';

/** createApp over a migrated database, with a fresh pair of keys (and any other configuration). No listen: supertest drives it. */
export async function testApp(db: Db, config: Omit<Parameters<typeof buildDeps>[1], 'allowedOrigins'> = {}): Promise<TestApp> {
  const deps = buildDeps(db, { allowedOrigins: [TEST_ORIGIN], ...config });
  const secret = generateKey('secret');
  const publishable = generateKey('publishable');
  await deps.keys.add(secret);
  await deps.keys.add(publishable);
  return {
    app: createApp(deps),
    deps,
    secret,
    publishable,
    sk: { Authorization: `Bearer ${secret}` },
    pk: { Authorization: `Bearer ${publishable}` },
  };
}
