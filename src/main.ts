// The process: read config, open Postgres (or start the embedded one) and Redis, migrate, seed,
// listen, and shut down gracefully (stop accepting, finish in-flight requests, flush clicks, close pools).
// Exit codes: 0 after SIGTERM/SIGINT, 1 when clicks could not be flushed, 2 bad configuration,
// 3 after a `kill` chaos drill (so the restart is visibly a drill's).
import { openDatabase } from '../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.ts';
import { runMigrations } from '../db/migrate.ts';
import { generateDataset, importDataset, isEmpty } from '../db/seed.ts';
import packageJson from '../package.json' with { type: 'json' };
import { applyBlocklistFile } from './abuse/blocklist.ts';
import { createApp } from './app.ts';
import { LinkCache } from './cache/link-cache.ts';
import { openRedis } from './cache/redis.ts';
import { ConfigError, loadConfig } from './config.ts';
import { ConsoleAssets } from './console/assets.ts';
import { ClickRecorder } from './events/click-recorder.ts';
import { LogRing } from './logging/log-ring.ts';
import { createLogger, closeLogs } from './logging/logger.ts';
import { Metrics } from './metrics/metrics.ts';
import { clickObserver, maintenanceObserver } from './metrics/observers.ts';
import { serve } from './server.ts';
import { Maintenance } from './stats/maintenance.ts';

let config;
try {
  config = loadConfig(process.env, packageJson.version);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`hop: configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const logRing = new LogRing(config.logRingSize);
const logger = createLogger(config.logLevel, undefined, logRing);
const metrics = config.metricsEnabled ? new Metrics({ version: config.version }) : null;
const started = performance.now();

let embedded: EmbeddedDatabase | null = null;
let databaseUrl = config.databaseUrl;
if (!databaseUrl) {
  logger.info({ dataDir: config.dataDir, port: config.embeddedPgPort }, 'no DATABASE_URL: starting embedded Postgres');
  try {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, (line) => logger.warn(line));
  } catch (error) {
    // A start-up problem the operator can fix: one plain line, no stack trace.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    console.error(`hop: cannot start the embedded Postgres: ${error instanceof Error ? error.message : String(error)}${cause}`);
    process.exit(2);
  }
  databaseUrl = embedded.url;
}

const db = openDatabase({ url: databaseUrl, poolMax: config.dbPoolMax, queueTimeoutMs: config.dbQueueTimeoutMs });
await migrate(config.migrationDatabaseUrl);
if (config.seed && (await isEmpty(db))) {
  const result = await importDataset(db, generateDataset());
  logger.info({ users: result.users, urls: result.urls, events: result.events }, 'seeded demo data');
}

// Click partitions made ahead and months past the retention dropped, by one replica per round.
const maintenance = new Maintenance(db, { retentionMonths: config.stats.clickRetentionMonths, intervalMs: config.stats.maintenanceIntervalMs }, maintenanceObserver(metrics, logger));
maintenance.start();

const redis = config.redisUrl ? openRedis(config.redisUrl, (error) => logger.debug({ err: error.message }, 'redis error')) : null;
const cache = new LinkCache(config.cache, redis?.client ?? null, redis?.subscriber ?? null, metrics?.cache);
const clicks = new ClickRecorder(db, config.clicks, clickObserver(metrics, logger));
clicks.start();

const consoleAssets = await ConsoleAssets.load(config.consoleDir);
if (!consoleAssets) logger.warn({ dir: config.consoleDir }, 'the console is not built: /app answers 503 until `bun run build:web` runs');

const app = createApp({
  config, db, redis: redis?.client ?? null, cache, clicks, logger, metrics, logRing, consoleAssets,
  requestExit: (code) => void shutdown('chaos kill drill', code),
});
const blocklistFile = config.blocklistFile;
if (blocklistFile) {
  try {
    await applyBlocklistFile(blocklistFile, app.abuse, logger);
  } catch (error) {
    console.error(`hop: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
const server = serve(app, { port: config.port, hostname: config.host });

logger.info(
  { url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${server.port}`, startup_ms: Math.round(performance.now() - started), embedded: embedded !== null, redis: redis !== null },
  `hop listening on http://localhost:${server.port}`,
);

/**
 * Applies the migrations, at MIGRATION_DATABASE_URL when set: their advisory lock is held by one
 * session, which a transaction pooler in front of DATABASE_URL would not keep.
 */
async function migrate(directUrl: string | null): Promise<void> {
  const target = directUrl ? openDatabase({ url: directUrl, poolMax: 2 }) : db;
  try {
    await runMigrations(target);
  } catch (error) {
    const where = directUrl ? 'MIGRATION_DATABASE_URL' : 'DATABASE_URL';
    console.error(`hop: cannot apply migrations at ${where}: ${error instanceof Error ? error.message : String(error)} (check that Postgres is up and the URL is right)`);
    process.exit(2);
  } finally {
    if (target !== db) await target.$client.close({ timeout: 1 });
  }
}

let stopping = false;
async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Each phase is timed: the sum is what terminationGracePeriodSeconds must cover after the
  // preStop sleep (docs/kubernetes.md#shutdown).
  const began = performance.now();
  const drainMs: Record<string, number> = {};
  const phase = (name: string, since: number) => (drainMs[name] = Math.round(performance.now() - since));
  try {
    let t = performance.now();
    await server.stop(false);
    phase('requests', t);
    t = performance.now();
    await clicks.stop();
    phase('clicks', t);
  } catch (error) {
    logger.error({ err: error }, 'clicks could not be flushed on shutdown');
    exitCode ||= 1;
  }
  const pools = performance.now();
  await maintenance.stop();
  cache.close();
  metrics?.close();
  await redis?.close();
  await db.$client.close({ timeout: 5 });
  phase('pools', pools);
  await embedded?.stop();
  phase('total', began);
  logger.info({ exit_code: exitCode, drain_ms: drainMs }, 'stopped');
  await closeLogs(logger);
  process.exit(exitCode);
}

// A bug must not kill a replica silently: log it; an exception that escaped everything also ends
// the process through the graceful path (exit 1), and the restart policy brings it back.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  void shutdown('uncaughtException', 1);
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// SIGHUP re-reads BLOCKLIST_FILE; a file that cannot be read now keeps the bans as they are.
process.on('SIGHUP', () => {
  if (!blocklistFile) return void logger.warn('SIGHUP: no BLOCKLIST_FILE to reload');
  applyBlocklistFile(blocklistFile, app.abuse, logger).catch((error) => logger.error({ err: error }, 'blocklist reload failed, previous bans kept'));
});
