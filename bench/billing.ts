/**
 * Section 5 of `npm run bench`: the billing run over many due subscriptions on PostgreSQL (a flat charge and
 * a metered charge with usage each, paid with the test provider), next to the machine's ceiling measured in
 * the same run: a bare batched INSERT of the same invoice and line rows into plain tables.
 */
import { testApp } from '../test/support/app.js';
import { aMeteredPlan, seedDueSubscriptions } from '../test/support/billing-seed.js';
import { freshPostgres } from '../test/support/db.js';

export interface BillingBench {
  n: number;
  seconds: number;
  perSecond: number;
  bareSeconds: number;
  invoices: number;
}

export async function benchBillingRun(n: number): Promise<BillingBench | null> {
  if (!process.env.DATABASE_URL) return null;
  const db = await freshPostgres(process.env.DATABASE_URL, { max: 10 });
  try {
    const t = await testApp(db);
    const plan = await aMeteredPlan(t, 'bench');
    await seedDueSubscriptions(db, plan, n, 'bench');
    await db.query('analyze');
    t.deps.catalogCache.invalidate();
    const started = performance.now();
    const summary = await t.deps.billingRuns.run('api', { batchSize: 1000 });
    const seconds = (performance.now() - started) / 1000;
    if (summary.subscriptionsRenewed !== n || summary.paymentsSucceeded !== n) {
      throw new Error(`the run renewed ${summary.subscriptionsRenewed} and collected ${summary.paymentsSucceeded} of ${n}`);
    }
    const bareSeconds = await bareInsert(db);
    return { n, seconds, perSecond: n / seconds, bareSeconds, invoices: summary.invoicesIssued };
  } finally {
    await db.close();
  }
}

/** The ceiling: the run's invoice and line rows written again, in batches of 1,000 invoices, by multi-row INSERTs. */
async function bareInsert(db: Awaited<ReturnType<typeof freshPostgres>>): Promise<number> {
  await db.exec(`create table bare_invoices (like invoices including defaults); create table bare_lines (like invoice_lines including defaults);`);
  const invoices = (await db.query<Record<string, unknown>>(`select * from invoices where kind = 'renewal' order by id`)).rows;
  const lines = (await db.query<Record<string, unknown>>(`select l.* from invoice_lines l join invoices i on i.id = l.invoice_id where i.kind = 'renewal' order by l.invoice_id, l.position`)).rows;
  const byInvoice = new Map<string, Record<string, unknown>[]>();
  for (const line of lines) byInvoice.set(String(line.invoice_id), [...(byInvoice.get(String(line.invoice_id)) ?? []), line]);
  const invoiceCols = Object.keys(invoices[0]!);
  const lineCols = Object.keys(lines[0]!);
  const values = (rows: Record<string, unknown>[], cols: string[]) => {
    const params: unknown[] = [];
    const tuples = rows.map((row) => `(${cols.map((c) => (params.push(row[c] instanceof Object && !(row[c] instanceof Date) ? JSON.stringify(row[c]) : row[c]), `$${params.length}`)).join(', ')})`);
    return { sql: tuples.join(', '), params };
  };
  const started = performance.now();
  for (let i = 0; i < invoices.length; i += 1000) {
    const batch = invoices.slice(i, i + 1000);
    const batchLines = batch.flatMap((inv) => byInvoice.get(String(inv.id)) ?? []);
    await db.transaction(async (tx) => {
      // 65,535 parameters at most per statement: the rows go in chunks.
      for (let k = 0; k < batch.length; k += 1500) {
        const v = values(batch.slice(k, k + 1500).slice(0, Math.floor(65_000 / invoiceCols.length)), invoiceCols);
        await tx.query(`insert into bare_invoices (${invoiceCols.join(', ')}) values ${v.sql}`, v.params);
      }
      const per = Math.floor(65_000 / lineCols.length);
      for (let k = 0; k < batchLines.length; k += per) {
        const v = values(batchLines.slice(k, k + per), lineCols);
        await tx.query(`insert into bare_lines (${lineCols.join(', ')}) values ${v.sql}`, v.params);
      }
    });
  }
  return (performance.now() - started) / 1000;
}
