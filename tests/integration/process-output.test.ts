// What an operator's log pipeline sees: every line hop writes to stdout is one JSON object, from the
// first request to each route (where Elysia once dumped a schema) to the last line of shutdown.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { spawnHop } from '../support/process.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase('process_output');
});
afterAll(async () => {
  await database.drop();
});

describe('stdout of a running hop', () => {
  it('is JSON lines only, whatever routes are called', async () => {
    const { child, base } = await spawnHop(database.url, { LOG_LEVEL: 'debug' }, 'pipe');
    const json = (path: string, body: unknown, method = 'POST') =>
      fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'manual' });
    const user = (await (await json('/users', { username: 'lines', email: 'lines@example.com' })).json()) as { id: number };
    const link = (await (await json('/urls', { original_url: 'https://example.com/lines', user_id: user.id })).json()) as { id: number; short_code: string };
    await fetch(`${base}/${link.short_code}`, { redirect: 'manual' });
    const event = (await (await json('/events', { event_type: 'note', url_id: link.id, details: { a: 1 } })).json()) as { id: number };
    expect(event.id).toBeNumber();
    await json('/events', { event_type: 'bad', details: 'a string' });
    await fetch(`${base}/events?url_id=${link.id}`);
    await fetch(`${base}/events/${event.id}`);
    await fetch(`${base}/events/${event.id}`, { method: 'DELETE' });
    await json(`/urls/${link.id}`, { title: 'x' }, 'PUT');
    await json(`/users/${user.id}`, { username: 'lines2' }, 'PUT');
    const form = new FormData();
    form.append('file', new File(['username,email\nbulk1,bulk1@example.com\n'], 'users.csv'));
    await fetch(`${base}/users/bulk`, { method: 'POST', body: form });
    for (const path of ['/docs/json', '/urls', '/users', '/events', '/health', '/ready', '/metrics', '/nope/x']) await fetch(base + path);

    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const lines = (await new Response(child.stdout as ReadableStream).text()).split('\n').filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(10);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  }, 60_000);
});
