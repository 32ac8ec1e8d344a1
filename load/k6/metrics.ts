// The k6 side of the summary contract: the metric names hop.ts emits, the tier's thresholds in k6
// syntax, and reading handleSummary's data back into a LoadSummary. No k6 imports, so Bun tests it.
import { ratio, type LoadSummary, type KindStats } from '../summary.ts';
import { REQUEST_KINDS, type RequestKind, type Tier } from '../tiers.ts';

/** Every request of the mix carries this tag (set on the scenario), setup's requests do not. */
export const MIX_TAG = 'phase:mix';

/** Non-2xx/3xx answers get a counter each, so the summary can list them by status. */
export const COUNTED_STATUSES = [400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 502, 503, 504] as const;

export function checkMetric(kind: RequestKind): string {
  return `check_${kind}`;
}

/** `status_503`, `status_other` (any other status outside 2xx/3xx), `status_transport` (no answer). */
export function statusMetric(status: number): string {
  if (status === 0) return 'status_transport';
  return (COUNTED_STATUSES as readonly number[]).includes(status) ? `status_${status}` : 'status_other';
}

export const STATUS_METRICS: readonly string[] = [...COUNTED_STATUSES.map((status) => `status_${status}`), 'status_other', 'status_transport'];

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'];

/** The tier's thresholds as k6 expressions; k6 exits non-zero (99) when one is broken. */
export function k6Thresholds(tier: Tier): Record<string, string[]> {
  const { p95Ms, p99Ms, maxErrorRate, minRedirectCheckRate } = tier.thresholds;
  const thresholds: Record<string, string[]> = {
    [`http_reqs{${MIX_TAG}}`]: ['count>0'],
    [`http_req_duration{${MIX_TAG}}`]: [`p(95)<${p95Ms}`, `p(99)<${p99Ms}`],
    [`http_req_failed{${MIX_TAG}}`]: [`rate<${maxErrorRate}`],
    [checkMetric('redirect')]: [`rate>=${minRedirectCheckRate}`],
  };
  // k6 reports a tagged sub-metric only when a threshold names it; `max>=0` always holds, so these
  // exist to put per-kind latency in the summary, not to judge it.
  for (const kind of REQUEST_KINDS) thresholds[`http_req_duration{kind:${kind}}`] = ['max>=0'];
  return thresholds;
}

/** The part of k6's handleSummary argument this module reads. */
export interface K6SummaryData {
  readonly metrics: Readonly<Record<string, { readonly values: Readonly<Record<string, number>> } | undefined>>;
}

export function fromK6Summary(data: K6SummaryData, tier: Tier, target: string): LoadSummary {
  const value = (metric: string, stat: string): number => data.metrics[metric]?.values[stat] ?? 0;
  const requests = value(`http_reqs{${MIX_TAG}}`, 'count');
  const duration = `http_req_duration{${MIX_TAG}}`;
  // A Rate's `passes` counts true samples: for http_req_failed that is the failed requests.
  const errors = value(`http_req_failed{${MIX_TAG}}`, 'passes');

  const errorsByStatus: Record<string, number> = {};
  for (const metric of STATUS_METRICS) {
    const count = value(metric, 'count');
    if (count > 0) errorsByStatus[metric.slice('status_'.length)] = count;
  }

  const byKind: Partial<Record<RequestKind, KindStats>> = {};
  for (const kind of REQUEST_KINDS) {
    const passed = value(checkMetric(kind), 'passes');
    const total = passed + value(checkMetric(kind), 'fails');
    if (total === 0) continue;
    const p95 = data.metrics[`http_req_duration{kind:${kind}}`]?.values['p(95)'];
    byKind[kind] = { requests: total, checkRate: ratio(passed, total), p95Ms: p95 ?? null };
  }

  return {
    runner: 'k6',
    tier: tier.name,
    target,
    vus: tier.vus,
    // constant-vus runs the mix for exactly the tier's duration; setup and teardown time is not in it.
    durationSeconds: tier.durationSeconds,
    requests,
    rps: requests / tier.durationSeconds,
    latencyMs: { p50: value(duration, 'med'), p95: value(duration, 'p(95)'), p99: value(duration, 'p(99)'), max: value(duration, 'max') },
    errors,
    errorRate: ratio(errors, requests),
    errorsByStatus,
    redirectCheckRate: byKind.redirect?.checkRate ?? 0,
    byKind,
  };
}
