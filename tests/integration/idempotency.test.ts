// Idempotency-Key on POST /urls and POST /shorten, through two running hops on one real Postgres:
// retries replay the first answer, a different request is a 422, racing duplicates create once,
// keys expire after 24 hours, a failed first request lets the key go.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { IdempotencyService, scopeOf } from '../../src/idempotency/service.ts';
import type { TestDatabase } from '../support/env.ts';
import type { RunningHop } from '../support/hop.ts';
import { HOOK_TIMEOUT_MS } from '../support/wait.ts';
import { twoReplicas, type Replicas } from '../support/replicas.ts';

let database: TestDatabase;
let hop: RunningHop;
let other: RunningHop;

let replicas: Replicas;

beforeAll(async () => {
  replicas = await twoReplicas('idempotency');
  ({ database, hop, other } = replicas);
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await replicas.stop();
}, HOOK_TIMEOUT_MS);

async function post(target: RunningHop, path: string, key: string | null, body: unknown) {
  const response = await target.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, replayed: response.headers.get('idempotent-replayed') };
}

async function linksTo(url: string): Promise<number> {
  const rows = (await hop.json(`/urls`)).body as { original_url: string }[];
  return rows.filter((row) => row.original_url === url).length;
}

describe('Idempotency-Key', () => {
  it('replays the first answer of POST /urls for a retry with the same key and body, on any replica', async () => {
    const body = { original_url: 'https://example.com/idem-1', title: 'once', tags: ['x'] };
    const first = await post(hop, '/urls', 'key-1', body);
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();
    // Same request with its fields in another order, sent to the other replica.
    const retry = await post(other, '/urls', 'key-1', { tags: ['x'], title: 'once', original_url: 'https://example.com/idem-1' });
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await linksTo('https://example.com/idem-1')).toBe(1);
  });

  it('replays POST /shorten too, and answers 422 for the same key with another body or on another endpoint', async () => {
    const first = await post(hop, '/shorten', 'key-2', { url: 'https://example.com/idem-2' });
    const retry = await post(hop, '/shorten', 'key-2', { url: 'https://example.com/idem-2' });
    expect(retry).toMatchObject({ status: 201, replayed: 'true', body: first.body });
    const changed = await post(hop, '/shorten', 'key-2', { url: 'https://example.com/other' });
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({ code: 'idempotency_mismatch' });
    expect((await post(hop, '/urls', 'key-2', { original_url: 'https://example.com/idem-2' })).status).toBe(422);
    expect(await linksTo('https://example.com/other')).toBe(0);
  });

  it('creates once when identical requests with one key race over two replicas; all get the same answer', async () => {
    const body = { original_url: 'https://example.com/idem-race' };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? hop : other, '/urls', 'race-key', body)));
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(answers.filter((answer) => answer.replayed === null)).toHaveLength(1);
    expect(await linksTo('https://example.com/idem-race')).toBe(1);
  });

  it('treats a key older than 24 hours as new', async () => {
    const first = await post(hop, '/urls', 'old-key', { original_url: 'https://example.com/idem-old' });
    // Time passing, simulated: the stored key is made a day and a minute old.
    await database.db.execute(sql`update idempotency_keys set created_at = now() - interval '24 hours 1 minute' where key = 'old-key'`);
    const again = await post(hop, '/urls', 'old-key', { original_url: 'https://example.com/idem-new' });
    expect(again.status).toBe(201);
    expect(again.replayed).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('stores nothing for a failed first request: the retry runs again', async () => {
    await post(hop, '/urls', null, { original_url: 'https://example.com/taken', short_code: 'idem-taken' });
    const failed = await post(hop, '/urls', 'fail-key', { original_url: 'https://example.com/x', short_code: 'idem-taken' });
    expect(failed.status).toBe(409);
    await hop.request(`/urls/${(await hop.json('/urls')).body.find((u: any) => u.short_code === 'idem-taken').id}`, { method: 'DELETE' });
    const retried = await post(hop, '/urls', 'fail-key', { original_url: 'https://example.com/x', short_code: 'idem-taken' });
    expect(retried.status).toBe(201);
    expect(retried.replayed).toBeNull();
  });

  it.each([['x'.repeat(256)], ['has space'], ['caf\u00e9']])('answers 400 for the key %p', async (key) => {
    const response = await hop.request('/urls', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ original_url: 'https://example.com/bad-key' }),
    });
    expect(response.status).toBe(400);
    expect(await linksTo('https://example.com/bad-key')).toBe(0);
  });

  it('keeps each actor\'s keys apart and answers 409 when the first request outlasts the wait', async () => {
    expect(scopeOf({ kind: 'user', userId: 1, keyId: 7 })).toBe('key:7');
    expect(scopeOf({ kind: 'anonymous' })).toBe('anonymous');
    const service = new IdempotencyService(database.db, { waitMs: 200 });
    const alice = { kind: 'user', userId: 1, keyId: 1 } as const;
    const bob = { kind: 'user', userId: 2, keyId: 2 } as const;
    expect((await service.once(alice, 'shared', 'op', { a: 1 }, async () => ({ who: 'alice' }))).body).toEqual({ who: 'alice' });
    // Bob's same key and a different body is his own first request, not a mismatch.
    expect(await service.once(bob, 'shared', 'op', { b: 2 }, async () => ({ who: 'bob' }))).toMatchObject({ body: { who: 'bob' }, replayed: false });
    let release!: () => void;
    const slow = service.once(alice, 'slow', 'op', {}, () => new Promise((resolve) => (release = () => resolve({ done: true }))));
    await Bun.sleep(50);
    await expect(service.once(alice, 'slow', 'op', {}, async () => ({ done: false }))).rejects.toMatchObject({ code: 'conflict' });
    release();
    expect((await slow).body).toEqual({ done: true });
    expect(await service.once(alice, 'slow', 'op', {}, async () => ({ done: false }))).toMatchObject({ body: { done: true }, replayed: true });
  });
});
