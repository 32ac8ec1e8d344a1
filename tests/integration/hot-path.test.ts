// The redirect hot path: read-through cache, single-flight, negative caching, cross-replica
// invalidation, and degradation when Redis or Postgres go away (real servers, stopped for real).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import Redis from 'ioredis';
import { LinkCache, type CachedLink } from '../../src/cache/link-cache.ts';
import { cacheKeys } from '../../src/cache/keys.ts';
import { VisitorHasher, utcDay } from '../../src/stats/visitors.ts';
import { linkLoader } from '../../src/urls/redirect.ts';
import { freshDatabase, REDIS_URL, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { PrivateRedis, privatePostgres } from '../support/services.ts';

let database: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  database = await freshDatabase('hot_path');
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await database.drop();
});

const CACHE_OPTIONS = { l1MaxEntries: 1000, l1TtlMs: 60_000, l2TtlSeconds: 60, negativeTtlMs: 60_000, keyPrefix: `hop:test-hot-path-${process.pid}:` };
const linkKey = cacheKeys(CACHE_OPTIONS.keyPrefix).link;

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
  return performance.now() - started;
}

describe('LinkCache', () => {
  let hop: RunningHop;
  beforeAll(async () => {
    hop = await startHop(database.db);
  });
  afterAll(() => hop.stop());

  it('shares one Postgres query among 50 concurrent misses', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/single-flight' });
    await redis.del(linkKey(link.short_code));
    const cache = new LinkCache(CACHE_OPTIONS, redis, null);
    const load = linkLoader(database.db);
    let queries = 0;
    const counted = async (code: string) => {
      queries++;
      return load(code);
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.resolve(link.short_code, counted)));
    expect(queries).toBe(1);
    expect(results.every((r) => r?.url === 'https://example.com/single-flight')).toBe(true);
    cache.close();
  });

  it('serves from L2 Redis when L1 is cold, and fills L1 from it', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/l2' });
    const warm = new LinkCache(CACHE_OPTIONS, redis, null);
    await warm.resolve(link.short_code, linkLoader(database.db));
    await eventually(async () => (await redis.get(linkKey(link.short_code))) !== null, 1000);
    const lookups: string[] = [];
    const cold = new LinkCache(CACHE_OPTIONS, redis, null, { lookup: (tier, result) => lookups.push(`${tier}:${result}`) });
    const neverCalled = async (): Promise<CachedLink | null> => {
      throw new Error('Postgres should not be asked');
    };
    expect((await cold.resolve(link.short_code, neverCalled))?.url).toBe('https://example.com/l2');
    expect((await cold.resolve(link.short_code, neverCalled))?.url).toBe('https://example.com/l2');
    expect(lookups).toEqual(['l1:miss', 'l2:hit', 'l1:hit']);
    warm.close();
    cold.close();
  });

  it('does not hand a load that started before an invalidation to readers after it', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/in-flight' });
    await redis.del(linkKey(link.short_code));
    const cache = new LinkCache(CACHE_OPTIONS, null, null);
    const load = linkLoader(database.db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let loads = 0;
    let rowRead!: () => void;
    const readBeforeChange = new Promise<void>((resolve) => (rowRead = resolve));
    const slowLoad = async (code: string) => {
      loads++;
      const row = await load(code); // reads the row before the change...
      rowRead();
      await gate; // ...and is slow to come back with it
      return row;
    };
    const early = cache.resolve(link.short_code, slowLoad);
    await readBeforeChange; // not a sleep: on a slow machine the L2 miss alone can take longer
    await hop.json(`/urls/${link.id}`, { is_active: false }, 'PUT');
    await cache.invalidate(link.short_code);
    const late = cache.resolve(link.short_code, load);
    release();
    expect((await early)?.active).toBe(true);
    expect((await late)?.active).toBe(false);
    expect((await cache.resolve(link.short_code, load))?.active).toBe(false);
    expect(loads).toBe(1);
    cache.close();
  });

  it('records the TCP peer as the client of each click, on a cold and a cached redirect, and nothing for HEAD', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/peer' });
    // Out of L1 and L2: the first GET takes the async path, the second the cached one.
    await hop.cache.invalidate(link.short_code);
    const agent = 'peer-check/1.0';
    // Without TRUST_PROXY a forwarded address is not the client's.
    expect((await hop.request(`/${link.short_code}`, { headers: { 'user-agent': agent, 'x-forwarded-for': '6.6.6.6' } })).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`, { method: 'HEAD' })).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`, { headers: { 'user-agent': agent } })).status).toBe(302);
    await hop.clicks.flush();
    const clicks = await database.db.execute<{ at: Date; visitor: string }>(sql`select "timestamp" as "at", visitor::text from events
      where url_id = (select id from urls where short_code = ${link.short_code}) and event_type = 'click'`);
    const visitors = new VisitorHasher(database.db);
    await visitors.prepare(clicks.map((click) => utcDay(click.at.getTime())));
    expect(clicks.map((click) => click.visitor)).toEqual(clicks.map((click) => visitors.hash(utcDay(click.at.getTime()), '127.0.0.1', agent)!));
    expect(clicks).toHaveLength(2);
  });

  it('caches an unknown code negatively until the code is created', async () => {
    const cache = hop.cache;
    const load = linkLoader(database.db);
    let queries = 0;
    const counted = async (code: string) => {
      queries++;
      return load(code);
    };
    // Unique per run: the test Redis outlives each run's database.
    const code = `notyet-${Date.now().toString(36)}`;
    expect(await cache.resolve(code, counted)).toBeNull();
    expect(await cache.resolve(code, counted)).toBeNull();
    expect(queries).toBe(1);
    expect((await hop.request(`/${code}`)).status).toBe(404);
    expect((await hop.json('/urls', { original_url: 'https://example.com/now', short_code: code })).status).toBe(201);
    expect((await hop.request(`/${code}`)).status).toBe(302);
  });
});

describe('two replicas sharing Redis', () => {
  let a: RunningHop;
  let b: RunningHop;
  beforeAll(async () => {
    // Long L1 TTLs: only the invalidation message can make B forget.
    const env = { CACHE_L1_TTL_MS: '600000' };
    a = await startHop(database.db, { env });
    b = await startHop(database.db, { env });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it('makes a deactivation, an edit and a delete on one replica visible on the other within one second', async () => {
    const { body: link } = await a.json('/urls', { original_url: 'https://example.com/v1' });
    expect((await b.request(`/${link.short_code}`)).headers.get('location')).toBe('https://example.com/v1');

    await a.json(`/urls/${link.id}`, { original_url: 'https://example.com/v2' }, 'PUT');
    const edited = await eventually(async () => (await b.request(`/${link.short_code}`)).headers.get('location') === 'https://example.com/v2', 1000);

    await a.json(`/urls/${link.id}`, { is_active: false }, 'PUT');
    const deactivated = await eventually(async () => (await b.request(`/${link.short_code}`)).status === 404, 1000);

    await a.json(`/urls/${link.id}`, { is_active: true }, 'PUT');
    await eventually(async () => (await b.request(`/${link.short_code}`)).status === 302, 1000);
    await a.request(`/urls/${link.id}`, { method: 'DELETE' });
    const deleted = await eventually(async () => (await b.request(`/${link.short_code}`)).status === 404, 1000);
    console.log(`cross-replica visibility: edit ${edited.toFixed(0)} ms, deactivate ${deactivated.toFixed(0)} ms, delete ${deleted.toFixed(0)} ms`);
  });
});

describe('Redis outage', () => {
  const privateRedis = new PrivateRedis();
  let hop: RunningHop;
  beforeAll(async () => {
    await privateRedis.start();
    hop = await startHop(database.db, { redisUrl: privateRedis.url, env: { CACHE_L1_TTL_MS: '1' } });
  });
  afterAll(async () => {
    await hop.stop();
    await privateRedis.stop();
  });

  it('falls back to Postgres without errors or waits, and heals when Redis returns', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/redis-outage' });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);

    await privateRedis.stop();
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      await Bun.sleep(2); // let the 1 ms L1 entry expire so every redirect asks L2 first
      expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    }
    const perRedirect = (performance.now() - started) / 50;
    expect(perRedirect).toBeLessThan(100); // no waiting on Redis timeouts
    expect((await hop.json('/shorten', { url: 'https://example.com/during-outage' })).status).toBe(201);
    const ready = await hop.json('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.redis).toBe('down');

    await privateRedis.start();
    await eventually(async () => hop.redis!.client.status === 'ready', 10_000);
    const direct = new Redis(privateRedis.url);
    try {
      await eventually(async () => {
        await hop.request(`/${link.short_code}`);
        return (await direct.get(cacheKeys(hop.config.cache.keyPrefix).link(link.short_code))) !== null;
      }, 5_000);
    } finally {
      direct.disconnect();
    }
    expect((await hop.json('/ready')).body.redis).toBe('up');
  }, 30_000);
});

describe('Postgres outage', () => {
  it('keeps cached redirects working, answers 503 fast for the rest, and recovers without restart', async () => {
    const pg = await privatePostgres();
    const hop = await startHop(pg.db, { redisUrl: false });
    try {
      const { body: cached } = await hop.json('/shorten', { url: 'https://example.com/cached' });
      expect((await hop.request(`/${cached.short_code}`)).status).toBe(302);
      await hop.clicks.flush();

      await pg.stop();
      expect((await hop.request(`/${cached.short_code}`)).status).toBe(302);
      for (const [path, body] of [['/shorten', { url: 'https://example.com/x' }], ['/urls', undefined], ['/uncached-code', undefined]] as const) {
        const started = performance.now();
        const response = await hop.json(path, body);
        expect(response.status).toBe(503);
        expect(response.body.error).toBeString();
        expect(performance.now() - started).toBeLessThan(1000);
      }
      expect((await hop.json('/ready')).status).toBe(503);
      // The click waits in the buffer (between retries; a retry in flight holds it for a moment).
      await eventually(async () => hop.clicks.depth === 1, 2_000);

      await pg.start();
      await eventually(async () => (await hop.json('/ready')).status === 200, 10_000);
      expect((await hop.json('/shorten', { url: 'https://example.com/after' })).status).toBe(201);
      await hop.clicks.flush();
      const clicks = await hop.json('/events?event_type=click');
      expect(clicks.body).toHaveLength(2);
    } finally {
      await hop.stop();
      await pg.destroy();
    }
  }, 60_000);
});
