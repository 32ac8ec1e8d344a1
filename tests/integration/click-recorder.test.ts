// The click recorder's batching against a real Postgres: when a batch may join one under way.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { SQL } from 'bun';
import { sql } from 'drizzle-orm';
import { ClickRecorder } from '../../src/events/click-recorder.ts';
import { CLICK_BARRIER_KEY } from '../../src/stats/click-barrier.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { HOOK_TIMEOUT_MS, waitFor } from '../support/wait.ts';

let database: TestDatabase;
let linkId: number;

beforeAll(async () => {
  database = await freshDatabase('click_recorder');
  const [link] = await database.db.execute<{ id: number }>(sql`
    insert into urls (short_code, original_url, title) values ('batching', 'https://example.com/batching', 'batching') returning id`);
  linkId = link!.id;
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await database.drop();
}, HOOK_TIMEOUT_MS);

describe('click batches', () => {
  it('writes a partial batch only when none is under way, and a full one beside it', async () => {
    // A delete's hold on the click barrier keeps every batch in flight until it lets go.
    const blocker = new SQL({ url: database.url, max: 1 });
    const held = await blocker.reserve();
    await held`select pg_advisory_lock(${CLICK_BARRIER_KEY})`;
    const recorder = new ClickRecorder(database.db, { flushIntervalMs: 5, batchSize: 10, bufferCap: 1_000, flushConcurrency: 2 });
    const record = (count: number) => {
      for (let i = 0; i < count; i++) recorder.record({ urlId: linkId, at: Date.now(), referrer: null, userAgent: 'batching', requestId: null });
    };
    recorder.start();
    try {
      record(3);
      await waitFor(async () => recorder.depth === 0, 'the first partial batch to leave the buffer');
      record(3);
      // Timer ticks pass; the partial batch stays buffered while the first one is under way.
      await Bun.sleep(100);
      expect(recorder.depth).toBe(3);
      // A full batch does not wait: it goes beside the first, and the rest stays buffered.
      record(10);
      expect(recorder.depth).toBe(3);
    } finally {
      await held`select pg_advisory_unlock(${CLICK_BARRIER_KEY})`;
      held.release();
      await blocker.close();
      await recorder.stop();
    }
    const [stored] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events where url_id = ${linkId} and event_type = 'click'`);
    expect(stored!.n).toBe(16);
    expect(recorder.dropped).toBe(0);
  });
});
