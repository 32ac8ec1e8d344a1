// Operations endpoints through a running hop: /metrics scraped after real requests (errors included),
// the access log and GET /logs, chaos drills and their expiry, and /ready while a private Redis is
// stopped and started again.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createLogger, closeLogs } from '../../src/logging/logger.ts';
import { LogRing } from '../../src/logging/log-ring.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { clickObserver } from '../../src/metrics/observers.ts';
import { APP_METRICS } from '../ops/metrics-contract.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { PrivateRedis } from '../support/services.ts';

const ADMIN_TOKEN = 'admin-token-for-observability-tests';
const CHAOS_TOKEN = 'chaos-token-for-observability-tests';

let database: TestDatabase;
let hop: RunningHop;
const exits: number[] = [];

beforeAll(async () => {
  database = await freshDatabase('observability');
  hop = await startHop(database.db, {
    // As compose runs it: told about the alert webhook, so every contract series is exposed.
    env: { ADMIN_TOKEN, CHAOS_TOKEN, LOG_LEVEL: 'info', DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/observability' },
    requestExit: (code) => exits.push(code),
  });
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

/** The value of one sample in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(/,(?=[a-zA-Z_]+=")/) : [];
    if (wanted.every((pair) => present.includes(pair)) && present.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

async function scrape(target: RunningHop = hop): Promise<string> {
  const response = await target.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toStartWith('text/plain');
  return response.text();
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const logs = async (query = '', target: RunningHop = hop) => {
  const response = await target.request(`/logs${query}`, { headers: admin });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>[];
};
const drill = (body: unknown, token: string | null = CHAOS_TOKEN, target: RunningHop = hop) =>
  target.request('/chaos', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { 'x-chaos-token': token }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('GET /metrics', () => {
  it('counts every request by method, route template and status, thrown errors and unknown routes included', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/metrics' });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    expect((await hop.request('/urls/999999')).status).toBe(404);
    expect((await hop.request('/urls/abc')).status).toBe(400);
    expect((await hop.json('/shorten', '{"url": ')).status).toBe(400);
    expect((await hop.request('/no/such/route')).status).toBe(404);
    expect((await hop.request('/users', { method: 'PATCH' })).status).toBe(405);

    const text = await scrape();
    const requests = (method: string, route: string, status: string) => sample(text, 'http_requests_total', { method, route, status });
    expect(requests('POST', '/shorten', '201')).toBe(1);
    expect(requests('GET', '/:short_code', '302')).toBe(1);
    expect(requests('GET', '/urls/:id', '404')).toBe(1);
    expect(requests('GET', '/urls/:id', '400')).toBe(1);
    expect(requests('POST', '/shorten', '400')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(requests('PATCH', 'unmatched', '405')).toBe(1);
    // Route templates only: neither the short code nor a raw path becomes a label value.
    expect(text).not.toContain(link.short_code);
    expect(text).not.toContain('/no/such/route');

    const redirect = { method: 'GET', route: '/:short_code', status: '302' };
    expect(sample(text, 'http_request_duration_seconds_count', redirect)).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...redirect, le: '+Inf' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...redirect, le: '0.0005' })).toBeNumber();
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...redirect, le: '10' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_sum', redirect)).toBeGreaterThan(0);
  });

  it('counts a 413 or 429 refused before routing under the route it was for, not as unmatched', async () => {
    const limited = await startHop(database.db, { env: { WRITE_RATE_LIMIT: '1', WRITE_RATE_BURST: '1' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.json('/urls', { original_url: `https://example.com/limited/${i}` })).status);
      expect(statuses).toContain(429);
      const tooBig = await limited.request('/users', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) }, body: 'x'.repeat(2 * 1024 * 1024) });
      expect(tooBig.status).toBe(413);
      const text = await scrape(limited);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/urls', status: '429' })).toBe(statuses.filter((s) => s === 429).length);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/users', status: '413' })).toBe(1);
      expect(text).not.toContain('route="unmatched",status="429"');
    } finally {
      await limited.stop();
    }
  });

  it('counts cache lookups per tier and redirect results', async () => {
    const before = await scrape();
    const unknown = `NoSuch${Date.now().toString(36)}`; // Redis is shared: a fixed code could already be cached as absent
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/cache-counters' });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302); // l1 miss, l2 miss, Postgres
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302); // l1 hit
    expect((await hop.request(`/${unknown}`)).status).toBe(404); // l1 miss, l2 miss, cached as absent
    expect((await hop.request(`/${unknown}`)).status).toBe(404); // l1 negative
    await hop.json(`/urls/${link.id}`, { is_active: false }, 'PUT');
    expect((await hop.request(`/${link.short_code}`)).status).toBe(404); // inactive
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('hop_cache_lookups_total', { tier: 'l1', result: 'hit' })).toBe(1);
    expect(delta('hop_cache_lookups_total', { tier: 'l1', result: 'negative' })).toBe(1);
    expect(delta('hop_cache_lookups_total', { tier: 'l1', result: 'miss' })).toBe(3);
    expect(delta('hop_cache_lookups_total', { tier: 'l2', result: 'miss' })).toBe(3);
    expect(sample(after, 'hop_cache_lookups_total', { tier: 'l2', result: 'hit' })).toBe(0);
    expect(delta('hop_redirects_total', { result: 'found' })).toBe(2);
    expect(delta('hop_redirects_total', { result: 'not_found' })).toBe(2);
    expect(delta('hop_redirects_total', { result: 'inactive' })).toBe(1);
  });

  it('reports clicks flushed with their flush latency, and an empty buffer afterwards', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/clicks' });
    for (let i = 0; i < 3; i++) expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    await hop.clicks.flush();
    const text = await scrape();
    expect(sample(text, 'hop_clicks_flushed_total')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'hop_click_flush_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hop_click_buffer_depth')).toBe(0);
    expect(sample(text, 'hop_clicks_dropped_total')).toBe(0);
  });

  it('reports buffered and dropped clicks when the buffer is full', async () => {
    const small = await startHop(database.db, { env: { CLICK_BUFFER_CAP: '1', CLICK_FLUSH_INTERVAL_MS: '60000', LOG_LEVEL: 'warn', ADMIN_TOKEN } });
    try {
      const { body: link } = await small.json('/shorten', { url: 'https://example.com/full-buffer' });
      for (let i = 0; i < 3; i++) expect((await small.request(`/${link.short_code}`)).status).toBe(302);
      const text = await scrape(small);
      expect(sample(text, 'hop_click_buffer_depth')).toBe(1);
      expect(sample(text, 'hop_clicks_dropped_total')).toBe(2);
      // The log says it once at once; the second drop waits for the end of the 10 s warning window.
      expect(await logs('?filter=clicks%20dropped', small)).toEqual([expect.objectContaining({ occurrences: 1, rows: 1 })]);
      // Stopping the recorder (as shutdown does) writes the window's held count.
      await small.clicks.stop();
      expect(small.logRing.query({ limit: 10, filter: 'clicks dropped' }).map((line) => [line.occurrences, line.rows])).toEqual([[1, 1], [1, 1]]);
    } finally {
      await small.stop();
    }
  });

  it('reports build info, the connection pool, dependencies and the process metrics dashboards use', async () => {
    const text = await scrape();
    expect(sample(text, 'hop_build_info', { version: hop.config.version })).toBe(1);
    expect(sample(text, 'hop_db_pool_max')).toBe(database.db.$gate.permits);
    expect(sample(text, 'hop_db_pool_in_use')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'hop_db_pool_waiting')).toBe(0);
    expect(sample(text, 'hop_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(sample(text, 'hop_dependency_up', { dependency: 'redis' })).toBe(1);
    expect(sample(text, 'hop_chaos_drills_total', { mode: 'kill' })).toBeNumber();
    expect(sample(text, 'hop_alert_webhook_configured')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(Math.abs(sample(text, 'process_start_time_seconds')! - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'process_open_fds')).toBeGreaterThan(0);
    // Every series the dashboards and alert rules read.
    const exposed = new Set(text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => /^[\w:]+/.exec(line)![0]));
    expect([...APP_METRICS].filter((name) => !exposed.has(name))).toEqual([]);
    // Collectors that report nothing true on Bun are left out.
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_active_handles_total', 'process_heap_bytes', 'nodejs_gc_duration_seconds', 'nodejs_version_info']) {
      expect(text).not.toContain(`${name} `);
    }
  });

  it('shows event-loop lag when the loop is blocked for 200 ms', async () => {
    const until = performance.now() + 200;
    while (performance.now() < until) {
      // hop runs in this process: blocking here blocks its loop.
    }
    await Bun.sleep(60);
    expect(sample(await scrape(), 'hop_event_loop_lag_seconds')).toBeGreaterThanOrEqual(0.1);
  });

  it('gives each app its own registry', async () => {
    const other = new Metrics({ version: 'other' });
    try {
      other.redirect('found');
      expect(sample(await other.text(), 'hop_redirects_total', { result: 'found' })).toBe(1);
      expect(sample(await other.text(), 'hop_build_info', { version: 'other' })).toBe(1);
      expect(sample(await scrape(), 'hop_build_info', { version: 'other' })).toBeUndefined();
    } finally {
      other.close();
    }
  });
});

describe('access log and GET /logs', () => {
  it('writes one access line per request, with route template, status, duration and request id, for errors too', async () => {
    await hop.request('/urls/999999', { headers: { 'x-request-id': 'obs-access-404' } });
    await hop.json('/shorten', '{"url": ');
    const lines = await logs('?filter=obs-access-404');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', method: 'GET', route: '/urls/:id', status: 404, request_id: 'obs-access-404', service: 'hop' });
    expect(lines[0]!.duration_ms).toBeNumber();
    const parseErrors = (await logs('?filter=%22status%22:400')).filter((line) => line.route === '/shorten');
    expect(parseErrors.length).toBeGreaterThanOrEqual(1);
    expect(parseErrors.at(-1)!.request_id).toBeString();
  });

  it('logs successful redirects at debug only', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/quiet' });
    await hop.request(`/${link.short_code}`, { headers: { 'x-request-id': 'obs-redirect-302' } });
    await hop.request('/UnknownCode77', { headers: { 'x-request-id': 'obs-redirect-404' } });
    expect(await logs('?filter=obs-redirect-302')).toHaveLength(0);
    expect(await logs('?filter=obs-redirect-404')).toHaveLength(1);

    const verbose = await startHop(database.db, { env: { LOG_LEVEL: 'debug', ADMIN_TOKEN } });
    try {
      await verbose.request(`/${link.short_code}`, { headers: { 'x-request-id': 'obs-redirect-debug' } });
      const [line] = await logs('?filter=obs-redirect-debug', verbose);
      expect(line).toMatchObject({ level: 'debug', route: '/:short_code', status: 302 });
    } finally {
      await verbose.stop();
    }
  });

  it('never writes tokens or request bodies', async () => {
    await hop.request('/urls/1', { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-chaos-token': CHAOS_TOKEN } });
    await drill({ mode: 'off' });
    await hop.json('/shorten', { url: 'https://example.com/secret-body-marker' });
    const all = JSON.stringify(await logs('?limit=1000'));
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain(CHAOS_TOKEN);
    expect(all).not.toContain('secret-body-marker');

    const ring = new LogRing(10);
    const logger = createLogger('info', { write() {} }, ring);
    logger.info({ authorization: `Bearer ${ADMIN_TOKEN}`, headers: { 'x-chaos-token': CHAOS_TOKEN }, token: CHAOS_TOKEN }, 'careless');
    await closeLogs(logger);
    expect(JSON.stringify(ring.query({ limit: 10 }))).not.toContain('token-for-observability');
  });

  it('is closed with 404 when ADMIN_TOKEN is unset, and 401 without the right bearer token', async () => {
    const closed = await startHop(database.db, { env: { METRICS_ENABLED: 'false' } });
    try {
      const response = await closed.request('/logs', { headers: admin });
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error).toBeString();
    } finally {
      await closed.stop();
    }
    for (const headers of [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: ADMIN_TOKEN }, { authorization: `Basic ${ADMIN_TOKEN}` }] as Record<string, string>[]) {
      const response = await hop.request('/logs?limit=0', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="hop"');
      expect(response.headers.get('content-type')).toStartWith('application/json');
      expect(((await response.json()) as any).error).toContain('token');
    }
  });

  it('filters by limit, level and text', async () => {
    for (let i = 0; i < 3; i++) await hop.request('/urls/999999', { headers: { 'x-request-id': `obs-filter-${i}` } });
    await drill({ mode: 'off' }); // a warn line
    const newestTwo = await logs('?filter=obs-filter-&limit=2');
    expect(newestTwo.map((line) => line.request_id)).toEqual(['obs-filter-1', 'obs-filter-2']);
    const warnings = await logs('?level=warn&limit=1000');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.every((line) => ['warn', 'error', 'fatal'].includes(line.level))).toBe(true);
    expect(warnings.at(-1)!.msg).toBe('chaos drills cancelled');
    expect(await logs('?filter=OBS-FILTER-1')).toHaveLength(1);
    expect(await logs('?filter=nothing-logged-this')).toHaveLength(0);
    for (const query of ['?limit=0', '?limit=abc', '?level=loud']) {
      expect((await hop.request(`/logs${query}`, { headers: admin })).status).toBe(400);
    }
  });

  it('writes out every buffered line when the logs are closed before exit', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hop-logs-')), 'out.log');
    const ring = new LogRing(10);
    const logger = createLogger('info', pino.destination({ dest: file, sync: false }), ring);
    for (let i = 0; i < 500; i++) logger.info({ i }, 'line');
    await closeLogs(logger);
    const lines = (await Bun.file(file).text()).trim().split('\n');
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ i: 499, msg: 'line' });
    expect(ring.query({ limit: 10 })).toHaveLength(10);
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('logs click flush failures and drops once per window, summing the rest, and writes what is held on close', async () => {
    const ring = new LogRing(50);
    const observer = clickObserver(null, createLogger('info', { write() {} }, ring), 200);
    const lines = (filter: string) => ring.query({ limit: 50, filter });
    observer.failed(new Error('connection refused'));
    observer.failed('plain');
    observer.failed(new Error('still refused'));
    for (let i = 0; i < 1000; i++) observer.dropped(1);
    observer.flushed(1, 0.01);
    expect(lines('click flush failed')).toEqual([expect.objectContaining({ occurrences: 1, err: 'connection refused' })]);
    expect(lines('clicks dropped')).toEqual([expect.objectContaining({ occurrences: 1, rows: 1 })]);
    // The window closes: what it held comes out as one line per kind (polled: timers run late on busy machines).
    await eventually(async () => lines('click flush failed').length === 2 && lines('clicks dropped').length === 2, 5_000);
    expect(lines('click flush failed').find((line) => line.occurrences === 2)).toMatchObject({ err: 'still refused', window_ms: 200 });
    expect(lines('clicks dropped').map((line) => Number(line.rows)).sort((a, b) => a - b)).toEqual([1, 999]);
    expect(lines('click flush failed').every((line) => !('rows' in line))).toBe(true);
    observer.close();

    // On shutdown close() writes what a window still holds, so the last count reaches the log.
    const closing = new LogRing(10);
    const longWindow = clickObserver(null, createLogger('info', { write() {} }, closing), 60_000);
    longWindow.dropped(3);
    longWindow.dropped(7);
    longWindow.dropped(2);
    expect(closing.query({ limit: 10 }).map((line) => line.rows)).toEqual([3]);
    longWindow.close();
    expect(closing.query({ limit: 10 }).map((line) => [line.occurrences, line.rows])).toEqual([[1, 3], [2, 9]]);
  });
});

describe('POST /chaos', () => {
  const timed = async (path: string) => {
    const started = performance.now();
    const response = await hop.request(path);
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  };

  it('is closed with 404 when CHAOS_TOKEN is unset, and 401 without the right token whatever the body', async () => {
    const closed = await startHop(database.db, { env: { METRICS_ENABLED: 'false' } });
    try {
      expect((await drill({ mode: 'off' }, CHAOS_TOKEN, closed)).status).toBe(404);
      expect((await closed.request('/metrics')).status).toBe(404);
    } finally {
      await closed.stop();
    }
    expect((await drill({ mode: 'off' }, null)).status).toBe(401);
    expect((await drill({ mode: 'off' }, 'wrong-token-of-the-same-size-as-it')).status).toBe(401);
    expect((await drill({ mode: 'explode' }, 'x')).status).toBe(401);
    expect((await drill('{not json', null)).status).toBe(401);
  });

  it('refuses out-of-range drills with 400', async () => {
    for (const body of [{ mode: 'explode' }, { mode: 'latency', ms: 0 }, { mode: 'latency', ms: 30_001 }, { mode: 'latency', ms: 'abc' }, { mode: 'errors', rate: 1.5 }, { mode: 'errors', rate: -0.1 }, { mode: 'errors', seconds: 3_601 }, { mode: 'errors', seconds: 0 }, {}]) {
      const response = await drill(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error).toBeString();
    }
  });

  it('latency: delays requests except /health, /metrics and /chaos, until the drill expires', async () => {
    const before = await scrape();
    // Generous gaps on both sides, so a slow CI machine cannot blur "delayed" into "not delayed".
    const started = await drill({ mode: 'latency', ms: 400, seconds: 3 });
    expect(started.status).toBe(200);
    const drillState = (await started.json()) as { mode: string; ms: number; until: string };
    // Checked field by field: Bun's toMatchObject writes its asymmetric matchers into the object it checks.
    expect([drillState.mode, drillState.ms]).toEqual(['latency', 400]);
    const until = Date.parse(drillState.until);
    expect(until - Date.now()).toBeWithin(1_000, 3_001);
    expect((await timed('/urls/999999')).ms).toBeGreaterThanOrEqual(390);
    expect((await timed('/ready')).ms).toBeGreaterThanOrEqual(390);
    expect((await timed('/health')).ms).toBeLessThan(300);
    expect((await timed('/metrics')).ms).toBeLessThan(300);
    const after = await scrape();
    expect((sample(after, 'hop_chaos_drills_total', { mode: 'latency' }) ?? 0) - (sample(before, 'hop_chaos_drills_total', { mode: 'latency' }) ?? 0)).toBe(1);
    expect(sample(after, 'http_request_duration_seconds_bucket', { method: 'GET', route: '/urls/:id', status: '404', le: '0.1' })).toBeLessThan(
      sample(after, 'http_request_duration_seconds_count', { method: 'GET', route: '/urls/:id', status: '404' })!,
    );
    await Bun.sleep(Math.max(0, until - Date.now()) + 100);
    expect((await timed('/urls/999999')).ms).toBeLessThan(300);
    const lines = await logs('?level=warn&filter=latency');
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['chaos drill started', 'chaos drill over']));
    expect(lines.find((line) => line.msg === 'chaos drill started')!.request_id).toBeString();
  });

  it('errors: fails that share of requests with 500 JSON, except operations endpoints, until it expires', async () => {
    expect((await drill({ mode: 'errors', rate: 1, seconds: 2 })).status).toBe(200);
    const failed = await hop.request('/urls');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'chaos drill: injected error' });
    for (const path of ['/health', '/ready', '/metrics']) expect((await hop.request(path)).status).toBe(200);
    expect((await hop.request('/logs', { headers: admin })).status).toBe(200);
    expect(sample(await scrape(), 'http_requests_total', { method: 'GET', route: '/urls', status: '500' })).toBe(1);
    await Bun.sleep(2_100);
    expect((await hop.request('/urls')).status).toBe(200);

    expect((await drill({ mode: 'errors', rate: 0, seconds: 60 })).status).toBe(200);
    expect((await hop.request('/urls')).status).toBe(200);
    expect((await drill({ mode: 'off' })).status).toBe(200);
  });

  it('off: ends running drills at once', async () => {
    await drill({ mode: 'errors', rate: 1, seconds: 600 });
    await drill({ mode: 'latency', ms: 5_000, seconds: 600 });
    const off = await drill({ mode: 'off' });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ mode: 'off' });
    expect((await timed('/urls')).status).toBe(200);
    expect((await timed('/urls')).ms).toBeLessThan(1_000);
    expect((await logs('?filter=cancelled')).length).toBeGreaterThanOrEqual(2);
  });

  it('kill: answers 202, then asks the process to exit with code 3', async () => {
    const response = await drill({ mode: 'kill' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ mode: 'kill' });
    await eventually(async () => exits.length === 1, 1_000);
    expect(exits).toEqual([3]);
    expect(sample(await scrape(), 'hop_chaos_drills_total', { mode: 'kill' })).toBe(1);
    expect((await logs('?level=warn&filter=kill')).at(-1)!.exit_code).toBe(3);
  });
});

describe('GET /ready with a private Redis', () => {
  const redis = new PrivateRedis();
  let own: RunningHop;
  beforeAll(async () => {
    await redis.start();
    own = await startHop(database.db, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await own.stop();
    await redis.stop();
  });

  it('stays 200 but degraded while Redis is down, and is ready again once it is back', async () => {
    expect(await own.json('/ready')).toMatchObject({ status: 200, body: { status: 'ready', postgres: 'up', redis: 'up' } });
    expect((await own.json('/health')).body).toEqual({ status: 'ok' });

    await redis.stop();
    await eventually(async () => (await own.json('/ready')).body.redis === 'down', 5_000);
    expect(await own.json('/ready')).toMatchObject({ status: 200, body: { status: 'degraded', postgres: 'up', redis: 'down' } });
    expect(sample(await scrape(own), 'hop_dependency_up', { dependency: 'redis' })).toBe(0);
    expect(sample(await scrape(own), 'hop_dependency_up', { dependency: 'postgres' })).toBe(1);

    await redis.start();
    await eventually(async () => (await own.json('/ready')).body.redis === 'up', 10_000);
    expect(await own.json('/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(sample(await scrape(own), 'hop_dependency_up', { dependency: 'redis' })).toBe(1);
  }, 20_000);

  it('has no redis series when hop runs without Redis', async () => {
    const alone = await startHop(database.db, { redisUrl: false });
    try {
      expect((await alone.json('/ready')).body).toMatchObject({ status: 'ready', redis: 'disabled' });
      const text = await scrape(alone);
      expect(sample(text, 'hop_dependency_up', { dependency: 'redis' })).toBeUndefined();
      expect(sample(text, 'hop_dependency_up', { dependency: 'postgres' })).toBe(1);
    } finally {
      await alone.stop();
    }
  });
});
