// The process: read config, open Postgres (or start the embedded one) and Redis, migrate, seed,
// listen, and shut down gracefully (stop accepting, finish in-flight requests, flush clicks, close pools).
// Exit codes: 0 after SIGTERM/SIGINT, 1 when clicks could not be flushed, 2 bad configuration or a
// start-up failure (one line on stderr: cause and fix),
// 3 after a `kill` chaos drill (so the restart is visibly a drill's).
import { openDatabase, type Database } from '../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.ts';
import { runMigrations } from '../db/migrate.ts';
import { generateDataset, importDataset, isEmpty } from '../db/seed.ts';
import packageJson from '../package.json' with { type: 'json' };
import { applyBlocklistFile } from './abuse/blocklist.ts';
import { createApp } from './app.ts';
import { adoptInitialAdminKey, ensureEmbeddedAdminKey, warnWithoutAdmin } from './auth/bootstrap.ts';
import { KeyResolver } from './auth/key-resolver.ts';
import { KeyService } from './auth/service.ts';
import { cacheKeys } from './cache/keys.ts';
import { LinkCache } from './cache/link-cache.ts';
import { openRedis, type RedisPair } from './cache/redis.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { ConsoleAssets } from './console/assets.ts';
import { ClickRecorder } from './events/click-recorder.ts';
import { ClickFacts } from './stats/click-facts.ts';
import { LogRing } from './logging/log-ring.ts';
import { createLogger, closeLogs } from './logging/logger.ts';
import { Metrics } from './metrics/metrics.ts';
import { clickObserver, foldObserver, maintenanceObserver } from './metrics/observers.ts';
import { checkListenable, serve } from './server.ts';
import { describeStartupFailure } from './startup-failure.ts';
import { Maintenance } from './stats/maintenance.ts';
import { RollupFolder } from './stats/rollup-folder.ts';

let config: Config;
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

// Signal handlers come first: Ctrl-C while the embedded Postgres starts must stop it too.
const startup = new AbortController();
let embedded: EmbeddedDatabase | null = null;
let db: Database | null = null;
let running: Running | null = null;
let migrating = false;

/** Ends a start-up that failed or was interrupted: one line on stderr, nothing left running. */
async function abandonStartup(exitCode: number, line?: string): Promise<never> {
  startup.abort();
  if (line) console.error(`hop: ${line}`);
  await db?.$client.close({ timeout: 1 }).catch(() => {});
  await embedded?.stop().catch(() => {});
  await closeLogs(logger);
  process.exit(exitCode);
}

function onSignal(signal: string): void {
  if (running) return void shutdown(signal);
  logger.info({ signal }, 'start-up interrupted');
  void abandonStartup(0);
}
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

let databaseUrl = config.databaseUrl;
try {
  checkListenable({ port: config.port, hostname: config.host });
  if (!databaseUrl) {
    logger.info({ dataDir: config.dataDir, port: config.embeddedPgPort }, 'no DATABASE_URL: starting embedded Postgres');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: (line) => logger.warn(line), signal: startup.signal });
    if (!embedded.owned) logger.info({ port: embedded.port }, 'the embedded Postgres of this data directory is already running: using it');
    databaseUrl = embedded.url;
  }
  db = openDatabase({ url: databaseUrl, poolMax: config.dbPoolMax, queueTimeoutMs: config.dbQueueTimeoutMs });
  await migrate(db, config.migrationDatabaseUrl);
  if (config.seed && (await isEmpty(db))) {
    const result = await importDataset(db, generateDataset());
    logger.info({ users: result.users, urls: result.urls, events: result.events }, 'seeded demo data');
  }
  await provideAdminKey(db);
  running = await listen(db);
} catch (error) {
  if (startup.signal.aborted) await abandonStartup(0);
  // A start-up problem the operator can fix: one plain line, no stack trace.
  const viaMigrationUrl = migrating && config.migrationDatabaseUrl !== null;
  const failedAt = viaMigrationUrl ? { databaseUrl: config.migrationDatabaseUrl, urlVariable: 'MIGRATION_DATABASE_URL' } : { databaseUrl };
  const line = describeStartupFailure(error, { ...failedAt, embedded: config.databaseUrl === null, host: config.host, port: config.port });
  await abandonStartup(2, viaMigrationUrl ? `cannot apply migrations at MIGRATION_DATABASE_URL: ${line}` : line);
}

/**
 * Applies the migrations, at MIGRATION_DATABASE_URL when set: their advisory lock is held by one
 * session, which a transaction pooler in front of DATABASE_URL would not keep.
 */
async function migrate(db: Database, directUrl: string | null): Promise<void> {
  const target = directUrl ? openDatabase({ url: directUrl, poolMax: 2 }) : db;
  migrating = true;
  try {
    await runMigrations(target);
  } finally {
    if (target !== db) await target.$client.close({ timeout: 1 });
  }
  migrating = false;
}

/** The first admin key (docs/api.md, "Access control"), and a warning when no admin key works. */
async function provideAdminKey(db: Database): Promise<void> {
  if (config.auth.mode === 'open') {
    logger.warn({ auth: 'open' }, 'AUTH_MODE=open: every endpoint is anonymous (the hackathon contract); use AUTH_MODE=keys on any network you do not control');
  } else if (config.auth.initialAdminKey) {
    await adoptInitialAdminKey(new KeyService(db), config.auth.initialAdminKey, logger);
  } else if (embedded) {
    // Printed on stderr, never through the logger: /logs must not show it.
    await ensureEmbeddedAdminKey(new KeyService(db), config.dataDir, (line) => console.error(line));
  }
  if (config.auth.mode === 'keys') await warnWithoutAdmin(new KeyService(db), logger);
}

interface Running {
  server: ReturnType<typeof serve>;
  app: ReturnType<typeof createApp>;
  clicks: ClickRecorder;
  cache: LinkCache;
  keys: KeyResolver;
  redis: RedisPair | null;
  maintenance: Maintenance;
  rollups: RollupFolder;
  db: Database;
}

async function listen(db: Database): Promise<Running> {
  const redis = config.redisUrl ? openRedis(config.redisUrl, (error) => logger.debug({ err: error.message }, 'redis error')) : null;
  const cache = new LinkCache(config.cache, redis?.client ?? null, redis?.subscriber ?? null, metrics?.cache);
  const clicks = new ClickRecorder(db, config.clicks, clickObserver(metrics, logger), new ClickFacts(db, config.stats.countryLookup));
  const keys = new KeyResolver(db, redis?.client ?? null, redis?.subscriber ?? null, { revocationChannel: cacheKeys(config.cache.keyPrefix).keyRevocationChannel });
  const consoleAssets = await ConsoleAssets.load(config.consoleDir);
  if (!consoleAssets) logger.warn({ dir: config.consoleDir }, 'the console is not built: /app answers 503 until `bun run build:web` runs');
  const app = createApp({
    config, db, redis: redis?.client ?? null, cache, clicks, keys, logger, metrics, logRing, consoleAssets,
    requestExit: (code) => void shutdown('chaos kill drill', code),
  });
  if (config.blocklistFile) {
    try {
      await applyBlocklistFile(config.blocklistFile, app.abuse, logger);
    } catch (error) {
      await abandonStartup(2, error instanceof Error ? error.message : String(error));
    }
  }
  let server: ReturnType<typeof serve>;
  try {
    server = serve(app, { port: config.port, hostname: config.host });
  } catch (error) {
    cache.close();
    void keys.close();
    metrics?.close();
    void redis?.close();
    throw error;
  }
  clicks.start();
  app.dependencyWatch.start();
  // Click partitions made ahead and months past the retention dropped, by one replica per round.
  const maintenance = new Maintenance(db, { retentionMonths: config.stats.clickRetentionMonths, intervalMs: config.stats.maintenanceIntervalMs }, maintenanceObserver(metrics, logger));
  maintenance.start();
  // Stored clicks folded into the stats rollups, by one replica at a time.
  const rollups = new RollupFolder(db, config.stats.rollupIntervalMs, foldObserver(metrics, logger));
  rollups.start();
  const shown = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  logger.info(
    { url: `http://${shown}:${server.port}`, host: config.host, startup_ms: Math.round(performance.now() - started), embedded: embedded !== null, redis: redis !== null },
    `hop listening on http://${shown}:${server.port}`,
  );
  return { server, app, clicks, cache, keys, redis, maintenance, rollups, db };
}

let stopping = false;
async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping || !running) return;
  stopping = true;
  const { server, app, clicks, cache, keys, redis, maintenance, rollups, db } = running;
  logger.info({ signal }, 'shutting down');
  app.dependencyWatch.stop();
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
  // What this replica stored last is folded now, unless another replica is folding it.
  await rollups.stop();
  await rollups.drain().catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'rollup fold on shutdown failed; another replica folds it'));
  cache.close();
  await keys.close();
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
// SIGHUP re-reads BLOCKLIST_FILE; a file that cannot be read now keeps the bans as they are.
process.on('SIGHUP', () => {
  const blocklistFile = config.blocklistFile;
  if (!blocklistFile) return void logger.warn('SIGHUP: no BLOCKLIST_FILE to reload');
  if (!running) return void logger.warn('SIGHUP during start-up: the blocklist is read once hop listens');
  applyBlocklistFile(blocklistFile, running.app.abuse, logger).catch((error) => logger.error({ err: error }, 'blocklist reload failed, previous bans kept'));
});
