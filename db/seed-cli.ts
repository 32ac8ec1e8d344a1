// `bun run seed` loads the deterministic demo data; `bun run seed --csv DIR` imports the hackathon
// CSVs (users.csv, urls.csv, events.csv) keeping their ids. Both then move the sequences past the ids.
import { parseArgs } from 'node:util';
import { cliDatabase } from './cli-database.ts';
import { runMigrations } from './migrate.ts';
import { generateDataset, importDataset, readCsvDataset } from './seed.ts';

const { values } = parseArgs({ options: { csv: { type: 'string' }, seed: { type: 'string' } } });
const { db, close } = await cliDatabase();
try {
  await runMigrations(db);
  const dataset = values.csv ? await readCsvDataset(values.csv) : generateDataset(values.seed ? Number(values.seed) : undefined);
  const result = await importDataset(db, dataset);
  for (const problem of result.problems) console.warn(`skipped: ${problem}`);
  console.log(
    `imported users ${result.users.imported} (skipped ${result.users.skipped}), ` +
      `urls ${result.urls.imported} (skipped ${result.urls.skipped}), ` +
      `events ${result.events.imported} (skipped ${result.events.skipped})`,
  );
} finally {
  await close();
}
