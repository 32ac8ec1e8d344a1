// The time range a stats request asks about: from/to or a period, an interval (auto picks one), a
// time zone and the bot filter, checked into one value or refused with details (400).
import { AppError } from '../http/errors.ts';

export const PERIODS = ['24h', '7d', '30d', '90d', '1y', 'all'] as const;
export const INTERVALS = ['hour', 'day', 'week', 'month', 'auto'] as const;
export const BOT_FILTERS = ['exclude', 'include', 'only'] as const;
export type Period = (typeof PERIODS)[number];
export type Interval = Exclude<(typeof INTERVALS)[number], 'auto'>;
export type BotFilter = (typeof BOT_FILTERS)[number];

/** More buckets than this is a 400: a chart cannot show them and the answer would be huge. */
export const MAX_BUCKETS = 2000;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PERIOD_MS: Record<Exclude<Period, 'all'>, number> = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS, '1y': 365 * DAY_MS };
const BUCKET_MS: Record<Interval, number> = { hour: HOUR_MS, day: DAY_MS, week: 7 * DAY_MS, month: 28 * DAY_MS };
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface RangeQuery {
  from?: string;
  to?: string;
  period?: string;
  interval?: string;
  tz?: string;
  bots?: string;
}

export interface StatsRange {
  /** Inclusive, UTC. */
  from: Date;
  /** Exclusive, UTC. */
  to: Date;
  interval: Interval;
  tz: string;
  bots: BotFilter;
}

type Detail = { field: string; message: string };

function instant(value: string, field: string, details: Detail[]): Date | null {
  const at = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    details.push({ field, message: 'must be an ISO 8601 date or date-time (e.g. 2026-11-01 or 2026-11-01T12:00:00Z)' });
    return null;
  }
  return new Date(at);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string, details: Detail[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  details.push({ field, message: `must be one of ${allowed.join(', ')}` });
  return undefined;
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The interval `auto` picks: about 24 to 400 buckets for any range. */
export function autoInterval(spanMs: number): Interval {
  if (spanMs <= 2 * DAY_MS) return 'hour';
  if (spanMs <= 120 * DAY_MS) return 'day';
  if (spanMs <= 3 * 365 * DAY_MS) return 'week';
  return 'month';
}

/**
 * Resolves the query against `now`; `earliest` is where `period=all` starts (the scope's first
 * click or creation). Throws a validation AppError listing every bad field.
 */
export function resolveRange(query: RangeQuery, now: Date, earliest: () => Date): StatsRange {
  const details: Detail[] = [];
  const period = oneOf(query.period, PERIODS, 'period', details);
  const wanted = oneOf(query.interval, INTERVALS, 'interval', details);
  const bots = oneOf(query.bots, BOT_FILTERS, 'bots', details) ?? 'exclude';
  const tz = query.tz ?? 'UTC';
  if (!validTimeZone(tz)) details.push({ field: 'tz', message: 'must be an IANA time zone (e.g. Europe/Paris)' });
  if (period && (query.from !== undefined || query.to !== undefined)) details.push({ field: 'period', message: 'give either period or from/to, not both' });
  let from = query.from !== undefined ? instant(query.from, 'from', details) : null;
  let to = query.to !== undefined ? instant(query.to, 'to', details) : null;
  if (details.length === 0) {
    to ??= now;
    if (!from) from = period === 'all' ? earliest() : new Date(to.getTime() - PERIOD_MS[period ?? '30d']);
    if (from.getTime() >= to.getTime()) details.push({ field: 'from', message: 'must be before to' });
  }
  if (details.length > 0) throw new AppError('validation', `invalid stats query: ${details.map((d) => d.field).join(', ')}`, details);
  const span = to!.getTime() - from!.getTime();
  const interval = wanted === undefined || wanted === 'auto' ? autoInterval(span) : wanted;
  const buckets = Math.ceil(span / BUCKET_MS[interval]);
  if (buckets > MAX_BUCKETS) {
    throw new AppError('validation', 'invalid stats query: interval', [
      { field: 'interval', message: `${interval} buckets over this range would be about ${buckets}; at most ${MAX_BUCKETS}: pick a longer interval or a shorter range` },
    ]);
  }
  return { from: from!, to: to!, interval, tz, bots };
}
