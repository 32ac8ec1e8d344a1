// hop's load test for k6: one tier (TIER) of the shared mix against BASE_URL, with the tier's
// thresholds failing the run. k6 >= 0.57 runs this TypeScript as is (0.52-0.56: add
// --compatibility-mode=experimental_enhanced):
//   k6 run -e TIER=silver -e BASE_URL=http://localhost:8080 load/k6/hop.ts
import { check, fail } from 'k6';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { evaluateThresholds, formatSummary, summaryFile } from '../summary.ts';
import { checkTarget } from '../target.ts';
import {
  MIN_SETUP_LINK_SHARE,
  REQUEST_KINDS,
  mixEntry,
  newRunId,
  nextRequest,
  passesCheck,
  setupLinkBody,
  setupUserBody,
  tierByName,
  zipfCdf,
  type MixContext,
  type RequestKind,
} from '../tiers.ts';
import { SUMMARY_TREND_STATS, STATUS_METRICS, checkMetric, fromK6Summary, k6Thresholds, statusMetric, type K6SummaryData } from './metrics.ts';

const tier = tierByName(__ENV.TIER ?? 'smoke');
const checked = checkTarget(__ENV.BASE_URL ?? 'http://localhost:8080', __ENV.ALLOW_REMOTE === '1');
if (!checked.ok) throw new Error(checked.reason);
const BASE = checked.target.base;
const SUMMARY_DIR = __ENV.SUMMARY_DIR ?? '.';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
// AUTH_MODE=keys (hop's default): an admin key for the management API, `-e HOP_API_KEY=hop_…`.
// Redirects go without it, as a visitor's would.
const AUTH: Record<string, string> = __ENV.HOP_API_KEY ? { Authorization: `Bearer ${__ENV.HOP_API_KEY}` } : {};
const API_HEADERS = { ...JSON_HEADERS, ...AUTH };
/** Links are created this many at a time in setup: quick, without a thundering herd of its own. */
const SETUP_BATCH = 50;

export const options: Options = {
  scenarios: {
    mix: {
      executor: 'constant-vus',
      vus: tier.vus,
      duration: `${tier.durationSeconds}s`,
      gracefulStop: '10s',
      tags: { phase: 'mix' },
    },
  },
  thresholds: k6Thresholds(tier),
  summaryTrendStats: SUMMARY_TREND_STATS,
  setupTimeout: '120s',
  // Bodies are read only in setup (which asks for them); the mix judges status and headers alone.
  discardResponseBodies: true,
  // Redirects are the thing measured: never follow them off to example.com.
  maxRedirects: 0,
};

// Metrics live in the init context: k6 allows creating them nowhere else.
const checkRates = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, new Rate(checkMetric(kind))])) as Record<RequestKind, Rate>;
const statusCounters = Object.fromEntries(STATUS_METRICS.map((name) => [name, new Counter(name)])) as Record<string, Counter>;

interface SetupData {
  readonly runId: string;
  readonly userId: number;
  readonly codes: string[];
}

export function setup(): SetupData {
  const text = { responseType: 'text' as const, tags: { phase: 'setup' } };
  const health = http.get(`${BASE}/health`, text);
  if (health.status !== 200) fail(`${BASE}/health answered ${health.status}: is hop running?`);

  const runId = newRunId(Date.now(), Math.random());
  const user = http.post(`${BASE}/users`, setupUserBody(runId), { ...text, headers: API_HEADERS });
  if (user.status === 401 || user.status === 403) fail(`POST /users answered ${user.status}: hop runs with AUTH_MODE=keys; pass an admin key with -e HOP_API_KEY=...`);
  if (user.status !== 201) fail(`POST /users answered ${user.status}: ${user.body}`);
  const userId = numberField(user.json(), 'id');

  const codes: string[] = [];
  for (let start = 0; start < tier.links; start += SETUP_BATCH) {
    const batch = [];
    for (let index = start; index < Math.min(start + SETUP_BATCH, tier.links); index++) {
      batch.push({ method: 'POST', url: `${BASE}/urls`, body: setupLinkBody(runId, index, userId), params: { ...text, headers: API_HEADERS } });
    }
    for (const response of http.batch(batch)) {
      if (response.status === 201) codes.push(stringField(response.json(), 'short_code'));
    }
  }
  if (codes.length < tier.links * MIN_SETUP_LINK_SHARE) fail(`setup created ${codes.length} of ${tier.links} links`);
  return { runId, userId, codes };
}

let mix: MixContext | null = null;

export default function (data: SetupData): void {
  // One context per VU, built on its first iteration: the CDF is the only costly part.
  if (mix === null) {
    mix = {
      codes: data.codes,
      popularity: zipfCdf(data.codes.length),
      userId: data.userId,
      random: Math.random,
      uniqueId: () => `${data.runId}/${__VU}/${__ITER}/${Math.floor(Math.random() * 1e9)}`,
    };
  }
  const request = nextRequest(mix);
  const response = http.request(request.method, `${BASE}${request.path}`, request.body, {
    headers: request.kind === 'redirect' ? {} : request.body === null ? AUTH : API_HEADERS,
    tags: { kind: request.kind, name: request.route },
  });

  const location = response.headers.Location ?? response.headers.location;
  const passed = passesCheck(request.kind, response.status, typeof location === 'string' && location.length > 0);
  check(response, { [mixEntry(request.kind).check]: () => passed }, { kind: request.kind });
  checkRates[request.kind].add(passed);
  if (response.status < 200 || response.status >= 400) statusCounters[statusMetric(response.status)]?.add(1);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  const summary = fromK6Summary(data, tier, BASE);
  const verdict = evaluateThresholds(tier.thresholds, summary);
  return {
    stdout: `${formatSummary(summary, verdict)}\n`,
    [`${SUMMARY_DIR}/summary-${tier.name}.json`]: `${JSON.stringify(summaryFile(tier, summary, verdict, new Date().toISOString()), null, 2)}\n`,
  };
}

function numberField(body: unknown, field: string): number {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'number') fail(`expected a number in "${field}", got ${JSON.stringify(body)}`);
  return value;
}

function stringField(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string') fail(`expected a string in "${field}", got ${JSON.stringify(body)}`);
  return value;
}
