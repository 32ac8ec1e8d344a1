// Short links: creation (one statement per link, audit row included), edits, deletion and listing.
// Every mutation writes its audit event in the same transaction, then tells the cache after commit.
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { events, urls, type UrlRow } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import type { Listing, Window } from '../http/pagination.ts';
import { CreateBatcher, type CreatedRow } from './create-batcher.ts';
import { checkShortCode, checkTargetUrl } from './short-code.ts';

export interface Url {
  id: number;
  user_id: number | null;
  short_code: string;
  original_url: string;
  title: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export interface NewUrl {
  original_url: string;
  user_id?: number | null;
  title?: string | null;
  short_code?: string;
}

export interface UrlPatch {
  original_url?: string;
  title?: string | null;
  is_active?: boolean;
}

export interface UrlFilter {
  user_id?: number;
  is_active?: boolean;
}

/** What the caches must hear about after a commit. */
export interface LinkChanges {
  linkChanged(shortCode: string): Promise<void>;
}

const NO_CACHE: LinkChanges = { linkChanged: async () => {} };


function fromRaw(row: CreatedRow): Url {
  return {
    id: row.id,
    user_id: row.user_id,
    short_code: row.short_code,
    original_url: row.original_url,
    title: row.title,
    is_active: row.is_active,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

export function toUrl(row: UrlRow): Url {
  return {
    id: row.id,
    user_id: row.userId,
    short_code: row.shortCode,
    original_url: row.originalUrl,
    title: row.title,
    is_active: row.isActive,
    created_at: toIso(row.createdAt),
    updated_at: toIso(row.updatedAt),
  };
}

export class UrlService {
  private readonly creates: CreateBatcher;

  constructor(
    private readonly db: Database,
    private readonly cache: LinkChanges = NO_CACHE,
    /** host[:port] values hop answers on: links may not point back at it. */
    private readonly ownHosts: readonly string[] = [],
  ) {
    this.creates = new CreateBatcher(db);
  }

  /**
   * Inserts the link and its `created` event atomically. Concurrent creates share one statement
   * (group commit, see create-batcher.ts); a lone create is one round trip.
   */
  async create(input: NewUrl): Promise<Url> {
    const customCode = input.short_code === undefined ? undefined : checkShortCode(input.short_code);
    const row = await this.creates.submit({
      userId: input.user_id ?? null,
      customCode,
      originalUrl: checkTargetUrl(input.original_url, 'original_url', this.ownHosts),
      title: input.title == null ? null : checkStorable(input.title, 'title'),
    });
    // Only a chosen slug can have been looked up (and cached as unknown) before it existed;
    // a freshly drawn random code needs no invalidation.
    if (customCode !== undefined) await this.cache.linkChanged(customCode);
    return fromRaw(row);
  }

  async list(filter: UrlFilter, window: Window): Promise<Listing<Url>> {
    const conditions: SQL[] = [];
    if (filter.user_id !== undefined) conditions.push(eq(urls.userId, filter.user_id));
    if (filter.is_active !== undefined) conditions.push(eq(urls.isActive, filter.is_active));
    const where = conditions.length ? and(...conditions) : undefined;
    const [rows, [total]] = await Promise.all([
      this.db.select().from(urls).where(where).orderBy(desc(urls.createdAt), desc(urls.id)).limit(window.limit).offset(window.offset),
      this.db.select({ value: count() }).from(urls).where(where),
    ]);
    return { rows: rows.map(toUrl), total: total?.value ?? 0 };
  }

  async get(id: number): Promise<Url> {
    const [row] = await this.db.select().from(urls).where(eq(urls.id, id));
    if (!row) throw notFound('url');
    return toUrl(row);
  }

  async update(id: number, patch: UrlPatch): Promise<Url> {
    const values: Partial<typeof urls.$inferInsert> = {};
    if (patch.original_url !== undefined) values.originalUrl = checkTargetUrl(patch.original_url, 'original_url', this.ownHosts);
    if (patch.title !== undefined) values.title = patch.title === null ? null : checkStorable(patch.title, 'title');
    if (patch.is_active !== undefined) values.isActive = patch.is_active;

    const updated = await this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(urls).where(eq(urls.id, id)).for('update');
      if (!before) throw notFound('url');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [field, column] of [['original_url', 'originalUrl'], ['title', 'title'], ['is_active', 'isActive']] as const) {
        if (values[column] !== undefined && values[column] !== before[column]) {
          changes[field] = { from: before[column], to: values[column] };
        }
      }
      if (Object.keys(changes).length === 0) return before;
      const [after] = await tx
        .update(urls)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(urls.id, id))
        .returning();
      await tx.insert(events).values({
        urlId: id,
        userId: before.userId,
        eventType: 'updated',
        details: { short_code: before.shortCode, changes },
      });
      return after!;
    });
    await this.cache.linkChanged(updated.shortCode);
    return toUrl(updated);
  }

  /** Deletes the link; its `deleted` event keeps the link's identity in details (url_id becomes null). */
  async remove(id: number): Promise<void> {
    const removed = await this.db.transaction(async (tx) => {
      const [link] = await tx.delete(urls).where(eq(urls.id, id)).returning();
      if (!link) throw notFound('url');
      await tx.insert(events).values({
        urlId: null,
        userId: link.userId,
        eventType: 'deleted',
        details: { url_id: link.id, short_code: link.shortCode, original_url: link.originalUrl },
      });
      return link;
    });
    await this.cache.linkChanged(removed.shortCode);
  }
}

