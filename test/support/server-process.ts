/**
 * Starts Billkit the way a user does (`npm start`: build the elements if needed, then the BFF) in a child
 * process with its own empty data folder and a free loopback port, and waits for /health.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningBillkit {
  url: string;
  dataDir: string;
  keys: { secret: string; publishable: string };
  output: () => string;
  stop: () => Promise<void>;
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startBillkit(env: Record<string, string> = {}): Promise<RunningBillkit> {
  const dataDir = mkdtempSync(join(tmpdir(), 'billkit-e2e-'));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), BILLKIT_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Billkit did not answer /health in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
  return {
    url,
    dataDir,
    keys,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
