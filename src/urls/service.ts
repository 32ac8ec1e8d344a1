// Short links: creation (one statement per link, audit row included), edits, deletion and listing.
// Every mutation writes its audit event in the same transaction, then tells the cache after commit.
import { and, arrayContains, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { events, urls, type UrlRow } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { findBannedHost } from '../abuse/host-check.ts';
import { targetSuffixes } from '../abuse/hosts.ts';
import { ownerScope, type Actor } from '../auth/actor.ts';
import { AppError, notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import type { Listing, Window } from '../http/pagination.ts';
import { excludeClickWriters } from '../stats/click-barrier.ts';
import { CreateBatcher, type CreatedRow } from './create-batcher.ts';
import { checkExpiry, checkMaxClicks, checkTags } from './link-options.ts';
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
  expires_at: string | null;
  max_clicks: number | null;
  clicks_used: number;
  expired_url: string | null;
  tags: string[];
  /** An operator's ban (410 on redirect); only an admin lifts it, whatever is_active says. */
  banned: boolean;
  ban_reason: string | null;
}

/** Optional on create and update; null clears on update. */
export interface LinkOptions {
  expires_at?: string | null;
  max_clicks?: number | null;
  expired_url?: string | null;
  tags?: string[];
}

export interface NewUrl extends LinkOptions {
  original_url: string;
  user_id?: number | null;
  title?: string | null;
  short_code?: string;
}

export interface UrlPatch extends LinkOptions {
  original_url?: string;
  title?: string | null;
  is_active?: boolean;
}

export interface UrlFilter {
  user_id?: number;
  is_active?: boolean;
  /** Links carrying every one of these tags. */
  tags?: string[];
  /** Text the short code, target or title contains (any case). */
  q?: string;
  /** true: links that ended (expiry passed or click limit used up); false: the others. */
  expired?: boolean;
}

export interface TagCount {
  tag: string;
  count: number;
}

// The very expression urls_search_idx (migration 0006) indexes, so the planner can use it.
const searchable = sql`(${urls.shortCode} || ' ' || ${urls.originalUrl} || ' ' || coalesce(${urls.title}, ''))`;

/** `text` as an ILIKE pattern matching it anywhere, its own % and _ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Links whose short code, target or title contain `text`, in any case. */
export function searchCondition(text: string): SQL {
  return sql`${searchable} ilike ${containsPattern(checkStorable(text, 'q'))}`;
}

/**
 * A link that ended by its own options: past its expiry or out of clicks. Both arms imply the
 * predicate of urls_with_limits_idx (migration 0007), so the planner may read only those links.
 */
export const endedCondition: SQL = sql`(${urls.expiresAt} <= now() or ${urls.clicksUsed} >= ${urls.maxClicks})`;

/** What the caches must hear about after a commit. */
export interface LinkChanges {
  linkChanged(shortCode: string): Promise<void>;
}

const NO_CACHE: LinkChanges = { linkChanged: async () => {} };

/**
 * Who owns a new link: a user key always creates its own (naming another user is a 404, as if that
 * user did not exist), an anonymous creator owns nothing, an admin may name any owner.
 */
function ownerFor(actor: Actor, requested: number | null): number | null {
  if (actor.kind === 'anonymous') return null;
  if (actor.kind === 'admin') return requested;
  if (requested !== null && requested !== actor.userId) throw notFound('user');
  return actor.userId;
}


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
    expires_at: row.expires_at === null ? null : toIso(row.expires_at),
    max_clicks: row.max_clicks,
    clicks_used: row.clicks_used,
    expired_url: row.expired_url,
    tags: row.tags,
    banned: row.banned_at !== null,
    ban_reason: row.ban_reason,
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
    expires_at: row.expiresAt === null ? null : toIso(row.expiresAt),
    max_clicks: row.maxClicks,
    clicks_used: row.clicksUsed,
    expired_url: row.expiredUrl,
    tags: row.tags,
    banned: row.bannedAt !== null,
    ban_reason: row.banReason,
  };
}

/** The link's row, limited to what the actor may see: another user's link reads as absent. */
function visibleTo(actor: Actor, id: number): SQL {
  const owner = ownerScope(actor);
  return owner === null ? eq(urls.id, id) : and(eq(urls.id, id), eq(urls.userId, owner))!;
}

// Fields an update may change, and the column each is stored in (for the audit's from/to).
const AUDITED = [
  ['original_url', 'originalUrl'], ['title', 'title'], ['is_active', 'isActive'], ['expires_at', 'expiresAt'],
  ['max_clicks', 'maxClicks'], ['expired_url', 'expiredUrl'], ['tags', 'tags'],
] as const;

const sameValue = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;

export class UrlService {
  private readonly creates: CreateBatcher;

  constructor(
    private readonly db: Database,
    private readonly cache: LinkChanges = NO_CACHE,
    /** Whether a target points back at hop itself (see self-target.ts). */
    private readonly isSelf: (url: URL) => boolean = () => false,
  ) {
    this.creates = new CreateBatcher(db);
  }

  /**
   * Inserts the link and its `created` event atomically. Concurrent creates share one statement
   * (group commit, see create-batcher.ts); a lone create is one round trip.
   */
  async create(actor: Actor, input: NewUrl): Promise<Url> {
    const customCode = input.short_code === undefined ? undefined : checkShortCode(input.short_code);
    const originalUrl = checkTargetUrl(input.original_url, 'original_url', this.isSelf);
    const expiredUrl = input.expired_url == null ? null : checkTargetUrl(input.expired_url, 'expired_url', this.isSelf);
    // Banned hosts are checked inside the batch's one statement (no extra round trip per create).
    const row = await this.creates.submit({
      userId: ownerFor(actor, input.user_id ?? null),
      customCode,
      originalUrl,
      title: input.title == null ? null : checkStorable(input.title, 'title'),
      expiresAt: checkExpiry(input.expires_at ?? null, true),
      maxClicks: checkMaxClicks(input.max_clicks ?? null),
      expiredUrl,
      tags: checkTags(input.tags ?? []),
      targetHosts: targetSuffixes(originalUrl),
      fallbackHosts: expiredUrl === null ? [] : targetSuffixes(expiredUrl),
    });
    // Only a chosen slug can have been looked up (and cached as unknown) before it existed;
    // a freshly drawn random code needs no invalidation.
    if (customCode !== undefined) await this.cache.linkChanged(customCode);
    return fromRaw(row);
  }

  async list(actor: Actor, filter: UrlFilter, window: Window): Promise<Listing<Url>> {
    const conditions: SQL[] = [];
    const owner = ownerScope(actor);
    if (owner !== null) conditions.push(eq(urls.userId, owner));
    if (filter.tags?.length) conditions.push(arrayContains(urls.tags, checkTags(filter.tags)));
    if (filter.user_id !== undefined) conditions.push(eq(urls.userId, filter.user_id));
    if (filter.is_active !== undefined) conditions.push(eq(urls.isActive, filter.is_active));
    if (filter.q !== undefined) conditions.push(searchCondition(filter.q));
    if (filter.expired !== undefined) conditions.push(filter.expired ? endedCondition : sql`not coalesce(${endedCondition}, false)`);
    const where = conditions.length ? and(...conditions) : undefined;
    const [rows, [total]] = await Promise.all([
      this.db.select().from(urls).where(where).orderBy(desc(urls.createdAt), desc(urls.id)).limit(window.limit).offset(window.offset),
      this.db.select({ value: count() }).from(urls).where(where),
    ]);
    return { rows: rows.map(toUrl), total: total?.value ?? 0 };
  }

  /** Every tag on the actor's links, with how many links carry it; most used first. */
  async tagCounts(actor: Actor): Promise<TagCount[]> {
    const owner = ownerScope(actor);
    const rows = await this.db.execute(sql`
      select tag, count(*)::int as count from urls, unnest(urls.tags) as tag
      ${owner === null ? sql`` : sql`where urls.user_id = ${owner}`}
      group by tag order by count desc, tag`);
    return rows as unknown as TagCount[];
  }

  async get(actor: Actor, id: number): Promise<Url> {
    const [row] = await this.db.select().from(urls).where(visibleTo(actor, id));
    if (!row) throw notFound('url');
    return toUrl(row);
  }

  async update(actor: Actor, id: number, patch: UrlPatch): Promise<Url> {
    const values: Partial<typeof urls.$inferInsert> = {};
    if (patch.original_url !== undefined) values.originalUrl = checkTargetUrl(patch.original_url, 'original_url', this.isSelf);
    if (patch.title !== undefined) values.title = patch.title === null ? null : checkStorable(patch.title, 'title');
    if (patch.is_active !== undefined) values.isActive = patch.is_active;
    // Moving the expiry into the past is how an owner ends a link now, so only a create insists on the future.
    if (patch.expires_at !== undefined) values.expiresAt = checkExpiry(patch.expires_at, false);
    if (patch.max_clicks !== undefined) values.maxClicks = checkMaxClicks(patch.max_clicks);
    if (patch.expired_url !== undefined) {
      values.expiredUrl = patch.expired_url === null ? null : checkTargetUrl(patch.expired_url, 'expired_url', this.isSelf);
    }
    if (patch.tags !== undefined) values.tags = checkTags(patch.tags);

    const updated = await this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(urls).where(visibleTo(actor, id)).for('no key update');
      if (!before) throw notFound('url');
      for (const [field, target] of [['original_url', values.originalUrl], ['expired_url', values.expiredUrl]] as const) {
        if (target && (await findBannedHost(tx, targetSuffixes(target)))) {
          throw new AppError('banned_host', `${field} points at a banned host`, [{ field, message: 'host is banned' }]);
        }
      }
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [field, column] of AUDITED) {
        const to = column === 'expiresAt' && values.expiresAt ? toIso(values.expiresAt) : values[column];
        const from = column === 'expiresAt' && before.expiresAt ? toIso(before.expiresAt) : before[column];
        if (to !== undefined && !sameValue(to, from)) changes[field] = { from, to };
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
  async remove(actor: Actor, id: number): Promise<void> {
    const removed = await this.db.transaction(async (tx) => {
      const [link] = await tx.delete(urls).where(visibleTo(actor, id)).returning();
      if (!link) throw notFound('url');
      // The delete's trigger cleared the link's stored clicks; batches under way may still add some.
      await excludeClickWriters(tx);
      await tx.update(events).set({ urlId: null }).where(and(eq(events.eventType, 'click'), eq(events.urlId, link.id)));
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
