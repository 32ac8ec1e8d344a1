// Link options under AUTH_MODE=keys, through a running hop on real Postgres and Redis: a user key
// tags, limits and counts only its own links, Idempotency-Keys belong to the API key that sent
// them, and bans stay the admin's while a banned link's redirect stays public.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { KeyService } from '../../src/auth/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { HOOK_TIMEOUT_MS } from '../support/wait.ts';

let database: TestDatabase;
let hop: RunningHop;
const keys: Record<'admin' | 'alice' | 'bob', string> = {} as never;
let alice: number;

beforeAll(async () => {
  database = await freshDatabase('lifecycle_keys');
  hop = await startHop(database.db, { env: { AUTH_MODE: 'keys' } });
  const service = new KeyService(database.db);
  keys.admin = (await service.create({ role: 'admin' }, OPEN_ACTOR)).key;
  alice = (await hop.json('/users', { username: 'alice', email: 'alice@example.com' }, 'POST', keys.admin)).body.id;
  const bob = (await hop.json('/users', { username: 'bob', email: 'bob@example.com' }, 'POST', keys.admin)).body.id;
  keys.alice = (await service.create({ role: 'user', user_id: alice }, OPEN_ACTOR)).key;
  keys.bob = (await service.create({ role: 'user', user_id: bob }, OPEN_ACTOR)).key;
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await hop.stop();
  await database.drop();
}, HOOK_TIMEOUT_MS);

async function create(key: string, body: Record<string, unknown>, idempotencyKey?: string) {
  const response = await hop.request('/urls', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, replayed: response.headers.get('idempotent-replayed') };
}

describe('link options with API keys', () => {
  it('lets a user key tag and limit only its own links, and counts only its own tags', async () => {
    const mine = await create(keys.alice, { original_url: 'https://example.com/alice', tags: ['shared', 'alice-only'], max_clicks: 5 });
    expect(mine.status).toBe(201);
    expect(mine.body.user_id).toBe(alice);
    await create(keys.bob, { original_url: 'https://example.com/bob', tags: ['shared', 'bob-only'] });
    const bobEdits = await hop.json(`/urls/${mine.body.id}`, { tags: ['stolen'], max_clicks: 1 }, 'PUT', keys.bob);
    expect(bobEdits.status).toBe(404);
    expect((await hop.json('/tags', undefined, 'GET', keys.bob)).body).toEqual([{ tag: 'bob-only', count: 1 }, { tag: 'shared', count: 1 }]);
    expect((await hop.json('/urls?tag=shared', undefined, 'GET', keys.bob)).body.map((u: any) => u.original_url)).toEqual(['https://example.com/bob']);
    expect((await hop.json('/tags', undefined, 'GET', keys.admin)).body).toContainEqual({ tag: 'shared', count: 2 });
    const edited = await hop.json(`/urls/${mine.body.id}`, { max_clicks: null, expires_at: new Date(Date.now() + 60_000).toISOString() }, 'PUT', keys.alice);
    expect(edited.body).toMatchObject({ max_clicks: null, tags: ['shared', 'alice-only'] });
  });

  it('keeps each API key\'s Idempotency-Keys apart', async () => {
    const first = await create(keys.alice, { original_url: 'https://example.com/idem-a' }, 'same-key');
    const bobs = await create(keys.bob, { original_url: 'https://example.com/idem-b' }, 'same-key');
    expect(first.status).toBe(201);
    expect(bobs).toMatchObject({ status: 201, replayed: null });
    expect(bobs.body.id).not.toBe(first.body.id);
    const retry = await create(keys.alice, { original_url: 'https://example.com/idem-a' }, 'same-key');
    expect(retry).toMatchObject({ status: 201, replayed: 'true', body: { id: first.body.id } });
  });

  it('answers a banned link publicly with 410, and its owner cannot lift the ban', async () => {
    const link = (await create(keys.alice, { original_url: 'https://example.com/reported' })).body;
    expect((await hop.json(`/urls/${link.id}/ban`, { reason: 'report' }, 'POST', keys.alice)).status).toBe(403);
    expect((await hop.json(`/urls/${link.id}/ban`, { reason: 'report' }, 'POST', keys.admin)).status).toBe(200);
    expect((await hop.json(`/urls/${link.id}`, { is_active: true }, 'PUT', keys.alice)).body).toMatchObject({ banned: true });
    expect((await hop.request(`/urls/${link.id}/ban`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.alice}` } })).status).toBe(403);
    const response = await hop.request(`/${link.short_code}`);
    expect(response.status).toBe(410);
    expect(((await response.json()) as { code: string }).code).toBe('link_banned');
  });
});
