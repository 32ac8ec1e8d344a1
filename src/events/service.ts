// The audit and click log: explicit events from clients, and reads over everything hop wrote.
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { foreignKeyViolation } from '../../db/errors.ts';
import { eventCount, events, type EventRow } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { invalid, notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import type { Listing, Window } from '../http/pagination.ts';

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
}

/** Lets reads see clicks still waiting in this replica's buffer. */
export interface PendingClicks {
  flush(): Promise<void>;
}

export function toEvent(row: EventRow): Event {
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
  constructor(
    private readonly db: Database,
    private readonly pending: PendingClicks = { flush: async () => {} },
  ) {}

  async create(input: NewEvent): Promise<Event> {
    const eventType = checkStorable(input.event_type.trim(), 'event_type');
    if (eventType.length < 1 || eventType.length > 64) throw invalid('event_type', 'must be 1 to 64 characters');
    if (input.details !== undefined && (input.details === null || typeof input.details !== 'object' || Array.isArray(input.details))) {
      throw invalid('details', 'must be a JSON object');
    }
    try {
      const [row] = await this.db
        .insert(events)
        .values({
          eventType,
          urlId: input.url_id ?? null,
          userId: input.user_id ?? null,
          details: (input.details as Record<string, unknown> | undefined) ?? {},
          ...(input.timestamp ? { timestamp: input.timestamp } : {}),
        })
        .returning();
      return toEvent(row!);
    } catch (error) {
      const constraint = foreignKeyViolation(error);
      if (constraint) throw notFound(constraint.includes('url') ? 'url' : 'user');
      throw error;
    }
  }

  async list(filter: EventFilter, window: Window): Promise<Listing<Event>> {
    await this.pending.flush();
    const conditions: SQL[] = [];
    if (filter.url_id !== undefined) conditions.push(eq(events.urlId, filter.url_id));
    if (filter.user_id !== undefined) conditions.push(eq(events.userId, filter.user_id));
    if (filter.event_type !== undefined) conditions.push(eq(events.eventType, filter.event_type));
    const where = conditions.length ? and(...conditions) : undefined;
    const [rows, [total]] = await Promise.all([
      this.db.select().from(events).where(where).orderBy(desc(events.timestamp), desc(events.id)).limit(window.limit).offset(window.offset),
      // Unfiltered, the trigger-kept counter answers; counting the table would grow with every click.
      where ? this.db.select({ value: count() }).from(events).where(where) : this.db.select({ value: sql<number>`sum(${eventCount.n})::float8` }).from(eventCount),
    ]);
    return { rows: rows.map(toEvent), total: total?.value ?? 0 };
  }

  async get(id: number): Promise<Event> {
    await this.pending.flush();
    const [row] = await this.db.select().from(events).where(eq(events.id, id));
    if (!row) throw notFound('event');
    return toEvent(row);
  }

  async remove(id: number): Promise<void> {
    const deleted = await this.db.delete(events).where(eq(events.id, id)).returning({ id: events.id });
    if (deleted.length === 0) throw notFound('event');
  }
}
