// The audit and click log: explicit events from clients, and reads over everything hop wrote.
import { and, desc, notInArray, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { foreignKeyViolation } from '../../db/errors.ts';
import { eventCount, events, urls, type EventRow } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { ownerScope, type Actor } from '../auth/actor.ts';
import { AppError, invalid, notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import type { Listing, Window } from '../http/pagination.ts';
import { addedClickFactsId } from '../stats/added-clicks.ts';
import { holdClickBarrier } from '../stats/click-barrier.ts';
import { FactsDictionary } from '../stats/facts-dictionary.ts';
import { OLDEST_STORED_CLICK } from './click-partitions.ts';

export interface Event {
  id: number;
  url_id: number | null;
  user_id: number | null;
  event_type: string;
  timestamp: string;
  details: Record<string, unknown>;
}

export interface NewEvent {
  event_type: string;
  url_id?: number | null;
  user_id?: number | null;
  details?: unknown;
  timestamp?: string;
}

export interface EventFilter {
  url_id?: number;
  user_id?: number;
  event_type?: string;
  /** ISO 8601; `to` is exclusive. */
  from?: string;
  to?: string;
}

/**
 * A filtered list counts its matches exactly up to this many; past it the total is Postgres'
 * estimate (never below the bound) and `exact` is false: counting every click of a busy link on each
 * page read would grow with the table (docs/api.md, "Totals of filtered lists").
 */
export const EXACT_COUNT_BOUND = 10_000;

export interface EventListing extends Listing<Event> {
  exact: boolean;
}

/** Lets reads see clicks still waiting in this replica's buffer. */
export interface PendingClicks {
  flush(): Promise<void>;
}

// The contract's columns only: the click columns (country, visitor) are for the rollups.
const EVENT_COLUMNS = {
  id: events.id,
  urlId: events.urlId,
  userId: events.userId,
  eventType: events.eventType,
  timestamp: events.timestamp,
  details: events.details,
};

/** Event types hop writes itself: the audit trail and clicks, which only admin keys may add or delete. */
export const HOP_EVENT_TYPES: ReadonlySet<string> = new Set([
  'click', 'created', 'updated', 'deleted', 'banned', 'unbanned', 'host_banned', 'host_unbanned', 'blocklist_loaded',
  'key_created', 'key_revoked', 'user_deleted',
]);

export function toEvent(row: Pick<EventRow, keyof typeof EVENT_COLUMNS>): Event {
  return {
    id: row.id,
    url_id: row.urlId,
    user_id: row.userId,
    event_type: row.eventType,
    timestamp: toIso(row.timestamp),
    details: row.details,
  };
}

export class EventService {
  private readonly facts: FactsDictionary;

  constructor(
    private readonly db: Database,
    private readonly pending: PendingClicks = { flush: async () => {} },
  ) {
    this.facts = new FactsDictionary(db);
  }

  async create(input: NewEvent, actor: Actor): Promise<Event> {
    const eventType = checkStorable(input.event_type.trim(), 'event_type');
    if (eventType.length < 1 || eventType.length > 64) throw invalid('event_type', 'must be 1 to 64 characters');
    // A user key may add notes about its links, not forge what hop records (clicks feed the stats).
    if (actor.kind !== 'admin' && HOP_EVENT_TYPES.has(eventType)) throw new AppError('forbidden', `event_type "${eventType}" is written by hop itself: only an admin key may add one`);
    if (input.details !== undefined && (input.details === null || typeof input.details !== 'object' || Array.isArray(input.details))) {
      throw invalid('details', 'must be a JSON object');
    }
    const userId = await this.ownEventUser(input, actor);
    const details = (input.details as Record<string, unknown> | undefined) ?? {};
    const insert = (db: Pick<Database, 'insert'>, factsId: number | null = null) =>
      db
        .insert(events)
        .values({
          eventType,
          urlId: input.url_id ?? null,
          userId,
          details,
          ...(input.timestamp ? { timestamp: input.timestamp } : {}),
          ...(factsId === null ? {} : { factsId }),
        })
        .returning();
    try {
      // A click is counted by the rollup folder from its row, like the click writer's (src/stats/added-clicks.ts).
      const factsId = eventType === 'click' ? await addedClickFactsId(this.db, this.facts, details) : null;
      const [row] =
        factsId !== null
          ? await this.db.transaction(async (tx) => {
              // References before the barrier: a link delete holds the link's row and then waits for
              // the barrier, so the other order could deadlock with it.
              await lockReferences(tx, input.url_id ?? null, userId);
              await holdClickBarrier(tx);
              return insert(tx, factsId);
            })
          : await insert(this.db);
      return toEvent(row!);
    } catch (error) {
      const constraint = foreignKeyViolation(error);
      if (constraint) throw notFound(constraint.includes('url') ? 'url' : 'user');
      throw error;
    }
  }

  async list(filter: EventFilter, window: Window, actor: Actor): Promise<EventListing> {
    if (filter.from !== undefined && filter.to !== undefined && Date.parse(filter.from) >= Date.parse(filter.to)) {
      throw invalid('from', 'must be before to');
    }
    await this.pending.flush();
    const conditions: SQL[] = [];
    const owner = ownerScope(actor);
    if (owner !== null) conditions.push(eq(events.userId, owner));
    if (filter.url_id !== undefined) conditions.push(eq(events.urlId, filter.url_id));
    if (filter.user_id !== undefined) conditions.push(eq(events.userId, filter.user_id));
    if (filter.event_type !== undefined) conditions.push(eq(events.eventType, filter.event_type));
    if (filter.from !== undefined) conditions.push(gte(events.timestamp, new Date(filter.from).toISOString()));
    if (filter.to !== undefined) conditions.push(lt(events.timestamp, new Date(filter.to).toISOString()));
    const where = conditions.length ? and(...conditions) : undefined;
    const page = (since?: string) =>
      this.db
        .select(EVENT_COLUMNS)
        .from(events)
        .where(since === undefined ? where : and(where, gte(events.timestamp, since)))
        .orderBy(desc(events.timestamp), desc(events.id))
        .limit(window.limit)
        .offset(window.offset);
    if (filter.url_id === undefined || (filter.event_type !== undefined && filter.event_type !== 'click')) {
      const [rows, total] = await Promise.all([page(), where ? this.boundedCount(where) : this.countAll()]);
      return { rows: rows.map(toEvent), ...total };
    }
    // One link's events: its hourly rollups bound the page's window and, past the bound, its total.
    const hours = await linkClickHours(this.db, filter, window.offset + window.limit);
    // The rollups count every click of the link: they speak only for a caller who sees them all.
    const whole = hours.linked && (filter.user_id === undefined || filter.user_id === hours.owner) && (owner === null || hours.owner === owner);
    const linkPage = async () => {
      if (whole && hours.since !== null) {
        // A full page from the window is the page: every row in it is newer than every row before it.
        const rows = await page(hours.since);
        if (rows.length === window.limit) return rows;
      }
      return page();
    };
    const [rows, total] = await Promise.all([linkPage(), whole && hours.inside > EXACT_COUNT_BOUND ? { total: hours.inside, exact: false } : this.boundedCount(where!)]);
    return { rows: rows.map(toEvent), ...total };
  }

  // Unfiltered, the trigger-kept counter answers; counting the table would grow with every click.
  private async countAll(): Promise<{ total: number; exact: boolean }> {
    const [total] = await this.db.select({ value: sql<number>`sum(${eventCount.n})::float8` }).from(eventCount);
    return { total: total?.value ?? 0, exact: true };
  }

  private async boundedCount(where: SQL): Promise<{ total: number; exact: boolean }> {
    const matches = () => this.db.select({ one: sql`1` }).from(events).where(where);
    const [counted] = await this.db.execute<{ n: number }>(sql`select count(*)::int as n from (${matches().limit(EXACT_COUNT_BOUND + 1)}) as bounded`);
    const n = Number(counted?.n ?? 0);
    if (n <= EXACT_COUNT_BOUND) return { total: n, exact: true };
    const [plan] = await this.db.execute<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(sql`explain (format json) ${matches()}`);
    const estimate = Math.round(plan?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'] ?? 0);
    return { total: Math.max(EXACT_COUNT_BOUND + 1, estimate), exact: false };
  }

  async get(id: number, actor: Actor): Promise<Event> {
    await this.pending.flush();
    const [row] = await this.db.select(EVENT_COLUMNS).from(events).where(this.visible(id, actor));
    if (!row) throw notFound('event');
    return toEvent(row);
  }

  async remove(id: number, actor: Actor): Promise<void> {
    // A user key may delete only events it could have added: hop's own audit trail stays.
    const where = actor.kind === 'admin' ? this.visible(id, actor) : and(this.visible(id, actor), notInArray(events.eventType, [...HOP_EVENT_TYPES]));
    const deleted = await this.db.delete(events).where(where).returning({ id: events.id });
    if (deleted.length === 0) {
      if (actor.kind !== 'admin' && (await this.exists(id, actor))) throw new AppError('forbidden', 'this event was written by hop itself: only an admin key may delete it');
      throw notFound('event');
    }
  }

  private async exists(id: number, actor: Actor): Promise<boolean> {
    const [row] = await this.db.select({ id: events.id }).from(events).where(this.visible(id, actor));
    return row !== undefined;
  }

  /** Events are a user's when they carry that user's id (hop writes the link owner's on every event). */
  private visible(id: number, actor: Actor): SQL | undefined {
    const owner = ownerScope(actor);
    return owner === null ? eq(events.id, id) : and(eq(events.id, id), eq(events.userId, owner));
  }

  /** The user an event is recorded for: a user key records only about itself and its own links. */
  private async ownEventUser(input: NewEvent, actor: Actor): Promise<number | null> {
    const owner = ownerScope(actor);
    if (owner === null) return input.user_id ?? null;
    if (input.user_id != null && input.user_id !== owner) throw notFound('user');
    if (input.url_id != null) {
      const [link] = await this.db.select({ id: urls.id }).from(urls).where(and(eq(urls.id, input.url_id), eq(urls.userId, owner)));
      if (!link) throw notFound('url');
    }
    return owner;
  }
}

/**
 * Click rows have no foreign keys (the click writer checks its links in bulk, src/events/click-recorder.ts):
 * a click added through the API is checked here instead, with the lock a foreign key would take.
 */
async function lockReferences(tx: Pick<Database, 'execute'>, urlId: number | null, userId: number | null): Promise<void> {
  // The user first: a user delete locks the user, then its links.
  if (userId !== null && (await tx.execute(sql`select 1 from users where id = ${userId} for key share`)).length === 0) throw notFound('user');
  if (urlId !== null && (await tx.execute(sql`select 1 from urls where id = ${urlId} for key share`)).length === 0) throw notFound('url');
}

/** What a link's hourly rollups say about a list of its events (linkClickHours). */
export interface LinkClickHours {
  /** The start of the hour from which the link has at least `need` clicks up to `to`; null when it has fewer. */
  since: string | null;
  /** Its clicks in the hours wholly inside the range. */
  inside: number;
  /** Whether the link exists: a deleted link's rollups stay, its clicks lose their link. */
  linked: boolean;
  /** The link's owner (null: none, or no such link). */
  owner: number | null;
}

const HOUR_MS = 3_600_000;

/**
 * A link's clicks by its rollups, counting only hours wholly inside the range and not before the
 * oldest stored click (OLDEST_STORED_CLICK: retention drops raw months but keeps their rollups). Clicks are indexed
 * by link alone (migration 0015): without `since` a page of a busy link would read all its clicks in
 * the range to sort them, and counting past EXACT_COUNT_BOUND of them would read as many rows; the
 * page reads from `since` on, and a total past the bound is `inside`, an estimate. Rollups that count
 * too few (clicks not folded yet) only widen the window; too many (clicks deleted since, or a deleted
 * link's) can shorten it, and then the page comes back short and is read again without the bound.
 */
export async function linkClickHours(db: Pick<Database, 'execute'>, filter: EventFilter, need: number): Promise<LinkClickHours> {
  // Whole hours: from the first hour that starts at or after `from` to the last that ends by `to`.
  const firstHour = filter.from === undefined ? null : new Date(Math.ceil(Date.parse(filter.from) / HOUR_MS) * HOUR_MS).toISOString();
  const endHour = filter.to === undefined ? null : new Date(Math.floor(Date.parse(filter.to) / HOUR_MS) * HOUR_MS).toISOString();
  const clicks = sql`coalesce(sum(clicks + bot_clicks), 0)`;
  const hourly = (lo: SQL, hi: SQL) => sql`(select ${clicks} from link_clicks_hourly where url_id = ${filter.url_id} and hour >= ${lo} and hour < ${hi})`;
  // Scalar subqueries of the one-row bounds: index conditions, so the newest-first read stops early.
  const [lo, hi, firstDay, endDay] = ['lo', 'hi', 'first_day', 'end_day'].map((name) => sql.raw(`(select ${name} from bounds)`)) as [SQL, SQL, SQL, SQL];
  const [row] = await db.execute<{ since: number | null; inside: number; linked: boolean; owner: number | null }>(sql`
    with bounds as materialized (
      select lo, hi, case when date_trunc('day', lo, 'UTC') = lo then lo else date_trunc('day', lo, 'UTC') + interval '1 day' end as first_day,
        date_trunc('day', hi, 'UTC') as end_day
      from (select greatest(${firstHour}::timestamptz, ${OLDEST_STORED_CLICK}) as lo, coalesce(${endHour}::timestamptz, 'infinity') as hi) as range
    )
    select
      (select extract(epoch from hour)::float8 * 1000 from (
        select hour, sum(clicks + bot_clicks) over (order by hour desc rows unbounded preceding) as running
        from link_clicks_hourly where url_id = ${filter.url_id} and hour >= ${lo} and hour < ${hi}
      ) as newest_first where running >= ${need} order by hour desc limit 1) as since,
      -- Whole days from the daily rollups (a year of a busy link is 365 rows instead of 8,760), the hours around them from the hourly.
      (case when ${firstDay} < ${endDay} then
        (select ${clicks} from link_clicks_daily where url_id = ${filter.url_id}
           and day >= (${firstDay} at time zone 'UTC')::date and day < (${endDay} at time zone 'UTC')::date)
        + ${hourly(lo, firstDay)} + ${hourly(endDay, hi)}
      else ${hourly(lo, hi)} end)::float8 as inside,
      link.id is not null as linked, link.user_id as owner
    from (select) as one left join urls link on link.id = ${filter.url_id}`);
  return {
    since: row?.since == null ? null : new Date(Number(row.since)).toISOString(),
    inside: Number(row?.inside ?? 0),
    linked: row?.linked === true,
    owner: row?.owner == null ? null : Number(row.owner),
  };
}
