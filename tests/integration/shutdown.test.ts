// A replica sent SIGTERM under load: every 302 it served has its click stored, none more.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { spawnHop } from '../support/process.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('shutdown');
});
afterAll(() => database.drop());

describe('graceful shutdown', () => {
  it('loses no click across SIGTERM under concurrent redirects', async () => {
    const { child: hop, base, shorten } = await spawnHop(database.url, { CLICK_FLUSH_INTERVAL_MS: '1000' });
    const link = { short_code: await shorten('https://example.com/term') };

    let served = 0;
    let refused = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const response = await fetch(`${base}/${link.short_code}`, { redirect: 'manual' });
          if (response.status === 302) served++;
        } catch {
          refused++;
          if (hop.exitCode !== null) return;
          await Bun.sleep(5);
        }
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    await Bun.sleep(700); // clicks pile up in the buffer (flush interval 1 s)
    hop.kill('SIGTERM');
    const exitCode = await hop.exited;
    stop = true;
    await Promise.all(workers);

    const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events where event_type = 'click'`);
    console.log(`SIGTERM drill: ${served} redirects served, ${row!.n} clicks stored, ${refused} requests refused after stop`);
    expect(exitCode).toBe(0);
    expect(served).toBeGreaterThan(100);
    expect(row!.n).toBe(served);
  }, 60_000);

  it('logs how long each drain phase took (requests, clicks, pools, total)', async () => {
    const { child: hop, base, shorten } = await spawnHop(database.url, { LOG_LEVEL: 'info', CLICK_FLUSH_INTERVAL_MS: '1000' }, 'pipe');
    const code = await shorten('https://example.com/drain-timing');
    for (let i = 0; i < 20; i++) await fetch(`${base}/${code}`, { redirect: 'manual' });
    hop.kill('SIGTERM');
    expect(await hop.exited).toBe(0);
    const lines = (await new Response(hop.stdout as ReadableStream).text()).trim().split('\n').map((line) => JSON.parse(line));
    const stopped = lines.find((line) => line.msg === 'stopped');
    expect(stopped).toBeDefined();
    const drain = stopped.drain_ms as Record<string, number>;
    for (const phase of ['requests', 'clicks', 'pools', 'total']) expect(drain[phase]).toBeGreaterThanOrEqual(0);
    expect(drain.total!).toBeGreaterThanOrEqual(drain.requests! + drain.clicks! + drain.pools! - 3);
  }, 60_000);
});
