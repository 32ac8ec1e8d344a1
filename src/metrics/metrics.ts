// hop's metrics, one registry per app (tests build several apps in one process, so the global
// default registry is never used). Everything a request touches is pre-bound (see series.ts);
// gauges read their sources only when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheObserver, LookupResult, Tier } from '../cache/link-cache.ts';
import type { DependencyState } from '../health/checks.ts';
import { EventLoopLag } from './event-loop-lag.ts';
import { DURATION_BUCKETS, HttpMetrics } from './http.ts';
import { registerProcessMetrics } from './process.ts';
import { CellCounter, type CounterCell } from './series.ts';

export const REDIRECT_RESULTS = ['found', 'not_found', 'inactive', 'expired', 'exhausted', 'banned'] as const;
export type RedirectResult = (typeof REDIRECT_RESULTS)[number];
export type Dependency = 'postgres' | 'redis';
export const AUTH_RESULTS = ['ok', 'missing', 'invalid', 'revoked', 'forbidden', 'rate_limited'] as const;
export type AuthResult = (typeof AUTH_RESULTS)[number];
export const CHAOS_MODES = ['kill', 'latency', 'errors', 'off'] as const;
export type ChaosMode = (typeof CHAOS_MODES)[number];

/** The admission gate in front of the Postgres pool (db/gate.ts): Bun's pool itself reports nothing. */
export interface PoolStats {
  readonly inUse: number;
  readonly waiting: number;
  readonly permits: number;
}

export interface MetricsOptions {
  version: string;
}

export class Metrics {
  readonly registry = new Registry();
  readonly http: HttpMetrics;
  private readonly lag = new EventLoopLag();
  private readonly lookups: Record<Tier, Record<LookupResult, CounterCell<'tier' | 'result'>>>;
  private readonly redirects: Record<RedirectResult, CounterCell<'result'>>;
  private readonly flushDuration: Histogram;
  private readonly clicksFlushed: Counter;
  private readonly clicksDropped: Counter;
  private readonly dependencyUp: Gauge<'dependency'>;
  private readonly chaosDrills: Counter<'mode'>;
  private readonly retentionDropped: Counter;
  private readonly maintenanceDuration: Histogram;
  private partitionsAhead = Number.NaN;
  private rollupLag = 0;
  private readonly rollupDuration: Histogram;
  private readonly clicksFolded: Counter;
  private readonly authRequests: Counter<'result'>;
  private alertWebhookConfigured: Gauge | null = null;
  private clickBuffer: { readonly depth: number } | null = null;
  private pool: PoolStats | null = null;
  private probe: (() => Promise<unknown>) | null = null;

  constructor({ version }: MetricsOptions) {
    const registry = this.registry;
    registerProcessMetrics(registry);
    this.http = new HttpMetrics(registry);

    const lookups = new CellCounter({ name: 'hop_cache_lookups_total', help: 'Link cache lookups by tier (l1 in-process, l2 Redis) and result.', labelNames: ['tier', 'result'], registry });
    const lookupCells = (tier: Tier) => ({
      hit: lookups.cell({ tier, result: 'hit' }),
      miss: lookups.cell({ tier, result: 'miss' }),
      negative: lookups.cell({ tier, result: 'negative' }),
    });
    this.lookups = { l1: lookupCells('l1'), l2: lookupCells('l2') };

    const redirects = new CellCounter({
      name: 'hop_redirects_total',
      help: 'Short-code lookups answered: found (302), not_found, inactive, expired or exhausted (404, or 302 to expired_url), banned (410).',
      labelNames: ['result'],
      registry,
    });
    this.redirects = Object.fromEntries(REDIRECT_RESULTS.map((result) => [result, redirects.cell({ result })])) as Record<RedirectResult, CounterCell<'result'>>;

    const metrics = this;
    new Gauge({
      name: 'hop_click_buffer_depth',
      help: 'Clicks waiting in this replica\'s buffer for the next batch insert.',
      registers: [registry],
      collect() {
        this.set(metrics.clickBuffer?.depth ?? 0);
      },
    });
    this.flushDuration = new Histogram({ name: 'hop_click_flush_duration_seconds', help: 'Time one batch insert of clicks took.', buckets: [...DURATION_BUCKETS], registers: [registry] });
    this.clicksFlushed = new Counter({ name: 'hop_clicks_flushed_total', help: 'Clicks written to Postgres.', registers: [registry] });
    this.clicksDropped = new Counter({ name: 'hop_clicks_dropped_total', help: 'Clicks lost: buffer full, or a batch Postgres rejected.', registers: [registry] });

    new Gauge({
      name: 'hop_db_pool_in_use',
      help: 'Postgres connections held by a statement or transaction (permits taken at the gate in front of the pool).',
      registers: [registry],
      collect() {
        this.set(metrics.pool?.inUse ?? 0);
      },
    });
    new Gauge({
      name: 'hop_db_pool_waiting',
      help: 'Statements and transactions queued at the gate for a free Postgres connection.',
      registers: [registry],
      collect() {
        this.set(metrics.pool?.waiting ?? 0);
      },
    });
    new Gauge({
      name: 'hop_db_pool_max',
      help: 'Postgres connections this replica may open.',
      registers: [registry],
      collect() {
        this.set(metrics.pool?.permits ?? 0);
      },
    });

    new Gauge({
      name: 'hop_event_loop_lag_seconds',
      help: 'Worst event-loop delay seen in the last 10 seconds (a 50 ms timer that fired late).',
      registers: [registry],
      collect() {
        this.set(metrics.lag.seconds);
      },
    });
    this.lag.start();

    this.dependencyUp = new Gauge({
      name: 'hop_dependency_up',
      help: '1 when the dependency answered its last check (at /ready and at every scrape), 0 when it did not. No series for a dependency that is not configured.',
      labelNames: ['dependency'],
      registers: [registry],
      async collect() {
        await metrics.probe?.();
      },
    });

    new Gauge({
      name: 'hop_click_partitions_ahead',
      help: 'Whole months after the current one that have a click partition (-1: not even this month; NaN until the first maintenance round).',
      registers: [registry],
      collect() {
        this.set(metrics.partitionsAhead);
      },
    });
    new Gauge({
      name: 'hop_rollup_lag_seconds',
      help: 'How far the rollups are behind the stored clicks, as of this replica\'s last fold: seconds since they last held every click committed at that moment (stats lag by this much).',
      registers: [registry],
      collect() {
        this.set(metrics.rollupLag);
      },
    });
    this.rollupDuration = new Histogram({ name: 'hop_rollup_fold_duration_seconds', help: 'Time one fold of stored clicks into the rollups took (on the replica that held the lock).', buckets: [...DURATION_BUCKETS], registers: [registry] });
    this.clicksFolded = new Counter({ name: 'hop_clicks_folded_total', help: 'Clicks folded into the rollups by this replica.', registers: [registry] });
    this.retentionDropped = new Counter({ name: 'hop_click_retention_dropped_rows_total', help: 'Raw click rows dropped by CLICK_RETENTION_MONTHS (rollups keep their counts).', registers: [registry] });
    this.maintenanceDuration = new Histogram({ name: 'hop_maintenance_duration_seconds', help: 'Time one storage maintenance round took on the replica that held the lock.', buckets: [...DURATION_BUCKETS], registers: [registry] });

    const buildInfo = new Gauge({ name: 'hop_build_info', help: 'Always 1; the labels name the running build.', labelNames: ['version'], registers: [registry] });
    buildInfo.set({ version }, 1);

    this.chaosDrills = new Counter({ name: 'hop_chaos_drills_total', help: 'Chaos drills started, by mode.', labelNames: ['mode'], registers: [registry] });
    for (const mode of CHAOS_MODES) this.chaosDrills.inc({ mode }, 0);

    // Never labelled by key: the key id would make the series unbounded (and is in the access log).
    this.authRequests = new Counter({ name: 'hop_auth_requests_total', help: 'Authentication outcomes on protected routes (AUTH_MODE=keys).', labelNames: ['result'], registers: [registry] });
    for (const result of AUTH_RESULTS) this.authRequests.inc({ result }, 0);
  }

  /** Registered on first report: a replica not told about alerting exports no such series. */
  alertWebhook(configured: boolean): void {
    this.alertWebhookConfigured ??= new Gauge({
      name: 'hop_alert_webhook_configured',
      help: 'Always reported by compose\'s replicas: 1 when DISCORD_WEBHOOK_URL (Alertmanager\'s receiver) is a real value, 0 when it is missing or a placeholder (alerts reach no one).',
      registers: [this.registry],
    });
    this.alertWebhookConfigured.set(configured ? 1 : 0);
  }

  readonly cache: CacheObserver = {
    lookup: (tier, result) => {
      this.lookups[tier][result].value++;
    },
  };

  redirect(result: RedirectResult): void {
    this.redirects[result].value++;
  }

  clicksWritten(rows: number, seconds: number): void {
    this.clicksFlushed.inc(rows);
    this.flushDuration.observe(seconds);
  }

  clicksLost(rows: number): void {
    this.clicksDropped.inc(rows);
  }

  rollupsFolded(report: { ran: boolean; clicks: number; seconds: number; lagSeconds: number }): void {
    if (!report.ran) return;
    this.rollupLag = report.lagSeconds;
    this.clicksFolded.inc(report.clicks);
    this.rollupDuration.observe(report.seconds);
  }

  maintained(report: { ran: boolean; monthsAhead: number; droppedRows: number; seconds: number }): void {
    this.partitionsAhead = report.monthsAhead;
    this.retentionDropped.inc(report.droppedRows);
    if (report.ran) this.maintenanceDuration.observe(report.seconds);
  }

  dependency(name: Dependency, state: DependencyState): void {
    if (state === 'disabled') this.dependencyUp.remove({ dependency: name });
    else this.dependencyUp.set({ dependency: name }, state === 'up' ? 1 : 0);
  }

  auth(result: AuthResult): void {
    this.authRequests.inc({ result });
  }

  chaosDrill(mode: ChaosMode): void {
    this.chaosDrills.inc({ mode });
  }

  /** The click recorder whose buffer depth the gauge reports. */
  watchClickBuffer(source: { readonly depth: number }): void {
    this.clickBuffer = source;
  }

  watchPool(pool: PoolStats): void {
    this.pool = pool;
  }

  /** Called at every scrape; it reports each dependency's state through `dependency()`. */
  probeDependenciesWith(probe: () => Promise<unknown>): void {
    this.probe = probe;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.lag.stop();
  }
}
