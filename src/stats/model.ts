// Request shapes for the stats endpoints. Values are checked by the service (src/stats/range.ts) so a
// bad one answers 400 with details naming every bad field, in hop's error shape.
import { t } from 'elysia';
import { Id } from '../http/params.ts';
import { DIMENSIONS } from './rollups.ts';

export const StatsQuery = t.Object({
  from: t.Optional(t.String({ description: 'ISO 8601 date or date-time, inclusive' })),
  to: t.Optional(t.String({ description: 'ISO 8601 date or date-time, exclusive (default now)' })),
  period: t.Optional(t.String({ description: '24h, 7d, 30d (default), 90d, 1y or all; instead of from/to' })),
  interval: t.Optional(t.String({ description: 'hour, day, week, month or auto (default)' })),
  tz: t.Optional(t.String({ description: 'IANA time zone the buckets are aligned to (default UTC)' })),
  bots: t.Optional(t.String({ description: 'exclude (default), include or only' })),
});

const Limit = t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'how many values or links (default 10)' }));

export const BreakdownQuery = t.Object({ ...StatsQuery.properties, limit: Limit });

export const OverallQuery = t.Object({ ...StatsQuery.properties, user_id: t.Optional(Id) });

export const TopLinksQuery = t.Object({ ...StatsQuery.properties, user_id: t.Optional(Id), limit: Limit });

export const DimensionParams = t.Object({ id: Id, dimension: t.UnionEnum([...DIMENSIONS]) });

const Echo = {
  from: t.String({ format: 'date-time' }),
  to: t.String({ format: 'date-time' }),
  interval: t.String(),
  tz: t.String(),
  bots: t.String(),
};
const Count = t.Number({ minimum: 0 });
const Totals = t.Object({ clicks: Count, bot_clicks: Count, visitors: Count });
const Point = t.Object({
  start: t.String({ format: 'date-time', description: 'bucket start (aligned in tz), as UTC' }),
  clicks: Count,
  bot_clicks: Count,
  visitors: t.Nullable(Count, { description: 'null unless the buckets are whole UTC days' }),
});

export const LinkStats = t.Object({
  url_id: t.Integer(),
  ...Echo,
  totals: Totals,
  series: t.Array(Point),
  last_click_at: t.Nullable(t.String({ format: 'date-time' })),
});

export const OverallStats = t.Object({ user_id: t.Nullable(t.Integer()), ...Echo, totals: Totals, series: t.Array(Point) });

export const Breakdown = t.Object({
  url_id: t.Integer(),
  dimension: t.String(),
  ...Echo,
  total: Count,
  values: t.Array(t.Object({ value: t.String(), clicks: Count })),
  other: Count,
});

export const TopLinks = t.Object({
  ...Echo,
  links: t.Array(t.Object({
    url_id: t.Integer(),
    short_code: t.String(),
    original_url: t.String(),
    title: t.Nullable(t.String()),
    clicks: Count,
    bot_clicks: Count,
    visitors: Count,
  })),
});
