// What every CLI command shares: the database it works on (DATABASE_URL, or the embedded cluster of
// the data directory: the one a running hop serves, else started for the command and stopped after)
// and how it fails (one line naming the cause and the fix, exit 2; never a stack trace).
import { ConfigError, loadConfig } from '../src/config.ts';
import { describeStartupFailure } from '../src/startup-failure.ts';
import { openDatabase, type Database } from './client.ts';
import { EmbeddedStartError, startEmbeddedPostgres } from './embedded.ts';
import { pgFailureOf } from './errors.ts';

/** A failure the user can fix, already phrased as one line (cause: fix). */
export class CliError extends Error {
  override name = 'CliError';
}

export async function cliDatabase(): Promise<{ db: Database; close(): Promise<void> }> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: (line) => console.error(line) });
  const db = openDatabase({ url: config.databaseUrl ?? embedded!.url, poolMax: 4 });
  return {
    db,
    async close() {
      await db.$client.close({ timeout: 5 });
      // A cluster a running hop owns stays up (stop() is a no-op for it).
      await embedded?.stop();
    },
  };
}

/** Runs a CLI command; any failure ends it with one line on stderr and exit 2. */
export async function runCli(name: string, command: () => Promise<void>): Promise<void> {
  try {
    await command();
  } catch (error) {
    console.error(`${name}: ${describeCliFailure(error)}`);
    process.exit(2);
  }
}

function describeCliFailure(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ConfigError) return `configuration error: ${error.message}`;
  // parseArgs: an unknown option or a missing value.
  const code = (error as { code?: string })?.code;
  if (code?.startsWith('ERR_PARSE_ARGS')) return `${(error as Error).message}: see --help`;
  if (!(error instanceof EmbeddedStartError) && !pgFailureOf(error)) {
    return `${(error instanceof Error ? error.message : String(error)).split('\n')[0]}: see --help`;
  }
  let databaseUrl: string | null = null;
  try {
    databaseUrl = loadConfig().databaseUrl;
  } catch {
    // Already reported above when the configuration is what failed.
  }
  return describeStartupFailure(error, { databaseUrl, embedded: databaseUrl === null, host: '', port: 0 });
}
