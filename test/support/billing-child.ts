/**
 * A BFF process that only runs the billing run, for the test that kills it half-way with SIGKILL:
 * `node --import tsx test/support/billing-child.ts <database url with search_path> <batch size>`.
 */
import { buildDeps } from '../../server/compose.js';
import { openPostgres } from '../../server/storage/postgres.js';

const [url, batch] = process.argv.slice(2);
const db = await openPostgres(url!, { max: 4 });
const deps = buildDeps(db, { allowedOrigins: [] });
process.stdout.write('running\n');
await deps.billingRuns.run('api', { batchSize: Number(batch ?? 50) });
process.stdout.write('done\n');
await db.close();
