// Where the integration suites find Postgres and Redis; each suite gets its own fresh database.
import { SQL } from 'bun';
import { openDatabase, postgresAnswers, type Database } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { runMigrations } from '../../db/migrate.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let serverUrl: Promise<string> | undefined;

/** True when a Postgres at `url` answers a query within a couple of seconds. */
export const reachable = postgresAnswers;

/** The Postgres server to test against: TEST_DATABASE_URL / local :5432, else an embedded one. */
function adminUrl(): Promise<string> {
  serverUrl ??= (async () => {
    if (await reachable(ADMIN_URL)) return ADMIN_URL;
    const embedded = await startEmbeddedPostgres({ dataDir: '.data/test', port: 54339, log: () => {} });
    process.on('exit', () => void embedded.stop());
    return embedded.url.replace(/\/hop$/, '/postgres');
  })();
  return serverUrl;
}

export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** A new database named after the suite, migrated unless asked not to; dropped again by `drop()`. */
export async function freshDatabase(label: string, { migrate = true } = {}): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `hop_test_${label.replace(/\W/g, '_')}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
  const control = new SQL({ url: admin, max: 1 });
  await control.unsafe(`create database "${name}"`);
  await control.close();
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  const db = openDatabase({ url, poolMax: 10 });
  if (migrate) await runMigrations(db);
  return {
    url,
    db,
    async drop() {
      await db.$client.close({ timeout: 1 });
      const cleanup = new SQL({ url: admin, max: 1 });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      await cleanup.close();
    },
  };
}
