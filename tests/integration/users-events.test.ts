// The /users and /events contract, through a running hop on real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ClickRecorder } from '../../src/events/click-recorder.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;

beforeAll(async () => {
  database = await freshDatabase('users_events');
  hop = await startHop(database.db);
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

function upload(csv: string, field = 'file') {
  const form = new FormData();
  form.append(field, new File([csv], 'users.csv', { type: 'text/csv' }));
  return hop.request('/users/bulk', { method: 'POST', body: form });
}

describe('users', () => {
  it('creates, reads, partially updates and lists users ordered by id', async () => {
    const created = await hop.json('/users', { username: 'alice', email: 'alice@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice', email: 'alice@example.com' });
    expect(new Date(created.body.created_at).toISOString()).toBe(created.body.created_at);
    await hop.json('/users', { username: 'bob', email: 'bob@example.com' });

    expect((await hop.json(`/users/${created.body.id}`)).body).toEqual(created.body);
    const renamed = await hop.json(`/users/${created.body.id}`, { username: 'alicia' }, 'PUT');
    expect(renamed.body).toMatchObject({ username: 'alicia', email: 'alice@example.com' });

    const list = await hop.json('/users');
    expect(list.body.map((u: any) => u.id)).toEqual([...list.body.map((u: any) => u.id)].sort((a, b) => a - b));
    expect(list.headers.get('x-total-count')).toBe(String(list.body.length));
    const page = await hop.json('/users?page=1&per_page=1');
    expect(page.body).toHaveLength(1);
  });

  it('answers 409 on a duplicate username or email, on create and on update', async () => {
    await hop.json('/users', { username: 'carol', email: 'carol@example.com' });
    const dupName = await hop.json('/users', { username: 'carol', email: 'other@example.com' });
    expect(dupName.status).toBe(409);
    expect(dupName.body.error).toContain('username');
    const dupEmail = await hop.json('/users', { username: 'carol2', email: 'carol@example.com' });
    expect(dupEmail.status).toBe(409);
    expect(dupEmail.body.error).toContain('email');
    const { body: dave } = await hop.json('/users', { username: 'dave', email: 'dave@example.com' });
    expect((await hop.json(`/users/${dave.id}`, { email: 'carol@example.com' }, 'PUT')).status).toBe(409);
  });

  it.each([
    [{ username: 123, email: 'int@example.com' }],
    [{ username: '', email: 'empty@example.com' }],
    [{ username: 'x'.repeat(65), email: 'long@example.com' }],
    [{ username: 'noemail' }],
    [{ username: 'bademail', email: 'not-an-email' }],
    [{ email: 'nouser@example.com' }],
  ])('rejects %p with 400', async (body) => {
    const { status, body: error } = await hop.json('/users', body);
    expect(status).toBe(400);
    expect(error.error).toBeString();
    expect(error.details).toBeArray();
  });

  it('keeps click batches flowing when a clicked link is deleted before the flush', async () => {
    const { body: keep } = await hop.json('/urls', { original_url: 'https://example.com/keep' });
    const { body: gone } = await hop.json('/urls', { original_url: 'https://example.com/gone' });
    // A recorder of its own whose timer never fires: the delete surely lands before the flush.
    const recorder = new ClickRecorder(database.db, { flushIntervalMs: 60_000, batchSize: 100, bufferCap: 100, flushConcurrency: 1 });
    recorder.record({ urlId: gone.id, at: Date.now(), referrer: null, userAgent: null, requestId: null });
    recorder.record({ urlId: keep.id, at: Date.now(), referrer: null, userAgent: null, requestId: null });
    expect((await hop.request(`/urls/${gone.id}`, { method: 'DELETE' })).status).toBe(204);
    await recorder.flush();
    expect((await hop.json(`/events?url_id=${keep.id}&event_type=click`)).body).toHaveLength(1);
    expect(recorder.dropped).toBe(0);
    expect(recorder.depth).toBe(0);
  });

  it('leaves no click pointing at a link or user deleted while its clicks were being written', async () => {
    const { body: owner } = await hop.json('/users', { username: 'racer', email: 'racer@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/racing' });
    const { body: owned } = await hop.json('/urls', { original_url: 'https://example.com/racing-owned', user_id: owner.id });
    const recorder = new ClickRecorder(database.db, { flushIntervalMs: 1, batchSize: 50, bufferCap: 1_000_000, flushConcurrency: 2 });
    recorder.start();
    const stream = setInterval(() => {
      for (let i = 0; i < 50; i++) {
        recorder.record({ urlId: link.id, at: Date.now(), referrer: null, userAgent: 'racing', requestId: null });
        recorder.record({ urlId: owned.id, at: Date.now(), referrer: null, userAgent: 'racing', requestId: null });
      }
    }, 1);
    try {
      await Bun.sleep(150);
      expect((await hop.request(`/urls/${link.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await hop.request(`/users/${owner.id}`, { method: 'DELETE' })).status).toBe(204);
      await Bun.sleep(100);
    } finally {
      clearInterval(stream);
      await recorder.stop();
    }
    const [row] = await database.db.execute<{ stranded: number; kept: number }>(sql`
      select count(*) filter (where url_id in (${link.id}, ${owned.id}) or user_id = ${owner.id})::int as stranded,
             count(*) filter (where url_id is null and details->>'user_agent' = 'racing')::int as kept
      from events where event_type = 'click'`);
    // The deleted link's clicks stay, without the link (as a foreign key's set null left them); the
    // deleted user's go with the user.
    expect(row!.stranded).toBe(0);
    expect(row!.kept).toBeGreaterThan(0);
    expect(recorder.dropped).toBe(0);
  });

  it('clears the ids of a deleted link or user from their clicks, whichever release deletes them', async () => {
    const { body: owner } = await hop.json('/users', { username: 'plain-sql', email: 'plain-sql@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/plain-sql', user_id: owner.id });
    const recorder = new ClickRecorder(database.db, { flushIntervalMs: 60_000, batchSize: 100, bufferCap: 100, flushConcurrency: 1 });
    for (let i = 0; i < 3; i++) recorder.record({ urlId: link.id, at: Date.now(), referrer: null, userAgent: 'plain-sql', requestId: null });
    await recorder.flush();
    const clicks = () => database.db.execute<{ url_id: number | null; user_id: number | null }>(sql`
      select url_id, user_id from events where event_type = 'click' and details->>'user_agent' = 'plain-sql'`);
    expect(await clicks()).toEqual(Array(3).fill({ url_id: link.id, user_id: owner.id }));
    // Plain deletes, as a release without the services' own steps would send them (migration 0010's triggers).
    await database.db.execute(sql`delete from urls where id = ${link.id}`);
    expect(await clicks()).toEqual(Array(3).fill({ url_id: null, user_id: owner.id }));
    await database.db.execute(sql`delete from users where id = ${owner.id}`);
    expect(await clicks()).toEqual(Array(3).fill({ url_id: null, user_id: null }));
  });

  it('returns from a flush while clicks keep arriving, having written every click recorded before it', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/steady' });
    const recorder = new ClickRecorder(database.db, { flushIntervalMs: 10, batchSize: 500, bufferCap: 1_000_000, flushConcurrency: 2 });
    recorder.start();
    const click = () => recorder.record({ urlId: link.id, at: Date.now(), referrer: null, userAgent: null, requestId: null });
    for (let i = 0; i < 3000; i++) click();
    // A steady stream: 100 clicks every millisecond for as long as the flush takes.
    const stream = setInterval(() => { for (let i = 0; i < 100; i++) click(); }, 1);
    const started = performance.now();
    await recorder.flush();
    const took = performance.now() - started;
    clearInterval(stream);
    const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events where url_id = ${link.id}`);
    expect(took).toBeLessThan(3_000);
    expect(row!.n).toBeGreaterThanOrEqual(3000);
    await recorder.stop();
  });

  it('deletes a user with their links and events, and the links stop redirecting', async () => {
    const { body: erin } = await hop.json('/users', { username: 'erin', email: 'erin@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/erin', user_id: erin.id });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    expect((await hop.request(`/users/${erin.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hop.json(`/users/${erin.id}`)).status).toBe(404);
    expect((await hop.json(`/urls/${link.id}`)).status).toBe(404);
    expect((await hop.json(`/events?user_id=${erin.id}`)).body).toEqual([]);
    expect((await hop.json(`/events?url_id=${link.id}`)).body).toEqual([]);
    expect((await hop.request(`/${link.short_code}`)).status).toBe(404);
    expect((await hop.request(`/users/${erin.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps a user_deleted audit event with no personal data in it', async () => {
    const { body: frank } = await hop.json('/users', { username: 'frank-audited', email: 'frank-audited@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/frank-private', user_id: frank.id });
    expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
    await hop.clicks.flush();
    expect((await hop.request(`/users/${frank.id}`, { method: 'DELETE' })).status).toBe(204);
    const audit = (await hop.json('/events?event_type=user_deleted')).body.filter((e: any) => e.details.user_id === frank.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ url_id: null, user_id: null, event_type: 'user_deleted' });
    // The link's created event and its click went with the user.
    expect(audit[0].details).toEqual({ user_id: frank.id, links_removed: 1, events_removed: 2, by_key_id: null });
    const serialized = JSON.stringify(audit[0]);
    for (const personal of ['frank-audited', 'example.com', link.short_code]) expect(serialized).not.toContain(personal);
    // A delete that finds no user writes nothing.
    expect((await hop.request(`/users/${frank.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await hop.json('/events?event_type=user_deleted')).body.filter((e: any) => e.details.user_id === frank.id)).toHaveLength(1);
  }, 30_000);
});

describe('POST /users/bulk', () => {
  it('imports good rows and reports bad and duplicate ones by line', async () => {
    await hop.json('/users', { username: 'existing', email: 'existing@example.com' });
    const csv = [
      'username,email,created_at',
      'bulk1,bulk1@example.com,2024-07-26 16:53:04',
      'bulk2,bulk2@example.com,',
      'bulk1,again@example.com,',
      'existing,fresh@example.com,',
      'bulk3,not-an-email,',
      'bulk4,bulk4@example.com,yesterday',
      'bulk5,bulk5@example.com',
    ].join('\n');
    const response = await upload(csv);
    expect(response.status).toBe(201);
    const report: any = await response.json();
    expect(report.imported).toBe(3);
    expect(report.skipped).toBe(4);
    expect(report.errors.map((e: any) => e.line)).toEqual([4, 5, 6, 7]);
    const bulk1 = ((await hop.json('/users')).body as any[]).find((u) => u.username === 'bulk1');
    expect(bulk1.created_at).toBe('2024-07-26T16:53:04.000Z');
  });

  it('rejects a file without the username and email header, and a request without a file', async () => {
    expect((await upload('name,mail\na,b@c.de')).status).toBe(400);
    expect((await upload('username,email\nx,x@example.com', 'other')).status).toBe(400);
    expect((await hop.json('/users/bulk', { file: 'nope' })).status).toBe(415);
  });

  const seedUsers = path.resolve(import.meta.dir, '../../../shared/seed-csv/hackathon-2026/users.csv');
  it.skipIf(!existsSync(seedUsers))('imports the hackathon users.csv, skipping its duplicate rows', async () => {
    const response = await upload(await Bun.file(seedUsers).text());
    const report: any = await response.json();
    expect(response.status).toBe(201);
    expect(report.imported + report.skipped).toBe(400);
    // Every row whose username or email appeared on an earlier row is a duplicate.
    const usernames = new Set<string>();
    const emails = new Set<string>();
    let duplicates = 0;
    for (const line of (await Bun.file(seedUsers).text()).trim().split('\n').slice(1)) {
      const [, username, email] = line.split(',');
      if (usernames.has(username!) || emails.has(email!)) duplicates++;
      usernames.add(username!);
      emails.add(email!);
    }
    expect(duplicates).toBeGreaterThan(0);
    expect(report.skipped).toBe(duplicates);
    expect(report.errors.every((e: any) => e.line > 1 && e.error.length > 0)).toBe(true);
  });
});

describe('events', () => {
  it('creates an event with details and reads it back with filters, newest first', async () => {
    const { body: user } = await hop.json('/users', { username: 'evuser', email: 'evuser@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/ev', user_id: user.id });
    const first = await hop.json('/events', { event_type: 'shared', url_id: link.id, user_id: user.id, details: { via: 'email', n: [1, { deep: true }] } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ event_type: 'shared', url_id: link.id, user_id: user.id, details: { via: 'email', n: [1, { deep: true }] } });
    const second = await hop.json('/events', { event_type: 'shared', url_id: link.id });
    expect(second.body.details).toEqual({});

    const listed = await hop.json(`/events?url_id=${link.id}&event_type=shared`);
    expect(listed.body.map((e: any) => e.id)).toEqual([second.body.id, first.body.id]);
    expect(listed.headers.get('x-total-count')).toBe('2');
    expect((await hop.json(`/events?user_id=${user.id}&event_type=shared`)).body).toHaveLength(1);
    expect((await hop.json(`/events/${first.body.id}`)).body).toEqual(first.body);
  });

  it('stores details as a JSON object that SQL can read, for client and audit events alike', async () => {
    const { body: event } = await hop.json('/events', { event_type: 'note', details: { says: 'a "quoted" word', n: 1 } });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/json-object' });
    const rows = await database.db.execute<{ kind: string; says: string | null; code: string | null }>(sql`
      select jsonb_typeof(details) as kind, details->>'says' as says, details->>'short_code' as code from events
      where id = ${event.id} or (event_type = 'created' and url_id = ${link.id}) order by id`);
    expect(rows).toEqual([{ kind: 'object', says: 'a "quoted" word', code: null }, { kind: 'object', says: null, code: link.short_code }]);
  });

  it('rejects details that are not an object and unknown references', async () => {
    expect((await hop.json('/events', { event_type: 'x', details: 'a string' })).status).toBe(400);
    expect((await hop.json('/events', { event_type: 'x', details: [1, 2] })).status).toBe(400);
    expect((await hop.json('/events', { details: {} })).status).toBe(400);
    const unknownUrl = await hop.json('/events', { event_type: 'x', url_id: 987654 });
    expect(unknownUrl.status).toBe(404);
    expect(unknownUrl.body.error).toBe('url not found');
    expect((await hop.json('/events', { event_type: 'x', user_id: 987654 })).body.error).toBe('user not found');
    // Click rows have no foreign keys (migration 0010): a click added by hand is checked by the service.
    expect((await hop.json('/events', { event_type: 'click', url_id: 987654 })).body).toMatchObject({ error: 'url not found' });
    expect((await hop.json('/events', { event_type: 'click', user_id: 987654 })).body).toMatchObject({ error: 'user not found' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/hand-click' });
    const added = await hop.json('/events', { event_type: 'click', url_id: link.id });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ event_type: 'click', url_id: link.id });
  });

  it('keeps the unfiltered X-Total-Count exact through creates, clicks, deletes and user removal', async () => {
    const { body: owner } = await hop.json('/users', { username: 'counted', email: 'counted@example.com' });
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/counted', user_id: owner.id });
    for (let i = 0; i < 7; i++) await hop.request(`/${link.short_code}`);
    const { body: extra } = await hop.json('/events', { event_type: 'counted' });
    await hop.request(`/events/${extra.id}`, { method: 'DELETE' });
    const exact = async () => {
      const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events`);
      return row!.n;
    };
    const reported = async () => Number((await hop.request('/events?per_page=1')).headers.get('x-total-count'));
    expect(await reported()).toBe(await exact());
    await hop.request(`/users/${owner.id}`, { method: 'DELETE' });
    expect(await reported()).toBe(await exact());
  });

  it('deletes an event', async () => {
    const { body: event } = await hop.json('/events', { event_type: 'temp' });
    expect((await hop.request(`/events/${event.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hop.json(`/events/${event.id}`)).status).toBe(404);
    expect((await hop.request(`/events/${event.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
