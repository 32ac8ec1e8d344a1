// Recomputes the rollups from the raw click rows, one UTC day per transaction: after a restore, after
// changing how agents are classified, or to prove the folder right (the exactness test compares the
// two). Each day holds the fold lock, folds every click up to the horizon (src/stats/click-barrier.ts),
// then rewrites the day from its raw rows up to that horizon: a click stored later is left to the
// folder, so none is counted by both or missed, and click writers never wait for a rebuild.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { transientConflict } from '../../db/errors.ts';
import { UNKNOWN_COUNTRY } from './countries.ts';
import { foldCommitted } from './rollup-folder.ts';
import { AgentClassifier, referrerHost } from './user-agents.ts';
import { oldestSaltDay } from './visitors.ts';

const DAY_MS = 86_400_000;

export interface RebuildRange {
  /** First UTC day (YYYY-MM-DD), default the day of the oldest raw click. */
  from?: string;
  /** Day after the last, default tomorrow (UTC). */
  to?: string;
}

export interface RebuildReport {
  days: number;
  clicks: number;
}

interface Counts {
  clicks: number;
  botClicks: number;
}

/** The rollup rows of one day, as the writer would have left them. */
export interface DayRollups {
  hourly: Map<string, Counts & { urlId: number; hour: string }>;
  daily: Map<number, Counts & { visitors: number; botVisitors: number; lastClickAt: string | null; lastBotClickAt: string | null }>;
  dimensions: Map<string, Counts & { urlId: number; dimension: string; value: string }>;
  globalHourly: Map<string, Counts>;
  global: Counts & { visitors: number; botVisitors: number };
  /** (url_id or 0, visitor, bot): the visitors seen, for days whose salt still exists. */
  seen: { urlId: number; visitor: string; bot: boolean }[];
}

const bump = (counts: Counts, bot: boolean, n: number) => {
  if (bot) counts.botClicks += n;
  else counts.clicks += n;
};
const later = (a: string | null, b: string) => (a === null || b > a ? b : a);

/**
 * Aggregates one UTC day of raw clicks the way the writer does (same classifier, same rules); with
 * `horizon`, only the clicks the folder would have folded by then (ids up to it, and every click of an
 * older release, which carries no facts id).
 */
export async function aggregateDay(db: Pick<Database, 'execute'>, day: string, agents: AgentClassifier, withSeen: boolean, horizon?: number): Promise<DayRollups> {
  const from = `${day}T00:00:00.000Z`;
  const to = new Date(Date.parse(from) + DAY_MS).toISOString();
  const folded = horizon === undefined ? sql`true` : sql`(id <= ${horizon} or facts_id is null)`;
  const groups = await db.execute<{ url_id: number | null; hour: string; ua: string | null; referrer: string | null; country: string; n: number; last: string }>(sql`
    select url_id, to_char(date_trunc('hour', timestamp, 'UTC') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:00:00.000"Z"') as hour,
      details->>'user_agent' as ua, details->>'referrer' as referrer, coalesce(country, ${UNKNOWN_COUNTRY}) as country,
      count(*)::int as n, to_char(max(timestamp) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last
    from events where event_type = 'click' and timestamp >= ${from} and timestamp < ${to} and ${folded}
    group by 1, 2, 3, 4, 5`);
  const rollups: DayRollups = {
    hourly: new Map(), daily: new Map(), dimensions: new Map(), globalHourly: new Map(),
    global: { clicks: 0, botClicks: 0, visitors: 0, botVisitors: 0 }, seen: [],
  };
  for (const group of groups) {
    const n = Number(group.n);
    const agent = agents.describe(group.ua);
    bump(rollups.global, agent.bot, n);
    let hourly = rollups.globalHourly.get(group.hour);
    if (!hourly) rollups.globalHourly.set(group.hour, (hourly = { clicks: 0, botClicks: 0 }));
    bump(hourly, agent.bot, n);
    // A click whose link was deleted since keeps counting in the global series only.
    if (group.url_id === null) continue;
    const urlId = Number(group.url_id);
    const hourKey = `${urlId}|${group.hour}`;
    let linkHour = rollups.hourly.get(hourKey);
    if (!linkHour) rollups.hourly.set(hourKey, (linkHour = { urlId, hour: group.hour, clicks: 0, botClicks: 0 }));
    bump(linkHour, agent.bot, n);
    let daily = rollups.daily.get(urlId);
    if (!daily) rollups.daily.set(urlId, (daily = { clicks: 0, botClicks: 0, visitors: 0, botVisitors: 0, lastClickAt: null, lastBotClickAt: null }));
    bump(daily, agent.bot, n);
    if (agent.bot) daily.lastBotClickAt = later(daily.lastBotClickAt, group.last);
    else daily.lastClickAt = later(daily.lastClickAt, group.last);
    const values: [string, string][] = [
      ['referrers', referrerHost(group.referrer)], ['browsers', agent.browser], ['os', agent.os], ['devices', agent.device], ['countries', group.country],
    ];
    for (const [dimension, value] of values) {
      const key = `${urlId}|${dimension}|${value}`;
      let counts = rollups.dimensions.get(key);
      if (!counts) rollups.dimensions.set(key, (counts = { urlId, dimension, value, clicks: 0, botClicks: 0 }));
      bump(counts, agent.bot, n);
    }
  }
  // A visitor hash covers its user agent, so each hash has one agent: distinct counts per agent add up.
  const visitors = await db.execute<{ url_id: number | null; service_wide: number; ua: string | null; n: number }>(sql`
    select url_id, grouping(url_id) as service_wide, details->>'user_agent' as ua, count(distinct visitor)::int as n
    from events where event_type = 'click' and timestamp >= ${from} and timestamp < ${to} and visitor is not null and ${folded}
    group by grouping sets ((url_id, details->>'user_agent'), (details->>'user_agent'))`);
  for (const row of visitors) {
    const bot = agents.describe(row.ua).bot;
    const n = Number(row.n);
    const target = Number(row.service_wide) === 1 ? rollups.global : row.url_id === null ? undefined : rollups.daily.get(Number(row.url_id));
    if (!target) continue;
    if (bot) target.botVisitors += n;
    else target.visitors += n;
  }
  if (withSeen) {
    const seen = await db.execute<{ url_id: number | null; visitor: string; ua: string | null }>(sql`
      select distinct coalesce(url_id, 0) as url_id, visitor::text as visitor, details->>'user_agent' as ua
      from events where event_type = 'click' and timestamp >= ${from} and timestamp < ${to} and visitor is not null and ${folded}`);
    const global = new Map<string, boolean>();
    for (const row of seen) {
      const bot = agents.describe(row.ua).bot;
      if (Number(row.url_id) !== 0) rollups.seen.push({ urlId: Number(row.url_id), visitor: row.visitor, bot });
      global.set(row.visitor, bot);
    }
    for (const [visitor, bot] of global) rollups.seen.push({ urlId: 0, visitor, bot });
  }
  return rollups;
}

// The tables a fold writes, in its order (queue first); locked so that an older release's folder or
// writer, which take neither advisory lock, waits too.
const ROLLUP_TABLES = sql`click_rollup_queue, click_visitors, link_clicks_hourly, link_clicks_daily, link_dimension_daily, global_clicks_hourly, global_clicks_daily`;

async function rebuildDay(db: Database, day: string, agents: AgentClassifier, nowMs: number): Promise<number> {
  const start = `${day}T00:00:00.000Z`;
  const next = new Date(Date.parse(start) + DAY_MS).toISOString();
  return db.transaction(async (tx) => {
    // The folder's lock, held to the end: no fold runs in between.
    const horizon = await foldCommitted(tx);
    await tx.execute(sql`lock table ${ROLLUP_TABLES} in exclusive mode`);
    const withSeen = day >= oldestSaltDay(nowMs);
    const day_ = await aggregateDay(tx, day, agents, withSeen, horizon);
    const json = (rows: unknown[]) => JSON.stringify(rows);
    // Clicks of the day an older release queued meanwhile are counted here from their raw rows: not folded again.
    await tx.execute(sql`delete from click_rollup_queue where ts >= ${start} and ts < ${next}`);
    await tx.execute(sql`delete from link_clicks_hourly where hour >= ${start} and hour < ${next}`);
    await tx.execute(sql`delete from link_clicks_daily where day = ${day}`);
    await tx.execute(sql`delete from link_dimension_daily where day = ${day}`);
    await tx.execute(sql`delete from global_clicks_hourly where hour >= ${start} and hour < ${next}`);
    await tx.execute(sql`delete from global_clicks_daily where day = ${day}`);
    await tx.execute(sql`
      insert into link_clicks_hourly (url_id, hour, clicks, bot_clicks)
      select "urlId", hour, clicks, "botClicks" from jsonb_to_recordset(${json([...day_.hourly.values()])}::text::jsonb)
        as r("urlId" int, hour timestamptz, clicks bigint, "botClicks" bigint)`);
    await tx.execute(sql`
      insert into link_clicks_daily (url_id, day, clicks, bot_clicks, visitors, bot_visitors, last_click_at, last_bot_click_at)
      select "urlId", ${day}, clicks, "botClicks", visitors, "botVisitors", "lastClickAt", "lastBotClickAt"
      from jsonb_to_recordset(${json([...day_.daily].map(([urlId, counts]) => ({ urlId, ...counts })))}::text::jsonb)
        as r("urlId" int, clicks bigint, "botClicks" bigint, visitors bigint, "botVisitors" bigint, "lastClickAt" timestamptz, "lastBotClickAt" timestamptz)`);
    await tx.execute(sql`
      insert into link_dimension_daily (url_id, dimension, day, value, clicks, bot_clicks)
      select "urlId", dimension, ${day}, value, clicks, "botClicks" from jsonb_to_recordset(${json([...day_.dimensions.values()])}::text::jsonb)
        as r("urlId" int, dimension text, value text, clicks bigint, "botClicks" bigint)`);
    await tx.execute(sql`
      insert into global_clicks_hourly (hour, slot, clicks, bot_clicks)
      select hour, 0, clicks, "botClicks" from jsonb_to_recordset(${json([...day_.globalHourly].map(([hour, counts]) => ({ hour, ...counts })))}::text::jsonb)
        as r(hour timestamptz, clicks bigint, "botClicks" bigint)`);
    if (day_.global.clicks + day_.global.botClicks > 0) {
      await tx.execute(sql`
        insert into global_clicks_daily (day, slot, clicks, bot_clicks, visitors, bot_visitors)
        values (${day}, 0, ${day_.global.clicks}, ${day_.global.botClicks}, ${day_.global.visitors}, ${day_.global.botVisitors})`);
    }
    if (withSeen) {
      await tx.execute(sql`delete from click_visitors where day = ${day}`);
      await tx.execute(sql`
        insert into click_visitors (url_id, day, visitor, bot)
        select "urlId", ${day}, visitor::bigint, bot from jsonb_to_recordset(${json(day_.seen)}::text::jsonb)
          as r("urlId" int, visitor text, bot boolean)`);
    }
    return day_.global.clicks + day_.global.botClicks;
  });
}

/** The days to rebuild: never before the oldest raw click, so months dropped by retention keep their counts. */
async function daysOf(db: Database, range: RebuildRange, nowMs: number): Promise<string[]> {
  const [oldest] = await db.execute<{ day: string | null }>(sql`
    select to_char(min(timestamp) at time zone 'UTC', 'YYYY-MM-DD') as day from events where event_type = 'click'`);
  if (!oldest?.day) return [];
  const from = range.from && range.from > oldest.day ? range.from : oldest.day;
  const to = range.to ?? new Date(nowMs + DAY_MS).toISOString().slice(0, 10);
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00.000Z`); at < Date.parse(`${to}T00:00:00.000Z`); at += DAY_MS) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

export async function rebuildRollups(db: Database, range: RebuildRange = {}, progress: (day: string, clicks: number) => void = () => {}): Promise<RebuildReport> {
  const agents = new AgentClassifier();
  const nowMs = Date.now();
  const report: RebuildReport = { days: 0, clicks: 0 };
  for (const day of await daysOf(db, range, nowMs)) {
    let clicks: number;
    for (let attempt = 1; ; attempt++) {
      try {
        clicks = await rebuildDay(db, day, agents, nowMs);
        break;
      } catch (error) {
        // A batch that locked the same rows the other way round: that day again.
        if (!transientConflict(error) || attempt >= 5) throw error;
      }
    }
    report.days++;
    report.clicks += clicks;
    progress(day, clicks);
  }
  return report;
}
