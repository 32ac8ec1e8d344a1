// The load tiers' pure parts: the table every runner reads, the mix, Zipf popularity, the
// threshold verdict and the k6 summary mapping. No network.
import { describe, expect, it } from 'bun:test';
import { COUNTED_STATUSES, fromK6Summary, k6Thresholds, statusMetric, type K6SummaryData } from '../../load/k6/metrics.ts';
import { evaluateThresholds, formatSummary, type LoadSummary } from '../../load/summary.ts';
import {
  MIX,
  REQUEST_KINDS,
  TIERS,
  TIER_NAMES,
  newRunId,
  nextRequest,
  passesCheck,
  pickKind,
  planRequest,
  setupLinkBody,
  setupUserBody,
  tierByName,
  zipfCdf,
  zipfPick,
  type MixContext,
} from '../../load/tiers.ts';

/** A small deterministic PRNG (mulberry32), so distribution tests never flake. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function summary(overrides: Partial<LoadSummary> = {}): LoadSummary {
  return {
    runner: 'autocannon',
    tier: 'bronze',
    target: 'http://127.0.0.1:3000',
    vus: 50,
    durationSeconds: 60,
    requests: 10_000,
    rps: 166.7,
    latencyMs: { p50: 5, p95: 40, p99: 90, max: 200 },
    errors: 10,
    errorRate: 0.001,
    errorsByStatus: { '503': 10 },
    redirectCheckRate: 1,
    byKind: { redirect: { requests: 8_000, checkRate: 1, p95Ms: 30 } },
    ...overrides,
  };
}

describe('tier table', () => {
  it('defines smoke, bronze, silver and gold with the agreed users and durations', () => {
    expect(TIER_NAMES).toEqual(['smoke', 'bronze', 'silver', 'gold']);
    expect([TIERS.bronze.vus, TIERS.bronze.durationSeconds]).toEqual([50, 60]);
    expect([TIERS.silver.vus, TIERS.silver.durationSeconds]).toEqual([200, 180]);
    expect([TIERS.gold.vus, TIERS.gold.durationSeconds]).toEqual([500, 300]);
    expect(TIERS.smoke.durationSeconds).toBeLessThanOrEqual(30);
  });

  it('gives every tier a name matching its key, positive sizes and sane thresholds', () => {
    for (const name of TIER_NAMES) {
      const tier = TIERS[name];
      expect(tier.name).toBe(name);
      expect(tier.vus).toBeGreaterThan(0);
      expect(tier.durationSeconds).toBeGreaterThan(0);
      expect(tier.links).toBeGreaterThan(0);
      expect(tier.thresholds.p95Ms).toBeLessThan(tier.thresholds.p99Ms);
      expect(tier.thresholds.maxErrorRate).toBeLessThanOrEqual(0.01);
      expect(tier.thresholds.minRedirectCheckRate).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('grows in load from smoke to gold', () => {
    const vus = TIER_NAMES.map((name) => TIERS[name].vus);
    expect([...vus].sort((a, b) => a - b)).toEqual(vus);
  });

  it('is frozen, so no runner can bend a tier at run time', () => {
    expect(Object.isFrozen(TIERS)).toBe(true);
    expect(Object.isFrozen(TIERS.gold.thresholds)).toBe(true);
  });

  it('refuses an unknown tier by name', () => {
    expect(tierByName('gold')).toBe(TIERS.gold);
    expect(() => tierByName('platinum')).toThrow(/unknown tier/);
  });
});

describe('request mix', () => {
  it('has weights that sum to 1 with redirects the large majority', () => {
    const total = MIX.reduce((sum, entry) => sum + entry.weight, 0);
    expect(total).toBeCloseTo(1, 10);
    expect(MIX.find((entry) => entry.kind === 'redirect')?.weight).toBeGreaterThanOrEqual(0.7);
    for (const entry of MIX) expect(entry.weight).toBeGreaterThan(0);
  });

  it('includes both create routes and both list reads', () => {
    expect([...REQUEST_KINDS].sort()).toEqual(['create_url', 'list_events', 'list_urls', 'redirect', 'shorten']);
  });

  it('picks kinds in proportion to their weights', () => {
    const random = seeded(7);
    const counts: Record<string, number> = {};
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const kind = pickKind(random());
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    for (const entry of MIX) expect((counts[entry.kind] ?? 0) / draws).toBeCloseTo(entry.weight, 2);
  });

  it('maps the edges of [0, 1) to the first and last kinds', () => {
    expect(pickKind(0)).toBe(MIX[0]!.kind);
    expect(pickKind(0.999_999_999_999)).toBe(MIX[MIX.length - 1]!.kind);
  });
});

describe('planned requests', () => {
  const context = (random: () => number): MixContext => {
    let n = 0;
    return { codes: ['hot', 'warm', 'cold'], popularity: zipfCdf(3), userId: 7, random, uniqueId: () => `run/${n++}` };
  };

  it('sends redirects to a code made in setup, the hottest most often', () => {
    const request = planRequest('redirect', context(() => 0));
    expect(request).toMatchObject({ method: 'GET', path: '/hot', route: 'GET /:short_code', body: null });
  });

  it('posts a fresh URL to /shorten and to /urls (with the setup user)', () => {
    const ctx = context(seeded(1));
    const shorten = planRequest('shorten', ctx);
    const create = planRequest('create_url', ctx);
    expect(shorten).toMatchObject({ method: 'POST', path: '/shorten' });
    expect(JSON.parse(shorten.body!)).toEqual({ url: 'https://example.com/hop-load/run/0' });
    expect(create).toMatchObject({ method: 'POST', path: '/urls' });
    expect(JSON.parse(create.body!)).toEqual({ original_url: 'https://example.com/hop-load/run/1', title: 'load run/1', user_id: 7 });
  });

  it('reads the first page of 50 URLs and events', () => {
    const ctx = context(seeded(1));
    expect(planRequest('list_urls', ctx).path).toBe('/urls?page=1&per_page=50');
    expect(planRequest('list_events', ctx).path).toBe('/events?page=1&per_page=50');
  });

  it('omits user_id when setup made no user', () => {
    const request = planRequest('create_url', { ...context(seeded(1)), userId: null });
    expect(JSON.parse(request.body!)).not.toHaveProperty('user_id');
  });

  it('throws on a redirect with no links rather than requesting "/undefined"', () => {
    expect(() => planRequest('redirect', { ...context(() => 0), codes: [] })).toThrow(/at least one link/);
  });

  it('draws every kind over many requests', () => {
    const ctx = context(seeded(3));
    const kinds = new Set(Array.from({ length: 2_000 }, () => nextRequest(ctx).kind));
    expect(kinds.size).toBe(REQUEST_KINDS.length);
  });
});

describe('checks', () => {
  it('passes a redirect only as 302 with a Location', () => {
    expect(passesCheck('redirect', 302, true)).toBe(true);
    expect(passesCheck('redirect', 302, false)).toBe(false);
    expect(passesCheck('redirect', 404, true)).toBe(false);
    expect(passesCheck('redirect', 301, true)).toBe(false);
  });

  it('passes creates only as 201 and lists only as 200', () => {
    expect(passesCheck('shorten', 201, false)).toBe(true);
    expect(passesCheck('create_url', 200, false)).toBe(false);
    expect(passesCheck('list_urls', 200, false)).toBe(true);
    expect(passesCheck('list_events', 503, false)).toBe(false);
  });
});

describe('Zipf popularity', () => {
  it('builds a rising CDF that ends at exactly 1', () => {
    const cdf = zipfCdf(1_000);
    expect(cdf).toHaveLength(1_000);
    expect(cdf[cdf.length - 1]).toBe(1);
    for (let i = 1; i < cdf.length; i++) expect(cdf[i]!).toBeGreaterThan(cdf[i - 1]!);
  });

  it('refuses an empty population', () => {
    expect(() => zipfCdf(0)).toThrow();
  });

  it('picks the rank whose slice holds u', () => {
    const cdf = zipfCdf(10);
    expect(zipfPick(cdf, 0)).toBe(0);
    expect(zipfPick(cdf, cdf[0]!)).toBe(1);
    expect(zipfPick(cdf, 0.999_999_999)).toBe(9);
    expect(zipfPick([1], 0.5)).toBe(0);
  });

  it('is long-tailed: a few hot links take most redirects, the cold half a small share, none starve', () => {
    const links = 1_000;
    const cdf = zipfCdf(links);
    const random = seeded(42);
    const hits = new Array<number>(links).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) hits[zipfPick(cdf, random())]! += 1;

    const share = (from: number, to: number) => hits.slice(from, to).reduce((sum, n) => sum + n, 0) / draws;
    expect(share(0, 10)).toBeGreaterThan(0.4); // the hottest 1 % of links
    expect(share(0, 100)).toBeGreaterThan(0.7); // the hottest 10 %
    expect(share(500, 1_000)).toBeLessThan(0.1); // coldest half
    expect(hits[0]!).toBeGreaterThan(hits[1]!);
    expect(hits[1]!).toBeGreaterThan(hits[9]!);
    expect(hits.filter((n) => n > 0).length).toBeGreaterThan(links * 0.9);
  });
});

describe('threshold verdict', () => {
  const { thresholds } = TIERS.bronze;

  it('passes a summary inside every bound', () => {
    const verdict = evaluateThresholds(thresholds, summary());
    expect(verdict.passed).toBe(true);
    expect(verdict.results.every((result) => result.passed)).toBe(true);
  });

  it.each([
    ['p95 latency', { latencyMs: { p50: 5, p95: thresholds.p95Ms, p99: 90, max: 900 } }],
    ['p99 latency', { latencyMs: { p50: 5, p95: 40, p99: thresholds.p99Ms + 1, max: 900 } }],
    ['error rate', { errorRate: thresholds.maxErrorRate }],
    ['redirect check rate', { redirectCheckRate: 0.98 }],
    ['requests', { requests: 0, rps: 0 }],
    ['redirects', { byKind: {} }],
  ] as const)('fails on %s', (name, overrides) => {
    const verdict = evaluateThresholds(thresholds, summary(overrides as Partial<LoadSummary>));
    expect(verdict.passed).toBe(false);
    expect(verdict.results.filter((result) => !result.passed).map((result) => result.name)).toEqual([name]);
  });

  it('prints the figures, the errors by status and the verdict', () => {
    const broken = summary({ errorRate: 0.02, errors: 200 });
    const text = formatSummary(broken, evaluateThresholds(thresholds, broken));
    expect(text).toContain('requests             10000 (166.7/s)');
    expect(text).toContain('p95 40 ms');
    expect(text).toMatch(/503\s+10/);
    expect(text).toMatch(/FAIL error rate/);
    expect(text.trim().endsWith('FAIL: a threshold was broken')).toBe(true);
  });
});

describe('k6 mapping', () => {
  it('turns the tier into k6 thresholds over the mix only', () => {
    const thresholds = k6Thresholds(TIERS.silver);
    expect(thresholds['http_req_duration{phase:mix}']).toEqual(['p(95)<400', 'p(99)<1000']);
    expect(thresholds['http_req_failed{phase:mix}']).toEqual(['rate<0.01']);
    expect(thresholds.check_redirect).toEqual(['rate>=0.99']);
    for (const kind of REQUEST_KINDS) expect(thresholds[`http_req_duration{kind:${kind}}`]).toEqual(['max>=0']);
  });

  it('files statuses under their own counter, others and transport errors apart', () => {
    expect(statusMetric(503)).toBe('status_503');
    expect(statusMetric(418)).toBe('status_other');
    expect(statusMetric(0)).toBe('status_transport');
    expect(COUNTED_STATUSES).toContain(429);
  });

  it('reads handleSummary data back into the shared summary', () => {
    const data: K6SummaryData = {
      metrics: {
        'http_reqs{phase:mix}': { values: { count: 6_000, rate: 95 } },
        'http_req_duration{phase:mix}': { values: { med: 3, 'p(95)': 20, 'p(99)': 45, max: 120 } },
        'http_req_failed{phase:mix}': { values: { rate: 0.005, passes: 30, fails: 5_970 } },
        check_redirect: { values: { rate: 1, passes: 4_800, fails: 0 } },
        check_shorten: { values: { rate: 0.9, passes: 270, fails: 30 } },
        'http_req_duration{kind:redirect}': { values: { 'p(95)': 12 } },
        status_503: { values: { count: 30, rate: 0.5 } },
        status_404: { values: { count: 0, rate: 0 } },
      },
    };
    const mapped = fromK6Summary(data, TIERS.bronze, 'http://localhost:8080');
    expect(mapped).toMatchObject({
      runner: 'k6',
      tier: 'bronze',
      requests: 6_000,
      rps: 100,
      latencyMs: { p50: 3, p95: 20, p99: 45, max: 120 },
      errors: 30,
      errorRate: 0.005,
      errorsByStatus: { '503': 30 },
      redirectCheckRate: 1,
    });
    expect(mapped.byKind.redirect).toEqual({ requests: 4_800, checkRate: 1, p95Ms: 12 });
    expect(mapped.byKind.shorten).toEqual({ requests: 300, checkRate: 0.9, p95Ms: null });
    expect(mapped.byKind.list_urls).toBeUndefined();
  });
});

describe('setup bodies', () => {
  it('makes run ids that fit a username and differ between runs', () => {
    const a = newRunId(1_700_000_000_000, 0.1);
    const b = newRunId(1_700_000_000_001, 0.1);
    expect(a).not.toBe(b);
    expect(JSON.parse(setupUserBody(a)).username.length).toBeLessThanOrEqual(64);
    expect(JSON.parse(setupUserBody(a)).email).toMatch(/^load-[a-z0-9]+@example\.com$/);
  });

  it('creates seed links owned by the setup user under the load prefix', () => {
    expect(JSON.parse(setupLinkBody('abc', 3, 9))).toEqual({ original_url: 'https://example.com/hop-load/abc/seed/3', user_id: 9, title: 'load seed 3' });
  });
});
