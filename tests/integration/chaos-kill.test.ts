// The `kill` drill on a real process: 202, then the same graceful shutdown as SIGTERM (buffered
// clicks stored, pools closed) and exit code 3, with every step in the JSON log on stdout.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { spawnHop } from '../support/process.ts';

const CHAOS_TOKEN = 'chaos-token-for-the-kill-drill';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('chaos_kill');
});
afterAll(() => database.drop());

describe('kill drill', () => {
  it('answers 202, stores buffered clicks, and exits with code 3', async () => {
    const { child: hop, base, shorten } = await spawnHop(database.url, { LOG_LEVEL: 'info', CHAOS_TOKEN, CLICK_FLUSH_INTERVAL_MS: '60000' }, 'pipe');
    const link = { short_code: await shorten('https://example.com/kill') };
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/${link.short_code}`, { redirect: 'manual' })).status).toBe(302);

    const response = await fetch(`${base}/chaos`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-chaos-token': CHAOS_TOKEN }, body: '{"mode":"kill"}' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ mode: 'kill' });
    expect(await hop.exited).toBe(3);

    const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events where event_type = 'click'`);
    expect(row!.n).toBe(5);
    const lines = (await new Response(hop.stdout).text()).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = lines.map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['chaos drill: graceful exit requested', 'shutting down', 'stopped']));
    expect(lines.find((line) => line.msg === 'stopped')!.exit_code).toBe(3);
    expect(lines.find((line) => line.route === '/chaos')).toMatchObject({ msg: 'request', method: 'POST', status: 202 });
    expect(JSON.stringify(lines)).not.toContain(CHAOS_TOKEN);
  }, 30_000);
});
