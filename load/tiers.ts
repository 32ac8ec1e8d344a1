// The load tiers every runner shares (the k6 scripts and the autocannon replay): how many virtual
// users for how long, what passing means, and which requests they send. Pure data and pure
// functions only: k6 has no Node, Bun or DOM APIs (not even URL), so nothing here may use them.

export type TierName = 'smoke' | 'bronze' | 'silver' | 'gold';

export interface Thresholds {
  /** Latency percentiles over every request of the mix (setup excluded), in milliseconds, strict `<`. */
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Share of requests answered outside 2xx/3xx or not answered at all (refused, reset, timed out), strict `<`. */
  readonly maxErrorRate: number;
  /** Share of redirects answered 302 with a Location header, `>=`. */
  readonly minRedirectCheckRate: number;
}

export interface Tier {
  readonly name: TierName;
  /** Concurrent virtual users (k6 VUs, autocannon connections); each sends its next request as soon as the last one is answered. */
  readonly vus: number;
  readonly durationSeconds: number;
  /** Links created before the run; redirects pick among them by Zipf popularity. */
  readonly links: number;
  readonly thresholds: Thresholds;
}

// The users are closed-loop with no think time (autocannon cannot think, and both runners must
// send the same traffic), so a tier measures the service at saturation: latency there is roughly
// VUs / throughput, and the latency bounds grow with the tier for that reason.
export const TIERS: Readonly<Record<TierName, Tier>> = Object.freeze({
  smoke: tier('smoke', 10, 10, 50, { p95Ms: 250, p99Ms: 500 }),
  bronze: tier('bronze', 50, 60, 200, { p95Ms: 200, p99Ms: 500 }),
  silver: tier('silver', 200, 180, 500, { p95Ms: 400, p99Ms: 1000 }),
  gold: tier('gold', 500, 300, 1000, { p95Ms: 800, p99Ms: 2000 }),
});

function tier(name: TierName, vus: number, durationSeconds: number, links: number, latency: { p95Ms: number; p99Ms: number }): Tier {
  return Object.freeze({
    name,
    vus,
    durationSeconds,
    links,
    thresholds: Object.freeze({ ...latency, maxErrorRate: 0.01, minRedirectCheckRate: 0.99 }),
  });
}

export const TIER_NAMES = Object.keys(TIERS) as readonly TierName[];

export function isTierName(name: string): name is TierName {
  return (TIER_NAMES as readonly string[]).includes(name);
}

export function tierByName(name: string): Tier {
  if (!isTierName(name)) throw new Error(`unknown tier "${name}" (expected one of ${TIER_NAMES.join(', ')})`);
  return TIERS[name];
}

// ---- the request mix ---------------------------------------------------------------------------

export type RequestKind = 'redirect' | 'shorten' | 'create_url' | 'list_urls' | 'list_events';

export interface MixEntry {
  readonly kind: RequestKind;
  readonly weight: number;
  /** Route template, used as the k6 `name` tag so per-code URLs do not explode the metric series. */
  readonly route: string;
  readonly expectedStatus: number;
  /** The check's name as k6 prints it. */
  readonly check: string;
}

/** Mostly redirects (the hot path), then the writes and the two list reads a dashboard makes. */
export const MIX: readonly MixEntry[] = Object.freeze([
  { kind: 'redirect', weight: 0.8, route: 'GET /:short_code', expectedStatus: 302, check: 'redirect is 302 with Location' },
  { kind: 'shorten', weight: 0.05, route: 'POST /shorten', expectedStatus: 201, check: 'shorten is 201' },
  { kind: 'create_url', weight: 0.05, route: 'POST /urls', expectedStatus: 201, check: 'create url is 201' },
  { kind: 'list_urls', weight: 0.05, route: 'GET /urls', expectedStatus: 200, check: 'list urls is 200' },
  { kind: 'list_events', weight: 0.05, route: 'GET /events', expectedStatus: 200, check: 'list events is 200' },
] satisfies MixEntry[]);

export const REQUEST_KINDS: readonly RequestKind[] = MIX.map((entry) => entry.kind);

export function mixEntry(kind: RequestKind): MixEntry {
  const entry = MIX.find((candidate) => candidate.kind === kind);
  if (!entry) throw new Error(`no mix entry for ${kind}`);
  return entry;
}

/** The kind whose slice of the cumulative weights holds `u` (uniform in [0, 1)). */
export function pickKind(u: number, mix: readonly MixEntry[] = MIX): RequestKind {
  const total = mix.reduce((sum, entry) => sum + entry.weight, 0);
  let edge = 0;
  for (const entry of mix) {
    edge += entry.weight / total;
    if (u < edge) return entry.kind;
  }
  // u is within float rounding of 1: the last slice owns it.
  const last = mix[mix.length - 1];
  if (!last) throw new Error('empty mix');
  return last.kind;
}

/** Whether a response passes the kind's check; the same rule in every runner. */
export function passesCheck(kind: RequestKind, status: number, hasLocation: boolean): boolean {
  if (status !== mixEntry(kind).expectedStatus) return false;
  return kind !== 'redirect' || hasLocation;
}

// ---- link popularity ---------------------------------------------------------------------------

/** s > 1 gives the long tail of real short links: a few hot codes, most links rarely visited. */
export const ZIPF_EXPONENT = 1.1;

/** Cumulative Zipf probabilities for ranks 0..n-1 (rank 0 hottest); the last entry is exactly 1. */
export function zipfCdf(n: number, exponent: number = ZIPF_EXPONENT): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`zipfCdf needs at least one rank, got ${n}`);
  const weights: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= n; rank++) {
    const weight = 1 / Math.pow(rank, exponent);
    weights.push(weight);
    total += weight;
  }
  const cdf: number[] = [];
  let running = 0;
  for (const weight of weights) {
    running += weight / total;
    cdf.push(running);
  }
  cdf[n - 1] = 1;
  return cdf;
}

/** The rank whose slice of the CDF holds `u` (uniform in [0, 1)): a binary search, O(log n). */
export function zipfPick(cdf: readonly number[], u: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (u < (cdf[middle] ?? 1)) high = middle;
    else low = middle + 1;
  }
  return low;
}

// ---- requests ----------------------------------------------------------------------------------

export interface PlannedRequest {
  readonly kind: RequestKind;
  readonly method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly route: string;
  /** JSON text for POSTs, null for GETs. */
  readonly body: string | null;
}

export interface MixContext {
  /** Short codes made in setup, hottest first (rank 0 gets the most redirects). */
  readonly codes: readonly string[];
  /** zipfCdf(codes.length), computed once per runner (or per k6 VU). */
  readonly popularity: readonly number[];
  readonly userId: number | null;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** A token no other request of this run has, so created URLs never repeat. */
  readonly uniqueId: () => string;
}

/** The next request of the mix: the one place both runners learn what to send. */
export function nextRequest(context: MixContext): PlannedRequest {
  return planRequest(pickKind(context.random()), context);
}

export function planRequest(kind: RequestKind, context: MixContext): PlannedRequest {
  const { route } = mixEntry(kind);
  switch (kind) {
    case 'redirect': {
      const code = context.codes[zipfPick(context.popularity, context.random())];
      if (code === undefined) throw new Error('redirects need at least one link from setup');
      return { kind, method: 'GET', path: `/${code}`, route, body: null };
    }
    case 'shorten':
      return { kind, method: 'POST', path: '/shorten', route, body: JSON.stringify({ url: loadUrl(context.uniqueId()) }) };
    case 'create_url': {
      const id = context.uniqueId();
      const body: Record<string, unknown> = { original_url: loadUrl(id), title: `load ${id}` };
      if (context.userId !== null) body.user_id = context.userId;
      return { kind, method: 'POST', path: '/urls', route, body: JSON.stringify(body) };
    }
    case 'list_urls':
      return { kind, method: 'GET', path: '/urls?page=1&per_page=50', route, body: null };
    case 'list_events':
      return { kind, method: 'GET', path: '/events?page=1&per_page=50', route, body: null };
  }
}

// ---- setup -------------------------------------------------------------------------------------

/** Every URL the load creates lives under one recognisable prefix, so it can be found and purged. */
export function loadUrl(id: string): string {
  return `https://example.com/hop-load/${id}`;
}

/** A run id short enough for usernames, unique enough to rerun against the same database. */
export function newRunId(now: number, random: number): string {
  return `${now.toString(36)}${Math.floor(random * 36 ** 4).toString(36).padStart(4, '0')}`;
}

export function setupUserBody(runId: string): string {
  return JSON.stringify({ username: `load-${runId}`, email: `load-${runId}@example.com` });
}

export function setupLinkBody(runId: string, index: number, userId: number): string {
  const id = `${runId}/seed/${index}`;
  return JSON.stringify({ original_url: loadUrl(id), user_id: userId, title: `load seed ${index}` });
}

/** Setup may lose a few creates to a busy server; fewer than this share of the links aborts the run. */
export const MIN_SETUP_LINK_SHARE = 0.9;
