// The database a CLI command works on: DATABASE_URL, or the embedded one hop itself would start.
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Database } from './client.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export async function cliDatabase(): Promise<{ db: Database; close(): Promise<void> }> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, console.error);
  const db = openDatabase({ url: config.databaseUrl ?? embedded!.url, poolMax: 4 });
  return {
    db,
    async close() {
      await db.$client.close({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
