// `bun run stats:rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: recompute the click rollups from the
// raw click rows (after a restore, or after changing how clicks are classified). `--to` is exclusive;
// days before the oldest raw click (dropped by retention) keep their rollups.
import { parseArgs } from 'node:util';
import { runMigrations } from './migrate.ts';
import { cliDatabase } from './cli-database.ts';
import { rebuildRollups } from '../src/stats/rebuild.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string): never {
  console.error(`stats:rebuild: ${message}`);
  process.exit(2);
}

let values: { from?: string; to?: string };
try {
  ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)} (usage: bun run stats:rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD])`);
}
for (const [name, value] of Object.entries(values)) {
  if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) fail(`--${name} must be a day as YYYY-MM-DD, got "${value}"`);
}
if (values.from && values.to && values.from >= values.to) fail('--from must be before --to');

let database;
try {
  database = await cliDatabase();
  await runMigrations(database.db);
} catch (error) {
  fail(`cannot open the database: ${error instanceof Error ? error.message : String(error)} (check DATABASE_URL)`);
}
try {
  const started = performance.now();
  const report = await rebuildRollups(database.db, values, (day, clicks) => {
    if (clicks > 0) console.log(`${day}: ${clicks} clicks`);
  });
  console.log(`rebuilt ${report.days} days, ${report.clicks} clicks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`stats:rebuild: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
