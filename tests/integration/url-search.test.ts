// The console's list filters: GET /urls?q= (case-insensitive text in code, target or title, served by
// a trigram index that stays fast at 100,000 links) and GET /urls?expired= (links that ended).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { generateDataset, importDataset } from '../../db/seed.ts';
import { urls } from '../../db/schema.ts';
import { containsPattern, endedCondition, searchCondition } from '../../src/urls/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;

beforeAll(async () => {
  database = await freshDatabase('url_search');
  hop = await startHop(database.db);
  for (const [code, url, title] of [
    ['Spring-Sale', 'https://shop.example/spring', 'Spring sale'],
    ['autumn', 'https://shop.example/autumn', 'Autumn SPRING cleaning'],
    ['pct', 'https://example.com/100%_off', null],
    ['plain', 'https://example.com/springfield', null],
  ] as const) {
    expect((await hop.json('/urls', { original_url: url, short_code: code, title })).status).toBe(201);
  }
  await hop.json('/urls/4', { is_active: false }, 'PUT');
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

const codes = (body: { short_code: string }[]) => body.map((link) => link.short_code).sort();

describe('GET /urls?q=', () => {
  it('finds the text in the short code, the target or the title, in any case', async () => {
    const { status, body, headers } = await hop.json('/urls?q=spring');
    expect(status).toBe(200);
    expect(codes(body)).toEqual(['Spring-Sale', 'autumn', 'plain']);
    expect(headers.get('x-total-count')).toBe('3');
  });

  it('takes % and _ literally', async () => {
    expect(codes((await hop.json('/urls?q=100%25_off')).body)).toEqual(['pct']);
    expect((await hop.json('/urls?q=%25')).body).toHaveLength(1);
    expect(containsPattern('a_b%c\\')).toBe('%a\\_b\\%c\\\\%');
  });

  it('combines with is_active and paging', async () => {
    const { body, headers } = await hop.json('/urls?q=spring&is_active=true&page=1&per_page=1');
    expect(body).toHaveLength(1);
    expect(headers.get('x-total-count')).toBe('2');
  });

  it('answers 400 for an empty or over-long q, and for a NUL character', async () => {
    expect((await hop.json('/urls?q=')).status).toBe(400);
    expect((await hop.json(`/urls?q=${'x'.repeat(201)}`)).status).toBe(400);
    const nul = await hop.json('/urls?q=a%00b');
    expect(nul.status).toBe(400);
    expect(nul.body.error).toContain('q');
  });

  it('is answered by the trigram index (the query matches the indexed expression)', async () => {
    const plan = await database.db.transaction(async (tx) => {
      // The table is tiny, so forbid the sequential scan to see whether the index can serve at all.
      await tx.execute(sql`set local enable_seqscan = off`);
      const rows = await tx.execute(sql`explain select ${urls.id} from ${urls} where ${searchCondition('spring')}`);
      return (rows as unknown as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('urls_search_idx');
  });
});

describe('GET /urls?expired=', () => {
  it('tells links that ended (expiry passed, clicks used up) from the others', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const past = await hop.json('/urls', { original_url: 'https://example.com/old', short_code: 'ended-time', expires_at: soon });
    expect((await hop.json(`/urls/${past.body.id}`, { expires_at: new Date(Date.now() - 1000).toISOString() }, 'PUT')).status).toBe(200);
    await hop.json('/urls', { original_url: 'https://example.com/once', short_code: 'ended-clicks', max_clicks: 1 });
    expect((await hop.request('/ended-clicks')).status).toBe(302);
    await hop.json('/urls', { original_url: 'https://example.com/later', short_code: 'not-yet', expires_at: soon, max_clicks: 5 });

    const ended = await hop.json('/urls?expired=true');
    expect(codes(ended.body)).toEqual(['ended-clicks', 'ended-time']);
    expect(ended.headers.get('x-total-count')).toBe('2');
    const running = codes((await hop.json('/urls?expired=false')).body);
    expect(running).toContain('not-yet');
    expect(running).toContain('Spring-Sale');
    expect(running).not.toContain('ended-time');
    expect((await hop.json('/urls?expired=maybe')).status).toBe(400);
  });

  it('reads only links with options, through the partial index', async () => {
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const rows = await tx.execute(sql`explain select ${urls.id} from ${urls} where ${endedCondition} order by ${urls.createdAt} desc, ${urls.id} desc limit 25`);
      return (rows as unknown as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('urls_with_limits_idx');
  });
});

describe('at 100,000 links', () => {
  it('answers a search page and its total quickly', async () => {
    const data = generateDataset(7, { users: 1000, urls: 100_000, events: 0 });
    const started = performance.now();
    await importDataset(database.db, { ...data, urls: data.urls.map((link) => ({ ...link, id: link.id + 10 })) });
    console.log(`imported 100,000 links in ${Math.round(performance.now() - started)} ms`);
    await database.db.execute(sql`analyze urls`);
    const timings: number[] = [];
    for (const filter of ['q=example', 'q=abc', 'q=zzzz-nothing', 'q=spring', 'expired=true', 'expired=false']) {
      const begin = performance.now();
      const { status, headers } = await hop.json(`/urls?${filter}&page=1&per_page=25`);
      timings.push(performance.now() - begin);
      expect(status).toBe(200);
      expect(Number(headers.get('x-total-count'))).toBeGreaterThanOrEqual(0);
    }
    const begin = performance.now();
    const unfiltered = await hop.json('/urls?page=2000&per_page=25');
    timings.push(performance.now() - begin);
    expect(Number(unfiltered.headers.get('x-total-count'))).toBeGreaterThanOrEqual(100_000);
    console.log(`search and expired pages at 100k links: ${timings.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
    // A wide margin for a shared, noisy machine: without the index a miss scans every row.
    for (const ms of timings) expect(ms).toBeLessThan(2_000);
  }, 120_000);
});
