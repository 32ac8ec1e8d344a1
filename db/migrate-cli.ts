// `bun run migrate`: apply the checked-in migrations to DATABASE_URL (or the embedded database).
import { cliDatabase } from './cli-database.ts';
import { runMigrations } from './migrate.ts';

const { db, close } = await cliDatabase();
try {
  await runMigrations(db);
  console.log('migrations applied');
} finally {
  await close();
}
