// The metrics hop promises to expose (DESIGN.md, /metrics), and a small PromQL reader that
// lists the metric names an expression reads, so dashboards and rules can be checked against
// the contract without a running Prometheus.

/** Series names the app exposes; histograms expand to _bucket/_sum/_count. */
const COUNTERS_AND_GAUGES = [
  'http_requests_total',
  'hop_cache_lookups_total',
  'hop_redirects_total',
  'hop_click_buffer_depth',
  'hop_clicks_flushed_total',
  'hop_clicks_dropped_total',
  'hop_db_pool_in_use',
  'hop_db_pool_max',
  'hop_event_loop_lag_seconds',
  'hop_dependency_up',
  'hop_build_info',
  'hop_chaos_drills_total',
  'hop_click_partitions_ahead',
  'hop_click_retention_dropped_rows_total',
  'hop_rollup_lag_seconds',
  'hop_clicks_folded_total',
  'hop_auth_requests_total',
  'hop_alert_webhook_configured',
  // prom-client process defaults
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'nodejs_heap_size_used_bytes',
];
const HISTOGRAMS = ['http_request_duration_seconds', 'hop_click_flush_duration_seconds', 'hop_maintenance_duration_seconds', 'hop_rollup_fold_duration_seconds'];

export const APP_METRICS: ReadonlySet<string> = new Set([
  ...COUNTERS_AND_GAUGES,
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

/** Prometheus' own per-target series, and what Alertmanager (a scrape target) says about delivery. */
export const PROMETHEUS_METRICS: ReadonlySet<string> = new Set(['up', 'scrape_duration_seconds', 'ALERTS', 'alertmanager_notifications_failed_total']);

/** nginx-prometheus-exporter, postgres-exporter, redis_exporter. */
export const EXPORTER_PREFIXES = ['nginx_', 'pg_', 'redis_'] as const;

export function isExporterMetric(name: string): boolean {
  return EXPORTER_PREFIXES.some((p) => name.startsWith(p));
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'bool', 'offset', 'inf', 'nan', 'atan2', 'start', 'end',
]);

/**
 * Metric names read by a PromQL expression. Good enough for the expressions we write: strings,
 * label matchers, ranges, grouping clauses and Grafana variables are removed first; what is left
 * and is neither a function call nor a keyword is a metric name.
 */
export function metricNames(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1]!;
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return names;
}

/** Grafana's panel list, rows' nested panels included. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; rawSql?: string; refId: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

export function flattenPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...flattenPanels(p.panels ?? [])]);
}
