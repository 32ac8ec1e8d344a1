// The rollup upserts, as CTEs over two named inputs: `facts`, the clicks to fold grouped by every fact
// (url_id, hour, bot, browser, os, device, referrer_host, country, n, last), and `visits`, their
// visitors (url_id, day, visitor, bot). The rollup folder defines both over the raw click rows it reads
// by id, or over the rows it drains from the queue older releases fill (src/stats/rollup-folder.ts),
// in the statement that reads them. Each rollup aggregates those groups, far fewer than clicks, and
// each source is grouped by its key, so no row is touched twice by one statement. Hash aggregates,
// no sorts: only one fold runs at a time (the folder's advisory lock), so there is no lock order to
// keep. A click whose link was deleted before the fold (url_id null) counts in the global series only,
// as the rebuild counts it.
import { sql, type SQL } from 'drizzle-orm';
import { UNKNOWN_COUNTRY } from './countries.ts';

/** The dimensions a link's stats break down by, as stored and as named in the API. */
export const DIMENSIONS = ['referrers', 'browsers', 'os', 'devices', 'countries'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The clicks with ids in (${from}, ${through}] that carry a facts id, as `facts` and `visits`. The raw
 * rows are read and grouped once, by every fact and the visitor; both inputs come from those groups
 * (far fewer than clicks), not from the rows again: a second pass over a materialised copy of every
 * row made the fold cost 1.44 instead of 0.88 µs per click of a 125,000-click slice
 * (docs/decisions.md, "Folding from the raw rows").
 */
export function rawClicks(from: number, through: number): SQL {
  return sql`
  per_visitor as materialized (
    select url_id, date_trunc('hour', timestamp, 'UTC') as hour, facts_id, coalesce(country, ${UNKNOWN_COUNTRY}) as country, visitor,
      count(*) as n, max(timestamp) as last
    from events_clicks where id > ${from} and id <= ${through} and facts_id is not null
    group by 1, 2, 3, 4, 5
  ),
  grouped as materialized (
    select url_id, hour, facts_id, country, sum(n)::bigint as n, max(last) as last from per_visitor group by 1, 2, 3, 4
  ),
  facts as materialized (
    select g.url_id, g.hour, f.bot, f.browser, f.os, f.device, f.referrer_host, g.country, g.n, g.last
    from grouped g join click_facts f on f.id = g.facts_id
  ),
  visits as (
    select v.url_id, v.day, v.visitor, f.bot
    from (select distinct url_id, (hour at time zone 'UTC')::date as day, visitor, facts_id from per_visitor where visitor is not null) as v
    join click_facts f on f.id = v.facts_id
  )`;
}

/** Up to `limit` rows drained from click_rollup_queue (older releases' writers), as `facts` and `visits`. */
export function queuedClicks(limit: number): SQL {
  return sql`
  kept as (
    delete from click_rollup_queue
    where ctid = any (array(select ctid from click_rollup_queue limit ${limit}))
    returning url_id, ts, bot, browser, os, device, referrer_host, country, visitor
  ),
  facts as materialized (
    select url_id, date_trunc('hour', ts, 'UTC') as hour, bot, browser, os, device, referrer_host, country, count(*) as n, max(ts) as last
    from kept group by 1, 2, 3, 4, 5, 6, 7, 8
  ),
  visits as (select url_id, (ts at time zone 'UTC')::date as day, visitor, bot from kept where visitor is not null)`;
}

/** CTEs that fold `facts` and `visits` into every rollup table. To be placed after them in a WITH list. */
export const ROLLUP_CTES: SQL = sql`
  seen as (
    insert into click_visitors (url_id, day, visitor, bot)
    select url_id, day, visitor, bot from (
      select url_id, day, visitor, bot from visits where url_id is not null
      union all
      select 0, day, visitor, bot from visits
    ) as v group by 1, 2, 3, 4
    on conflict do nothing
    returning url_id, day, bot
  ),
  new_visitors as (
    select url_id, day, count(*) filter (where not bot) as visitors, count(*) filter (where bot) as bot_visitors from seen group by url_id, day
  ),
  hourly as (
    insert into link_clicks_hourly as h (url_id, hour, clicks, bot_clicks)
    select url_id, hour, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0) from facts where url_id is not null group by 1, 2
    on conflict (url_id, hour) do update set clicks = h.clicks + excluded.clicks, bot_clicks = h.bot_clicks + excluded.bot_clicks
  ),
  daily as (
    insert into link_clicks_daily as d (url_id, day, clicks, bot_clicks, visitors, bot_visitors, last_click_at, last_bot_click_at)
    select k.url_id, k.day, k.clicks, k.bot_clicks, coalesce(nv.visitors, 0), coalesce(nv.bot_visitors, 0), k.last_click_at, k.last_bot_click_at
    from (
      select url_id, (hour at time zone 'UTC')::date as day, coalesce(sum(n) filter (where not bot), 0) as clicks, coalesce(sum(n) filter (where bot), 0) as bot_clicks,
             max(last) filter (where not bot) as last_click_at, max(last) filter (where bot) as last_bot_click_at
      from facts where url_id is not null group by 1, 2
    ) as k left join new_visitors nv on nv.url_id = k.url_id and nv.day = k.day
    on conflict (url_id, day) do update set
      clicks = d.clicks + excluded.clicks, bot_clicks = d.bot_clicks + excluded.bot_clicks,
      visitors = d.visitors + excluded.visitors, bot_visitors = d.bot_visitors + excluded.bot_visitors,
      last_click_at = greatest(d.last_click_at, excluded.last_click_at),
      last_bot_click_at = greatest(d.last_bot_click_at, excluded.last_bot_click_at)
  ),
  dimensions as (
    insert into link_dimension_daily as d (url_id, dimension, day, value, clicks, bot_clicks)
    select url_id, dim.dimension, (hour at time zone 'UTC')::date, dim.value, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0)
    from facts cross join lateral (values
      ('referrers', referrer_host), ('browsers', browser), ('os', os), ('devices', device), ('countries', country::text)
    ) as dim(dimension, value)
    where url_id is not null
    group by 1, 2, 3, 4
    on conflict (url_id, dimension, day, value) do update set clicks = d.clicks + excluded.clicks, bot_clicks = d.bot_clicks + excluded.bot_clicks
  ),
  global_hourly as (
    insert into global_clicks_hourly as g (hour, slot, clicks, bot_clicks)
    select hour, 0, coalesce(sum(n) filter (where not bot), 0), coalesce(sum(n) filter (where bot), 0) from facts group by 1
    on conflict (hour, slot) do update set clicks = g.clicks + excluded.clicks, bot_clicks = g.bot_clicks + excluded.bot_clicks
  ),
  global_daily as (
    insert into global_clicks_daily as g (day, slot, clicks, bot_clicks, visitors, bot_visitors)
    select k.day, 0, k.clicks, k.bot_clicks, coalesce(nv.visitors, 0), coalesce(nv.bot_visitors, 0)
    from (
      select (hour at time zone 'UTC')::date as day, coalesce(sum(n) filter (where not bot), 0) as clicks, coalesce(sum(n) filter (where bot), 0) as bot_clicks
      from facts group by 1
    ) as k left join new_visitors nv on nv.url_id = 0 and nv.day = k.day
    on conflict (day, slot) do update set
      clicks = g.clicks + excluded.clicks, bot_clicks = g.bot_clicks + excluded.bot_clicks,
      visitors = g.visitors + excluded.visitors, bot_visitors = g.bot_visitors + excluded.bot_visitors
  )`;
