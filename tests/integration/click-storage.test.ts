// Raw clicks in monthly partitions: the migration that moves existing events, partitions made ahead
// by one replica at a time, retention by whole months, and /events reading across all of it.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { runMigrations } from '../../db/migrate.ts';
import { clickPartitionMonths, createClickPartitions, monthStart, monthsAhead, partitionMonth, partitionName } from '../../src/events/click-partitions.ts';
import { drizzle } from 'drizzle-orm/bun-sql';
import type { Database } from '../../db/client.ts';
import * as schema from '../../db/schema.ts';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { EventService, linkClickHours, type EventFilter } from '../../src/events/service.ts';
import { Maintenance, PARTITIONS_AHEAD } from '../../src/stats/maintenance.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { migrateBefore } from '../support/older-schema.ts';

async function counter(database: TestDatabase): Promise<{ counted: number; rows: number }> {
  const [row] = await database.db.execute<{ counted: number; rows: number }>(
    sql`select (select sum(n) from event_count)::int as counted, (select count(*) from events)::int as rows`);
  return { counted: Number(row!.counted), rows: Number(row!.rows) };
}

describe('the partitioning migration', () => {
  it('moves existing events (ids, rows and the row counter) into the partitioned table', async () => {
    const database = await freshDatabase('partition_migration');
    try {
      // The database as the release before partitioning left it.
      await migrateBefore(database.db, '0005');

      await database.db.execute(sql`insert into urls (id, short_code, original_url) values (1, 'old1', 'https://e.x/1')`);
      await database.db.execute(sql`
        insert into events (url_id, event_type, timestamp, details)
        select 1, case when g % 4 = 0 then 'created' else 'click' end, now() - g * interval '1 day', '{"n": 1}'
        from generate_series(1, 400) g`);
      const [before] = await database.db.execute<{ max: number }>(sql`select max(id)::int as max from events`);

      await runMigrations(database.db);

      expect(await counter(database)).toEqual({ counted: 400, rows: 400 });
      const [kinds] = await database.db.execute<{ clicks: number; other: number; max: number }>(sql`
        select (select count(*) from events_clicks)::int as clicks, (select count(*) from events_other)::int as other,
               (select max(id) from events)::int as max`);
      expect(kinds).toEqual({ clicks: 300, other: 100, max: before!.max });
      // A month for every month with clicks (400 days back) up to PARTITIONS_AHEAD months ahead.
      const months = await clickPartitionMonths(database.db);
      expect(months.length).toBeGreaterThanOrEqual(14 + PARTITIONS_AHEAD);
      expect(monthsAhead(months, new Date())).toBe(PARTITIONS_AHEAD);
      const [stray] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events_clicks_default`);
      expect(stray!.n).toBe(0);
      // The sequence went on from where it was, now as bigint.
      const [next] = await database.db.execute<{ id: string }>(sql`insert into events (event_type) values ('after') returning id::text`);
      expect(Number(next!.id)).toBe(before!.max + 1);
      const [type] = await database.db.execute<{ t: string }>(sql`select data_type as t from information_schema.sequences where sequence_name = 'events_id_seq'`);
      expect(type!.t).toBe('bigint');
    } finally {
      await database.drop();
    }
  }, 30_000); // Runs every migration twice: past 5 s on a loaded machine (bunfig's timeout does not reach it)
});

describe('the details repair migration (0012)', () => {
  it('turns details stored as a JSON string back into the object, and leaves objects alone', async () => {
    const database = await freshDatabase('details_repair');
    try {
      await migrateBefore(database.db, '0012');
      // As the release before stored them: a JSON string holding the object; and a proper object.
      await database.db.execute(sql`insert into events (event_type, details) values
        ('note', to_jsonb('{"says": "hi", "n": 1}'::text)), ('note', '{"says": "fine"}'::jsonb)`);
      await runMigrations(database.db);
      const rows = await database.db.execute<{ kind: string; says: string }>(sql`
        select jsonb_typeof(details) as kind, details->>'says' as says from events order by id`);
      expect(rows).toEqual([{ kind: 'object', says: 'hi' }, { kind: 'object', says: 'fine' }]);
    } finally {
      await database.drop();
    }
  });
});

describe('partition maintenance', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('partition_upkeep');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('names months and counts how far ahead they reach', () => {
    const month = new Date('2027-01-01T00:00:00Z');
    expect(partitionName(month)).toBe('events_clicks_y2027m01');
    expect(partitionMonth('events_clicks_y2027m01')).toEqual(month);
    expect(partitionMonth('events_clicks_default')).toBeNull();
    const now = new Date('2026-12-15T10:00:00Z');
    expect(monthStart(now, 1)).toEqual(month);
    expect(monthsAhead([monthStart(now), month], now)).toBe(1);
    expect(monthsAhead([month], now)).toBe(-1);
  });

  it('creates months ahead on one replica at a time, moving clicks that waited in the default partition', async () => {
    const future = new Date(Date.UTC(new Date().getUTCFullYear() + 2, 5, 10));
    const [link] = await database.db.execute<{ id: number }>(sql`insert into urls (short_code, original_url) values ('future', 'https://e.x') returning id`);
    await database.db.execute(sql`insert into events (url_id, event_type, timestamp) values (${link!.id}, 'click', ${future.toISOString()})`);
    const before = await counter(database);
    const replicas = [0, 1, 2].map(() => new Maintenance(database.db, { retentionMonths: 0, intervalMs: 60_000 }, undefined, () => future));
    const reports = await Promise.all(replicas.map((replica) => replica.run()));
    const worked = reports.filter((report) => report.ran);
    expect(worked.length).toBeGreaterThanOrEqual(1);
    // Whoever ran made the months; nobody made one twice.
    expect(reports.flatMap((report) => report.created).length).toBe(PARTITIONS_AHEAD + 1);
    expect(reports.every((report) => !report.ran || report.monthsAhead === PARTITIONS_AHEAD)).toBe(true);
    const [where] = await database.db.execute<{ part: string }>(sql`select tableoid::regclass::text as part from events where event_type = 'click' and url_id = ${link!.id}`);
    expect(where!.part).toBe(partitionName(monthStart(future)));
    expect(await counter(database)).toEqual(before);
    // Idempotent: a second round creates nothing.
    expect((await replicas[0]!.run()).created).toEqual([]);
  });

  it('drops whole months past the retention, keeps the row counter right and leaves newer months', async () => {
    const now = new Date();
    const [link] = await database.db.execute<{ id: number }>(sql`insert into urls (short_code, original_url) values ('old', 'https://e.x') returning id`);
    const oldMonth = monthStart(now, -5);
    await database.db.execute(sql`insert into events (url_id, event_type, timestamp) values (${link!.id}, 'click', ${new Date(oldMonth.getTime() + 86_400_000).toISOString()})`);
    // A round run back then made that month and the ones after it, and moved the old click in.
    const back = new Maintenance(database.db, { retentionMonths: 0, intervalMs: 60_000 }, undefined, () => new Date(oldMonth.getTime() + 86_400_000));
    expect((await back.run()).created.length).toBe(PARTITIONS_AHEAD + 1);
    const keeper = new Maintenance(database.db, { retentionMonths: 0, intervalMs: 60_000 });
    await database.db.execute(sql`insert into events (url_id, event_type, timestamp) values
      (${link!.id}, 'click', ${new Date(monthStart(now, -1).getTime() + 3_600_000).toISOString()}),
      (${link!.id}, 'click', now()),
      (${link!.id}, 'created', ${oldMonth.toISOString()})`);
    expect((await keeper.run()).droppedRows).toBe(0);
    const expiring = new Maintenance(database.db, { retentionMonths: 2, intervalMs: 60_000 });
    const report = await expiring.run();
    expect(report.droppedRows).toBe(1);
    expect(report.droppedMonths).toEqual([monthStart(now, -5), monthStart(now, -4), monthStart(now, -3)]);
    const [left] = await database.db.execute<{ clicks: number; audit: number }>(sql`
      select count(*) filter (where event_type = 'click')::int as clicks, count(*) filter (where event_type <> 'click')::int as audit
      from events where url_id = ${link!.id}`);
    expect(left).toEqual({ clicks: 2, audit: 1 });
    const counts = await counter(database);
    expect(counts.counted).toBe(counts.rows);
    const months = await clickPartitionMonths(database.db);
    expect(months.every((month) => month.getTime() >= monthStart(now, -2).getTime())).toBe(true);
  });

  it('starts, reports each round and stops', async () => {
    const reports: boolean[] = [];
    const job = new Maintenance(database.db, { retentionMonths: 0, intervalMs: 60_000 }, { finished: (report) => reports.push(report.ran), failed: () => reports.push(false) });
    job.start();
    job.start();
    const deadline = Date.now() + 10_000;
    while (reports.length === 0 && Date.now() < deadline) await Bun.sleep(20);
    await job.stop();
    expect(reports).toEqual([true]);
  });

  it('reports a failed round instead of throwing', async () => {
    const broken = openDatabase({ url: database.url.replace(/\/[^/]*$/, '/hop_no_such_database'), poolMax: 2 });
    const failures: unknown[] = [];
    const job = new Maintenance(broken, { retentionMonths: 0, intervalMs: 60_000 }, { finished: () => {}, failed: (error) => failures.push(error) });
    job.start();
    const deadline = Date.now() + 10_000;
    while (failures.length === 0 && Date.now() < deadline) await Bun.sleep(20);
    await job.stop();
    await broken.$client.close();
    expect(failures.length).toBe(1);
  });
});

describe('GET /events over partitions', () => {
  let database: TestDatabase;
  let hop: RunningHop;
  beforeAll(async () => {
    database = await freshDatabase('events_range');
    hop = await startHop(database.db);
  });
  afterAll(async () => {
    await hop.stop();
    await database.drop();
  });

  it('filters by from/to (to exclusive) and rejects an empty range', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/range' });
    const at = (iso: string) => new Date(iso).getTime();
    for (const iso of ['2026-10-01T00:00:00Z', '2026-10-15T00:00:00Z', '2026-11-01T00:00:00Z']) {
      hop.clicks.record({ urlId: link.id, at: at(iso), referrer: null, userAgent: 'test', requestId: null });
    }
    const listed = await hop.json(`/events?url_id=${link.id}&event_type=click&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((event: { timestamp: string }) => event.timestamp)).toEqual(['2026-10-15T00:00:00.000Z', '2026-10-01T00:00:00.000Z']);
    expect(listed.headers.get('x-total-count')).toBe('2');
    expect(listed.headers.get('x-total-count-exact')).toBeNull();
    const id = listed.body[0].id;
    expect((await hop.json(`/events/${id}`)).body.timestamp).toBe('2026-10-15T00:00:00.000Z');
    // Ids past 32 bits are ids too (bigint), merely unknown here.
    expect((await hop.json('/events/4294967296')).status).toBe(404);
    expect((await hop.json('/events/9007199254740992')).status).toBe(400);
    const backwards = await hop.json('/events?from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.details[0].field).toBe('from');
    expect((await hop.json('/events?from=yesterday')).status).toBe(400);
  });

  it("reads a link's page from the window its hourly rollups give, and the whole range when they count too many", async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/windowed' });
    // 300 clicks, one every 10 minutes, the newest 2 h ago on an hour start: 6 clicks in each whole hour.
    const newest = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    // Their months (last month's too, early in a month), as the maintenance job keeps them.
    await createClickPartitions(database.db, new Date(newest - 50 * 3_600_000), 1);
    await database.db.execute(sql`
      insert into events (url_id, event_type, timestamp, details)
      select ${link.id}, 'click', to_timestamp(${newest / 1000}) - g * interval '10 minutes', jsonb_build_object('n', g)
      from generate_series(0, 299) g`);
    // Half of them automated: the window counts both kinds.
    await database.db.execute(sql`
      insert into link_clicks_hourly (url_id, hour, clicks, bot_clicks)
      select url_id, date_trunc('hour', timestamp, 'UTC'), count(*) filter (where (details->>'n')::int % 2 = 0), count(*) filter (where (details->>'n')::int % 2 = 1)
      from events_clicks where url_id = ${link.id} group by 1, 2`);
    // The daily rollups as the folder keeps them: the sum of their hours.
    const rollDays = () => database.db.execute(sql`
      insert into link_clicks_daily (url_id, day, clicks, bot_clicks)
      select url_id, (hour at time zone 'UTC')::date, sum(clicks), sum(bot_clicks) from link_clicks_hourly where url_id = ${link.id} group by 1, 2
      on conflict (url_id, day) do update set clicks = excluded.clicks, bot_clicks = excluded.bot_clicks`);
    await rollDays();
    const expected = async (query: string) => {
      const params = new URLSearchParams(query);
      const after = params.get('from') ?? '1970-01-01T00:00:00Z';
      const before = params.get('to') ?? '9999-01-01T00:00:00Z';
      const all = await database.db.execute<{ id: string }>(sql`
        select id::text from events where url_id = ${link.id} and event_type like ${params.get('event_type') ?? '%'}
          and timestamp >= ${after}::timestamptz and timestamp < ${before}::timestamptz order by timestamp desc, id desc`);
      const perPage = Number(params.get('per_page'));
      const start = (Number(params.get('page') ?? 1) - 1) * perPage;
      return all.slice(start, start + perPage).map((row) => Number(row.id));
    };
    const ids = async (query: string) => {
      const listed = await hop.json(`/events?url_id=${link.id}&${query}`);
      expect(listed.status).toBe(200);
      return listed.body.map((event: { id: number }) => event.id);
    };
    const hoursBack = (hours: number) => new Date(newest - hours * 3_600_000).toISOString();
    const linkPageStart = async (filter: Omit<EventFilter, 'url_id'>, need: number) => (await linkClickHours(database.db, { url_id: link.id, ...filter }, need)).since;
    // 20 newest: the newest hour holds 1 click, then 6 an hour: the window starts 4 whole hours back.
    expect(await linkPageStart({}, 20)).toBe(hoursBack(4));
    expect(await linkPageStart({}, 301)).toBeNull();
    // Hours cut by from/to do not count.
    const to = new Date(newest - 30 * 60_000).toISOString();
    expect(await linkPageStart({ to }, 6)).toBe(hoursBack(2));
    expect(await linkPageStart({ from: hoursBack(3.5) }, 20)).toBeNull();
    // Less than a day: hours only (3 h and 2 h back, 6 clicks each); a range of days: days and the hours around them.
    expect((await linkClickHours(database.db, { url_id: link.id, from: hoursBack(3.5), to: hoursBack(0.5) }, 1)).inside).toBe(12);
    expect((await linkClickHours(database.db, { url_id: link.id, from: hoursBack(49.5), to: hoursBack(0.5) }, 1)).inside).toBe(6 * 48);
    const from = hoursBack(40);
    for (const query of ['per_page=20', 'per_page=20&page=3', 'per_page=7&page=40', 'per_page=50&page=7', 'event_type=click&per_page=20&page=2',
      `per_page=25&page=2&to=${to}`, `per_page=10&page=2&from=${from}`, `per_page=10&page=30&from=${from}`]) {
      expect(await ids(query)).toEqual(await expected(query));
    }

    // Which reads a page takes, from the statements sent: the window when the rollups tell, once.
    const sent: { query: string; params: unknown[] }[] = [];
    const watched = drizzle({ client: database.db.$client, schema, logger: { logQuery: (query, params) => sent.push({ query, params }) } }) as unknown as Database;
    const service = new EventService(watched);
    const pageReads = () => sent.filter((statement) => /from "events"/.test(statement.query) && /order by/.test(statement.query));
    const listed = await service.list({ url_id: link.id }, { limit: 20, offset: 0 }, OPEN_ACTOR);
    expect(listed.rows.map((event) => event.id)).toEqual(await expected('per_page=20'));
    expect(pageReads().map((read) => read.params.includes(hoursBack(4)))).toEqual([true]);
    // Rollups that count too many (clicks deleted since): the window comes back short, the whole range answers.
    await database.db.execute(sql`update link_clicks_hourly set clicks = clicks + 1000 where url_id = ${link.id} and hour = to_timestamp(${newest / 1000})`);
    await rollDays();
    expect(await linkPageStart({}, 20)).toBe(hoursBack(0));
    sent.length = 0;
    expect((await service.list({ url_id: link.id }, { limit: 20, offset: 20 }, OPEN_ACTOR)).rows.map((event) => event.id)).toEqual(await expected('per_page=20&page=2'));
    expect(pageReads().map((read) => read.params.includes(hoursBack(0)))).toEqual([true, false]);
    for (const query of ['per_page=20', 'per_page=20&page=2']) {
      expect(await ids(query)).toEqual(await expected(query));
    }

    // Past the bound, the total is the rollups' count of the whole hours in range, not a count of rows
    // (here 300 raw rows against 1,300 rolled up: below the bound, rows are counted).
    expect((await service.list({ url_id: link.id }, { limit: 5, offset: 0 }, OPEN_ACTOR)).total).toBe(301);
    await database.db.execute(sql`update link_clicks_hourly set bot_clicks = bot_clicks + 20000 where url_id = ${link.id} and hour = to_timestamp(${newest / 1000}) - interval '5 hours'`);
    await rollDays();
    expect(await service.list({ url_id: link.id, event_type: 'click' }, { limit: 5, offset: 0 }, OPEN_ACTOR)).toMatchObject({ total: 21_300, exact: false });
    // Whole hours before 3.5 h back: from 5 h back, 45 hours of 6 clicks, the oldest hour's 5, the 20,000.
    const { total: inside } = await service.list({ url_id: link.id, to: hoursBack(3.5) }, { limit: 5, offset: 0 }, OPEN_ACTOR);
    expect(inside).toBe(20_000 + 45 * 6 + 5);
    // Only for a caller who may see the whole link: its owner's key does; another user's key counts its
    // own rows (none), without the window.
    const [owner, stranger] = await database.db.execute<{ id: number }>(sql`
      insert into users (username, email) values ('owner', 'owner@example.com'), ('stranger', 'stranger@example.com') returning id`);
    const userKey = (id: unknown) => ({ kind: 'user' as const, userId: Number(id), keyId: 1 });
    await database.db.execute(sql`update urls set user_id = ${owner!.id} where id = ${link.id}`);
    await database.db.execute(sql`update events set user_id = ${owner!.id} where url_id = ${link.id}`);
    expect(await service.list({ url_id: link.id }, { limit: 5, offset: 0 }, userKey(owner!.id))).toMatchObject({ total: 21_300, exact: false });
    expect(await service.list({ url_id: link.id, user_id: Number(owner!.id) }, { limit: 5, offset: 0 }, OPEN_ACTOR)).toMatchObject({ total: 21_300, exact: false });
    sent.length = 0;
    expect(await service.list({ url_id: link.id }, { limit: 5, offset: 0 }, userKey(stranger!.id))).toMatchObject({ rows: [], total: 0, exact: true });
    expect(await service.list({ url_id: link.id, user_id: Number(stranger!.id) }, { limit: 5, offset: 0 }, OPEN_ACTOR)).toMatchObject({ rows: [], total: 0, exact: true });
    expect(pageReads().map((read) => read.params.includes(hoursBack(0)))).toEqual([false, false]);
    // A deleted link keeps its rollups, not its clicks: no window, and its rows are counted.
    expect((await hop.json(`/urls/${link.id}`, undefined, 'DELETE')).status).toBe(204);
    expect(await service.list({ url_id: link.id }, { limit: 5, offset: 0 }, OPEN_ACTOR)).toMatchObject({ rows: [], total: 0, exact: true });
  });

  it('counts a filtered list exactly up to the bound, then says the total is an estimate', async () => {
    const { body: link } = await hop.json('/urls', { original_url: 'https://example.com/busy' });
    await database.db.execute(sql`
      insert into events (url_id, event_type, timestamp) select ${link.id}, 'click', now() - g * interval '1 second'
      from generate_series(1, 10050) g`);
    await database.db.execute(sql`analyze events_clicks`);
    const page = await hop.request(`/events?url_id=${link.id}&per_page=5`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count-exact')).toBe('false');
    expect(Number(page.headers.get('x-total-count'))).toBeGreaterThan(10_000);
    expect(await page.json()).toHaveLength(5);
  });
});
