// Two deployments (two databases, two apps) on one Redis: REDIS_KEY_PREFIX, derived from each
// database's identity by default, keeps their links, negative entries, invalidations and clicks apart.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { freshDatabase, REDIS_URL, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let east: TestDatabase;
let west: TestDatabase;
let hopEast: RunningHop;
let hopWest: RunningHop;
let redis: Redis;

beforeAll(async () => {
  [east, west] = await Promise.all([freshDatabase('shared_redis_east'), freshDatabase('shared_redis_west')]);
  // DATABASE_URL as each deployment would have it: the default prefix comes from it.
  hopEast = await startHop(east.db, { env: { DATABASE_URL: east.url } });
  hopWest = await startHop(west.db, { env: { DATABASE_URL: west.url } });
  redis = new Redis(REDIS_URL);
}, 30_000);
afterAll(async () => {
  await hopEast.stop();
  await hopWest.stop();
  redis.disconnect();
  await Promise.all([east.drop(), west.drop()]);
});

/** The L2 write after a load is not awaited by the redirect: wait for it. */
async function cachedInRedis(hop: RunningHop, code: string): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    if ((await redis.exists(`${hop.config.cache.keyPrefix}link:${code}`)) === 1) return true;
    await Bun.sleep(10);
  }
  return false;
}

const clicksOn = async (hop: RunningHop, urlId: number) => {
  await hop.clicks.flush();
  return (await hop.json(`/events?event_type=click&url_id=${urlId}`)).body.length as number;
};

describe('two deployments sharing one Redis', () => {
  it('get different default prefixes, neither of them naming the database', () => {
    expect(hopEast.config.cache.keyPrefix).not.toBe(hopWest.config.cache.keyPrefix);
    for (const hop of [hopEast, hopWest]) expect(hop.config.cache.keyPrefix).toMatch(/^hop:[0-9a-f]{12}:$/);
  });

  it('never serve each other\'s links, and each records its own clicks', async () => {
    const code = `same-${Date.now().toString(36)}`;
    const { body: eastLink } = await hopEast.json('/urls', { original_url: 'https://east.example.com/', short_code: code });
    expect((await hopEast.request(`/${code}`)).headers.get('location')).toBe('https://east.example.com/');
    // East's entry is in Redis now; west has no such link and must say so.
    expect(await cachedInRedis(hopEast, code)).toBe(true);
    expect((await hopWest.request(`/${code}`)).status).toBe(404);

    const { body: westLink } = await hopWest.json('/urls', { original_url: 'https://west.example.com/', short_code: code });
    for (let i = 0; i < 3; i++) {
      expect((await hopWest.request(`/${code}`)).headers.get('location')).toBe('https://west.example.com/');
      expect((await hopEast.request(`/${code}`)).headers.get('location')).toBe('https://east.example.com/');
    }
    expect(await clicksOn(hopEast, eastLink.id)).toBe(4);
    expect(await clicksOn(hopWest, westLink.id)).toBe(3);
  }, 30_000);

  it('keep their invalidations to themselves', async () => {
    const code = `edit-${Date.now().toString(36)}`;
    const { body: eastLink } = await hopEast.json('/urls', { original_url: 'https://east.example.com/a', short_code: code });
    await hopWest.json('/urls', { original_url: 'https://west.example.com/a', short_code: code });
    await hopEast.request(`/${code}`);
    await hopWest.request(`/${code}`);
    expect(await cachedInRedis(hopWest, code)).toBe(true);
    expect((await hopEast.json(`/urls/${eastLink.id}`, { original_url: 'https://east.example.com/b' }, 'PUT')).status).toBe(200);
    expect((await hopEast.request(`/${code}`)).headers.get('location')).toBe('https://east.example.com/b');
    // West's cached entry (L1 and L2) is untouched by east's edit.
    expect(await cachedInRedis(hopWest, code)).toBe(true);
    expect((await hopWest.request(`/${code}`)).headers.get('location')).toBe('https://west.example.com/a');
  }, 30_000);
});
