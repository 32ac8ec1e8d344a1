// `bun run bench:stats [--clicks 10000000] [--calls 60]`: the stats budgets of issue 12, measured.
// In a database of its own (dropped after): 2,000 links, N clicks over the past year (half on one
// link), seeded straight into raw partitions and rollups with generate_series; then a real hop
// answers each stats call `calls` times (p50/p95 printed against the budget), and the click writer
// is timed with and without rollups side by side (Postgres CPU per stored click, read from /proc for
// the bench database's own backends). Too heavy for CI; its numbers go in docs/performance.md.
import { SQL } from 'bun';
import { sql } from 'drizzle-orm';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { createClickPartitions } from '../src/events/click-partitions.ts';
import { ClickRecorder, type Click } from '../src/events/click-recorder.ts';
import { RollupFolder } from '../src/stats/rollup-folder.ts';
import { cpuSecondsOf } from './support.ts';

const { values } = parseArgs({ options: { clicks: { type: 'string' }, calls: { type: 'string' }, port: { type: 'string' } } });
const CLICKS = Number(values.clicks ?? 10_000_000);
const CALLS = Number(values.calls ?? 60);
const PORT = Number(values.port ?? 3911);
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `hop_bench_stats_${process.pid}`;
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${NAME}`);
const DAY_MS = 86_400_000;
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];

const admin = new SQL({ url: ADMIN_URL, max: 1 });
let hop: ReturnType<typeof Bun.spawn> | null = null;
async function cleanup(): Promise<void> {
  hop?.kill('SIGKILL');
  await hop?.exited;
  await admin.unsafe(`drop database if exists "${NAME}" with (force)`).catch(() => {});
  await admin.close();
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await run();
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

async function seed(db: Database): Promise<void> {
  const now = Date.now();
  const start = new Date(now - 365 * DAY_MS).toISOString();
  await createClickPartitions(db, new Date(now - 366 * DAY_MS), 16);
  await db.execute(sql`insert into users (username, email) select 'bench' || g, 'bench' || g || '@example.com' from generate_series(1, 20) g`);
  await db.execute(sql`insert into urls (user_id, short_code, original_url, created_at)
    select 1 + g % 20, 'bench' || g, 'https://example.com/' || g, ${start}::timestamptz - interval '1 day' from generate_series(1, 2000) g`);
  const uas = sql.param(UAS);
  await timed(`raw clicks (${CLICKS.toLocaleString()})`, () => db.execute(sql`
    insert into events (url_id, user_id, event_type, timestamp, details, country, visitor)
    select case when g % 2 = 0 then 1 else 2 + (g::bigint * 7919) % 1999 end, null, 'click',
      ${start}::timestamptz + (g::float8 / ${CLICKS}) * interval '365 days',
      jsonb_build_object('referrer', (array[null, 'https://t.co/x', 'https://news.ycombinator.com/item', 'https://www.google.com/'])[1 + g % 4],
        'user_agent', (${uas}::text[])[1 + (g / 3) % 5], 'request_id', g::text)
        || case when (g / 3) % 5 = 4 then '{"automated": true}'::jsonb else '{}'::jsonb end,
      (array['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'ZZ'])[1 + (g / 7) % 8], (g % 40000)::bigint
    from generate_series(1, ${CLICKS}) g`));
  // The rollups the folder would have written, aggregated from the raw rows in one pass per table
  // (visitors are placeholders: reads cost the same whatever the numbers).
  await timed('rollups', async () => {
    await db.execute(sql`create temporary table grouped as
      select url_id, date_trunc('hour', timestamp, 'UTC') as hour, details->>'user_agent' as ua, details->>'referrer' as referrer, country,
        details ? 'automated' as bot, count(*) as n, max(timestamp) as last
      from events where event_type = 'click' group by 1, 2, 3, 4, 5, 6`);
    await db.execute(sql`insert into link_clicks_hourly (url_id, hour, clicks, bot_clicks)
      select url_id, hour, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0) from grouped group by 1, 2`);
    await db.execute(sql`insert into link_clicks_daily (url_id, day, clicks, bot_clicks, visitors, bot_visitors, last_click_at, last_bot_click_at)
      select g.url_id, (g.hour at time zone 'UTC')::date, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0),
        least(coalesce(sum(n) filter (where not bot), 0), 40000), least(coalesce(sum(n) filter (where bot), 0), 40000),
        max(last) filter (where not bot), max(last) filter (where bot)
      from grouped g group by 1, 2`);
    await db.execute(sql`create temporary table grouped_daily as
      select url_id, (hour at time zone 'UTC')::date as day, ua, referrer, country, bot, sum(n) as n from grouped group by 1, 2, 3, 4, 5, 6`);
    await db.execute(sql`insert into link_dimension_daily (url_id, dimension, day, value, clicks, bot_clicks)
      select url_id, dimension, day, value, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0)
      from (select url_id, day, bot, n, d.dimension, d.value
            from grouped_daily cross join lateral (values
              ('referrers', coalesce(substring(referrer from '://([^/]+)'), '(direct)')),
              ('browsers', case when ua like '%Chrome%' then 'Chrome' when ua like '%Firefox%' then 'Firefox' when bot then 'Googlebot' else 'Safari' end),
              ('os', case when ua like '%Windows%' then 'Windows' when ua like '%iPhone%' then 'iOS' when ua like '%Mac OS%' then 'macOS' when ua like '%Linux%' then 'Linux' else '(unknown)' end),
              ('devices', case when bot then 'bot' when ua like '%iPhone%' then 'mobile' else 'desktop' end),
              ('countries', country)) as d(dimension, value)) as facts
      group by 1, 2, 3, 4`);
    await db.execute(sql`insert into global_clicks_hourly (hour, slot, clicks, bot_clicks) select hour, 0, sum(clicks), sum(bot_clicks) from link_clicks_hourly group by 1`);
    await db.execute(sql`insert into global_clicks_daily (day, slot, clicks, bot_clicks, visitors, bot_visitors)
      select day, 0, sum(clicks), sum(bot_clicks), sum(visitors), sum(bot_visitors) from link_clicks_daily group by 1`);
    // The seeded clicks are in the rollups already, as if the folder had read them.
    await db.execute(sql`update click_fold_watermark set folded_through = (select last_value from events_id_seq) where id = 1`);
    await db.execute(sql`vacuum analyze`);
  });
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await Bun.sleep(200);
  }
  throw new Error(`hop did not start at ${url}`);
}

/** `budget` null: a row measured for information, none of the issue's budgets. */
interface Measured { name: string; p50: number; p95: number; budget: number | null }

async function measure(base: string, name: string, path: string, budget: number | null): Promise<Measured> {
  const times: number[] = [];
  for (let i = 0; i < CALLS + 5; i++) {
    const started = performance.now();
    const response = await fetch(base + path);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    if (i >= 5) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const row = { name, p50: at(0.5), p95: at(0.95), budget };
  console.log(`${name}: p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms${budget === null ? '' : ` (budget p95 < ${budget} ms) ${row.p95 < budget ? 'OK' : 'OVER'}`}`);
  return row;
}

/** CPU seconds of this database's Postgres backends (utime + stime from /proc). */
async function backendCpu(db: Database): Promise<number> {
  const pids = await db.execute<{ pid: number }>(sql`select pid from pg_stat_activity where datname = current_database()`);
  // A backend gone meanwhile is left out (NaN).
  return pids.reduce((total, { pid }) => total + (cpuSecondsOf(pid) || 0), 0);
}

type Traffic = 'spread' | 'repeat';

/**
 * `spread`: a worst case for the rollups, almost every click a new visitor of its link, over 1,999
 * links and 5 agents within the last hour. `repeat`: `bun run bench`'s traffic, 1,000 links clicked
 * by one client with one agent, so each link has one visitor a day.
 */
function benchClicks(traffic: Traffic, count: number, offset: number): Click[] {
  const at = Date.now();
  return Array.from({ length: count }, (_, i) =>
    traffic === 'spread'
      ? {
          urlId: 2 + ((i + offset) * 7919) % 1999,
          at: at - (i % 3600) * 1000,
          referrer: i % 3 ? 'https://t.co/x' : null,
          userAgent: UAS[i % UAS.length]!,
          requestId: String(i),
          clientAddress: `81.2.${i % 200}.${(i * 7) % 250}`,
        }
      : { urlId: 2 + ((i + offset) % 1000), at, referrer: null, userAgent: null, requestId: String(i), clientAddress: '203.0.113.7' },
  );
}

// The statement the click writer ran before rollups (raw rows only, the link's owner from the
// redirect), for the side-by-side figure. The seed's link g belongs to user 1 + g % 20.
async function insertRawOnly(db: Database, batch: Click[]): Promise<void> {
  const column = <T>(pick: (click: Click) => T) => sql.param(batch.map(pick));
  await db.execute(sql`
    insert into events (url_id, user_id, event_type, timestamp, details)
    select r.url_id, r.user_id, 'click', to_timestamp(r.at / 1000.0),
      jsonb_build_object('referrer', r.referrer, 'user_agent', r.user_agent, 'request_id', r.request_id)
    from unnest(${column((c) => c.urlId)}::int[], ${column((c) => 1 + (c.urlId % 20))}::int[], ${column((c) => c.at)}::float8[],
      ${column((c) => c.referrer)}::text[], ${column((c) => c.userAgent)}::text[], ${column((c) => c.requestId)}::text[])
      as r(url_id, user_id, at, referrer, user_agent, request_id)`);
}

// Before migration 0010 every click row was checked against urls and users. The raw-only figure is
// measured with those checks back on the months it writes to (NOT VALID: new rows only, no scan).
async function withClickForeignKeys(db: Database, months: string[], run: () => Promise<void>): Promise<void> {
  const constraints = months.flatMap((month) => [
    `alter table "${month}" add constraint "${month}_bench_url_fk" foreign key (url_id) references urls (id) on delete set null not valid`,
    `alter table "${month}" add constraint "${month}_bench_user_fk" foreign key (user_id) references users (id) on delete set null not valid`,
  ]);
  for (const statement of constraints) await db.execute(sql.raw(statement));
  try {
    await run();
  } finally {
    for (const month of months) {
      await db.execute(sql.raw(`alter table "${month}" drop constraint "${month}_bench_url_fk", drop constraint "${month}_bench_user_fk"`));
    }
  }
}

async function writeSide(db: Database, traffic: Traffic, rows: number): Promise<string[]> {
  const lines: string[] = [];
  // Raw rows only, 2,000 per statement, two at a time (the writer's defaults).
  const raw = benchClicks(traffic, rows, 0);
  const first = raw.reduce((min, click) => Math.min(min, click.at), Infinity);
  const last = raw.reduce((max, click) => Math.max(max, click.at), -Infinity);
  const months = await db.execute<{ name: string }>(sql`
    select distinct 'events_clicks_' || to_char(to_timestamp(at / 1000.0) at time zone 'UTC', '"y"YYYY"m"MM') as name
    from unnest(${sql.param([first, last])}::float8[]) as t(at)`);
  let rawSeconds = 0;
  let rawCpu = 0;
  await withClickForeignKeys(db, months.map((month) => month.name), async () => {
    const cpuBefore = await backendCpu(db);
    const startedAt = performance.now();
    for (let i = 0; i < rows; i += 4000) {
      await Promise.all([insertRawOnly(db, raw.slice(i, i + 2000)), insertRawOnly(db, raw.slice(i + 2000, i + 4000))]);
    }
    rawSeconds = (performance.now() - startedAt) / 1000;
    rawCpu = ((await backendCpu(db)) - cpuBefore) / rows * 1e6;
  });
  lines.push(`raw rows only (the writer before rollups): ${(rows / rawSeconds).toFixed(0)} rows/s, Postgres CPU ${rawCpu.toFixed(1)} µs/click`);
  // The writer as it is: raw rows with their facts ids, then the folder reading them back by id.
  const recorder = new ClickRecorder(db, { flushIntervalMs: 1_000_000, batchSize: 2000, bufferCap: 10_000_000, flushConcurrency: 2 });
  for (const click of benchClicks(traffic, rows, 1)) recorder.record(click);
  const cpu = await backendCpu(db);
  const started = performance.now();
  await recorder.flush();
  const writerSeconds = (performance.now() - started) / 1000;
  const writerCpu = await backendCpu(db);
  const folded = await new RollupFolder(db, 60_000).drain();
  const foldCpu = await backendCpu(db);
  const perClick = (seconds: number) => (seconds / rows * 1e6).toFixed(1);
  lines.push(`writer (raw rows with facts ids): ${(rows / writerSeconds).toFixed(0)} rows/s, Postgres CPU ${perClick(writerCpu - cpu)} µs/click; fold of ${folded} clicks ${perClick(foldCpu - writerCpu)} µs/click; total ${perClick(foldCpu - cpu)} µs/click = ${((foldCpu - cpu) / rows * 1e6 / rawCpu).toFixed(2)} × raw only`);
  await recorder.stop();
  return lines;
}

console.log(`bench:stats: database ${NAME}, ${CLICKS.toLocaleString()} clicks, ${CALLS} calls per endpoint`);
await admin.unsafe(`create database "${NAME}"`);
const db = openDatabase({ url: DB_URL, poolMax: 4 });
try {
  await runMigrations(db);
  await seed(db);
  hop = Bun.spawn(['bun', 'run', 'src/main.ts'], {
    cwd: `${import.meta.dir}/..`,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: DB_URL, LOG_LEVEL: 'warn', SEED: 'false', WRITE_RATE_LIMIT: '0', AUTH_MODE: 'open' },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  const base = `http://127.0.0.1:${PORT}`;
  await waitForHealth(base);
  const from = new Date(Date.now() - 30 * DAY_MS).toISOString();
  const to = new Date(Date.now() - 29 * DAY_MS).toISOString();
  const rows = [
    await measure(base, 'GET /urls/1/stats?period=1y (the link with half the clicks, weekly)', '/urls/1/stats?period=1y', 20),
    await measure(base, 'GET /urls/1/stats?period=1y&interval=day', '/urls/1/stats?period=1y&interval=day', 20),
    await measure(base, 'GET /urls/1/stats?period=30d&interval=day&tz=America/New_York (hourly rollups)', '/urls/1/stats?period=30d&interval=day&tz=America/New_York', 20),
    await measure(base, 'GET /urls/1/stats/referrers?period=1y', '/urls/1/stats/referrers?period=1y', 30),
    await measure(base, 'GET /urls/1/stats/countries?period=1y', '/urls/1/stats/countries?period=1y', 30),
    await measure(base, 'GET /stats?period=1y', '/stats?period=1y', 50),
    await measure(base, 'GET /stats/top-links?period=30d', '/stats/top-links?period=30d', 50),
    await measure(base, 'GET /events?url_id=1&from=&to= (a page of 50)', `/events?url_id=1&from=${from}&to=${to}&per_page=50`, 20),
    // No range: the page's window comes from the link's hourly rollups (src/events/service.ts). Not the
    // issue's budgets, held to the same 20 ms; a deep page reads every row before it, so it has none.
    await measure(base, 'GET /events?url_id=1 (the newest page of 50)', '/events?url_id=1&per_page=50', 20),
    await measure(base, 'GET /events?url_id=2 (a link with ~2,500 clicks in the year; newest page of 50)', '/events?url_id=2&per_page=50', 20),
    await measure(base, 'GET /events?url_id=1&page=200 (a page of 50 after 9,950 newer clicks: no budget, it reads them all)', '/events?url_id=1&per_page=50&page=200', null),
  ];
  hop.kill('SIGTERM');
  await hop.exited;
  hop = null;
  console.log('\nwrite side (same run, same database, 100,000 clicks of each traffic; raw rows only is the writer before rollups, with its foreign-key checks):');
  for (const traffic of ['repeat', 'spread'] as const) {
    console.log(`  ${traffic === 'repeat' ? "bun run bench's traffic (1,000 links, one client)" : 'spread (1,999 links, almost every click a new visitor)'}:`);
    for (const line of await writeSide(db, traffic, 100_000)) console.log(`    ${line}`);
  }
  console.log('\n| call | p50 ms | p95 ms | budget p95 |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.name} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.budget === null ? '—' : `< ${row.budget} ms ${row.p95 < row.budget ? '✓' : '✗'}`} |`);
} finally {
  await db.$client.close();
  await cleanup();
}
