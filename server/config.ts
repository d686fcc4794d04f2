import { resolve } from 'node:path';

/** Every environment variable Billkit reads, in one place (the README lists the same). */
export interface Config {
  port: number;
  host: string;
  /** PGlite's data folder (unused when databaseUrl is set, except for the demo keys file). */
  dataDir: string;
  databaseUrl: string | undefined;
  secretKey: string | undefined;
  publishableKey: string | undefined;
  allowedOrigins: string[];
  logLevel: string;
  seedDemo: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  const own = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.BILLKIT_DATA_DIR ?? '.billkit'),
    databaseUrl: env.DATABASE_URL || undefined,
    secretKey: env.BILLKIT_SECRET_KEY || undefined,
    publishableKey: env.BILLKIT_PUBLISHABLE_KEY || undefined,
    allowedOrigins: env.BILLKIT_ALLOWED_ORIGINS
      ? env.BILLKIT_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)
      : own,
    logLevel: env.LOG_LEVEL ?? 'info',
    seedDemo: env.BILLKIT_SEED_DEMO !== 'false',
  };
}
