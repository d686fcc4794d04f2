/** What `npm run bench` and `npm run bench:compare` share: starting bench/serve.ts, and the cart they quote. */
import { spawn } from 'node:child_process';

/** The cart both benchmarks quote: the demo's Business plan, graduated storage, a coupon, OSS VAT. */
export const QUOTE_CART = JSON.stringify({ plan: 'business-monthly', quantity: 250, addOns: [], couponCode: 'WELCOME20', customer: { country: 'FR', type: 'individual' } });

export interface BenchServer {
  url: string;
  publishableKey: string;
  secretKey: string;
  /** api-pg: a connection string to the server's schema. */
  databaseUrl?: string;
  pid: number;
  /** Ends the process and waits for it to exit (api-pg drops its schema first). */
  stop: () => Promise<void>;
}

/**
 * Starts bench/serve.ts (of the tree at `cwd`, this one by default) in a child process, pinned to `core`
 * with taskset when given, and resolves with what it prints.
 */
export async function startServer(mode: 'constant' | 'api' | 'api-pg', options: { cwd?: string; core?: number } = {}): Promise<BenchServer> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : [];
  const node = [process.execPath, ...profile, '--import', 'tsx', 'bench/serve.ts', mode];
  const [command, ...args] = options.core === undefined ? node : ['taskset', '-c', String(options.core), ...node];
  const child = spawn(command!, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`bench server (${mode}${options.cwd ? ` in ${options.cwd}` : ''}) exited with ${code}`)));
  });
  // Stopping waits for the exit, so that one section's teardown does not run into the next measurement.
  const stop = () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { ...(JSON.parse(line) as { url: string; publishableKey: string; secretKey: string; databaseUrl?: string }), pid: child.pid!, stop };
}
