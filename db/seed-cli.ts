// `bun run seed` loads the deterministic demo data; `bun run seed --csv DIR` imports the hackathon
// CSVs (users.csv, urls.csv, events.csv) keeping their ids. Both then move the sequences past the ids.
// Both want an empty database (imports keep ids, so into a filled one nearly every row would collide):
// a filled one is refused with one line, unless --reset empties it first.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, cliDatabase, runCli } from './cli-database.ts';
import { runMigrations } from './migrate.ts';
import { countRows, generateDataset, importDataset, readCsvDataset, resetData } from './seed.ts';

const USAGE = `usage: bun run seed [--csv DIR] [--seed N] [--reset]
  without --csv   the deterministic demo data (400 users, 2000 links, 3422 events)
  --csv DIR       import DIR/users.csv, DIR/urls.csv and DIR/events.csv keeping their ids
  --seed N        another deterministic demo dataset
  --reset         delete every user, link and event first (the database must otherwise be empty)
  Works on DATABASE_URL, or without it on the embedded Postgres of DATA_DIR (.data).`;
const CSV_FILES = ['users.csv', 'urls.csv', 'events.csv'];
const SHOWN_PROBLEMS = 10;

await runCli('seed', async () => {
  const { values } = parseArgs({
    options: { csv: { type: 'string' }, seed: { type: 'string' }, reset: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return console.log(USAGE);
  if (values.seed !== undefined && !/^\d+$/.test(values.seed)) throw new CliError(`--seed must be a whole number, got "${values.seed}": see --help`);
  if (values.csv !== undefined) {
    const dir = path.resolve(values.csv);
    const missing = CSV_FILES.filter((file) => !existsSync(path.join(dir, file)));
    if (missing.length > 0) throw new CliError(`${missing.map((file) => path.join(dir, file)).join(', ')} not found: --csv takes a directory holding ${CSV_FILES.join(', ')}`);
  }
  const dataset = values.csv ? await readCsvDataset(values.csv) : generateDataset(values.seed ? Number(values.seed) : undefined);

  const { db, close } = await cliDatabase();
  try {
    await runMigrations(db);
    const present = await countRows(db);
    if (present.users + present.urls + present.events > 0) {
      if (!values.reset) {
        throw new CliError(
          `the database already holds ${present.users} users, ${present.urls} links and ${present.events} events (the demo data that \`bun run start\` seeds?), ` +
            'so imported ids would collide: run again with --reset to delete them first, or point DATABASE_URL at an empty database',
        );
      }
      await resetData(db);
      console.log(`deleted ${present.users} users, ${present.urls} links and ${present.events} events (--reset)`);
    }
    const result = await importDataset(db, dataset);
    for (const problem of result.problems.slice(0, SHOWN_PROBLEMS)) console.warn(`skipped: ${problem}`);
    if (result.problems.length > SHOWN_PROBLEMS) console.warn(`skipped: ... and ${result.problems.length - SHOWN_PROBLEMS} more rows`);
    console.log(
      `imported users ${result.users.imported} (skipped ${result.users.skipped}), ` +
        `urls ${result.urls.imported} (skipped ${result.urls.skipped}), ` +
        `events ${result.events.imported} (skipped ${result.events.skipped})`,
    );
  } finally {
    await close();
  }
});
