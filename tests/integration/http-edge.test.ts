// Every error status through the running app, request ids, /health, /ready and /docs.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;

beforeAll(async () => {
  database = await freshDatabase('http_edge');
  hop = await startHop(database.db);
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

async function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toStartWith('application/json');
  const body: any = await response.json();
  expect(body.error).toBeString();
  expect(JSON.stringify(body)).not.toContain(' at ');
  return body;
}

describe('error statuses', () => {
  it('answers 404 JSON for an unknown route', async () => {
    await expectJsonError(await hop.request('/no/such/route'), 404);
  });

  it('answers 405 with Allow for a wrong method on a known path', async () => {
    const response = await hop.request('/users', { method: 'PATCH' });
    await expectJsonError(response, 405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    await expectJsonError(await hop.request('/urls/1', { method: 'POST' }), 405);
  });

  it('answers 413 JSON for a body over 1 MiB', async () => {
    const response = await hop.request('/shorten', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `https://example.com/${'a'.repeat(1_100_000)}` }),
    });
    await expectJsonError(response, 413);
  });

  it('answers 413 JSON for a chunked body over 1 MiB and for one far over it', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ url: `https://example.com/${'a'.repeat(1_200_000)}` }));
    const chunked = new ReadableStream({
      start(controller) {
        for (let offset = 0; offset < big.length; offset += 64 * 1024) controller.enqueue(big.slice(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    await expectJsonError(await hop.request('/shorten', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked }), 413);
    await expectJsonError(
      await hop.request('/shorten', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5_000_000) }),
      413,
    );
  });

  it('answers 415 for a body sent as text/plain or form data instead of JSON, and JSON to the CSV import', async () => {
    await expectJsonError(
      await hop.request('/users', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"username":"x","email":"x@y.z"}' }),
      415,
    );
    const form = new FormData();
    form.append('url', 'https://example.com');
    await expectJsonError(await hop.request('/shorten', { method: 'POST', body: form }), 415);
    await expectJsonError(
      await hop.request('/users/bulk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      415,
    );
    expect((await hop.json('/users')).body).toEqual([]);
  });

  it('answers 400 with field details for invalid fields', async () => {
    const body = await expectJsonError(
      await hop.request('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": 5}' }),
      400,
    );
    expect(body.details.length).toBeGreaterThan(0);
    expect(body.details[0]).toHaveProperty('field');
    expect(body.details[0]).toHaveProperty('message');
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    expect((await hop.request('/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    const generated = (await hop.request('/health', { headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect((await hop.request('/nope/nope')).headers.get('x-request-id')).toBeString();
  });
});

describe('operations endpoints', () => {
  it('/health answers ok without touching dependencies', async () => {
    expect(await (await hop.request('/health')).json()).toEqual({ status: 'ok' });
  });

  it('/ready reports Postgres and Redis up', async () => {
    const response = await hop.request('/ready');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', postgres: 'up', redis: 'up', auth: 'open' });
  });

  it('/docs serves the OpenAPI document generated from the route schemas', async () => {
    const spec: any = await (await hop.request('/docs/json')).json();
    expect(spec.openapi).toStartWith('3.');
    for (const path of ['/users', '/users/bulk', '/users/{id}', '/shorten', '/urls', '/urls/{id}', '/events', '/events/{id}', '/{short_code}']) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    expect((await hop.request('/docs')).status).toBe(200);
  });
});

describe('security', () => {
  it('sends the security headers on JSON answers and errors (a bodiless 302 goes without), and the page policy for /docs', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/secure' });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    for (const response of [await hop.request('/users'), await hop.request('/no/such'), await hop.request('/NoSuchCode'), await hop.request('/users', { method: 'PATCH' })]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
    const docsPolicy = (await hop.request('/docs')).headers.get('content-security-policy');
    expect(docsPolicy).toContain("script-src 'self'");
    expect(docsPolicy).toContain("connect-src 'self'");
  });

  it('refuses links that point back at hop or carry credentials', async () => {
    const self = await hop.json('/shorten', { url: `${hop.config.baseUrl}/abc` });
    expect(self.status).toBe(400);
    expect(self.body.error).toContain('shortener');
    expect((await hop.json('/urls', { original_url: 'https://bank.example@evil.example/' })).status).toBe(400);
  });

  it("serves hop's own top-level paths, not short codes, when they come through the redirect route", async () => {
    expect((await hop.json('/users')).body).toBeArray();
    expect((await hop.json('/health')).body).toEqual({ status: 'ok' });
  });
});

describe('write rate limit', () => {
  it('answers 429 JSON with Retry-After past the burst, per client address behind a trusted proxy, and never limits reads', async () => {
    const limited = await startHop(database.db, { env: { WRITE_RATE_LIMIT: '1', WRITE_RATE_BURST: '3', TRUST_PROXY: 'true' } });
    try {
      const write = (client: string) =>
        limited.request('/shorten', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: '{"url":"https://example.com/rl"}' });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await write('203.0.113.1')).status);
      expect(statuses).toEqual([201, 201, 201, 429, 429]);
      const refused = await write('203.0.113.1');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: string }).error).toContain('too many writes');
      expect((await write('203.0.113.2')).status).toBe(201);
      for (let i = 0; i < 10; i++) expect((await limited.request('/urls?per_page=1')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('keys on the peer address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    const limited = await startHop(database.db, { env: { WRITE_RATE_LIMIT: '1', WRITE_RATE_BURST: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const response = await limited.request('/shorten', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}` },
          body: '{"url":"https://example.com/peer"}',
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await limited.stop();
    }
  });
});

describe('edges a newcomer hit', () => {
  it("answers 405 with Allow for GET on hop's own POST-only paths, not 'short code not found'", async () => {
    for (const [path, allow] of [['/shorten', 'POST'], ['/chaos', 'POST'], ['/users/bulk', 'POST']] as const) {
      const response = await hop.request(path);
      const body = await expectJsonError(response, 405);
      expect(body.error).toBe('method not allowed');
      expect(response.headers.get('allow')).toBe(allow);
    }
  });

  it('refuses an id that is not plain decimal digits (0x10 is not 16)', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/sixteen' });
    expect((await hop.request(`/urls/${link.id}`)).status).toBe(200);
    for (const id of ['0x10', '1e1', '0b1', '%201', '+1']) {
      const body = await expectJsonError(await hop.request(`/urls/${id}`), 400);
      expect(body.details[0].field).toBe('id');
    }
    await expectJsonError(await hop.request('/urls?per_page=0x10'), 400);
  });

  it('refuses links to hop itself in any spelling of its own listener', async () => {
    const port = new URL(hop.url).port;
    const loops = [`http://127.0.0.1:${port}/x`, `http://localhost.:${port}/x`, `http://[::1]:${port}/x`, `http://0.0.0.0:${port}/`, `http://2130706433:${port}/`, `http://0x7f.1:${port}/`, `${hop.config.baseUrl}/abc`];
    for (const target of loops) {
      const { status, body } = await hop.json('/shorten', { url: target });
      expect(status).toBe(400);
      expect(body.error).toContain('must not point at this shortener');
    }
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/ok' });
    expect((await hop.json(`/urls/${link.id}`, { original_url: `http://[::ffff:127.0.0.1]:${port}/` }, 'PUT')).status).toBe(400);
  });

  it('refuses an array or a string as the body of an update whose fields are all optional', async () => {
    const { body: user } = await hop.json('/users', { username: 'optional-fields', email: 'optional-fields@example.com' });
    for (const body of ['[]', '["username"]', '"ada"', '7']) {
      const response = await hop.request(`/users/${user.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      expect((await expectJsonError(response, 400)).error).toBe('request body must be a JSON object');
    }
    expect((await hop.json(`/users/${user.id}`)).body.username).toBe('optional-fields');
  });

  it('stores and shows the URL visitors are actually sent to', async () => {
    const { status, body } = await hop.json('/shorten', { url: 'https:\\\\evil.com' });
    expect(status).toBe(201);
    expect(body.original_url).toBe('https://evil.com/');
    const redirect = await hop.request(`/${body.short_code}`);
    expect(redirect.headers.get('location')).toBe(body.original_url);
    const { body: urls } = await hop.json('/urls?per_page=1');
    expect(urls[0].original_url).toBe('https://evil.com/');
  });
});
