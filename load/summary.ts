// The result of a load run in one shape whichever runner produced it, the verdict against the
// tier's thresholds, and the text both runners print. Pure: k6 and Bun import it alike.
import { REQUEST_KINDS, type RequestKind, type Thresholds, type Tier, type TierName } from './tiers.ts';

export interface KindStats {
  readonly requests: number;
  /** Share of this kind's requests that passed its check (see `passesCheck`). */
  readonly checkRate: number;
  /** null when the runner could not attribute latencies to this kind. */
  readonly p95Ms: number | null;
}

export interface LoadSummary {
  readonly runner: 'k6' | 'autocannon';
  readonly tier: TierName;
  readonly target: string;
  readonly vus: number;
  /** Seconds the mix ran (setup excluded). */
  readonly durationSeconds: number;
  /** Requests of the mix, answered or not (setup excluded). */
  readonly requests: number;
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** Requests answered outside 2xx/3xx plus requests never answered. */
  readonly errors: number;
  readonly errorRate: number;
  /** The errors by status code; `transport` counts requests that got no answer (refused, reset, timed out). */
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly redirectCheckRate: number;
  readonly byKind: Readonly<Partial<Record<RequestKind, KindStats>>>;
}

export interface ThresholdResult {
  readonly name: string;
  /** The bound as a reader would say it, e.g. `< 200 ms`. */
  readonly limit: string;
  readonly actual: number;
  readonly passed: boolean;
}

export interface Verdict {
  readonly passed: boolean;
  readonly results: readonly ThresholdResult[];
}

/** The file both runners write with `summary-<tier>.json` / `--json`. */
export interface SummaryFile {
  readonly summary: LoadSummary;
  readonly thresholds: Thresholds;
  readonly verdict: Verdict;
  readonly finishedAt: string;
}

/** `part / whole`, and 0 when nothing was counted (a rate over no requests says nothing good). */
export function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** The tier's thresholds applied to a summary; the same bounds k6 enforces with its own thresholds. */
export function evaluateThresholds(thresholds: Thresholds, summary: LoadSummary): Verdict {
  const redirects = summary.byKind.redirect?.requests ?? 0;
  const results: ThresholdResult[] = [
    // A run that sent nothing, or no redirects, proves nothing: it fails rather than passing vacuously.
    { name: 'requests', limit: '> 0', actual: summary.requests, passed: summary.requests > 0 },
    { name: 'redirects', limit: '> 0', actual: redirects, passed: redirects > 0 },
    { name: 'p95 latency', limit: `< ${thresholds.p95Ms} ms`, actual: summary.latencyMs.p95, passed: summary.latencyMs.p95 < thresholds.p95Ms },
    { name: 'p99 latency', limit: `< ${thresholds.p99Ms} ms`, actual: summary.latencyMs.p99, passed: summary.latencyMs.p99 < thresholds.p99Ms },
    { name: 'error rate', limit: `< ${percent(thresholds.maxErrorRate)}`, actual: summary.errorRate, passed: summary.errorRate < thresholds.maxErrorRate },
    {
      name: 'redirect check rate',
      limit: `>= ${percent(thresholds.minRedirectCheckRate)}`,
      actual: summary.redirectCheckRate,
      passed: summary.redirectCheckRate >= thresholds.minRedirectCheckRate,
    },
  ];
  return { passed: results.every((result) => result.passed), results };
}

export function summaryFile(tier: Tier, summary: LoadSummary, verdict: Verdict, finishedAt: string): SummaryFile {
  return { summary, thresholds: tier.thresholds, verdict, finishedAt };
}

/**
 * 429s mean hop's per-client write limit (WRITE_RATE_LIMIT, 100/s by default) refused the load
 * generator's writes: the run measured the limit, not the service. Says how to lift it.
 */
export function writeLimitHint(summary: Pick<LoadSummary, 'errorsByStatus'>): string | null {
  const limited = summary.errorsByStatus['429'] ?? 0;
  if (limited === 0) return null;
  return (
    `${limited} writes were refused with 429 by hop's per-client write limit (WRITE_RATE_LIMIT, default 100/s): ` +
    'for a load run start hop with WRITE_RATE_LIMIT=0 (behind compose, also add the load generator to the geo list in ops/nginx/conf.d/hop.conf)'
  );
}

export function formatSummary(summary: LoadSummary, verdict: Verdict): string {
  const { latencyMs } = summary;
  const lines = [
    `hop load: tier ${summary.tier} (${summary.vus} VUs, ${round(summary.durationSeconds, 1)} s) via ${summary.runner} -> ${summary.target}`,
    `  requests             ${summary.requests} (${round(summary.rps, 1)}/s)`,
    `  latency              p50 ${ms(latencyMs.p50)}  p95 ${ms(latencyMs.p95)}  p99 ${ms(latencyMs.p99)}  max ${ms(latencyMs.max)}`,
    `  errors               ${percent(summary.errorRate)} (${summary.errors} of ${summary.requests})`,
    ...Object.entries(summary.errorsByStatus)
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `    ${status.padEnd(18)} ${count}`),
    `  redirect check rate  ${percent(summary.redirectCheckRate)}`,
    '  by kind',
    ...REQUEST_KINDS.flatMap((kind) => {
      const stats = summary.byKind[kind];
      if (!stats) return [];
      const p95 = stats.p95Ms === null ? 'n/a' : ms(stats.p95Ms);
      return [`    ${kind.padEnd(18)} ${String(stats.requests).padStart(9)}  p95 ${p95.padStart(9)}  checks ${percent(stats.checkRate)}`];
    }),
    '  thresholds',
    ...verdict.results.map((result) => {
      const actual = result.name.includes('latency') ? ms(result.actual) : result.name.includes('rate') ? percent(result.actual) : String(result.actual);
      return `    ${result.passed ? 'ok  ' : 'FAIL'} ${result.name.padEnd(20)} ${actual} (limit ${result.limit})`;
    }),
    verdict.passed ? 'PASS' : 'FAIL: a threshold was broken',
  ];
  const hint = writeLimitHint(summary);
  if (hint) lines.push(`hint: ${hint}`);
  return lines.join('\n');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function ms(value: number): string {
  return `${round(value, value < 10 ? 2 : 1)} ms`;
}

function percent(rate: number): string {
  return `${round(rate * 100, 2)} %`;
}
