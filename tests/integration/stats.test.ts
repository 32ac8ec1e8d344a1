// The stats endpoints, answered from the rollups: totals and zero-filled series, bots, visitors,
// time zones, breakdowns, all links and top links, bad queries, and ownership.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { Actor } from '../../src/auth/actor.ts';
import type { Click } from '../../src/events/click-recorder.ts';
import { StatsService } from '../../src/stats/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const BOT = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const DAY_MS = 86_400_000;

let database: TestDatabase;
let hop: RunningHop;
let alice: { id: number };
let bob: { id: number };
let busy: { id: number; short_code: string };
let quiet: { id: number; short_code: string };
let bobs: { id: number; short_code: string };
// 01:00 UTC yesterday: the clicks below sit on yesterday and today, days whose visitor salts exist.
const base = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS + 3_600_000;

function click(urlId: number, at: number, userAgent: string, extra: Partial<Click> = {}): Click {
  return { urlId, at, referrer: null, userAgent, requestId: null, clientAddress: '81.2.69.160', ...extra };
}

async function settle(): Promise<void> {
  await hop.clicks.flush();
  await hop.rollups.drain();
}

beforeAll(async () => {
  database = await freshDatabase('stats');
  hop = await startHop(database.db, { env: { TRUST_PROXY: 'true', GEOIP_COUNTRY_HEADER: 'CF-IPCountry', ROLLUP_INTERVAL_MS: '60000' } });
  alice = (await hop.json('/users', { username: 'alice', email: 'alice@example.com' })).body;
  bob = (await hop.json('/users', { username: 'bob', email: 'bob@example.com' })).body;
  busy = (await hop.json('/urls', { original_url: 'https://example.com/busy', user_id: alice.id })).body;
  quiet = (await hop.json('/urls', { original_url: 'https://example.com/quiet', user_id: alice.id })).body;
  bobs = (await hop.json('/urls', { original_url: 'https://example.com/bob', user_id: bob.id })).body;
  // busy: day 0: 3 people (2 the same visitor) + 1 bot; day 1: 1 person from a phone via t.co.
  hop.clicks.record(click(busy.id, base, CHROME, { referrer: 'https://news.example.com/a' }));
  hop.clicks.record(click(busy.id, base + 60_000, CHROME, { referrer: 'https://news.example.com/b' }));
  hop.clicks.record(click(busy.id, base + 120_000, CHROME, { clientAddress: '1.0.0.1' }));
  hop.clicks.record(click(busy.id, base + 180_000, BOT));
  hop.clicks.record(click(busy.id, base + DAY_MS, IPHONE, { referrer: 'https://t.co/x', country: 'de' }));
  hop.clicks.record(click(quiet.id, base, CHROME));
  hop.clicks.record(click(bobs.id, base, CHROME));
  hop.clicks.record(click(bobs.id, base, CHROME));
  await settle();
}, 60_000);

afterAll(async () => {
  await hop.stop();
  await database.drop();
});

const day = (offset: number) => new Date(base - 3_600_000 + offset * DAY_MS).toISOString();

describe('GET /urls/:id/stats', () => {
  it('answers totals and a zero-filled daily series, people only by default', async () => {
    const { status, body } = await hop.json(`/urls/${busy.id}/stats?from=${day(-2)}&to=${day(2)}&interval=day`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ url_id: busy.id, interval: 'day', tz: 'UTC', bots: 'exclude', from: day(-2), to: day(2) });
    expect(body.totals).toEqual({ clicks: 4, bot_clicks: 1, visitors: 3 });
    expect(body.series).toEqual([
      { start: day(-2), clicks: 0, bot_clicks: 0, visitors: 0 },
      { start: day(-1), clicks: 0, bot_clicks: 0, visitors: 0 },
      { start: day(0), clicks: 3, bot_clicks: 1, visitors: 2 },
      { start: day(1), clicks: 1, bot_clicks: 0, visitors: 1 },
    ]);
    expect(body.last_click_at).toBe(new Date(base + DAY_MS).toISOString());
  });

  it('counts bots only or with people on request', async () => {
    const only = (await hop.json(`/urls/${busy.id}/stats?from=${day(0)}&to=${day(1)}&bots=only`)).body;
    expect(only.totals).toEqual({ clicks: 1, bot_clicks: 1, visitors: 1 });
    expect(only.last_click_at).toBe(new Date(base + 180_000).toISOString());
    const all = (await hop.json(`/urls/${busy.id}/stats?from=${day(0)}&to=${day(2)}&bots=include`)).body;
    expect(all.totals).toEqual({ clicks: 5, bot_clicks: 1, visitors: 4 });
  });

  it('aligns buckets to a time zone (hourly rollups, no per-bucket visitors) and picks an interval', async () => {
    const { body } = await hop.json(`/urls/${busy.id}/stats?from=${day(-1)}&to=${day(2)}&interval=day&tz=America/New_York`);
    expect(body.series[0].start).toMatch(/T0[45]:00:00.000Z$/);
    expect(body.series.reduce((sum: number, point: { clicks: number }) => sum + point.clicks, 0)).toBe(4);
    expect(body.series.every((point: { visitors: null }) => point.visitors === null)).toBe(true);
    expect(body.totals.visitors).toBe(3);
    const hourly = (await hop.json(`/urls/${busy.id}/stats?from=${day(0)}&to=${day(1)}`)).body;
    expect(hourly.interval).toBe('hour');
    expect(hourly.series).toHaveLength(24);
    expect(hourly.series[1]).toEqual({ start: new Date(base).toISOString(), clicks: 3, bot_clicks: 1, visitors: null });
    const year = (await hop.json(`/urls/${busy.id}/stats?period=1y`)).body;
    expect(year.interval).toBe('week');
    expect(year.totals.clicks).toBe(4);
    expect((await hop.json(`/urls/${busy.id}/stats?period=all`)).body.totals.clicks).toBe(4);
    // Default: the last 30 days.
    const recent = (await hop.json(`/urls/${busy.id}/stats`)).body;
    expect(Date.parse(recent.to) - Date.parse(recent.from)).toBe(30 * DAY_MS);
  });

  it('never counts HEAD, and counts a GET through the redirect with the proxy-given address and country', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/live' });
    expect((await hop.request(`/${link.short_code}`, { method: 'HEAD' })).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`, { headers: { 'user-agent': CHROME, 'x-forwarded-for': '1.0.0.1, 10.0.0.1' } })).status).toBe(302);
    expect((await hop.request(`/${link.short_code}`, { headers: { 'user-agent': IPHONE, 'cf-ipcountry': 'FR' } })).status).toBe(302);
    await settle();
    const stats = (await hop.json(`/urls/${link.id}/stats?period=24h`)).body;
    expect(stats.totals).toEqual({ clicks: 2, bot_clicks: 0, visitors: 2 });
    const countries = (await hop.json(`/urls/${link.id}/stats/countries?period=24h`)).body;
    expect(countries.values).toEqual([{ value: 'AU', clicks: 1 }, { value: 'FR', clicks: 1 }]);
  });

  it('answers 400 with details for bad values, an empty range or too many buckets, and 404 for an unknown link', async () => {
    const bad = async (query: string) => {
      const { status, body } = await hop.json(`/urls/${busy.id}/stats?${query}`);
      expect(status).toBe(400);
      return body.details.map((detail: { field: string }) => detail.field);
    };
    expect(await bad('from=2026-11-02&to=2026-11-01')).toEqual(['from']);
    expect(await bad('from=yesterday')).toEqual(['from']);
    expect(await bad('tz=Mars/Olympus')).toEqual(['tz']);
    expect(await bad('period=2w&interval=minute&bots=maybe')).toEqual(['period', 'interval', 'bots']);
    expect(await bad('period=7d&from=2026-11-01')).toEqual(['period']);
    expect(await bad('period=all&interval=hour&from=2020-01-01')).toContain('period');
    expect(await bad('from=2020-01-01&to=2026-01-01&interval=hour')).toEqual(['interval']);
    expect((await hop.json('/urls/987654/stats')).status).toBe(404);
    expect((await hop.json(`/urls/${busy.id}/stats/weather`)).status).toBe(400);
  });
});

describe('GET /urls/:id/stats/:dimension', () => {
  it('answers the top values with an other bucket', async () => {
    const range = `from=${day(0)}&to=${day(2)}`;
    const referrers = (await hop.json(`/urls/${busy.id}/stats/referrers?${range}&limit=1`)).body;
    expect(referrers).toMatchObject({ url_id: busy.id, dimension: 'referrers', total: 4, values: [{ value: 'news.example.com', clicks: 2 }], other: 2 });
    const browsers = (await hop.json(`/urls/${busy.id}/stats/browsers?${range}`)).body;
    expect(browsers.values).toEqual([{ value: 'Chrome', clicks: 3 }, { value: 'Safari', clicks: 1 }]);
    const devices = (await hop.json(`/urls/${busy.id}/stats/devices?${range}&bots=include`)).body;
    expect(devices.values).toEqual([{ value: 'desktop', clicks: 3 }, { value: 'bot', clicks: 1 }, { value: 'mobile', clicks: 1 }]);
    const os = (await hop.json(`/urls/${busy.id}/stats/os?${range}`)).body;
    expect(os.values.map((value: { value: string }) => value.value)).toEqual(['Windows', 'iOS']);
    const countries = (await hop.json(`/urls/${busy.id}/stats/countries?${range}`)).body;
    expect(countries.values).toEqual([{ value: 'GB', clicks: 2 }, { value: 'AU', clicks: 1 }, { value: 'DE', clicks: 1 }]);
    expect((await hop.json(`/urls/${busy.id}/stats/referrers?${range}&limit=0`)).status).toBe(400);
  });
});

describe('GET /stats and /stats/top-links', () => {
  it('answers the whole service, or one user', async () => {
    const range = `from=${day(0)}&to=${day(2)}&interval=day`;
    const all = (await hop.json(`/stats?${range}`)).body;
    expect(all.user_id).toBeNull();
    expect(all.totals.clicks).toBeGreaterThanOrEqual(7);
    expect(all.series).toHaveLength(2);
    const bobStats = (await hop.json(`/stats?${range}&user_id=${bob.id}`)).body;
    expect(bobStats).toMatchObject({ user_id: bob.id, totals: { clicks: 2, bot_clicks: 0, visitors: 1 } });
    expect((await hop.json(`/stats?user_id=987654`)).status).toBe(404);
  });

  it('ranks links, leaves out deleted ones, and narrows to a user', async () => {
    const range = `from=${day(0)}&to=${day(2)}`;
    const top = (await hop.json(`/stats/top-links?${range}`)).body;
    const ours = new Set([busy.id, bobs.id, quiet.id]);
    expect(top.links.map((link: { url_id: number }) => link.url_id).filter((id: number) => ours.has(id))).toEqual([busy.id, bobs.id, quiet.id]);
    expect(top.links[0]).toMatchObject({ short_code: busy.short_code, original_url: 'https://example.com/busy', clicks: 4, bot_clicks: 1, visitors: 3 });
    expect((await hop.json(`/stats/top-links?${range}&user_id=${alice.id}&limit=1`)).body.links.map((link: { url_id: number }) => link.url_id)).toEqual([busy.id]);
    const { body: gone } = await hop.json('/urls', { original_url: 'https://example.com/gone' });
    for (let i = 0; i < 9; i++) hop.clicks.record(click(gone.id, base, CHROME));
    await settle();
    expect((await hop.json(`/stats/top-links?${range}&limit=1`)).body.links[0].url_id).toBe(gone.id);
    await hop.request(`/urls/${gone.id}`, { method: 'DELETE' });
    expect((await hop.json(`/stats/top-links?${range}&limit=1`)).body.links[0].url_id).toBe(busy.id);
    expect((await hop.json(`/urls/${gone.id}/stats`)).status).toBe(404);
  });
});

describe('ownership', () => {
  it('lets a user key see its own links only (another user\'s is a 404) and scopes totals to them', async () => {
    const stats = new StatsService(database.db);
    const asAlice: Actor = { kind: 'user', userId: alice.id, keyId: 1 };
    const range = { from: day(0), to: day(2) };
    expect((await stats.link(asAlice, busy.id, range)).totals.clicks).toBe(4);
    await expect(stats.link(asAlice, bobs.id, range)).rejects.toMatchObject({ code: 'not_found' });
    await expect(stats.breakdown(asAlice, bobs.id, 'browsers', range, 5)).rejects.toMatchObject({ code: 'not_found' });
    expect((await stats.overall(asAlice, undefined, range)).totals.clicks).toBe(5);
    await expect(stats.overall(asAlice, bob.id, range)).rejects.toMatchObject({ code: 'not_found' });
    expect((await stats.topLinks(asAlice, undefined, range, 10)).links.map((link) => link.url_id).sort()).toEqual([busy.id, quiet.id].sort());
    await expect(stats.link({ kind: 'anonymous' }, busy.id, range)).rejects.toMatchObject({ code: 'not_found' });
  });
});
