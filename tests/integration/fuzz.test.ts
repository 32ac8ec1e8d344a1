// Property-based fuzzing of every endpoint through a running hop: whatever arrives, the answer is a
// success or a 4xx JSON error (never a 5xx, a stack trace or a hang), and the stored data keeps its
// invariants afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let sentinelId = 0;

beforeAll(async () => {
  database = await freshDatabase('fuzz');
  hop = await startHop(database.db);
  await hop.json('/users', { username: 'fuzz-owner', email: 'fuzz-owner@example.com' });
  sentinelId = (await hop.json('/urls', { original_url: 'https://example.com/fuzz', short_code: 'fuzzcode' })).body.id;
  await hop.json('/urls', { original_url: 'https://example.com/fuzz-options', short_code: 'fuzzoptions', max_clicks: 5, tags: ['fuzz'] });
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

/** Sends one request and checks the answer is a success or a clean 4xx JSON error, within 5 s. */
async function probe(method: string, path: string, body?: string | FormData, contentType = 'application/json', extraHeaders: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extraHeaders };
  if (typeof body === 'string') headers['content-type'] = contentType;
  const response = await hop.request(path, { method, headers, body, signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  if (response.status >= 500) throw new Error(`${method} ${path} ${JSON.stringify(body)?.slice(0, 200)} answered ${response.status}: ${text}`);
  if (response.status >= 400) {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error !== 'string') throw new Error(`${method} ${path} answered ${response.status} without an error message: ${text}`);
    if (/\bat .*\.(ts|js):\d+/.test(text)) throw new Error(`stack trace leaked: ${text}`);
  }
  return response.status;
}

// Values of every JSON type, with the awkward ones weighted in.
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', "'; drop table users; --", '../../etc/passwd', '%00', '<script>', 'null', '{}', 'https://', 'javascript:alert(1)'),
  fc.string({ minLength: 3000, maxLength: 5000 }),
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -0, 0.5),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
// Each named field is absent or holds any nasty value.
const objectWith = (...names: string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(Object.fromEntries(names.map((name) => [name, nasty as fc.Arbitrary<unknown>])), { requiredKeys: [] });

const rawBodies = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"a":', '[]', 'null', '"str"', '1e999', '{"url": "https://x.y"', '\u0000', '{"__proto__": {"x": 1}}'),
  fc.json({ maxDepth: 3 }),
);

const idLike = fc.oneof(
  fc.integer({ min: -5, max: 50 }).map(String),
  fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999999999999', 'abc', '%20', '..', '1;drop', 'NaN', 'null'),
);

const ENDPOINTS: [string, string, fc.Arbitrary<Record<string, unknown>>][] = [
  ['POST', '/users', objectWith('username', 'email')],
  ['POST', '/shorten', objectWith('url')],
  ['POST', '/urls', objectWith('original_url', 'user_id', 'title', 'short_code')],
  // Link options (issue 13), with a valid target so the options themselves are what is probed.
  ['POST', '/shorten', objectWith('expires_at', 'max_clicks', 'expired_url', 'tags').map((body) => ({ url: 'https://example.com/o', ...body }))],
  ['POST', '/urls', objectWith('expires_at', 'max_clicks', 'expired_url', 'tags').map((body) => ({ original_url: 'https://example.com/o', ...body }))],
  // On the second link (created in beforeAll), so the sentinel's redirect check below stays as it was.
  ['PUT', '/urls/2', objectWith('expires_at', 'max_clicks', 'expired_url', 'tags')],
  ['POST', '/urls/2/ban', objectWith('reason')],
  ['POST', '/banned-hosts', objectWith('host', 'reason')],
  ['POST', '/events', objectWith('event_type', 'url_id', 'user_id', 'details')],
  ['PUT', '/users/1', objectWith('username', 'email')],
  ['PUT', '/urls/1', objectWith('original_url', 'title', 'is_active')],
];

describe('fuzzing', () => {
  it.each(ENDPOINTS)('%s %s answers every typed-but-wrong body with success or a 4xx', async (method, path, bodies) => {
    await fc.assert(fc.asyncProperty(bodies, async (body) => void (await probe(method, path, JSON.stringify(body)))), { numRuns: RUNS });
  });

  it('answers raw, truncated and malformed bodies on every write route with success or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS.map(([m, p]) => [m, p] as const)), rawBodies, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'), async ([method, path], body, type) => {
        await probe(method, path, body, type);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('answers odd ids, codes, paths and query strings with success or a 4xx', async () => {
    const paths = fc.oneof(
      idLike.map((id) => `/users/${id}`),
      idLike.map((id) => `/urls/${id}`),
      idLike.map((id) => `/events/${id}`),
      idLike.map((id) => `/urls/${id}/ban`),
      fc.tuple(idLike, fc.constantFrom('format', 'size', 'margin'), fc.oneof(idLike, fc.constantFrom('svg', 'png', 'gif', '', '64', '2048', '2049')), fc.constantFrom('size', 'margin'), idLike).map(
        ([id, key, value, other, otherValue]) => `/urls/${id}/qr?${key}=${encodeURIComponent(value)}&${other}=${encodeURIComponent(otherValue)}`,
      ),
      fc.string({ maxLength: 300 }).map((host) => `/banned-hosts/${encodeURIComponent(host)}`),
      fc.string({ maxLength: 80 }).map((code) => `/${encodeURIComponent(code)}`),
      fc.constantFrom('/%2e%2e/%2e%2e/etc/passwd', '//double', '/users/1/extra', '/./users', '/fuzzcode?x=1', '/%00', '/docs/../users'),
      fc.tuple(fc.constantFrom('/urls', '/events', '/users'), fc.constantFrom('page', 'per_page', 'user_id', 'url_id', 'is_active', 'event_type', 'tag'), idLike).map(
        ([base, key, value]) => `${base}?${key}=${encodeURIComponent(value)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT', 'POST'), paths, async (method, path) => void (await probe(method, path, method === 'PUT' || method === 'POST' ? '{}' : undefined))),
      { numRuns: RUNS * 2 },
    );
  });

  it('answers any Idempotency-Key on the creates with success or a 4xx', async () => {
    // Characters fetch itself refuses in a header (CR, LF, NUL, beyond Latin-1) are left out.
    const keys = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('', ' ', 'k', 'x'.repeat(255), 'x'.repeat(256))).map((key) => key.replace(/[\r\n\0]|[^\u0000-\u00ff]/g, ''));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/urls', '/shorten'), keys, objectWith('url', 'original_url', 'tags'), async (path, key, body) => {
        await probe('POST', path, JSON.stringify(body), 'application/json', { 'idempotency-key': key });
      }),
      { numRuns: RUNS },
    );
  });

  it('answers broken multipart CSV imports with success or a 4xx', async () => {
    const csv = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 25 })), { maxLength: 20 }).map(
        (rows) => ['username,email,created_at', ...rows.map((row) => row.join(','))].join('\n'),
      ),
      fc.constantFrom('username,email\n"unterminated,x@y.z\n', 'username,email\na,b@c.de,extra,extra\n', '\ufeffusername,email\nbom,bom@example.com\n', 'username,email\n' + 'x,y\n'.repeat(2000)),
    );
    await fc.assert(
      fc.asyncProperty(csv, fc.constantFrom('file', 'other'), async (text, name) => {
        const form = new FormData();
        form.append(name, new File([text], 'users.csv', { type: 'text/csv' }));
        await probe('POST', '/users/bulk', form);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    expect(await probe('POST', '/urls', JSON.stringify({ original_url: 'https://e.x/', title: 'x'.repeat(2_000_000) }))).toBe(413);
    expect(await probe('GET', '/health')).toBe(200);
  });

  it('leaves the stored data consistent: no orphan events, unique codes, sequences ahead of ids', async () => {
    await hop.clicks.flush();
    const [checks] = await database.db.execute<{ orphans: number; duplicate_codes: number; behind: number }>(sql`
      select
        (select count(*)::int from events e
          where (e.url_id is not null and not exists (select 1 from urls u where u.id = e.url_id))
             or (e.user_id is not null and not exists (select 1 from users u where u.id = e.user_id))) as orphans,
        (select count(*)::int from (select short_code from urls group by short_code having count(*) > 1) d) as duplicate_codes,
        ((select coalesce(max(id), 0) from urls) > (select last_value from urls_id_seq))::int
          + ((select coalesce(max(id), 0) from users) > (select last_value from users_id_seq))::int
          + ((select coalesce(max(id), 0) from events) > (select last_value from events_id_seq))::int as behind`);
    expect(checks).toEqual({ orphans: 0, duplicate_codes: 0, behind: 0 });
    // The sentinel link may have been legitimately edited or deleted by fuzzed requests; whatever
    // happened to it must be in its audit trail.
    const stored = await hop.json(`/urls/${sentinelId}`);
    if (stored.status === 404) {
      // Deleted through the API (the fuzzer may also have deleted the audit row itself, which the API allows).
      expect((await hop.request('/fuzzcode')).status).toBe(404);
    } else {
      const redirect = await hop.request('/fuzzcode');
      expect(redirect.status).toBe(stored.body.is_active ? 302 : 404);
      if (redirect.status === 302) expect(redirect.headers.get('location')).toBe(stored.body.original_url);
    }
  });
});
