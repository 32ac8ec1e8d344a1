// The console at /app: hop serves the built page and assets under a strict CSP (no inline script),
// compressed and cacheable, and the bundle stays within its budget.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildConsole, type ConsoleBuild } from '../../web/build.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

/** The budget the issue sets: what a browser downloads as script, gzipped. */
const JS_BUDGET_BYTES = 150 * 1024;

let database: TestDatabase;
let hop: RunningHop;
let unbuilt: RunningHop;
let outDir: string;
let build: ConsoleBuild;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'hop-console-'));
  build = await buildConsole(path.join(outDir, 'dist'));
  database = await freshDatabase('console');
  hop = await startHop(database.db, { env: { CONSOLE_DIR: build.outDir } });
  unbuilt = await startHop(database.db, { env: { CONSOLE_DIR: path.join(outDir, 'nothing-here') } });
});
afterAll(async () => {
  await hop.stop();
  await unbuilt.stop();
  await database.drop();
  await rm(outDir, { recursive: true, force: true });
});

const scriptOf = (html: string) => /<script type="module" crossorigin src="(\/app\/assets\/[^"]+\.js)"><\/script>/.exec(html)?.[1];

describe('the console bundle', () => {
  it(`stays within ${JS_BUDGET_BYTES / 1024} KB of gzipped JavaScript`, () => {
    console.log(`console bundle: ${(build.gzippedJsBytes / 1024).toFixed(1)} KB of gzipped JS (budget ${JS_BUDGET_BYTES / 1024} KB)`);
    expect(build.files.some((file) => file.path.endsWith('.js'))).toBe(true);
    expect(build.gzippedJsBytes).toBeGreaterThan(0);
    expect(build.gzippedJsBytes).toBeLessThanOrEqual(JS_BUDGET_BYTES);
  });

  it('has no inline script or style in its page, and loads nothing from another origin', async () => {
    const html = await Bun.file(path.join(build.outDir, 'index.html')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('GET /app', () => {
  it('answers the page with a strict CSP that allows only this origin', async () => {
    const response = await hop.request('/app');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('https:');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(scriptOf(await response.text())).toBeDefined();
  });

  it('serves the hashed script gzipped and cacheable for a year, and 304 on a matching ETag', async () => {
    const script = scriptOf(await (await hop.request('/app')).text())!;
    const response = await hop.request(script, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/javascript');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const body = await response.arrayBuffer(); // fetch undoes the gzip
    expect(body.byteLength).toBe(build.files.find((file) => `/app/${file.path}` === script)!.bytes);
    const again = await hop.request(script, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers a console path (a deep link) with the page, and an unknown file with a JSON 404', async () => {
    const deep = await hop.request('/app/links/42');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const missing = await hop.request('/app/assets/nothing-1234.js');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'console file not found' });
  });

  it('keeps the strict API policy outside /app, even for codes that start with "app"', async () => {
    const api = await hop.request('/apples');
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const users = await hop.request('/users');
    expect(users.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('sends / to the console', async () => {
    const response = await hop.request('/');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/app');
  });

  it('reserves "app" as a short code', async () => {
    const { status, body } = await hop.json('/urls', { original_url: 'https://example.com', short_code: 'app' });
    expect(status).toBe(400);
    expect(body.error).toContain('reserved');
  });

  it('explains how to build the console when it is not built', async () => {
    const response = await unbuilt.request('/app');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain('bun run build:web');
  });
});
