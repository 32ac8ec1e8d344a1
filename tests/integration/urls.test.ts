// The /shorten, /urls and redirect contract, through a running hop on real Postgres and Redis.
import { isbot } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;

beforeAll(async () => {
  database = await freshDatabase('urls');
  hop = await startHop(database.db);
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

async function newUser(name: string) {
  const { status, body } = await hop.json('/users', { username: name, email: `${name}@example.com` });
  expect(status).toBe(201);
  return body as { id: number };
}

async function eventsOf(urlId: number, type?: string) {
  const query = `/events?url_id=${urlId}${type ? `&event_type=${type}` : ''}`;
  return (await hop.json(query)).body as { event_type: string; details: Record<string, unknown>; url_id: number }[];
}

describe('POST /shorten', () => {
  it('creates a short link and answers its short_url', async () => {
    const { status, body } = await hop.json('/shorten', { url: 'https://example.com/a' });
    expect(status).toBe(201);
    expect(body.short_code).toMatch(/^[A-Za-z0-9]{7}$/);
    expect(body.short_url).toBe(`${hop.config.baseUrl}/${body.short_code}`);
    expect(body.original_url).toBe('https://example.com/a');
  });

  it('gives the same URL posted twice two different codes', async () => {
    const first = await hop.json('/shorten', { url: 'https://example.com/same' });
    const second = await hop.json('/shorten', { url: 'https://example.com/same' });
    expect(first.body.short_code).not.toBe(second.body.short_code);
  });

  it.each([
    ['not-a-url'],
    ['ftp://example.com/file'],
    ['javascript:alert(1)'],
    ['https://'],
    [`https://example.com/${'a'.repeat(2048)}`],
  ])('rejects %p with a 400 naming the field', async (url) => {
    const { status, body } = await hop.json('/shorten', { url });
    expect(status).toBe(400);
    expect(body.error).toBeString();
    expect(body.details?.[0]?.field).toBeString();
  });

  it.each([['"just a string"'], ['[1,2]'], ['null'], ['']])('rejects the body %p as not a JSON object', async (raw) => {
    const { status, body } = await hop.json('/shorten', raw, 'POST');
    expect(status).toBe(400);
    expect(body.error).toBeString();
  });

  it('answers 400 for malformed JSON', async () => {
    const { status, body } = await hop.json('/shorten', '{"url": ', 'POST');
    expect(status).toBe(400);
    expect(body.error).toContain('JSON');
  });
});

describe('POST /urls', () => {
  it('creates a link with owner, title and custom slug, and records a created event in the same statement', async () => {
    const owner = await newUser('linkowner');
    const { status, body } = await hop.json('/urls', {
      original_url: 'https://example.com/custom', user_id: owner.id, title: 'Custom', short_code: 'my-slug_1', extra: 'ignored',
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ user_id: owner.id, short_code: 'my-slug_1', title: 'Custom', is_active: true });
    expect(body.extra).toBeUndefined();
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
    const created = await eventsOf(body.id, 'created');
    expect(created).toHaveLength(1);
    expect(created[0]!.details).toEqual({ short_code: 'my-slug_1', original_url: 'https://example.com/custom' });
  });

  it('answers 409 when the custom slug is taken', async () => {
    await hop.json('/urls', { original_url: 'https://example.com/1', short_code: 'taken' });
    const { status, body } = await hop.json('/urls', { original_url: 'https://example.com/2', short_code: 'taken' });
    expect(status).toBe(409);
    expect(body.error).toContain('short_code');
  });

  it('treats short codes as case-sensitive', async () => {
    expect((await hop.json('/urls', { original_url: 'https://example.com/lower', short_code: 'CaseCode' })).status).toBe(201);
    expect((await hop.json('/urls', { original_url: 'https://example.com/upper', short_code: 'casecode' })).status).toBe(201);
  });

  it('answers 404 for an unknown user_id and stores nothing', async () => {
    const before = Number((await hop.request('/urls?per_page=1')).headers.get('x-total-count'));
    const { status, body } = await hop.json('/urls', { original_url: 'https://example.com/x', user_id: 999999 });
    expect(status).toBe(404);
    expect(body.error).toBe('user not found');
    expect(Number((await hop.request('/urls?per_page=1')).headers.get('x-total-count'))).toBe(before);
  });

  it('rejects reserved and malformed slugs and a missing original_url', async () => {
    expect((await hop.json('/urls', { original_url: 'https://example.com', short_code: 'users' })).status).toBe(400);
    expect((await hop.json('/urls', { original_url: 'https://example.com', short_code: 'has space' })).status).toBe(400);
    expect((await hop.json('/urls', { title: 'no url' })).status).toBe(400);
    expect((await hop.json('/urls', { original_url: 42 })).status).toBe(400);
  });
});

describe('GET/PUT/DELETE /urls/:id', () => {
  it('reads, partially updates with an audit event, and deletes keeping the history', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/edit', title: 'Before' });
    expect((await hop.json(`/urls/${link.id}`)).body).toEqual(link);

    const updated = await hop.json(`/urls/${link.id}`, { title: 'After' }, 'PUT');
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: 'After', original_url: 'https://example.com/edit', is_active: true });
    const [update] = await eventsOf(link.id, 'updated');
    expect(update!.details).toEqual({ short_code: link.short_code, changes: { title: { from: 'Before', to: 'After' } } });

    const removed = await hop.request(`/urls/${link.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await hop.json(`/urls/${link.id}`)).status).toBe(404);
    const deleted = ((await hop.json('/events?event_type=deleted')).body as any[]).find((e) => e.details.url_id === link.id);
    expect(deleted).toMatchObject({ url_id: null, details: { short_code: link.short_code } });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(404);
  });

  it('answers 404 for unknown ids and 400 for ids that are not positive integers', async () => {
    expect((await hop.json('/urls/424242')).status).toBe(404);
    expect((await hop.json('/urls/424242', { title: 'x' }, 'PUT')).status).toBe(404);
    expect((await hop.request('/urls/424242', { method: 'DELETE' })).status).toBe(404);
    expect((await hop.json('/urls/abc')).status).toBe(400);
    expect((await hop.json('/urls/0')).status).toBe(400);
    expect((await hop.json('/urls/99999999999999999999')).status).toBe(400);
  });

  it('rejects an invalid original_url and a non-boolean is_active on update', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/valid' });
    const id = ((await hop.json('/urls')).body as any[]).find((u) => u.short_code === link.short_code).id;
    expect((await hop.json(`/urls/${id}`, { original_url: 'not-a-url' }, 'PUT')).status).toBe(400);
    expect((await hop.json(`/urls/${id}`, { is_active: 'yes' }, 'PUT')).status).toBe(400);
  });
});

describe('GET /urls', () => {
  it('filters by user_id and is_active, newest first, with X-Total-Count and pages', async () => {
    const owner = await newUser('lister');
    for (let i = 0; i < 5; i++) await hop.json('/urls', { original_url: `https://example.com/l${i}`, user_id: owner.id });
    const { body: all, headers } = await hop.json(`/urls?user_id=${owner.id}`);
    expect(all).toHaveLength(5);
    expect(headers.get('x-total-count')).toBe('5');
    expect(all.map((u: any) => u.original_url)).toEqual([4, 3, 2, 1, 0].map((i) => `https://example.com/l${i}`));

    await hop.json(`/urls/${all[0].id}`, { is_active: false }, 'PUT');
    expect((await hop.json(`/urls?user_id=${owner.id}&is_active=false`)).body).toHaveLength(1);
    expect((await hop.json(`/urls?user_id=${owner.id}&is_active=true`)).body).toHaveLength(4);

    const page = await hop.json(`/urls?user_id=${owner.id}&page=2&per_page=2`);
    expect(page.body.map((u: any) => u.id)).toEqual([all[2].id, all[3].id]);
    expect(page.headers.get('x-total-count')).toBe('5');
  });

  it('rejects bad filters and page sizes', async () => {
    expect((await hop.json('/urls?per_page=1001')).status).toBe(400);
    expect((await hop.json('/urls?page=0')).status).toBe(400);
    expect((await hop.json('/urls?user_id=abc')).status).toBe(400);
    expect((await hop.json('/urls?is_active=maybe')).status).toBe(400);
  });
});

describe('GET /:short_code', () => {
  it('redirects with 302, no-store caching, and records a click event with details', async () => {
    const { body: link } = await hop.json('/shorten', { url: 'https://example.com/target?q=1' });
    const response = await hop.request(`/${link.short_code}`, {
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', referer: 'https://ref.example', 'x-request-id': 'req-123' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/target?q=1');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const id = ((await hop.json('/urls')).body as any[]).find((u) => u.short_code === link.short_code).id;
    const clicks = await eventsOf(id, 'click');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.details).toEqual({ referrer: 'https://ref.example', user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', request_id: 'req-123' });
  });

  it('stores header text that array literals and JSON treat specially exactly as sent', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/quoting' });
    const agents = ['NULL', 'a,b {c} "d" \\e', '', "it's; (compatible)"];
    for (const agent of agents) await hop.request(`/${link.short_code}`, { headers: { 'user-agent': agent, referer: agent || 'x' } });
    const clicks = await eventsOf(link.id, 'click');
    expect(clicks.map((click) => click.details.user_agent).sort()).toEqual([...agents].sort());
    expect(clicks.every((click) => click.details.referrer === (click.details.user_agent || 'x'))).toBe(true);
    // The writer flags what isbot flags, and says nothing otherwise.
    expect(clicks.every((click) => click.details.automated === (isbot(click.details.user_agent as string) ? true : undefined))).toBe(true);
  });

  it('records every redirect as its own event', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/many' });
    for (let i = 0; i < 5; i++) expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    expect(await eventsOf(link.id, 'click')).toHaveLength(5);
  });

  it('answers 404 for a deactivated link and records no click', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/off' });
    await hop.json(`/urls/${link.id}`, { is_active: false }, 'PUT');
    const { status, body } = await hop.json(`/${link.short_code}`);
    expect(status).toBe(404);
    expect(body.error).toBe('short link is inactive');
    expect(await eventsOf(link.id, 'click')).toHaveLength(0);
  });

  it('answers 404 JSON with a different message for an unknown code', async () => {
    const { status, body } = await hop.json('/NoSuchCode');
    expect(status).toBe(404);
    expect(body.error).toBe('short code not found');
  });

  it('flags crawler and link-preview clicks', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/bots' });
    await hop.request(`/${link.short_code}`, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
    const [click] = await eventsOf(link.id, 'click');
    expect(click!.details.automated).toBe(true);
  });
});

describe('unusual targets and methods', () => {
  it('redirects to a non-Latin-1 target (punycode host, percent-encoded path) and stores that served form', async () => {
    const { status, body: link } = await hop.json('/urls', { original_url: 'https://例え.jp/パス?q=ä' });
    expect(status).toBe(201);
    expect(link.original_url).toBe('https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=%C3%A4');
    const response = await hop.request(`/${link.short_code}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(new URL('https://例え.jp/パス?q=ä').href);
  });

  it('answers HEAD like GET but records no click', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/head' });
    const head = await hop.request(`/${link.short_code}`, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toBe('https://example.com/head');
    await hop.clicks.flush();
    expect((await hop.json(`/events?url_id=${link.id}&event_type=click`)).body).toHaveLength(0);
  });

  it('refuses a NUL character with 400 for that request only, while its concurrent neighbours are created', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => hop.json('/urls', { original_url: `https://example.com/n${i}` })),
      hop.json('/urls', { original_url: 'https://example.com/nul', title: 'bad\u0000title' }),
      hop.json('/urls', { original_url: 'https://example.com/\ud800' }),
    ]);
    expect(results.slice(0, 6).every((r) => r.status === 201)).toBe(true);
    expect(results[6]!.status).toBe(400);
    expect(results[7]!.status).toBe(400);
  });
});

describe('concurrent creates', () => {
  it('never hands out a duplicate code nor fails', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => hop.json('/shorten', { url: `https://example.com/c${i}` })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.short_code)).size).toBe(200);
  });

  it('answers each create in a concurrent group on its own: unknown owners 404, taken slugs 409, the rest 201', async () => {
    const owner = await newUser('grouped');
    await hop.json('/urls', { original_url: 'https://example.com/g', short_code: 'grouped-taken' });
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => hop.json('/urls', { original_url: `https://example.com/g${i}`, user_id: owner.id })),
      hop.json('/urls', { original_url: 'https://example.com/ghost', user_id: 987_654 }),
      hop.json('/urls', { original_url: 'https://example.com/dup', short_code: 'grouped-taken' }),
      hop.json('/urls', { original_url: 'https://example.com/new', short_code: 'grouped-new' }),
    ]);
    expect(results.slice(0, 30).every((r) => r.status === 201 && r.body.user_id === owner.id)).toBe(true);
    expect(results.slice(0, 30).map((r) => r.body.original_url)).toEqual(Array.from({ length: 30 }, (_, i) => `https://example.com/g${i}`));
    expect(results[30]!.status).toBe(404);
    expect(results[31]!.status).toBe(409);
    expect(results[32]!.body.short_code).toBe('grouped-new');
    const created = await hop.json(`/events?user_id=${owner.id}&event_type=created`);
    expect(created.body).toHaveLength(30);
  });

  it('lets exactly one of many racing custom slugs win', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => hop.json('/urls', { original_url: 'https://example.com/race', short_code: 'race' })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
  });
});
