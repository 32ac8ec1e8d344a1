// `bun run migrate`: apply the checked-in migrations to DATABASE_URL (or the embedded database).
import { parseArgs } from 'node:util';
import { cliDatabase, runCli } from './cli-database.ts';
import { runMigrations } from './migrate.ts';

const USAGE = `usage: bun run migrate
  Applies db/migrations/ to DATABASE_URL, or without it to the embedded Postgres of DATA_DIR (.data):
  the one a running hop serves, else started for the command and stopped after.`;

await runCli('migrate', async () => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const { db, close } = await cliDatabase();
  try {
    await runMigrations(db);
    console.log('migrations applied');
  } finally {
    await close();
  }
});
