// The stats endpoints' answers, turned into what the console draws. Every assumption about their
// JSON shape lives here, beside the HopClient methods that call them.
import type { BreakdownRow } from '../components/BreakdownTable.tsx';
import type { ClickSeries } from '../components/ClicksChart.tsx';
import type { StatsRange } from './types.ts';

export const DIMENSIONS = [
  { value: 'referrers', label: 'Referrers' },
  { value: 'countries', label: 'Countries' },
  { value: 'browsers', label: 'Browsers' },
  { value: 'os', label: 'Operating systems' },
  { value: 'devices', label: 'Devices' },
] as const;

export type Dimension = (typeof DIMENSIONS)[number]['value'];

/** GET /urls/:id/stats and GET /stats (docs/api.md, "Stats"). */
export interface StatsAnswer {
  totals: { clicks: number; bot_clicks: number; visitors: number };
  last_click_at?: string | null;
  /** Zero-filled; `visitors` is null unless the points are whole UTC days. */
  series: { start: string; clicks: number; bot_clicks: number; visitors: number | null }[];
}

/** GET /urls/:id/stats/:dimension */
export interface BreakdownAnswer {
  values: { value: string; clicks: number }[];
  other: number;
}

/** GET /stats/top-links */
export interface TopLinksAnswer {
  links: { url_id: number; short_code: string; original_url: string; title: string | null; clicks: number; bot_clicks: number; visitors: number }[];
}

export interface Totals {
  clicks: number;
  botClicks: number;
  visitors: number;
  lastClickAt: string | null;
}

export interface Stats {
  totals: Totals;
  series: ClickSeries;
}

/** The range as the stats endpoints' query: a preset period, or from/to days (to exclusive). */
export function rangeQuery(range: StatsRange): Record<string, string> {
  const query: Record<string, string> = { tz: range.tz, bots: range.bots };
  if (range.period !== 'custom') return { ...query, period: range.period };
  if (range.from) query.from = range.from;
  if (range.to) {
    const next = new Date(`${range.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    query.to = next.toISOString().slice(0, 10);
  }
  return query;
}

export function toStats(answer: StatsAnswer, bots: StatsRange['bots']): Stats {
  return {
    totals: { clicks: answer.totals.clicks, botClicks: answer.totals.bot_clicks, visitors: answer.totals.visitors, lastClickAt: answer.last_click_at ?? null },
    series: {
      times: answer.series.map((point) => Date.parse(point.start) / 1000),
      clicks: answer.series.map((point) => point.clicks),
      // With bots counted in, their share is drawn apart; alone or left out, `clicks` says it all.
      automated: bots === 'include' ? answer.series.map((point) => point.bot_clicks) : undefined,
    },
  };
}

export function toBreakdown(answer: BreakdownAnswer): BreakdownRow[] {
  const rows = answer.values.map((row) => ({ value: row.value, clicks: row.clicks }));
  return answer.other > 0 ? [...rows, { value: 'other', clicks: answer.other }] : rows;
}
