// `bun run stats:rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: recompute the click rollups from the
// raw click rows (after a restore, or after changing how clicks are classified). `--to` is exclusive;
// days before the oldest raw click (dropped by retention) keep their rollups.
import { parseArgs } from 'node:util';
import { rebuildRollups } from '../src/stats/rebuild.ts';
import { CliError, cliDatabase, runCli } from './cli-database.ts';
import { runMigrations } from './migrate.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const USAGE = 'usage: bun run stats:rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD]';

function parseRange(): { from?: string; to?: string } {
  let values: { from?: string; to?: string };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}: ${USAGE}`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) throw new CliError(`--${name} must be a day as YYYY-MM-DD, got "${value}"`);
  }
  if (values.from && values.to && values.from >= values.to) throw new CliError('--from must be before --to');
  return values;
}

await runCli('stats:rebuild', async () => {
  const range = parseRange();
  const { db, close } = await cliDatabase();
  try {
    await runMigrations(db);
    const started = performance.now();
    const report = await rebuildRollups(db, range, (day, clicks) => {
      if (clicks > 0) console.log(`${day}: ${clicks} clicks`);
    });
    console.log(`rebuilt ${report.days} days, ${report.clicks} clicks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await close();
  }
});
