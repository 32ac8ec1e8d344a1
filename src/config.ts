// The one place that reads the environment: every variable hop understands is parsed,
// validated and frozen here, and everything else receives the result.
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isPlaceholder, PLACEHOLDER_FIX } from './secrets.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** null: start the embedded Postgres under `dataDir`. */
  readonly databaseUrl: string | null;
  /**
   * Where migrations run, when not at `databaseUrl`: the primary, straight, when queries go
   * through a transaction pooler (the migration advisory lock is session-scoped). null: databaseUrl.
   */
  readonly migrationDatabaseUrl: string | null;
  /** null: L1 cache only. */
  readonly redisUrl: string | null;
  readonly baseUrl: string;
  readonly chaosToken: string | null;
  readonly adminToken: string | null;
  /** A file of target hosts to ban (one per line), read at start and on SIGHUP; null: none. */
  readonly blocklistFile: string | null;
  readonly logLevel: LogLevel;
  /** Lines kept in memory for GET /logs (0: none). */
  readonly logRingSize: number;
  /** false: no /metrics and no metric bookkeeping (to measure what metrics cost). */
  readonly metricsEnabled: boolean;
  /** Per-client write limit (writes/s, 0 = off) and burst: the second line behind nginx. */
  readonly writeRateLimit: number;
  readonly writeRateBurst: number;
  /** Behind a proxy (nginx): take the client address from X-Forwarded-For / X-Real-IP. */
  readonly trustProxy: boolean;
  /** How long a statement may wait for a free pool connection before it answers 503. */
  readonly dbQueueTimeoutMs: number;
  /** Seed demo data on start when the database is empty. */
  readonly seed: boolean;
  readonly dbPoolMax: number;
  /** Upper bound on rows a list returns without page/per_page. */
  readonly listCap: number;
  readonly dataDir: string;
  /** The built console (web/dist) served at /app. */
  readonly consoleDir: string;
  readonly embeddedPgPort: number;
  readonly cache: {
    readonly l1MaxEntries: number;
    readonly l1TtlMs: number;
    readonly l2TtlSeconds: number;
    readonly negativeTtlMs: number;
    /** Starts every Redis key and channel (REDIS_KEY_PREFIX; default: derived from the database identity). */
    readonly keyPrefix: string;
  };
  /**
   * Where Alertmanager's Discord webhook stands (DISCORD_WEBHOOK_URL, which compose passes to the
   * replicas only to be judged; hop keeps no copy of the value). `unchecked` when the variable is
   * not set at all (no alerting here, e.g. the embedded newcomer path): no warning, no metric.
   */
  readonly alertWebhook: AlertWebhookState;
  readonly clicks: {
    readonly flushIntervalMs: number;
    readonly batchSize: number;
    readonly bufferCap: number;
    readonly flushConcurrency: number;
  };
  readonly stats: {
    /** Months of raw clicks kept (whole monthly partitions dropped past it); 0 keeps all. */
    readonly clickRetentionMonths: number;
    /** How often a replica tries the storage upkeep (one replica does it per round). */
    readonly maintenanceIntervalMs: number;
    /**
     * How often a replica tries to fold stored clicks into the rollups (one replica at a time). A fold
     * costs per rollup row it touches, so seconds of clicks per fold cost less each (docs/decisions.md).
     */
    readonly rollupIntervalMs: number;
    /** A trusted proxy's header naming the client's country (e.g. CF-IPCountry); null: none. */
    readonly countryHeader: string | null;
    /** `builtin`: the bundled CC0 IP-to-country table; `off`: ZZ unless the header says. */
    readonly countryLookup: 'builtin' | 'off';
  };
  readonly auth: {
    /** keys: the management API needs API keys (default); open: the hackathon contract, all anonymous. */
    readonly mode: 'keys' | 'open';
    /** keys mode: POST /shorten without a key (ownerless links, rate limited per client). */
    readonly anonymousShorten: boolean;
    /** An admin key stored on first start (compose's HOP_INITIAL_ADMIN_KEY); null: none. */
    readonly initialAdminKey: string | null;
    /** Failed authentications a client may make at once, then per minute, before 429. */
    readonly failureBurst: number;
    readonly failuresPerMinute: number;
  };
  readonly version: string;
}

export type AlertWebhookState = 'configured' | 'missing' | 'placeholder' | 'unchecked';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = present(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got something else`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

const API_KEY_SHAPE = /^hop_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

function apiKey(env: Env, name: string): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  if (!API_KEY_SHAPE.test(raw)) throw new ConfigError(`${name} must be an API key as \`bun run keys generate\` prints it (hop_<8>_<43> characters)`);
  return raw;
}

function token(env: Env, name: string): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  // A short token is guessable; refuse it rather than guard an endpoint badly.
  if (raw.length < 16) throw new ConfigError(`${name} must be at least 16 characters`);
  if (isPlaceholder(raw)) throw new ConfigError(`${name} is a placeholder value: ${PLACEHOLDER_FIX}`);
  return raw;
}

function headerName(env: Env, name: string): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(raw)) throw new ConfigError(`${name} must be an HTTP header name (letters, digits, dashes), got "${raw}"`);
  return raw.toLowerCase();
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = present(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** A URL whose password is a copied example (change-me...) would deploy with a known password. */
function refusePlaceholderPassword(name: string, raw: string | undefined): void {
  if (raw === undefined) return;
  const password = decodeURIComponent(new URL(raw).password);
  if (password && isPlaceholder(password)) throw new ConfigError(`${name} carries a placeholder password: ${PLACEHOLDER_FIX}`);
}

/**
 * The default REDIS_KEY_PREFIX: a short hash of where the data lives (host, port, database name;
 * never the user or password), so two deployments on one Redis get different namespaces unless
 * they share a database, in which case sharing cache entries is right.
 */
export function derivedKeyPrefix(databaseUrl: string | null, dataDir: string, embeddedPort: number): string {
  let identity: string;
  if (databaseUrl) {
    const parsed = new URL(databaseUrl);
    identity = `${parsed.hostname.toLowerCase()}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.replace(/^\//, ''))}`;
  } else {
    identity = `embedded:${dataDir}:${embeddedPort}`;
  }
  return `hop:${createHash('sha256').update(identity).digest('hex').slice(0, 12)}:`;
}

function keyPrefix(env: Env, derived: () => string): string {
  const raw = present(env, 'REDIS_KEY_PREFIX');
  if (raw === undefined) return derived();
  if (raw.length > 64 || /[\s\u0000-\u001f]/.test(raw)) {
    throw new ConfigError('REDIS_KEY_PREFIX must be at most 64 characters without spaces or control characters');
  }
  return raw;
}

function alertWebhook(env: Env): AlertWebhookState {
  if (!('DISCORD_WEBHOOK_URL' in env)) return 'unchecked';
  const raw = present(env, 'DISCORD_WEBHOOK_URL');
  if (raw === undefined) return 'missing';
  if (isPlaceholder(raw)) return 'placeholder';
  try {
    return ['https:', 'http:'].includes(new URL(raw).protocol) ? 'configured' : 'placeholder';
  } catch {
    return 'placeholder';
  }
}

export function loadConfig(env: Env = process.env, version = '0.0.0'): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']) ?? null;
  const migrationDatabaseUrl = url(env, 'MIGRATION_DATABASE_URL', ['postgres:', 'postgresql:']) ?? null;
  if (migrationDatabaseUrl && !databaseUrl) throw new ConfigError('MIGRATION_DATABASE_URL is set without DATABASE_URL: set both, or neither for the embedded Postgres');
  const logLevel = (present(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const baseUrl = (url(env, 'BASE_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']) ?? null;
  refusePlaceholderPassword('DATABASE_URL', databaseUrl ?? undefined);
  refusePlaceholderPassword('REDIS_URL', redisUrl ?? undefined);
  const dataDir = present(env, 'DATA_DIR') ?? '.data';
  const embeddedPgPort = integer(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535);

  return Object.freeze({
    port,
    // Loopback by default: a newcomer's hop is not on the LAN. The image and compose set 0.0.0.0.
    host: present(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    migrationDatabaseUrl,
    redisUrl,
    baseUrl,
    chaosToken: token(env, 'CHAOS_TOKEN'),
    adminToken: token(env, 'ADMIN_TOKEN'),
    blocklistFile: present(env, 'BLOCKLIST_FILE') ?? null,
    logLevel,
    logRingSize: integer(env, 'LOG_RING_SIZE', 1_000, 0, 100_000),
    metricsEnabled: boolean(env, 'METRICS_ENABLED', true),
    writeRateLimit: integer(env, 'WRITE_RATE_LIMIT', 100, 0, 1_000_000),
    writeRateBurst: integer(env, 'WRITE_RATE_BURST', 200, 1, 1_000_000),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    dbQueueTimeoutMs: integer(env, 'DB_QUEUE_TIMEOUT_MS', 1_000, 1, 60_000),
    // Demo data is for the embedded newcomer path; a real database is never seeded unasked.
    seed: boolean(env, 'SEED', databaseUrl === null),
    // At least 2: migrations hold one connection for their advisory lock while they run on another.
    dbPoolMax: integer(env, 'DB_POOL_MAX', 20, 2, 1000),
    listCap: integer(env, 'LIST_CAP', 10_000, 1, 1_000_000),
    dataDir,
    consoleDir: present(env, 'CONSOLE_DIR') ?? path.join(import.meta.dir, '..', 'web', 'dist'),
    embeddedPgPort,
    cache: Object.freeze({
      l1MaxEntries: integer(env, 'CACHE_L1_MAX_ENTRIES', 50_000, 0, 10_000_000),
      l1TtlMs: integer(env, 'CACHE_L1_TTL_MS', 5_000, 0, 3_600_000),
      l2TtlSeconds: integer(env, 'CACHE_L2_TTL_SECONDS', 3_600, 1, 604_800),
      negativeTtlMs: integer(env, 'CACHE_NEGATIVE_TTL_MS', 2_000, 0, 600_000),
      keyPrefix: keyPrefix(env, () => derivedKeyPrefix(databaseUrl, dataDir, embeddedPgPort)),
    }),
    alertWebhook: alertWebhook(env),
    clicks: Object.freeze({
      flushIntervalMs: integer(env, 'CLICK_FLUSH_INTERVAL_MS', 100, 1, 60_000),
      batchSize: integer(env, 'CLICK_BATCH_SIZE', 2_000, 1, 100_000),
      bufferCap: integer(env, 'CLICK_BUFFER_CAP', 200_000, 1, 10_000_000),
      flushConcurrency: integer(env, 'CLICK_FLUSH_CONCURRENCY', 2, 1, 16),
    }),
    stats: Object.freeze({
      clickRetentionMonths: integer(env, 'CLICK_RETENTION_MONTHS', 0, 0, 1200),
      maintenanceIntervalMs: integer(env, 'MAINTENANCE_INTERVAL_SECONDS', 3_600, 10, 86_400) * 1000,
      rollupIntervalMs: integer(env, 'ROLLUP_INTERVAL_MS', 5_000, 10, 60_000),
      countryHeader: headerName(env, 'GEOIP_COUNTRY_HEADER'),
      countryLookup: choice(env, 'COUNTRY_LOOKUP', ['builtin', 'off'] as const, 'builtin'),
    }),
    auth: Object.freeze({
      mode: choice(env, 'AUTH_MODE', ['keys', 'open'] as const, 'keys'),
      anonymousShorten: boolean(env, 'ANONYMOUS_SHORTEN', false),
      initialAdminKey: apiKey(env, 'HOP_INITIAL_ADMIN_KEY'),
      failureBurst: integer(env, 'AUTH_FAILURE_BURST', 20, 1, 1_000_000),
      failuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 10, 1, 1_000_000),
    }),
    version,
  });
}
