// Link options through running hops on real Postgres and Redis: expiry, click limits (exact across
// two replicas, with and without Redis), expired_url, tags and their counts.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { HOOK_TIMEOUT_MS, waitFor } from '../support/wait.ts';
import { spawnHop, type HopProcess } from '../support/process.ts';
import { PrivateRedis, privatePostgres } from '../support/services.ts';

let database: TestDatabase;
let hop: RunningHop;

beforeAll(async () => {
  database = await freshDatabase('link_options');
  hop = await startHop(database.db);
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await hop.stop();
  await database.drop();
}, HOOK_TIMEOUT_MS);

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

async function create(body: Record<string, unknown>) {
  const { status, body: link } = await hop.json('/urls', { original_url: 'https://example.com/options', ...body });
  expect(status).toBe(201);
  return link as { id: number; short_code: string; clicks_used: number; tags: string[] };
}

async function clicksOf(target: RunningHop, urlId: number): Promise<number> {
  await target.clicks.flush();
  const { body } = await target.json(`/events?url_id=${urlId}&event_type=click`);
  return (body as unknown[]).length;
}

async function redirectResults(target: RunningHop): Promise<Record<string, number>> {
  const text = await target.metrics!.registry.metrics();
  const results: Record<string, number> = {};
  for (const match of text.matchAll(/^hop_redirects_total\{result="(\w+)"\} (\d+)/gm)) results[match[1]!] = Number(match[2]);
  return results;
}


describe('options on create and update', () => {
  it('stores expires_at, max_clicks, expired_url and tags from POST /urls and answers them', async () => {
    const expires = inSeconds(3600);
    const { status, body } = await hop.json('/urls', {
      original_url: 'https://example.com/opt', expires_at: expires, max_clicks: 5, expired_url: 'https://example.com/gone', tags: ['Promo', 'promo', ' q3 '],
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ expires_at: expires, max_clicks: 5, clicks_used: 0, expired_url: 'https://example.com/gone', tags: ['promo', 'q3'], banned: false, ban_reason: null });
    const created = (await hop.json(`/events?url_id=${body.id}&event_type=created`)).body[0];
    expect(created.details).toMatchObject({ expires_at: expires, max_clicks: 5, tags: ['promo', 'q3'] });
  });

  it('takes the same options on POST /shorten, and a plain link has none', async () => {
    const { status, body } = await hop.json('/shorten', { url: 'https://example.com/s', max_clicks: 1, tags: ['shortened'] });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['original_url', 'short_code', 'short_url']);
    const [link] = (await hop.json('/urls?tag=shortened')).body;
    expect(link).toMatchObject({ short_code: body.short_code, max_clicks: 1, tags: ['shortened'] });
    const plain = await create({});
    expect(plain).toMatchObject({ expires_at: null, max_clicks: null, expired_url: null, tags: [] });
  });

  it.each([
    [{ expires_at: 'tomorrow' }, 'expires_at'],
    [{ expires_at: new Date(Date.now() - 60_000).toISOString() }, 'expires_at'],
    [{ max_clicks: 0 }, 'max_clicks'],
    [{ max_clicks: 1.5 }, 'max_clicks'],
    [{ expired_url: 'javascript:alert(1)' }, 'expired_url'],
    [{ tags: ['has space'] }, 'tags'],
    [{ tags: ['x'.repeat(33)] }, 'tags'],
    [{ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    [{ tags: 'not-an-array' }, 'tags'],
  ])('rejects %p with a 400 naming %s', async (options, field) => {
    const { status, body } = await hop.json('/urls', { original_url: 'https://example.com/bad', ...options });
    expect(status).toBe(400);
    expect(body.details?.[0]?.field).toBe(field);
  });

  it('updates and clears options with PUT, auditing what changed', async () => {
    const link = await create({ max_clicks: 3, tags: ['a'] });
    const expires = inSeconds(600);
    const { status, body } = await hop.json(`/urls/${link.id}`, { expires_at: expires, max_clicks: null, tags: ['b', 'c'] }, 'PUT');
    expect(status).toBe(200);
    expect(body).toMatchObject({ expires_at: expires, max_clicks: null, tags: ['b', 'c'] });
    const cleared = await hop.json(`/urls/${link.id}`, { expires_at: null, tags: [] }, 'PUT');
    expect(cleared.body).toMatchObject({ expires_at: null, tags: [] });
    const updates = (await hop.json(`/events?url_id=${link.id}&event_type=updated`)).body;
    expect(updates.map((e: any) => Object.keys(e.details.changes).sort())).toEqual([['expires_at', 'tags'], ['expires_at', 'max_clicks', 'tags']]);
  });
});

describe('expiry', () => {
  it('answers 404 link_expired once expires_at passes, even from a warm cache, and records no click', async () => {
    const link = await create({ expires_at: inSeconds(1.5) });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    // The entry is now in L1 and L2: nothing invalidates it, the clock alone must end it.
    expect(hop.cache.peek(link.short_code)).toBeTruthy();
    const before = await redirectResults(hop);
    await waitFor(async () => (await hop.request(`/${link.short_code}`, { method: 'HEAD' })).status === 404, 'expiry');
    const response = await hop.request(`/${link.short_code}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'short link has expired', code: 'link_expired' });
    expect(await clicksOf(hop, link.id)).toBe(1);
    expect((await redirectResults(hop)).expired).toBeGreaterThan(before.expired ?? 0);
  });

  it('sends an expired link to its expired_url (302, no click, counted as expired)', async () => {
    const link = await create({ expires_at: inSeconds(3600), expired_url: 'https://example.com/sorry' });
    await hop.json(`/urls/${link.id}`, { expires_at: new Date(Date.now() - 1000).toISOString() }, 'PUT');
    const before = await redirectResults(hop);
    const response = await hop.request(`/${link.short_code}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/sorry');
    expect(await clicksOf(hop, link.id)).toBe(0);
    const after = await redirectResults(hop);
    expect(after.expired).toBe((before.expired ?? 0) + 1);
    expect(after.found).toBe(before.found ?? 0);
  });

  it('serves an expired link again once its expiry is cleared', async () => {
    const link = await create({ expires_at: inSeconds(3600) });
    await hop.json(`/urls/${link.id}`, { expires_at: new Date(Date.now() - 1000).toISOString() }, 'PUT');
    expect((await hop.request(`/${link.short_code}`)).status).toBe(404);
    await hop.json(`/urls/${link.id}`, { expires_at: null }, 'PUT');
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
  });
});

describe('click limits', () => {
  it('redirects max_clicks times, then answers 404 link_exhausted with no click; HEAD spends nothing', async () => {
    const link = await create({ max_clicks: 2 });
    expect((await hop.request(`/${link.short_code}`, { method: 'HEAD' })).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    const refused = await hop.request(`/${link.short_code}`);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: 'short link has reached its click limit', code: 'link_exhausted' });
    expect(await clicksOf(hop, link.id)).toBe(2);
    expect((await hop.json(`/urls/${link.id}`)).body.clicks_used).toBe(2);
    expect((await redirectResults(hop)).exhausted).toBeGreaterThanOrEqual(1);
  });

  it('sends an exhausted link to expired_url, and raising max_clicks serves it again', async () => {
    const link = await create({ max_clicks: 1, expired_url: 'https://example.com/used-up' });
    expect((await hop.request(`/${link.short_code}`)).headers.get('location')).toBe('https://example.com/options');
    expect((await hop.request(`/${link.short_code}`)).headers.get('location')).toBe('https://example.com/used-up');
    await hop.json(`/urls/${link.id}`, { max_clicks: 2 }, 'PUT');
    expect((await hop.request(`/${link.short_code}`)).headers.get('location')).toBe('https://example.com/options');
    expect((await hop.request(`/${link.short_code}`)).headers.get('location')).toBe('https://example.com/used-up');
    expect(await clicksOf(hop, link.id)).toBe(2);
  });
});

/**
 * 200 concurrent clients split over two replica processes (`bun run src/main.ts`, as deployed) on a
 * `max_clicks: 100` link. The replicas stop with SIGTERM (flushing their clicks) before counting.
 */
async function raceTwoReplicaProcesses(env: Record<string, string>, beforeRace: () => Promise<void> = async () => {}) {
  const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/race', max_clicks: 100 });
  // Small pools: the Postgres server is shared; a long queue wait so no request answers 503 meanwhile.
  const settings = { DB_POOL_MAX: '4', DB_QUEUE_TIMEOUT_MS: '20000', ...env };
  const replicas: HopProcess[] = [];
  let statuses: number[];
  try {
    for (let i = 0; i < 2; i++) replicas.push(await spawnHop(database.url, settings));
    // Warm both replicas' caches (HEAD spends nothing), so the race is on the limit, not on the first load.
    for (const replica of replicas) await fetch(`${replica.base}/${link.short_code}`, { method: 'HEAD', redirect: 'manual' });
    await beforeRace();
    statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fetch(`${replicas[i % 2]!.base}/${link.short_code}`, { redirect: 'manual' }).then((r) => r.status)),
    );
  } finally {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.child.exited));
  }
  const { body: used } = await hop.json(`/urls/${link.id}`);
  return { statuses, clicks: await clicksOf(hop, link.id), clicksUsed: used.clicks_used as number };
}

describe('click limits across replicas', () => {
  it('lets exactly 100 of 200 concurrent redirects through two replica processes sharing Redis', async () => {
    const { statuses, clicks, clicksUsed } = await raceTwoReplicaProcesses({});
    expect(statuses.filter((s) => s === 302).length).toBe(100);
    expect(statuses.filter((s) => s === 404).length).toBe(100);
    expect(clicks).toBe(100);
    expect(clicksUsed).toBe(100);
  }, 60_000);

  it('stays exact while Redis is down (two replica processes whose Redis was stopped)', async () => {
    const redis = new PrivateRedis();
    await redis.start();
    try {
      const { statuses, clicks, clicksUsed } = await raceTwoReplicaProcesses({ REDIS_URL: redis.url }, () => redis.stop());
      expect(statuses.filter((s) => s === 302).length).toBe(100);
      expect(statuses.filter((s) => s === 404).length).toBe(100);
      expect(clicks).toBe(100);
      expect(clicksUsed).toBe(100);
    } finally {
      await redis.stop();
    }
  }, 60_000);
});

describe('click limits while Postgres is down', () => {
  it('answers 503 for a max_clicks link (its admission needs Postgres) while a cached link with an expiry keeps redirecting', async () => {
    const pg = await privatePostgres();
    const solo = await startHop(pg.db, { redisUrl: false });
    try {
      const limited = (await solo.json('/urls', { original_url: 'https://example.com/l', max_clicks: 10 })).body;
      const expiring = (await solo.json('/urls', { original_url: 'https://example.com/e', expires_at: inSeconds(3600) })).body;
      expect((await solo.request(`/${limited.short_code}`)).status).toBe(302);
      expect((await solo.request(`/${expiring.short_code}`)).status).toBe(302);
      await solo.clicks.flush();
      await pg.stop();
      const refused = await solo.json(`/${limited.short_code}`);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBeString();
      expect((await solo.request(`/${expiring.short_code}`)).status).toBe(302);
      await pg.start();
      await waitFor(async () => (await solo.request(`/${limited.short_code}`)).status === 302, 'Postgres to return', 15_000);
      expect((await solo.json(`/urls/${limited.id}`)).body.clicks_used).toBe(2);
    } finally {
      await solo.stop();
      await pg.destroy();
    }
  }, 60_000);
});

describe('tags', () => {
  it('filters GET /urls by every given tag and counts tags under GET /tags', async () => {
    const both = await create({ tags: ['t-red', 't-blue'] });
    const red = await create({ tags: ['t-red'] });
    await create({ tags: ['t-blue'] });
    const onlyRed = await hop.json('/urls?tag=t-red');
    expect(onlyRed.body.map((u: any) => u.id).sort()).toEqual([both.id, red.id].sort());
    expect(onlyRed.headers.get('x-total-count')).toBe('2');
    const redAndBlue = await hop.json('/urls?tag=t-red&tag=T-Blue');
    expect(redAndBlue.body.map((u: any) => u.id)).toEqual([both.id]);
    const { status, body } = await hop.json('/tags');
    expect(status).toBe(200);
    expect(body).toContainEqual({ tag: 't-red', count: 2 });
    expect(body).toContainEqual({ tag: 't-blue', count: 2 });
  });

  it('answers 400 for a malformed tag filter', async () => {
    expect((await hop.json('/urls?tag=has%20space')).status).toBe(400);
    expect((await hop.json(`/urls?${Array.from({ length: 11 }, (_, i) => `tag=t${i}`).join('&')}`)).status).toBe(400);
  });
});
