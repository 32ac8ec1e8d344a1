// Sends one tier of the shared mix with autocannon: tier.vus connections, each asking its next
// request as soon as the last is answered, for tier.durationSeconds. Returns the LoadSummary.
import autocannon, { type Client } from 'autocannon';
import { ratio, type KindStats, type LoadSummary } from '../summary.ts';
import { REQUEST_KINDS, nextRequest, passesCheck, zipfCdf, type MixContext, type RequestKind, type Tier } from '../tiers.ts';
import type { Fixtures } from './fixtures.ts';
import { LatencyHistogram } from './histogram.ts';

/** Seconds an unanswered request waits before it counts as a transport error. */
const REQUEST_TIMEOUT_SECONDS = 10;
/** Past the tier's duration, how long autocannon gets to wind down before it is stopped. */
const WIND_DOWN_MS = 30_000;

interface Tally {
  /** Requests built and written (autocannon builds one just before writing it). */
  sent: number;
  answered: number;
  passed: number;
  readonly latency: LatencyHistogram;
}

/** What the replay keeps on autocannon's per-request context. */
interface RequestContext {
  kind?: RequestKind;
  answered?: boolean;
}

export async function drive(base: string, tier: Tier, fixtures: Fixtures, runId: string, signal: AbortSignal, apiKey: string | null = null): Promise<LoadSummary> {
  // Redirects are public and go without a key, as a visitor's would.
  const authorization: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  let sequence = 0;
  const mix: MixContext = {
    codes: fixtures.codes,
    popularity: zipfCdf(fixtures.codes.length),
    userId: fixtures.userId,
    random: Math.random,
    uniqueId: () => `${runId}/${sequence++}`,
  };

  const tallies = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, { sent: 0, answered: 0, passed: 0, latency: new LatencyHistogram() }])) as Record<RequestKind, Tally>;
  const overall = new LatencyHistogram();
  const errorsByStatus: Record<string, number> = {};
  const clients: Client[] = [];

  // autocannon calls onResponse and then, synchronously and for the same request, emits
  // 'response' with its latency: the kind is handed from one to the other through this variable.
  let justAnswered: RequestKind | null = null;
  const started = performance.now();

  await new Promise<void>((resolve, reject) => {
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => instance.stop();
    const instance = autocannon(
      {
        url: base,
        connections: tier.vus,
        duration: tier.durationSeconds,
        pipelining: 1,
        timeout: REQUEST_TIMEOUT_SECONDS,
        setupClient: (client) => clients.push(client),
        requests: [
          {
            setupRequest: (request, context: RequestContext) => {
              const planned = nextRequest(mix);
              context.kind = planned.kind;
              tallies[planned.kind].sent += 1;
              const headers: Record<string, string> = {
                ...(planned.body === null ? {} : { 'content-type': 'application/json' }),
                ...(planned.kind === 'redirect' ? {} : authorization),
              };
              return { ...request, method: planned.method, path: planned.path, headers, body: planned.body ?? '' };
            },
            onResponse: (status, _body, context: RequestContext, headers) => {
              const kind = context.kind;
              if (kind === undefined) return;
              context.answered = true;
              const tally = tallies[kind];
              tally.answered += 1;
              if (passesCheck(kind, status, hasLocation(headers))) tally.passed += 1;
              if (status < 200 || status >= 400) errorsByStatus[status] = (errorsByStatus[status] ?? 0) + 1;
              justAnswered = kind;
            },
          },
        ],
      },
      (error) => {
        clearTimeout(watchdog);
        signal.removeEventListener('abort', stop);
        if (error) reject(error);
        else resolve();
      },
    );
    instance.on('response', (_client, _status, _bytes, latencyMs) => {
      overall.record(latencyMs);
      if (justAnswered !== null) tallies[justAnswered].latency.record(latencyMs);
      justAnswered = null;
    });
    signal.addEventListener('abort', stop, { once: true });
    watchdog = setTimeout(stop, tier.durationSeconds * 1000 + WIND_DOWN_MS);
  });
  const durationSeconds = (performance.now() - started) / 1000;

  // Every connection holds one request in flight at any moment (pipelining 1), so when the run
  // stops each client's current request was cut off by us, not failed by hop. Any other request
  // sent and never answered was refused, reset or timed out: a transport error of its kind.
  const cutOff = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>;
  for (const client of clients) {
    const current = client.requestIterator.context as RequestContext;
    if (current.kind !== undefined && !current.answered) cutOff[current.kind] += 1;
  }

  const byKind: Partial<Record<RequestKind, KindStats>> = {};
  let transport = 0;
  for (const kind of REQUEST_KINDS) {
    const tally = tallies[kind];
    const unanswered = Math.max(0, tally.sent - tally.answered - cutOff[kind]);
    transport += unanswered;
    const requests = tally.answered + unanswered;
    if (requests > 0) byKind[kind] = { requests, checkRate: ratio(tally.passed, requests), p95Ms: tally.latency.percentile(95) };
  }
  if (transport > 0) errorsByStatus.transport = transport;

  const requests = overall.count + transport;
  const errors = Object.values(errorsByStatus).reduce((sum, count) => sum + count, 0);
  return {
    runner: 'autocannon',
    tier: tier.name,
    target: base,
    vus: tier.vus,
    durationSeconds,
    requests,
    rps: requests / durationSeconds,
    latencyMs: { p50: overall.percentile(50), p95: overall.percentile(95), p99: overall.percentile(99), max: overall.max },
    errors,
    errorRate: ratio(errors, requests),
    errorsByStatus,
    redirectCheckRate: byKind.redirect?.checkRate ?? 0,
    byKind,
  };
}

function hasLocation(headers: Record<string, string | string[]>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'location') return (Array.isArray(value) ? value[0] : value)?.length ? true : false;
  }
  return false;
}
