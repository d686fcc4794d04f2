/**
 * For the crash tests: a seed for the kill moments (printed; CRASH_SEED=<seed> replays it), and a BFF
 * process (`server/main.ts`, as production runs it) over a given PostgreSQL schema that a test starts, kills
 * with SIGKILL and starts again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from './fuzz.js';
import { freePort } from './server-process.js';

export { Random };

/** The seed of this run: CRASH_SEED when set, otherwise a new one. */
export const CRASH_SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);

export interface Bff {
  base: string;
  keys: { secret: string; publishable: string };
  /** Starts the process (again, unless it runs) and waits until /health answers. */
  start(): Promise<void>;
  /** SIGKILL now; resolves once it has exited. */
  kill(): Promise<void>;
  /** Whether the process is up (started, not killed). */
  readonly running: boolean;
  /** POST with a key (the publishable one unless given); a request the dying process never answers throws. */
  post(path: string, body: unknown, key?: string): Promise<{ status: number; body: Record<string, any> }>;
  /** What the processes started so far wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM if running, and removes its data folder. */
  stop(): Promise<void>;
}

/** A BFF process over `databaseUrl` (with its search_path) and these keys, on a free loopback port. */
export async function bffProcess(databaseUrl: string, keys: Bff['keys'], env: Record<string, string> = {}): Promise<Bff> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'billkit-crash-'));
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  return {
    base,
    keys,
    get running() {
      return alive();
    },
    async start() {
      if (alive()) return;
      child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          PORT: String(port),
          BILLKIT_DATA_DIR: dataDir,
          BILLKIT_SEED_DEMO: 'false',
          BILLKIT_SECRET_KEY: keys.secret,
          BILLKIT_PUBLISHABLE_KEY: keys.publishable,
          BILLKIT_RATE_LIMIT_CHECKOUTS: '100000',
          BILLKIT_RATE_LIMIT_CONFIRMATIONS: '100000',
          BILLKIT_RATE_LIMIT_QUOTES: '100000',
          LOG_LEVEL: 'fatal',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      for (let i = 0; i < 600; i++) {
        if (!alive()) throw new Error(`the BFF exited with ${child.exitCode}: ${output}`);
        if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the BFF did not start');
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    async post(path, body, key = keys.publishable) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    },
    output: () => output,
    async stop() {
      if (child && alive()) {
        const done = exited(child);
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends `work` items with `concurrency` senders through phases of one BFF life each: the process is started,
 * the senders take items, and once `killAfter()` of them have been answered in this phase (and up to
 * `jitterMs` later, drawn from the seed) it is killed with SIGKILL; the items it never answered are sent
 * again in the next phase, to the process started again. Ends when every item was answered; answers `kills`, the number of kills.
 * `send` throws when the process died under it (that item is retried).
 */
export async function sendThroughKills<T>(
  bff: Bff,
  random: Random,
  work: readonly T[],
  options: { concurrency: number; kills: number; killAfter: () => number; jitterMs: number },
  send: (item: T) => Promise<void>,
): Promise<{ kills: number; retried: number }> {
  let queue = [...work];
  let kills = 0;
  let retried = 0;
  while (queue.length > 0) {
    await bff.start();
    const killing = kills < options.kills;
    const killAt = killing ? options.killAfter() : Infinity;
    const jitter = random.int(options.jitterMs + 1);
    let answered = 0;
    let killed: Promise<void> | undefined;
    const unanswered: T[] = [];
    const sender = async () => {
      // The senders go on during the jitter and after the kill (refused at once then): the kill lands mid-flight.
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        try {
          await send(item);
          if (++answered === killAt) killed = new Promise((r) => setTimeout(r, jitter)).then(() => bff.kill());
        } catch {
          unanswered.push(item);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, sender));
    if (killed) {
      await killed;
      kills++;
    } else if (killing) {
      // Everything was answered before the kill moment came: kill now, between requests.
      await bff.kill();
      kills++;
    }
    retried += unanswered.length;
    queue = unanswered;
  }
  return { kills, retried };
}
