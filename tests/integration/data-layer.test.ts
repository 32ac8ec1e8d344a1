// The data layer against real Postgres: known driver traps, migrations, seeding and CSV imports.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../db/client.ts';
import { runMigrations } from '../../db/migrate.ts';
import { events, urls, users } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { generateDataset, importDataset, isEmpty, readCsvDataset } from '../../db/seed.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop } from '../support/hop.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase('data_layer');
});
afterAll(async () => {
  await database.drop();
});

describe('bun:sql under drizzle', () => {
  it('keeps every prepared statement its own rows when queries interleave on one connection (bun#30494)', async () => {
    const single = openDatabase({ url: database.url, poolMax: 1 });
    try {
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          i % 3 === 0
            ? single.execute<{ v: number }>(sql`select ${i}::int as v`).then((rows) => ({ i, got: Number(rows[0]!.v) }))
            : i % 3 === 1
              ? single.execute<{ v: string }>(sql`select ${'s' + i}::text as v, 1 as other`).then((rows) => ({ i, got: rows[0]!.v }))
              : single.select({ v: sql<number>`${i}::int + 0` }).from(sql`(select 1) as one`).then((rows) => ({ i, got: Number(rows[0]!.v) })),
        ),
      );
      for (const { i, got } of results) expect(got).toEqual(i % 3 === 1 ? 's' + i : i);
    } finally {
      await single.$client.close();
    }
  });

  it('round-trips JSONB details exactly, including unicode, quotes, nesting and large numbers', async () => {
    const details = {
      text: 'héllo "world" \\ \u0001 ☃ 𝄞',
      nested: { list: [1, 'two', null, { deep: true }], empty: {} },
      big: 9007199254740991,
      float: 0.1,
      negative: -42,
      sqlish: "'; drop table users; --",
    };
    const [row] = await database.db.insert(events).values({ eventType: 'roundtrip', details }).returning();
    const [read] = await database.db.select().from(events).where(eq(events.id, row!.id));
    expect(read!.details).toEqual(details);
  });

  it('round-trips timestamps with millisecond precision in UTC whatever the session time zone', async () => {
    const [user] = await database.db.insert(users).values({ username: 'tz', email: 'tz@example.com', createdAt: '2024-02-29T23:59:59.123Z' }).returning();
    const single = openDatabase({ url: database.url, poolMax: 1 });
    try {
      await single.execute(sql`set time zone 'America/New_York'`);
      const [read] = await single.select().from(users).where(eq(users.id, user!.id));
      expect(toIso(read!.createdAt)).toBe('2024-02-29T23:59:59.123Z');
    } finally {
      await single.$client.close();
    }
  });

  it('round-trips booleans and nulls', async () => {
    const [row] = await database.db.insert(urls).values({ shortCode: 'rt-bool', originalUrl: 'https://e.x', title: null, isActive: false }).returning();
    expect(row).toMatchObject({ title: null, isActive: false, userId: null });
  });
});

describe('indexes', () => {
  it.each([
    // Partitioned: each partition's copy of the index (named after the partition), merged in order.
    ['events', 'timestamp_id_idx', sql`select id from events order by timestamp desc, id desc limit 50`],
    // Audit and client events of a link from their own three-column index; the click months have (url_id)
    // alone (migration 0015) and merge in by time (a page's window comes from the rollups, src/events/service.ts).
    ['events of one link', 'events_other_url_id_idx', sql`select id from events where url_id = 1 order by timestamp desc, id desc limit 50`],
    ['events of one user', 'user_id_timestamp_id_idx', sql`select id from events where user_id = 1 order by timestamp desc, id desc limit 50`],
    ['urls', 'urls_created_at_idx', sql`select id from urls order by created_at desc, id desc limit 50`],
  ])('serves the newest-first %s list from %s without a sort', async (_table, index, query) => {
    const single = openDatabase({ url: database.url, poolMax: 1 });
    try {
      await single.execute(sql`set enable_seqscan = off`);
      await single.execute(sql`set enable_sort = off`);
      const plan = (await single.execute<{ 'QUERY PLAN': string }>(sql`explain ${query}`)).map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain(index);
      // "Merge Append" prints a "Sort Key" line; a Sort node is what must be absent.
      expect(plan).not.toMatch(/(^|->\s+)Sort\s/m);
    } finally {
      await single.$client.close();
    }
  });
});

describe('click months', () => {
  it('index clicks by link alone, and audit events by link and time', async () => {
    const indexes = await database.db.execute<{ tablename: string; indexdef: string }>(sql`
      select tablename, indexdef from pg_indexes where indexdef like '%(url_id%' and tablename in ('events_other', 'events_clicks_default')`);
    const byTable = Object.fromEntries(indexes.map((row) => [row.tablename, row.indexdef.replace(/^.* USING /, '')]));
    expect(byTable).toEqual({ events_clicks_default: 'btree (url_id)', events_other: 'btree (url_id, "timestamp", id)' });
  });
});

describe('migrations', () => {
  it('are safe when several replicas start at once', async () => {
    const fresh = await freshDatabase('migrate_race');
    try {
      const replicas = [1, 2, 3].map(() => openDatabase({ url: fresh.url, poolMax: 2 }));
      await Promise.all(replicas.map((db) => runMigrations(db)));
      const tables = await fresh.db.execute<{ n: number }>(sql`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('users','urls','events')`);
      expect(tables[0]!.n).toBe(3);
      await Promise.all(replicas.map((db) => db.$client.close()));
    } finally {
      await fresh.drop();
    }
  }, 30_000);
});

const SEED_ROOT = path.resolve(import.meta.dir, '../../../shared/seed-csv');
const seedDirs = existsSync(SEED_ROOT)
  ? readdirSync(SEED_ROOT, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
  : [];

describe('seeding', () => {
  it('generates into an empty database and reports it is no longer empty', async () => {
    const fresh = await freshDatabase('seed_generate');
    try {
      expect(await isEmpty(fresh.db)).toBe(true);
      const result = await importDataset(fresh.db, generateDataset());
      expect(result.users).toEqual({ imported: 400, skipped: 0 });
      expect(result.urls).toEqual({ imported: 2000, skipped: 0 });
      expect(result.events).toEqual({ imported: 3422, skipped: 0 });
      expect(await isEmpty(fresh.db)).toBe(false);
    } finally {
      await fresh.drop();
    }
  });

  it.skipIf(seedDirs.length === 0).each(seedDirs)('imports the hackathon CSVs of %s keeping ids, then new rows get fresh ids', async (dir) => {
    const fresh = await freshDatabase(`seed_${dir.slice(0, 12)}`);
    const hop = await startHop(fresh.db);
    try {
      const data = await readCsvDataset(path.join(SEED_ROOT, dir));
      const result = await importDataset(fresh.db, data);
      expect(result.users.imported + result.users.skipped).toBe(400);
      expect(result.urls.imported).toBeGreaterThanOrEqual(1999);
      expect(result.events.imported).toBe(3422);
      expect(result.problems.length).toBe(result.users.skipped + result.urls.skipped + result.events.skipped);

      // Imported ids are kept...
      const firstUrl = data.urls[0]!;
      const stored = await hop.json(`/urls/${firstUrl.id}`);
      expect(stored.body).toMatchObject({ short_code: firstUrl.short_code, original_url: firstUrl.original_url, is_active: firstUrl.is_active });
      // ...and the sequences moved past them: creates through the API do not collide.
      const maxUrlId = Math.max(...data.urls.map((u) => u.id));
      const link = await hop.json('/urls', { original_url: 'https://example.com/after-import' });
      expect(link.status).toBe(201);
      expect(link.body.id).toBeGreaterThan(maxUrlId);
      const user = await hop.json('/users', { username: 'after_import', email: 'after_import@example.com' });
      expect(user.body.id).toBeGreaterThan(400);
      const event = await hop.json('/events', { event_type: 'after_import' });
      expect(event.body.id).toBeGreaterThan(3422);

      // No orphans: every event's references exist.
      const orphans = await fresh.db.execute<{ n: number }>(sql`
        select count(*)::int as n from events e
        where (e.url_id is not null and not exists (select 1 from urls u where u.id = e.url_id))
           or (e.user_id is not null and not exists (select 1 from users u where u.id = e.user_id))`);
      expect(orphans[0]!.n).toBe(0);
    } finally {
      await hop.stop();
      await fresh.drop();
    }
  }, 30_000); // it.each does not take bunfig's timeout (it ran at 5 s and timed out on a loaded machine)
});
