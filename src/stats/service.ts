// Click statistics answered from the rollups only (never the raw clicks): a link's totals and
// zero-filled series, its breakdown by a dimension, the same for all links (or one user's), and the
// top links. Ownership is part of every query: a user key sees only its own links (others: 404).
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { toIso } from '../../db/timestamps.ts';
import { ownerScope, type Actor } from '../auth/actor.ts';
import { notFound } from '../http/errors.ts';
import { resolveRange, type BotFilter, type RangeQuery, type StatsRange } from './range.ts';
import type { Dimension } from './rollups.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/UCT', 'UCT', 'Zulu', 'Etc/Zulu', 'Universal', 'Etc/Universal']);

export interface Point {
  /** Start of the bucket (aligned to the interval in `tz`), as a UTC instant. */
  start: string;
  clicks: number;
  bot_clicks: number;
  /** null for buckets that are not whole UTC days (hourly buckets, or another time zone). */
  visitors: number | null;
}

export interface RangeEcho {
  from: string;
  to: string;
  interval: string;
  tz: string;
  bots: BotFilter;
}

export interface SeriesStats extends RangeEcho {
  totals: { clicks: number; bot_clicks: number; visitors: number };
  series: Point[];
}

export interface LinkStats extends SeriesStats {
  url_id: number;
  last_click_at: string | null;
}

export interface Breakdown extends RangeEcho {
  url_id: number;
  dimension: Dimension;
  total: number;
  values: { value: string; clicks: number }[];
  other: number;
}

export interface TopLink {
  url_id: number;
  short_code: string;
  original_url: string;
  title: string | null;
  clicks: number;
  bot_clicks: number;
  visitors: number;
}

export interface TopLinks extends RangeEcho {
  links: TopLink[];
}

type Scope = { kind: 'link'; id: number } | { kind: 'user'; userId: number } | { kind: 'all' };

type Counted = {
  c: number;
  bc: number;
  v: number | null;
  bv: number | null;
};

/** What `clicks` (or `visitors`) means under the bot filter. */
function pick(bots: BotFilter, human: number, bot: number): number {
  return bots === 'exclude' ? human : bots === 'only' ? bot : human + bot;
}

const floorTo = (at: Date, unit: number) => new Date(Math.floor(at.getTime() / unit) * unit);
const ceilTo = (at: Date, unit: number) => new Date(Math.ceil(at.getTime() / unit) * unit);
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

function echo(range: StatsRange): RangeEcho {
  return { from: range.from.toISOString(), to: range.to.toISOString(), interval: range.interval, tz: range.tz, bots: range.bots };
}

export class StatsService {
  constructor(private readonly db: Database, private readonly clock: () => Date = () => new Date()) {}

  async link(actor: Actor, id: number, query: RangeQuery): Promise<LinkStats> {
    const link = await this.ownedLink(actor, id);
    const range = resolveRange(query, this.clock(), () => link.since);
    const [series, [last]] = await Promise.all([
      this.series({ kind: 'link', id }, range),
      this.db.execute<{ human: string | null; bot: string | null }>(sql`
        select max(last_click_at)::text as human, max(last_bot_click_at)::text as bot from link_clicks_daily where url_id = ${id}`),
    ]);
    const human = last?.human ? toIso(last.human) : null;
    const bot = last?.bot ? toIso(last.bot) : null;
    const lastClick = range.bots === 'exclude' ? human : range.bots === 'only' ? bot : [human, bot].filter((at) => at !== null).sort().at(-1) ?? null;
    return { url_id: id, ...series, last_click_at: lastClick };
  }

  async breakdown(actor: Actor, id: number, dimension: Dimension, query: RangeQuery, limit: number): Promise<Breakdown> {
    const link = await this.ownedLink(actor, id);
    const range = resolveRange(query, this.clock(), () => link.since);
    const rows = await this.db.execute<{ value: string; c: number; bc: number }>(sql`
      select value, sum(clicks)::float8 as c, sum(bot_clicks)::float8 as bc from link_dimension_daily
      where url_id = ${id} and dimension = ${dimension} and day >= ${dayOf(range.from)} and day < ${dayOf(ceilTo(range.to, DAY_MS))}
      group by value`);
    const counted = rows
      .map((row) => ({ value: row.value, clicks: pick(range.bots, Number(row.c), Number(row.bc)) }))
      .filter((row) => row.clicks > 0)
      .sort((a, b) => b.clicks - a.clicks || (a.value < b.value ? -1 : 1));
    const total = counted.reduce((sum, row) => sum + row.clicks, 0);
    const values = counted.slice(0, limit);
    return { url_id: id, dimension, ...echo(range), total, values, other: total - values.reduce((sum, row) => sum + row.clicks, 0) };
  }

  /** All links, or one user's (a user key: always its own). */
  async overall(actor: Actor, userId: number | undefined, query: RangeQuery): Promise<SeriesStats & { user_id: number | null }> {
    const scope = await this.scopeOf(actor, userId);
    const range = resolveRange(query, this.clock(), () => new Date(this.clock().getTime() - 365 * DAY_MS));
    return { user_id: scope.kind === 'user' ? scope.userId : null, ...(await this.series(scope, range)) };
  }

  async topLinks(actor: Actor, userId: number | undefined, query: RangeQuery, limit: number): Promise<TopLinks> {
    const scope = await this.scopeOf(actor, userId);
    const range = resolveRange(query, this.clock(), () => new Date(this.clock().getTime() - 365 * DAY_MS));
    const order = range.bots === 'exclude' ? sql`sum(d.clicks)` : range.bots === 'only' ? sql`sum(d.bot_clicks)` : sql`sum(d.clicks + d.bot_clicks)`;
    // Aggregate by link id alone, then look up the few winners: grouping by the link's text columns
    // over every link-day of the range cost most of the call.
    const rows = await this.db.execute<{ url_id: number; short_code: string; original_url: string; title: string | null; c: number; bc: number; v: number; bv: number }>(sql`
      with ranked as (
        select d.url_id, sum(d.clicks)::float8 as c, sum(d.bot_clicks)::float8 as bc, sum(d.visitors)::float8 as v, sum(d.bot_visitors)::float8 as bv
        from link_clicks_daily d
        where d.day >= ${dayOf(range.from)} and d.day < ${dayOf(ceilTo(range.to, DAY_MS))}
          and exists (select 1 from urls u where u.id = d.url_id ${scope.kind === 'user' ? sql`and u.user_id = ${scope.userId}` : sql``})
        group by d.url_id
        having ${order} > 0
        order by ${order} desc, d.url_id
        limit ${limit}
      )
      select r.url_id, u.short_code, u.original_url, u.title, r.c, r.bc, r.v, r.bv
      from ranked r join urls u on u.id = r.url_id
      order by ${range.bots === 'exclude' ? sql`r.c` : range.bots === 'only' ? sql`r.bc` : sql`r.c + r.bc`} desc, r.url_id`);
    return {
      ...echo(range),
      links: rows.map((row) => ({
        url_id: Number(row.url_id), short_code: row.short_code, original_url: row.original_url, title: row.title,
        clicks: pick(range.bots, Number(row.c), Number(row.bc)), bot_clicks: Number(row.bc), visitors: pick(range.bots, Number(row.v), Number(row.bv)),
      })),
    };
  }

  // The link if the actor may see it (an admin: any; a user: its own), else 404 as if it did not exist.
  private async ownedLink(actor: Actor, id: number): Promise<{ since: Date }> {
    const owner = ownerScope(actor);
    const [link] = await this.db.execute<{ created_at: string; first_day: string | null }>(sql`
      select u.created_at::text as created_at, (select min(day)::text from link_clicks_daily where url_id = u.id) as first_day
      from urls u where u.id = ${id} ${owner === null ? sql`` : sql`and u.user_id = ${owner}`}`);
    if (!link) throw notFound('url');
    const created = new Date(toIso(link.created_at));
    const first = link.first_day ? new Date(`${link.first_day}T00:00:00.000Z`) : created;
    return { since: first < created ? first : created };
  }

  private async scopeOf(actor: Actor, userId: number | undefined): Promise<Scope> {
    const owner = ownerScope(actor);
    if (owner === null && userId === undefined) return { kind: 'all' };
    const wanted = userId ?? owner!;
    if (owner !== null && wanted !== owner) throw notFound('user');
    const [user] = await this.db.execute<{ id: number }>(sql`select id from users where id = ${wanted}`);
    if (!user) throw notFound('user');
    return { kind: 'user', userId: wanted };
  }

  // Hourly rollups serve hourly buckets and any zone but UTC; daily ones the rest (and visitors).
  private async series(scope: Scope, range: StatsRange): Promise<SeriesStats> {
    const daily = range.interval !== 'hour' && UTC_ZONES.has(range.tz);
    const from = floorTo(range.from, daily ? DAY_MS : HOUR_MS).toISOString();
    const to = ceilTo(range.to, daily ? DAY_MS : HOUR_MS).toISOString();
    const rows = daily ? this.dailyRows(scope, from, to) : this.hourlyRows(scope, from, to);
    const unit = sql.raw(`'${range.interval}'`);
    const points = await this.db.execute<{ start: string } & Counted>(sql`
      with source as (${rows}),
      buckets as (
        select b from generate_series(
          date_trunc(${unit}, ${from}::timestamptz at time zone ${range.tz}),
          date_trunc(${unit}, (${to}::timestamptz - interval '1 millisecond') at time zone ${range.tz}),
          ${sql.raw(`interval '1 ${range.interval}'`)}) as b
      ),
      counted as (
        select date_trunc(${unit}, at at time zone ${range.tz}) as b, sum(clicks) as c, sum(bot_clicks) as bc, sum(visitors) as v, sum(bot_visitors) as bv
        from source group by 1
      )
      select to_char(buckets.b at time zone ${range.tz} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start,
        coalesce(c, 0)::float8 as c, coalesce(bc, 0)::float8 as bc, ${daily ? sql`coalesce(v, 0)::float8` : sql`null::float8`} as v,
        ${daily ? sql`coalesce(bv, 0)::float8` : sql`null::float8`} as bv
      from buckets left join counted using (b) order by buckets.b`);
    const [visitors] = await this.db.execute<{ v: number; bv: number }>(sql`
      select coalesce(sum(visitors), 0)::float8 as v, coalesce(sum(bot_visitors), 0)::float8 as bv
      from (${this.dailyRows(scope, floorTo(range.from, DAY_MS).toISOString(), ceilTo(range.to, DAY_MS).toISOString())}) as days`);
    const series = points.map((point) => ({
      start: point.start,
      clicks: pick(range.bots, Number(point.c), Number(point.bc)),
      bot_clicks: Number(point.bc),
      visitors: point.v === null ? null : pick(range.bots, Number(point.v), Number(point.bv)),
    }));
    return {
      ...echo(range),
      totals: {
        clicks: series.reduce((sum, point) => sum + point.clicks, 0),
        bot_clicks: series.reduce((sum, point) => sum + point.bot_clicks, 0),
        visitors: pick(range.bots, Number(visitors?.v ?? 0), Number(visitors?.bv ?? 0)),
      },
      series,
    };
  }

  private hourlyRows(scope: Scope, from: string, to: string): SQL {
    if (scope.kind === 'all') {
      return sql`select hour as at, clicks, bot_clicks, null::bigint as visitors, null::bigint as bot_visitors
        from global_clicks_hourly where hour >= ${from} and hour < ${to}`;
    }
    return sql`select h.hour as at, h.clicks, h.bot_clicks, null::bigint as visitors, null::bigint as bot_visitors
      from link_clicks_hourly h ${this.scoped(scope, sql`h`)} and h.hour >= ${from} and h.hour < ${to}`;
  }

  private dailyRows(scope: Scope, from: string, to: string): SQL {
    const days = (column: SQL) => sql`${column} >= ${from.slice(0, 10)} and ${column} < ${to.slice(0, 10)}`;
    if (scope.kind === 'all') {
      return sql`select day::timestamp at time zone 'UTC' as at, clicks, bot_clicks, visitors, bot_visitors from global_clicks_daily where ${days(sql`day`)}`;
    }
    return sql`select d.day::timestamp at time zone 'UTC' as at, d.clicks, d.bot_clicks, d.visitors, d.bot_visitors
      from link_clicks_daily d ${this.scoped(scope, sql`d`)} and ${days(sql`d.day`)}`;
  }

  // One link by id, or every link of a user (joined to urls: a deleted link's rows are never read).
  private scoped(scope: Exclude<Scope, { kind: 'all' }>, table: SQL): SQL {
    return scope.kind === 'link'
      ? sql`where ${table}.url_id = ${scope.id}`
      : sql`join urls u on u.id = ${table}.url_id where u.user_id = ${scope.userId}`;
  }
}
