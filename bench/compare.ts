/**
 * `npm run bench:compare -- <git revision>`: is the quote route of the working tree cheaper than at that
 * revision? For changes of a few percent, which `npm run bench` cannot show on this VM: its speed changes
 * from one second to the next, so two servers measured one after the other differ by far more than the
 * change. Here both run at the same moment, pinned to the same core (taskset), each loaded by its own
 * autocannon at 50 connections from this process on the other core, for BENCH_ROUNDS rounds of
 * BENCH_ROUND_SECONDS; the start order turns each round. They share the core's time and the machine's
 * moods alike, so the ratio of their throughputs is their cost ratio: steady to about 2% where the
 * alternated benchmark swings by 30%. Run it with the same revision twice (`-- HEAD`, nothing changed) to
 * see that spread.
 *
 * Only the two versions of Billkit's own quote server are compared: sharing a core, each also pays for the
 * other's cache misses, so this is not a fair measure against the much smaller bare Express route (that is
 * `npm run bench`'s job). The revision is checked out into a temporary git worktree that borrows this
 * tree's node_modules, and removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { QUOTE_CART, startServer, type BenchServer } from './servers.js';

const revision = process.argv[2];
if (!revision) throw new Error('usage: npm run bench:compare -- <git revision>  (e.g. HEAD, main, HEAD~1)');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const here = resolve('.');

try {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
} catch {
  throw new Error('bench:compare pins processes to cores with taskset (Debian: apt-get install util-linux) and needs 2 cores');
}

const base = mkdtempSync(join(tmpdir(), 'billkit-compare-'));
execFileSync('git', ['worktree', 'add', '--detach', base, revision], { stdio: 'ignore' });
symlinkSync(join(here, 'node_modules'), join(base, 'node_modules'));

interface Server extends BenchServer {
  name: string;
}

/** bench/serve.ts's `api` server of one tree, on core 0. */
const serve = async (name: string, dir: string): Promise<Server> => ({ name, ...(await startServer('api', { cwd: dir, core: 0 })) });

/** The process's CPU time so far (user + system), in clock ticks. */
const cpuTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

const load = (server: Server, duration: number) =>
  autocannon({
    url: `${server.url}/v1/quotes`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.publishableKey}` },
    body: QUOTE_CART,
    duration,
    connections: 50,
  });

const servers: Server[] = [];
try {
  servers.push(await serve(revision, base), await serve('working tree', here));
  await Promise.all(servers.map((server) => load(server, 3)));
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  console.log(`POST /v1/quotes, ${revision} and the working tree side by side on one core (${ROUNDS} rounds of ${ROUND_SECONDS} s)`);
  for (let round = 0; round < ROUNDS; round++) {
    const before = servers.map((server) => cpuTicks(server.pid));
    const runs: Promise<autocannon.Result>[] = [];
    for (let i = 0; i < servers.length; i++) {
      const k = (i + round) % servers.length;
      runs[k] = load(servers[k]!, ROUND_SECONDS);
    }
    const [old, now] = await Promise.all(runs);
    const ticks = servers.map((server, i) => cpuTicks(server.pid) - before[i]!);
    if (old!.non2xx + old!.errors + now!.non2xx + now!.errors > 0) throw new Error('a server answered with errors');
    const rate = (r: autocannon.Result) => r.requests.total / r.duration;
    ratios.push(rate(now!) / rate(old!));
    cpuRatios.push(ticks[0]! / old!.requests.total / (ticks[1]! / now!.requests.total));
    console.log(`  round ${round + 1}: ${Math.round(rate(old!))} and ${Math.round(rate(now!))} req/s, working tree ${(100 * ratios.at(-1)!).toFixed(1)}%`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`  working tree / ${revision}: throughput ${(100 * median(ratios)).toFixed(1)}%, CPU per request ${(100 / median(cpuRatios)).toFixed(1)}% (medians; above 100% = more throughput / more CPU)`);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  execFileSync('git', ['worktree', 'remove', '--force', base], { stdio: 'ignore' });
  rmSync(base, { recursive: true, force: true });
}
process.exit(0);
