// Starts a real hop (real Postgres, real Redis) listening on a free port, the way main.ts wires it.
import { createApp, type App } from '../../src/app.ts';
import { serve } from '../../src/server.ts';
import { KeyResolver, type KeyResolverOptions } from '../../src/auth/key-resolver.ts';
import { cacheKeys } from '../../src/cache/keys.ts';
import { LinkCache } from '../../src/cache/link-cache.ts';
import { openRedis, type RedisPair } from '../../src/cache/redis.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { ConsoleAssets } from '../../src/console/assets.ts';
import { ClickRecorder } from '../../src/events/click-recorder.ts';
import { ClickFacts } from '../../src/stats/click-facts.ts';
import { LogRing } from '../../src/logging/log-ring.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { clickObserver, foldObserver } from '../../src/metrics/observers.ts';
import { RollupFolder } from '../../src/stats/rollup-folder.ts';
import type { Database } from '../../db/client.ts';
import { REDIS_URL } from './env.ts';

export interface RunningHop {
  url: string;
  app: App;
  config: Config;
  cache: LinkCache;
  clicks: ClickRecorder;
  /** Folds stored clicks into the rollups every ROLLUP_INTERVAL_MS; `drain()` folds everything now. */
  rollups: RollupFolder;
  keys: KeyResolver;
  redis: RedisPair | null;
  /** null when the env says METRICS_ENABLED=false. */
  metrics: Metrics | null;
  /** What GET /logs serves; lines are written here only (not to stdout) unless `logToStdout`. */
  logRing: LogRing;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request, with `key` (default: the options' apiKey) as its bearer key. */
  json<T = any>(path: string, body?: unknown, method?: string, key?: string): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export interface HopOptions {
  env?: Record<string, string>;
  /** false: no Redis at all (L1 only). A string: that Redis. Default: the test Redis. */
  redisUrl?: string | false;
  /** Where a `kill` chaos drill goes; default: nowhere (the drill is logged and counted). */
  requestExit?: (code: number) => void;
  /** Also print log lines (at LOG_LEVEL, silent by default) to stdout. */
  logToStdout?: boolean;
  /** Sent as the bearer key by `json()` unless a call names its own. */
  apiKey?: string;
  keyResolver?: KeyResolverOptions;
}

export async function startHop(db: Database, options: HopOptions = {}): Promise<RunningHop> {
  const redisUrl = options.redisUrl === false ? undefined : (options.redisUrl ?? REDIS_URL);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: 'postgres://unused/for-tests',
    LOG_LEVEL: 'silent',
    CLICK_FLUSH_INTERVAL_MS: '20',
    // Suites hammer writes from one address; the limiter has its own test.
    WRITE_RATE_LIMIT: '0',
    // The hackathon contract suites run in open mode unchanged; keys-mode suites ask for keys.
    AUTH_MODE: 'open',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...options.env,
  });
  const logRing = new LogRing(config.logRingSize);
  const logger = createLogger(config.logLevel, options.logToStdout ? undefined : { write() {} }, logRing);
  const metrics = config.metricsEnabled ? new Metrics({ version: config.version }) : null;
  const redis = config.redisUrl ? openRedis(config.redisUrl) : null;
  if (redis) await waitForReady(redis);
  const cache = new LinkCache(config.cache, redis?.client ?? null, redis?.subscriber ?? null, metrics?.cache);
  const clicks = new ClickRecorder(db, config.clicks, clickObserver(metrics, logger), new ClickFacts(db, config.stats.countryLookup));
  clicks.start();
  const rollups = new RollupFolder(db, config.stats.rollupIntervalMs, foldObserver(metrics, logger));
  rollups.start();
  const consoleAssets = await ConsoleAssets.load(config.consoleDir);
  const keys = new KeyResolver(db, redis?.client ?? null, redis?.subscriber ?? null, { revocationChannel: cacheKeys(config.cache.keyPrefix).keyRevocationChannel, ...options.keyResolver });
  const app = createApp({ config, db, redis: redis?.client ?? null, cache, clicks, keys, logger, metrics, logRing, requestExit: options.requestExit, consoleAssets });
  const server = serve(app, { port: 0, hostname: '127.0.0.1' });
  app.dependencyWatch.start();
  const url = `http://127.0.0.1:${server.port}`;
  const request = (path: string, init?: RequestInit) => fetch(url + path, { redirect: 'manual', ...init });
  return {
    url, app, config, cache, clicks, rollups, keys, redis, metrics, logRing, request,
    async json(path, body, method = body === undefined ? 'GET' : 'POST', key = options.apiKey) {
      const response = await request(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    async stop() {
      app.dependencyWatch.stop();
      await server.stop(true);
      await clicks.stop().catch(() => {});
      await rollups.stop();
      await keys.close();
      cache.close();
      metrics?.close();
      await redis?.close();
    },
  };
}

async function waitForReady(redis: RedisPair): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (redis.client.status !== 'ready' || redis.subscriber.status !== 'ready') {
    if (Date.now() > deadline) throw new Error('test Redis not ready');
    await Bun.sleep(10);
  }
}
