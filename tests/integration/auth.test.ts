// Access control (AUTH_MODE=keys) through a running hop on real Postgres and Redis: every protected
// route against every kind of credential, ownership, revocation across replicas, and the guards
// around keys (rate limit on failures, per-key write limit, nothing secret in logs).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { SQL } from 'bun';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { KeyService } from '../../src/auth/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type HopOptions, type RunningHop } from '../support/hop.ts';
import type { Database } from '../../db/client.ts';

let database: TestDatabase;
let hop: RunningHop;
let service: KeyService;
const keys: Record<'admin' | 'alice' | 'bob' | 'revoked' | 'expired', string> = {} as never;
let alice: { id: number };
let bob: { id: number };
let expiredAt = 0;

beforeAll(async () => {
  database = await freshDatabase('auth');
  hop = await startHop(database.db, { env: { AUTH_MODE: 'keys', AUTH_FAILURE_BURST: '100000', LOG_LEVEL: 'info' } });
  service = new KeyService(database.db);
  keys.admin = (await service.create({ role: 'admin', name: 'matrix admin' }, OPEN_ACTOR)).key;
  alice = (await hop.json('/users', { username: 'alice', email: 'alice@example.com' }, 'POST', keys.admin)).body;
  bob = (await hop.json('/users', { username: 'bob', email: 'bob@example.com' }, 'POST', keys.admin)).body;
  keys.alice = (await service.create({ role: 'user', user_id: alice.id }, OPEN_ACTOR)).key;
  keys.bob = (await service.create({ role: 'user', user_id: bob.id }, OPEN_ACTOR)).key;
  const revoked = await service.create({ role: 'admin' }, OPEN_ACTOR);
  await service.revoke(revoked.id, OPEN_ACTOR);
  keys.revoked = revoked.key;
  expiredAt = Date.now() + 1_500;
  keys.expired = (await service.create({ role: 'admin', expires_at: new Date(expiredAt).toISOString() }, OPEN_ACTOR)).key;
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

/** A hop of its own on a database of its own (for settings the shared one lacks), gone after `use`. */
async function withOwnHop(label: string, options: HopOptions, use: (own: RunningHop, db: Database) => Promise<void>): Promise<void> {
  const own = await freshDatabase(label);
  const started = await startHop(own.db, options);
  try {
    await use(started, own.db);
  } finally {
    await started.stop();
    await own.drop();
  }
}

/** A link, an event and a key owned by alice, made fresh for each row that may consume them. */
async function aliceOwns() {
  const link = (await hop.json('/urls', { original_url: 'https://example.com/a', user_id: alice.id }, 'POST', keys.admin)).body;
  const event = (await hop.json('/events', { event_type: 'note', url_id: link.id, user_id: alice.id, details: {} }, 'POST', keys.admin)).body;
  const key = (await hop.json('/keys', { role: 'user', user_id: alice.id }, 'POST', keys.admin)).body;
  const host = `h${unique()}.example`;
  expect((await hop.json('/banned-hosts', { host, reason: 'matrix' }, 'POST', keys.admin)).status).toBe(201);
  return { link, event, key, host };
}
type Owned = Awaited<ReturnType<typeof aliceOwns>>;

function bulkBody(): FormData {
  const form = new FormData();
  form.append('file', new Blob([`username,email\nbulk${crypto.randomUUID().slice(0, 8)},b${crypto.randomUUID().slice(0, 8)}@example.com\n`], { type: 'text/csv' }), 'users.csv');
  return form;
}

interface Row {
  method: string;
  route: string;
  path: (owned: Owned) => string;
  body?: (owned: Owned) => unknown;
  /** What alice's own key gets, bob's key on alice's resource, and the admin key. */
  own: number;
  other: number;
  admin: number;
}

const unique = () => crypto.randomUUID().slice(0, 8);
const ROWS: Row[] = [
  { method: 'POST', route: '/users', path: () => '/users', body: () => ({ username: `u${unique()}`, email: `${unique()}@example.com` }), own: 403, other: 403, admin: 201 },
  { method: 'GET', route: '/users', path: () => '/users', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/users/:id', path: () => `/users/${alice.id}`, own: 200, other: 404, admin: 200 },
  { method: 'PUT', route: '/users/:id', path: () => `/users/${alice.id}`, body: () => ({ email: 'alice@example.com' }), own: 200, other: 404, admin: 200 },
  // DELETE /users/:id for "own" and "admin" would take alice away: it has its own test below.
  { method: 'DELETE', route: '/users/:id', path: () => `/users/${alice.id}`, own: 0, other: 404, admin: 0 },
  { method: 'POST', route: '/users/bulk', path: () => '/users/bulk', body: bulkBody, own: 403, other: 403, admin: 201 },
  { method: 'POST', route: '/shorten', path: () => '/shorten', body: () => ({ url: 'https://example.com/s' }), own: 201, other: 201, admin: 201 },
  { method: 'POST', route: '/urls', path: () => '/urls', body: () => ({ original_url: 'https://example.com/u', user_id: alice.id }), own: 201, other: 404, admin: 201 },
  { method: 'GET', route: '/urls', path: () => '/urls', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/urls/:id', path: (o) => `/urls/${o.link.id}`, own: 200, other: 404, admin: 200 },
  { method: 'PUT', route: '/urls/:id', path: (o) => `/urls/${o.link.id}`, body: () => ({ title: 'changed' }), own: 200, other: 404, admin: 200 },
  { method: 'DELETE', route: '/urls/:id', path: (o) => `/urls/${o.link.id}`, own: 204, other: 404, admin: 204 },
  { method: 'POST', route: '/events', path: () => '/events', body: (o) => ({ event_type: 'note', url_id: o.link.id, details: {} }), own: 201, other: 404, admin: 201 },
  { method: 'GET', route: '/events', path: () => '/events', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/events/:id', path: (o) => `/events/${o.event.id}`, own: 200, other: 404, admin: 200 },
  { method: 'DELETE', route: '/events/:id', path: (o) => `/events/${o.event.id}`, own: 204, other: 404, admin: 204 },
  { method: 'POST', route: '/keys', path: () => '/keys', body: () => ({ role: 'user', user_id: alice.id }), own: 403, other: 403, admin: 201 },
  { method: 'GET', route: '/keys', path: () => '/keys', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/keys/:id', path: (o) => `/keys/${o.key.id}`, own: 200, other: 404, admin: 200 },
  { method: 'GET', route: '/tags', path: () => '/tags', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/urls/:id/stats', path: (o) => `/urls/${o.link.id}/stats`, own: 200, other: 404, admin: 200 },
  { method: 'GET', route: '/urls/:id/stats/:dimension', path: (o) => `/urls/${o.link.id}/stats/browsers`, own: 200, other: 404, admin: 200 },
  { method: 'GET', route: '/stats', path: () => '/stats', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/stats/top-links', path: () => '/stats/top-links', own: 200, other: 200, admin: 200 },
  { method: 'GET', route: '/urls/:id/qr', path: (o) => `/urls/${o.link.id}/qr`, own: 200, other: 404, admin: 200 },
  { method: 'POST', route: '/urls/:id/ban', path: (o) => `/urls/${o.link.id}/ban`, body: () => ({ reason: 'matrix' }), own: 403, other: 403, admin: 200 },
  { method: 'DELETE', route: '/urls/:id/ban', path: (o) => `/urls/${o.link.id}/ban`, own: 403, other: 403, admin: 200 },
  { method: 'GET', route: '/banned-hosts', path: () => '/banned-hosts', own: 403, other: 403, admin: 200 },
  { method: 'POST', route: '/banned-hosts', path: () => '/banned-hosts', body: () => ({ host: `n${unique()}.example` }), own: 403, other: 403, admin: 201 },
  { method: 'GET', route: '/banned-hosts/:host', path: (o) => `/banned-hosts/${o.host}`, own: 403, other: 403, admin: 200 },
  { method: 'DELETE', route: '/banned-hosts/:host', path: (o) => `/banned-hosts/${o.host}`, own: 403, other: 403, admin: 204 },
  { method: 'DELETE', route: '/keys/:id', path: (o) => `/keys/${o.key.id}`, own: 204, other: 404, admin: 204 },
];

async function send(row: Row, owned: Owned, headers: Record<string, string>): Promise<Response> {
  const body = row.body?.(owned);
  const isForm = body instanceof FormData;
  return hop.request(row.path(owned), {
    method: row.method,
    headers: { ...headers, ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
  });
}

/** A fingerprint of every table's content (last_used_at aside: using a key is allowed to touch it). */
async function fingerprint(): Promise<string> {
  const sql = new SQL({ url: database.url, max: 1 });
  try {
    const [row] = await sql`select
      (select md5(coalesce(string_agg(u::text, '|' order by id), '')) from users u) as users,
      (select md5(coalesce(string_agg(l::text, '|' order by id), '')) from urls l) as urls,
      (select md5(coalesce(string_agg(e::text, '|' order by id), '')) from events e) as events,
      (select md5(coalesce(string_agg((k.id, k.public_id, k.revoked_at)::text, '|' order by id), '')) from api_keys k) as keys,
      (select md5(coalesce(string_agg(b::text, '|' order by host), '')) from banned_hosts b) as banned_hosts`;
    return JSON.stringify(row);
  } finally {
    await sql.close();
  }
}

describe('AUTH_MODE=keys: the route matrix', () => {
  it('lists every protected route of the app', () => {
    const publicRoutes = new Set(['/', '/:short_code', '/health', '/ready', '/metrics', '/logs', '/chaos']);
    const protectedRoutes = hop.app.routes
      .filter((r) => !publicRoutes.has(r.path) && !r.path.startsWith('/docs') && !r.path.startsWith('/app') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(ROWS.map((r) => `${r.method} ${r.route}`).sort()).toEqual(protectedRoutes);
  });

  it('refuses every protected route without a usable key with 401 and WWW-Authenticate, and changes no row', async () => {
    while (Date.now() < expiredAt + 50) await Bun.sleep(50);
    const owned = await aliceOwns();
    const before = await fingerprint();
    const credentials: Record<string, Record<string, string>> = {
      none: {},
      malformed: { authorization: 'Bearer not-a-key' },
      unknown: { authorization: `Bearer hop_AAAAAAAA_${'x'.repeat(43)}` },
      'wrong secret': { authorization: `Bearer ${keys.admin.slice(0, -4)}abcd` },
      revoked: { authorization: `Bearer ${keys.revoked}` },
      expired: { 'x-api-key': keys.expired },
      'not bearer': { authorization: `Basic ${btoa(`admin:${keys.admin}`)}` },
    };
    for (const row of ROWS) {
      for (const [name, headers] of Object.entries(credentials)) {
        const response = await send(row, owned, headers);
        const body = (await response.json()) as { error: unknown };
        expect({ route: `${row.method} ${row.route}`, name, status: response.status }).toEqual({ route: `${row.method} ${row.route}`, name, status: 401 });
        expect(response.headers.get('www-authenticate')).toStartWith('Bearer');
        expect(body.error).toBeString();
        expect(JSON.stringify(body)).not.toContain(keys.admin);
      }
    }
    expect(await fingerprint()).toBe(before);
  }, 120_000);

  it('answers 401 before looking at the body: a caller without a key learns nothing of a schema', async () => {
    // (A body that is not JSON at all, or not an object, is refused while parsing, before anyone is
    // asked for a key: that answer says nothing about the route.)
    for (const [path, body] of [['/urls', { original_url: 42 }], ['/keys', { role: 'root' }], ['/users', { username: 7 }]] as const) {
      const response = await hop.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(JSON.stringify(await response.json())).not.toContain('details');
    }
  });

  it('gives a user key its own resources, 404 for another user\'s, 403 for admin actions, and an admin everything', async () => {
    for (const row of ROWS) {
      for (const [who, key, wanted] of [['own', keys.alice, row.own], ['other', keys.bob, row.other], ['admin', keys.admin, row.admin]] as const) {
        if (wanted === 0) continue;
        const owned = await aliceOwns();
        const before = wanted >= 400 ? await fingerprint() : '';
        const response = await send(row, owned, { authorization: `Bearer ${key}` });
        expect({ route: `${row.method} ${row.route}`, who, status: response.status }).toEqual({ route: `${row.method} ${row.route}`, who, status: wanted });
        if (wanted >= 400) {
          expect(((await response.json()) as { error: unknown }).error).toBeString();
          expect(await fingerprint()).toBe(before);
        }
      }
    }
  }, 120_000);

  it('lists only the caller\'s own rows to a user key', async () => {
    await aliceOwns();
    const asBob = async (path: string) => (await hop.json(path, undefined, 'GET', keys.bob)).body as { user_id?: number; id: number }[];
    const bobLink = (await hop.json('/urls', { original_url: 'https://example.com/bob' }, 'POST', keys.bob)).body;
    expect(bobLink.user_id).toBe(bob.id);
    const bobsLinks = await asBob('/urls');
    expect(bobsLinks.length).toBeGreaterThan(0);
    expect(bobsLinks.every((u) => u.user_id === bob.id)).toBeTrue();
    expect((await asBob('/users')).map((u) => u.id)).toEqual([bob.id]);
    expect((await asBob('/keys')).every((k) => k.user_id === bob.id)).toBeTrue();
    expect((await asBob(`/urls?user_id=${alice.id}`))).toEqual([]);
    const events = await asBob('/events');
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.user_id === bob.id)).toBeTrue();
    const all = (await hop.json('/urls', undefined, 'GET', keys.admin)).body as unknown[];
    expect(all.length).toBeGreaterThan(1);
  });

  it('lets a user delete its own record, which takes its keys with it at once', async () => {
    const carol = (await hop.json('/users', { username: 'carol', email: 'carol@example.com' }, 'POST', keys.admin)).body;
    const carolKey = (await hop.json('/keys', { role: 'user', user_id: carol.id }, 'POST', keys.admin)).body.key as string;
    expect((await hop.json(`/users/${carol.id}`, undefined, 'GET', carolKey)).status).toBe(200);
    expect((await hop.json(`/users/${carol.id}`, undefined, 'DELETE', carolKey)).status).toBe(204);
    expect((await hop.json('/urls', undefined, 'GET', carolKey)).status).toBe(401);
  });
});

describe('AUTH_MODE=keys: reserved paths', () => {
  it('reserves every top-level path of the app as a short code', () => {
    const { RESERVED_CODES } = require('../../src/urls/short-code.ts') as typeof import('../../src/urls/short-code.ts');
    const topLevel = new Set(hop.app.routes.map((r) => r.path.split('/')[1]!).filter((s) => s && !s.startsWith(':')));
    for (const segment of topLevel) expect({ segment, reserved: RESERVED_CODES.has(segment) }).toEqual({ segment, reserved: true });
  });
});

describe('AUTH_MODE=keys: keys', () => {
  it('shows a new key once, stores only its hash, and audits creation and revocation', async () => {
    const created = await hop.json('/keys', { role: 'admin', name: 'ci' }, 'POST', keys.admin);
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^hop_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.slice(4, 12)).toBe(created.body.public_id);
    const listed = (await hop.json(`/keys/${created.body.id}`, undefined, 'GET', keys.admin)).body;
    expect(listed.key).toBeUndefined();
    const sql = new SQL({ url: database.url, max: 1 });
    const stored = await sql`select secret_hash from api_keys where id = ${created.body.id}`;
    await sql.close();
    expect(stored[0].secret_hash).toBe(new Bun.CryptoHasher('sha256').update(created.body.key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(created.body.key.slice(13));
    expect((await hop.json(`/keys/${created.body.id}`, undefined, 'DELETE', keys.admin)).status).toBe(204);
    const audit = (await hop.json('/events?event_type=key_created', undefined, 'GET', keys.admin)).body as { details: Record<string, unknown> }[];
    expect(audit.some((e) => e.details.key_id === created.body.id)).toBeTrue();
    const revokedAudit = (await hop.json('/events?event_type=key_revoked', undefined, 'GET', keys.admin)).body as { details: Record<string, unknown> }[];
    expect(revokedAudit.some((e) => e.details.key_id === created.body.id)).toBeTrue();
    expect((await hop.json('/urls', undefined, 'GET', created.body.key)).status).toBe(401);
  });

  it.each([
    [{ role: 'user' }, 'user_id'],
    [{ role: 'admin', user_id: 1 }, 'user_id'],
    [{ role: 'root' }, 'role'],
    [{ role: 'admin', expires_at: '2000-01-01T00:00:00Z' }, 'expires_at'],
    [{ role: 'admin', expires_at: 'tomorrow' }, 'expires_at'],
  ])('rejects the key %p with a 400 naming %s', async (body, field) => {
    const { status, body: error } = await hop.json('/keys', body, 'POST', keys.admin);
    expect(status).toBe(400);
    expect(JSON.stringify(error.details)).toContain(field);
  });

  it('answers 404 for a user key on an unknown user', async () => {
    expect((await hop.json('/keys', { role: 'user', user_id: 999_999 }, 'POST', keys.admin)).status).toBe(404);
  });

  it('records last use in batches, not per request', async () => {
    const created = await service.create({ role: 'admin', name: 'last used' }, OPEN_ACTOR);
    expect((await hop.json('/users', undefined, 'GET', created.key)).status).toBe(200);
    expect((await service.get(created.id, OPEN_ACTOR)).last_used_at).toBeNull();
    await hop.keys.flushLastUsed();
    expect((await service.get(created.id, OPEN_ACTOR)).last_used_at).toBeString();
  });

  it('accepts X-Api-Key as well as a bearer key, and reports the mode on /ready', async () => {
    expect((await hop.request('/users', { headers: { 'x-api-key': keys.admin } })).status).toBe(200);
    expect((await hop.json('/ready')).body.auth).toBe('keys');
    expect((await hop.request('/health')).status).toBe(200);
  });

  it('never writes a key into logs or metrics, and counts outcomes', async () => {
    await hop.request('/users', { headers: { authorization: `Bearer ${keys.revoked}` } });
    await hop.request('/users', { headers: { authorization: `Bearer ${keys.admin}` } });
    const metrics = await (await hop.request('/metrics')).text();
    expect(metrics).toMatch(/hop_auth_requests_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/hop_auth_requests_total\{result="revoked"\} [1-9]/);
    expect(metrics).toMatch(/hop_auth_requests_total\{result="missing"\} [1-9]/);
    expect(metrics).toMatch(/hop_auth_requests_total\{result="forbidden"\} [1-9]/);
    const lines = hop.logRing.query({ limit: 100_000 });
    expect(lines.some((line) => line.key_id === keys.admin.slice(4, 12))).toBeTrue();
    const everything = JSON.stringify(lines) + metrics;
    for (const key of Object.values(keys)) expect(everything).not.toContain(key.slice(13));
  });
});

describe('AUTH_MODE=keys: the audit trail', () => {
  it('lets a user key add and delete its own notes, but not forge or erase what hop records', async () => {
    const owned = await aliceOwns();
    for (const event_type of ['click', 'created', 'key_revoked']) {
      const forged = await hop.json('/events', { event_type, url_id: owned.link.id, details: {} }, 'POST', keys.alice);
      expect({ event_type, status: forged.status }).toEqual({ event_type, status: 403 });
    }
    const created = (await hop.json(`/events?url_id=${owned.link.id}&event_type=created`, undefined, 'GET', keys.alice)).body as { id: number }[];
    expect(created).toHaveLength(1);
    const erase = await hop.json(`/events/${created[0]!.id}`, undefined, 'DELETE', keys.alice);
    expect(erase.status).toBe(403);
    expect((await hop.json(`/events/${created[0]!.id}`, undefined, 'GET', keys.alice)).status).toBe(200);
    expect((await hop.json(`/events/${created[0]!.id}`, undefined, 'DELETE', keys.admin)).status).toBe(204);
  });
});

describe('AUTH_MODE=keys: guards', () => {
  it('answers 429 after repeated failed authentications from one client', async () => {
    await withOwnHop('auth_failures', { env: { AUTH_MODE: 'keys', AUTH_FAILURE_BURST: '3', AUTH_FAILURES_PER_MINUTE: '1' } }, async (guarded) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await guarded.request('/users', { headers: { authorization: `Bearer hop_AAAAAAAA_${'y'.repeat(43)}` } })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const limited = await guarded.request('/users', { headers: { authorization: `Bearer hop_AAAAAAAA_${'y'.repeat(43)}` } });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: string }).error).toContain('failed authentications');
      expect(await (await guarded.request('/metrics')).text()).toMatch(/hop_auth_requests_total\{result="rate_limited"\} [1-9]/);
    });
  }, 60_000);

  it('bounds guesses sent in parallel by the failure burst, and counts them per client address on reads too', async () => {
    await withOwnHop('auth_clients', { env: { AUTH_MODE: 'keys', AUTH_FAILURE_BURST: '3', AUTH_FAILURES_PER_MINUTE: '1' } }, async (guarded, db) => {
      const admin = (await new KeyService(db).create({ role: 'admin' }, OPEN_ACTOR)).key;
      expect((await guarded.json('/users', undefined, 'GET', admin)).status).toBe(200);
      // Fifty different guesses at once from 127.0.0.1: at most the burst reach Postgres and fail.
      const guesses = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        guarded.request('/users', { headers: { authorization: `Bearer hop_G${String(i).padStart(7, '0')}_${'z'.repeat(43)}` } })));
      const statuses = guesses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(47);
      expect((await guarded.json('/users', undefined, 'GET', admin)).status).toBe(429);
      // Another client (from 127.0.0.2; no proxy trusted, so the TCP peer decides) is not locked out.
      // (curl runs beside the test process, whose event loop serves hop: never spawnSync here.)
      const curl = Bun.spawn(['curl', '-s', '-m', '10', '-o', '/dev/null', '-w', '%{http_code}', '--interface', '127.0.0.2', '-H', `authorization: Bearer ${admin}`, `${guarded.url}/users`], { stdout: 'pipe' });
      expect(await new Response(curl.stdout).text()).toBe('200');
      await curl.exited;
    });
  }, 60_000);

  it('limits writes per key, not per address', async () => {
    await withOwnHop('auth_writes', { env: { AUTH_MODE: 'keys', WRITE_RATE_LIMIT: '1', WRITE_RATE_BURST: '2' } }, async (limited, db) => {
      const local = new KeyService(db);
      const first = (await local.create({ role: 'admin' }, OPEN_ACTOR)).key;
      const second = (await local.create({ role: 'admin' }, OPEN_ACTOR)).key;
      const shorten = (key: string) => limited.json('/shorten', { url: 'https://example.com/w' }, 'POST', key);
      expect([(await shorten(first)).status, (await shorten(first)).status, (await shorten(first)).status]).toEqual([201, 201, 429]);
      expect((await shorten(second)).status).toBe(201);
    });
  }, 60_000);

  it('keeps anonymous POST /shorten off unless ANONYMOUS_SHORTEN, and then the link has no owner', async () => {
    expect((await hop.json('/shorten', { url: 'https://example.com/anon' })).status).toBe(401);
    await withOwnHop('auth_anon', { env: { AUTH_MODE: 'keys', ANONYMOUS_SHORTEN: 'true' } }, async (anon, db) => {
      const created = await anon.json('/shorten', { url: 'https://example.com/anon' });
      expect(created.status).toBe(201);
      expect((await anon.json('/urls', { original_url: 'https://example.com/x' })).status).toBe(401);
      const admin = (await new KeyService(db).create({ role: 'admin' }, OPEN_ACTOR)).key;
      const links = (await anon.json('/urls', undefined, 'GET', admin)).body as { short_code: string; user_id: number | null }[];
      expect(links.find((l) => l.short_code === created.body.short_code)?.user_id).toBeNull();
    });
  }, 60_000);

  it('refuses a key revoked through one replica on another within a second', async () => {
    const other = await startHop(database.db, { env: { AUTH_MODE: 'keys' } });
    try {
      const created = await service.create({ role: 'admin', name: 'two replicas' }, OPEN_ACTOR);
      expect((await other.json('/users', undefined, 'GET', created.key)).status).toBe(200);
      expect((await hop.json('/users', undefined, 'GET', created.key)).status).toBe(200);
      const revokedAt = performance.now();
      expect((await hop.json(`/keys/${created.id}`, undefined, 'DELETE', keys.admin)).status).toBe(204);
      let status = 200;
      while (status === 200 && performance.now() - revokedAt < 1_000) {
        status = (await other.json('/users', undefined, 'GET', created.key)).status;
        if (status === 200) await Bun.sleep(20);
      }
      expect(status).toBe(401);
    } finally {
      await other.stop();
    }
  }, 60_000);
});

describe('AUTH_MODE=open', () => {
  it('keeps every endpoint anonymous and says so on /ready', async () => {
    await withOwnHop('auth_open', {}, async (open) => {
      expect((await open.json('/ready')).body.auth).toBe('open');
      expect((await open.json('/users', { username: 'o', email: 'o@example.com' })).status).toBe(201);
      expect((await open.json('/keys')).status).toBe(200);
    });
  }, 60_000);
});
