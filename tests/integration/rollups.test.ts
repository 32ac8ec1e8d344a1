// The rollups the click writer keeps equal an aggregation of the raw click rows: after concurrent
// batches from two replicas, late batches held through a Postgres outage, a link deleted while its
// clicks waited to be written, and a retention drop. And the rebuild agrees.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { monthStart } from '../../src/events/click-partitions.ts';
import { ClickRecorder, type Click } from '../../src/events/click-recorder.ts';
import { ClickFacts } from '../../src/stats/click-facts.ts';
import { resetData } from '../../db/seed.ts';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { EventService } from '../../src/events/service.ts';
import { Maintenance } from '../../src/stats/maintenance.ts';
import { CLICK_BARRIER_KEY, foldHorizon, holdClickBarrier } from '../../src/stats/click-barrier.ts';
import { RollupFolder } from '../../src/stats/rollup-folder.ts';
import { aggregateDay, rebuildRollups } from '../../src/stats/rebuild.ts';
import { AgentClassifier } from '../../src/stats/user-agents.ts';
import { privatePostgres, type PrivatePostgres } from '../support/services.ts';

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'facebookexternalhit/1.1',
  null,
];
const REFERRERS = [null, 'https://news.ycombinator.com/item?id=1', 'https://t.co/abc', 'android-app://com.slack', 'https://www.google.com/'];
const ADDRESSES = ['1.0.0.1', '203.0.113.9, 10.0.0.1', '2001:2::7', '127.0.0.1', null, '81.2.69.160'];
const DAY_MS = 86_400_000;

let pg: PrivatePostgres;
let links: number[];

function click(i: number, urlId: number, at: number): Click {
  return {
    urlId,
    at,
    referrer: REFERRERS[i % REFERRERS.length]!,
    userAgent: AGENTS[(i * 7) % AGENTS.length]!,
    requestId: `r${i}`,
    clientAddress: ADDRESSES[(i * 3) % ADDRESSES.length]!,
    country: i % 11 === 0 ? 'de' : null,
  };
}

const recorder = (db: Database, batchSize: number) =>
  new ClickRecorder(db, { flushIntervalMs: 5, batchSize, bufferCap: 1_000_000, flushConcurrency: 3 }, undefined, new ClickFacts(db));

/** Every stored rollup of one UTC day, in the shape aggregateDay() computes from raw rows. */
async function storedDay(db: Database, day: string) {
  const from = `${day}T00:00:00.000Z`;
  const to = new Date(Date.parse(from) + DAY_MS).toISOString();
  const rows = async (query: ReturnType<typeof sql>) => (await db.execute<Record<string, unknown>>(query)).map((row) => JSON.stringify(row)).sort();
  return {
    hourly: await rows(sql`select h.url_id, h.hour, h.clicks::int, h.bot_clicks::int from link_clicks_hourly h join urls u on u.id = h.url_id where hour >= ${from} and hour < ${to}`),
    daily: await rows(sql`select d.url_id, d.clicks::int, d.bot_clicks::int, d.visitors::int, d.bot_visitors::int, d.last_click_at, d.last_bot_click_at
      from link_clicks_daily d join urls u on u.id = d.url_id where day = ${day}`),
    dimensions: await rows(sql`select d.url_id, d.dimension, d.value, d.clicks::int, d.bot_clicks::int from link_dimension_daily d join urls u on u.id = d.url_id where day = ${day}`),
    globalHourly: await rows(sql`select hour, sum(clicks)::int as clicks, sum(bot_clicks)::int as bot_clicks from global_clicks_hourly where hour >= ${from} and hour < ${to} group by hour`),
    global: await rows(sql`select sum(clicks)::int as clicks, sum(bot_clicks)::int as bot_clicks, sum(visitors)::int as visitors, sum(bot_visitors)::int as bot_visitors
      from global_clicks_daily where day = ${day} having count(*) > 0`),
  };
}

/** aggregateDay() written out as the same rows, through Postgres so the values print alike. */
async function expectedDay(db: Database, day: string) {
  const day_ = await aggregateDay(db, day, new AgentClassifier(), false);
  const json = (value: unknown) => JSON.stringify(value);
  const rows = async (query: ReturnType<typeof sql>) => (await db.execute<Record<string, unknown>>(query)).map((row) => JSON.stringify(row)).sort();
  const total = day_.global.clicks + day_.global.botClicks;
  return {
    hourly: await rows(sql`select r."urlId" as url_id, r.hour::timestamptz as hour, r.clicks, r."botClicks" as bot_clicks
      from jsonb_to_recordset(${json([...day_.hourly.values()])}::text::jsonb) as r("urlId" int, hour text, clicks int, "botClicks" int)`),
    daily: await rows(sql`select r."urlId" as url_id, r.clicks, r."botClicks" as bot_clicks, r.visitors, r."botVisitors" as bot_visitors,
        r."lastClickAt"::timestamptz(3) as last_click_at, r."lastBotClickAt"::timestamptz(3) as last_bot_click_at
      from jsonb_to_recordset(${json([...day_.daily].map(([urlId, counts]) => ({ urlId, ...counts })))}::text::jsonb)
        as r("urlId" int, clicks int, "botClicks" int, visitors int, "botVisitors" int, "lastClickAt" text, "lastBotClickAt" text)`),
    dimensions: await rows(sql`select r."urlId" as url_id, r.dimension::varchar, r.value::varchar, r.clicks, r."botClicks" as bot_clicks
      from jsonb_to_recordset(${json([...day_.dimensions.values()])}::text::jsonb) as r("urlId" int, dimension text, value text, clicks int, "botClicks" int)`),
    globalHourly: await rows(sql`select r.hour::timestamptz as hour, r.clicks, r."botClicks" as bot_clicks
      from jsonb_to_recordset(${json([...day_.globalHourly].map(([hour, counts]) => ({ hour, ...counts })))}::text::jsonb) as r(hour text, clicks int, "botClicks" int)`),
    global: total === 0 ? [] : [JSON.stringify({ clicks: day_.global.clicks, bot_clicks: day_.global.botClicks, visitors: day_.global.visitors, bot_visitors: day_.global.botVisitors })],
  };
}

async function rawDays(db: Database): Promise<string[]> {
  const days = await db.execute<{ day: string }>(sql`
    select distinct to_char(timestamp at time zone 'UTC', 'YYYY-MM-DD') as day from events where event_type = 'click' order by 1`);
  return days.map((row) => row.day);
}

async function expectRollupsMatchRaw(db: Database): Promise<number> {
  await new RollupFolder(db, 60_000).drain();
  const days = await rawDays(db);
  for (const day of days) expect({ day, ...(await storedDay(db, day)) }).toEqual({ day, ...(await expectedDay(db, day)) });
  return days.length;
}

beforeAll(async () => {
  pg = await privatePostgres();
  const created = await pg.db.execute<{ id: number }>(sql`
    insert into urls (short_code, original_url) select 'roll' || g, 'https://example.com/' || g from generate_series(1, 6) g returning id`);
  links = created.map((row) => Number(row.id));
}, 60_000);

afterAll(async () => {
  await pg.destroy();
});

describe('rollups kept by the click writer', () => {
  it('equal an aggregation of the raw rows after concurrent, late, fallback and expired batches; a rebuild agrees', async () => {
    const now = Date.now();
    // Two folders race too, as two replicas would: one folds at a time.
    const folder = new RollupFolder(pg.db, 20);
    const otherFolder = new RollupFolder(pg.db, 20);
    folder.start();
    otherFolder.start();
    const replicaA = recorder(pg.db, 37);
    const replicaB = recorder(pg.db, 53);
    replicaA.start();
    replicaB.start();
    // Two replicas, overlapping links and hours, today and the two days before (no visitor salt for the oldest).
    for (let i = 0; i < 1500; i++) {
      const at = now - (i % 3) * DAY_MS - (i % 50) * 60_000;
      (i % 2 ? replicaA : replicaB).record(click(i, links[i % 4]!, at));
    }
    await Promise.all([replicaA.flush(), replicaB.flush()]);

    // Late batches: held through an outage, written after newer ones.
    await pg.stop();
    for (let i = 1500; i < 1800; i++) replicaA.record(click(i, links[i % 5]!, now - (i % 2) * 3_600_000));
    await Bun.sleep(200);
    expect(replicaA.depth).toBeGreaterThan(0);
    await pg.start();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await replicaA.flush();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await Bun.sleep(100);
      }
    }
    expect(replicaA.dropped).toBe(0);

    // A link deleted while its clicks waited: they are not stored, and not counted.
    const doomed = links[5]!;
    const slow = new ClickRecorder(pg.db, { flushIntervalMs: 60_000, batchSize: 1000, bufferCap: 1000, flushConcurrency: 1 });
    for (let i = 1800; i < 1900; i++) slow.record(click(i, i % 2 ? doomed : links[0]!, now - 60_000));
    await pg.db.execute(sql`delete from urls where id = ${doomed}`);
    await slow.stop();
    expect(slow.dropped).toBe(0);
    await folder.drain();
    const [orphans] = await pg.db.execute<{ n: number }>(sql`select count(*)::int as n from link_clicks_daily where url_id = ${doomed}`);
    expect(Number(orphans!.n)).toBe(0);

    // Old months, then a retention that drops them: their rollups stay as they were.
    const old = monthStart(new Date(now), -4).getTime() + 5 * DAY_MS;
    for (let i = 1900; i < 2000; i++) replicaB.record(click(i, links[i % 4]!, old + (i % 10) * 3_600_000));
    await Promise.all([replicaA.stop(), replicaB.stop()]);
    await Promise.all([folder.stop(), otherFolder.stop()]);
    await folder.drain();
    const [queued] = await pg.db.execute<{ n: number }>(sql`select count(*)::int as n from click_rollup_queue`);
    expect(Number(queued!.n)).toBe(0);
    const oldDay = new Date(old).toISOString().slice(0, 10);
    const before = await storedDay(pg.db, oldDay);
    // Clicks older than yesterday get no visitor hash: their salt is gone (or never was).
    expect(before.global).toHaveLength(1);
    expect(JSON.parse(before.global[0]!)).toMatchObject({ visitors: 0, bot_visitors: 0 });
    const report = await new Maintenance(pg.db, { retentionMonths: 2, intervalMs: 60_000 }).run();
    expect(report.droppedRows).toBe(100);
    expect(await storedDay(pg.db, oldDay)).toEqual(before);

    // Every day that still has raw clicks: rollups == aggregation of the raw rows.
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(3);
    const [visitors] = await pg.db.execute<{ n: number }>(sql`select sum(visitors + bot_visitors)::int as n from link_clicks_daily`);
    expect(Number(visitors!.n)).toBeGreaterThan(0);
    const [counted] = await pg.db.execute<{ stored: number; rolled: number }>(sql`
      select (select count(*) from events where event_type = 'click')::int as stored,
             (select sum(clicks + bot_clicks) from global_clicks_daily where day > ${oldDay})::int as rolled`);
    expect(Number(counted!.rolled)).toBe(Number(counted!.stored));

    // The rebuild recomputes the same numbers (and leaves the dropped month alone).
    const days = await rawDays(pg.db);
    await pg.db.execute(sql`update link_clicks_daily set clicks = clicks + 1000`);
    const rebuilt = await rebuildRollups(pg.db, { from: '2000-01-01' });
    expect(rebuilt.days).toBeGreaterThanOrEqual(days.length);
    expect(rebuilt.clicks).toBe(Number(counted!.stored));
    await expectRollupsMatchRaw(pg.db);
    const [oldAfter] = await pg.db.execute<{ clicks: number }>(sql`select sum(clicks)::int as clicks from link_clicks_daily where day = ${oldDay}`);
    expect(Number(oldAfter!.clicks)).toBeGreaterThan(1000);
  }, 120_000);

  it('count clicks added through POST /events as the rebuild counts them', async () => {
    const service = new EventService(pg.db);
    const [link] = (await pg.db.execute<{ id: number }>(sql`select id from urls order by id limit 1`)).map((row) => Number(row.id));
    const before = await new RollupFolder(pg.db, 60_000).drain();
    expect(before).toBe(0);
    const details = [
      { user_agent: AGENTS[0], referrer: 'https://News.Example.com/x' },
      { user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      { user_agent: 42, referrer: { not: 'a url' } },
      {},
    ];
    for (const detail of details) await service.create({ event_type: 'click', url_id: link, details: detail }, OPEN_ACTOR);
    // Without a link: the service-wide series counts it (expectRollupsMatchRaw compares them).
    await service.create({ event_type: 'click', details: details[1] }, OPEN_ACTOR);
    const [before2] = await pg.db.execute<{ stored: number; rolled: number }>(sql`
      select (select count(*) from events where event_type = 'click' and url_id = ${link})::int as stored,
             (select coalesce(sum(clicks + bot_clicks), 0) from link_clicks_daily where url_id = ${link})::int as rolled`);
    expect(await new RollupFolder(pg.db, 60_000).drain()).toBe(details.length + 1);
    const [after] = await pg.db.execute<{ rolled: number }>(sql`
      select coalesce(sum(clicks + bot_clicks), 0)::int as rolled from link_clicks_daily where url_id = ${link}`);
    expect(Number(after!.rolled) - Number(before2!.rolled)).toBe(details.length);
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(1);
  });

  it('miss no click committed late: a writer holding a lower id holds the folder back until it commits', async () => {
    const [link] = (await pg.db.execute<{ id: number }>(sql`select id from urls order by id limit 1`)).map((row) => Number(row.id));
    await new RollupFolder(pg.db, 60_000).drain();
    const [facts] = await pg.db.execute<{ id: number }>(sql`
      insert into click_facts (bot, browser, os, device, referrer_host) values (false, 'Chrome', 'Windows', 'desktop', 'late.example')
      on conflict (bot, browser, os, device, referrer_host) do update set bot = excluded.bot returning id`);
    // As the writer stores it: the details say what the facts id says (AGENTS[0] is Chrome on Windows).
    const details = JSON.stringify({ user_agent: AGENTS[0], referrer: 'https://late.example/a' });
    const store = (tx: Pick<Database, 'execute'>) => tx.execute(sql`
      insert into events (url_id, event_type, details, country, facts_id) values (${link}, 'click', ${details}::text::jsonb, 'ZZ', ${Number(facts!.id)})`);
    // A takes its id first and commits last; B commits in between.
    let commitA!: () => void;
    const aHolds = new Promise<void>((resolve) => (commitA = resolve));
    let aStored!: () => void;
    const aHasId = new Promise<void>((resolve) => (aStored = resolve));
    const writerA = pg.db.transaction(async (tx) => {
      await holdClickBarrier(tx);
      await store(tx);
      aStored();
      await aHolds;
    });
    await aHasId;
    await pg.db.transaction(async (tx) => {
      await holdClickBarrier(tx);
      await store(tx);
    });
    let folded: number | undefined;
    const fold = new RollupFolder(pg.db, 60_000).drain().then((n) => (folded = n));
    await Bun.sleep(300);
    expect(folded).toBeUndefined();
    commitA();
    await writerA;
    expect(await fold).toBe(2);
    const [rolled] = await pg.db.execute<{ n: number }>(sql`
      select coalesce(sum(clicks), 0)::int as n from link_dimension_daily where url_id = ${link} and dimension = 'referrers' and value = 'late.example'`);
    expect(Number(rolled!.n)).toBe(2);
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(1);
  });

  it('see the click writer take the barrier before it draws a single id', async () => {
    const sequence = async () => Number((await pg.db.execute<{ value: number }>(sql`select last_value::float8 as value from events_id_seq`))[0]!.value);
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const excluded = new Promise<void>((resolve) => (held = resolve));
    // What click_fold_horizon() does for an instant, held here for as long as the test likes.
    const fold = pg.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CLICK_BARRIER_KEY})`);
      held();
      await holding;
    });
    await excluded;
    const before = await sequence();
    const writer = recorder(pg.db, 10);
    for (let i = 0; i < 10; i++) writer.record(click(i, links[0]!, Date.now()));
    const written = writer.flush();
    await Bun.sleep(300);
    expect(await sequence()).toBe(before);
    release();
    await fold;
    await written;
    expect(await sequence()).toBeGreaterThanOrEqual(before + 10);
    await writer.stop();
  });

  it('agree with a rebuild that runs while clicks keep being stored', async () => {
    const live = (await pg.db.execute<{ id: number }>(sql`select id from urls order by id`)).map((row) => Number(row.id));
    const writer = recorder(pg.db, 25);
    writer.start();
    let writing = true;
    let sent = 0;
    const stream = (async () => {
      while (writing) {
        for (let i = 0; i < 25; i++, sent++) writer.record(click(sent, live[sent % live.length]!, Date.now() - (sent % 3) * 3_600_000));
        await Bun.sleep(2);
      }
    })();
    const today = new Date().toISOString().slice(0, 10);
    for (let round = 0; round < 8; round++) await rebuildRollups(pg.db, { from: today });
    writing = false;
    await stream;
    await writer.stop();
    expect(writer.dropped).toBe(0);
    expect(sent).toBeGreaterThan(100);
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(1);
  });

  it('leave to the folder, in a rebuild, the clicks stored after the horizon it folded to', async () => {
    await new RollupFolder(pg.db, 60_000).drain();
    const horizon = await foldHorizon(pg.db);
    const writer = recorder(pg.db, 10);
    for (let i = 0; i < 10; i++) writer.record(click(i, links[0]!, Date.now()));
    await writer.stop();
    const today = new Date().toISOString().slice(0, 10);
    const total = (day: Awaited<ReturnType<typeof aggregateDay>>) => day.global.clicks + day.global.botClicks;
    const everything = await aggregateDay(pg.db, today, new AgentClassifier(), false);
    const upToHorizon = await aggregateDay(pg.db, today, new AgentClassifier(), false, horizon);
    expect(total(everything) - total(upToHorizon)).toBe(10);
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(1);
  });

  it('fold what replicas of the previous release still queue during a rollout, once, and vacuum the queue', async () => {
    const [link] = (await pg.db.execute<{ id: number }>(sql`select id from urls order by id limit 1`)).map((row) => Number(row.id));
    await new RollupFolder(pg.db, 60_000).drain();
    // The previous release's writer: raw rows without a facts id, and their facts queued in the same statement.
    const bot = new AgentClassifier().describe(AGENTS[3]!);
    const human = new AgentClassifier().describe(AGENTS[2]!);
    await pg.db.execute(sql`
      with stored as (
        insert into events (url_id, event_type, timestamp, details, country)
        select ${link}, 'click', now() - (g || ' seconds')::interval,
          jsonb_build_object('user_agent', case when g % 3 = 0 then ${AGENTS[3]!} else ${AGENTS[2]!} end, 'referrer', 'https://old.example/x'), 'DE'
        from generate_series(1, 5000) g
        returning url_id, timestamp, details->>'user_agent' = ${AGENTS[3]!} as bot
      )
      insert into click_rollup_queue (url_id, ts, bot, browser, os, device, referrer_host, country, visitor)
      select url_id, timestamp, bot, case when bot then ${bot.browser} else ${human.browser} end, case when bot then ${bot.os} else ${human.os} end,
        case when bot then ${bot.device} else ${human.device} end, 'old.example', 'DE', null
      from stored`);
    expect(await new RollupFolder(pg.db, 60_000).drain()).toBe(5000);
    expect(await new RollupFolder(pg.db, 60_000).drain()).toBe(0);
    const [queue] = await pg.db.execute<{ rows: number; dead: number }>(sql`
      select (select count(*) from click_rollup_queue)::int as rows, coalesce((select n_dead_tup from pg_stat_user_tables where relname = 'click_rollup_queue'), 0)::int as dead`);
    expect(Number(queue!.rows)).toBe(0);
    expect(Number(queue!.dead)).toBe(0);
    expect(await expectRollupsMatchRaw(pg.db)).toBeGreaterThanOrEqual(1);
  });

  // Last: it empties the database. Link ids restart, so rollups left behind would count for new links.
  it('are emptied by seed --reset along with the links they counted', async () => {
    const rows = async () => (await pg.db.execute<{ n: number }>(sql`
      select ((select count(*) from link_clicks_daily) + (select count(*) from link_dimension_daily) + (select count(*) from link_clicks_hourly)
        + (select count(*) from global_clicks_daily) + (select count(*) from click_visitors))::int as n`))[0]!.n;
    expect(Number(await rows())).toBeGreaterThan(0);
    await resetData(pg.db);
    expect(Number(await rows())).toBe(0);
    const [link] = await pg.db.execute<{ id: number }>(sql`insert into urls (short_code, original_url) values ('fresh', 'https://example.com/') returning id`);
    expect(Number(link!.id)).toBe(1);
  });
});
