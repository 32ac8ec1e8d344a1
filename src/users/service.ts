// Users: the rules for creating, changing, importing and deleting them. No HTTP in here.
import { and, asc, count, eq, inArray, or } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { uniqueViolation } from '../../db/errors.ts';
import { events, urls, users, type UserRow } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { ownerScope, requireAdmin, type Actor } from '../auth/actor.ts';
import { AppError, invalid, notFound } from '../http/errors.ts';
import type { Listing, Window } from '../http/pagination.ts';
import { excludeClickWriters } from '../stats/click-barrier.ts';

export interface User {
  id: number;
  username: string;
  email: string;
  created_at: string;
}

export interface NewUser {
  username: string;
  email: string;
  created_at?: string;
}

export interface UserPatch {
  username?: string;
  email?: string;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Control characters have no place in a name and NUL cannot be stored at all.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkUsername(username: string): string {
  const trimmed = username.trim();
  if (trimmed.length < 1 || trimmed.length > 64) throw invalid('username', 'must be 1 to 64 characters');
  if (CONTROL.test(trimmed)) throw invalid('username', 'must not contain control characters');
  return trimmed;
}

export function checkEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL_SHAPE.test(trimmed)) throw invalid('email', 'must be an email address');
  return trimmed;
}

export function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, email: row.email, created_at: toIso(row.createdAt) };
}

function conflictOf(error: unknown): AppError | undefined {
  const constraint = uniqueViolation(error);
  if (!constraint) return undefined;
  const field = constraint.includes('email') ? 'email' : 'username';
  return new AppError('conflict', `a user with that ${field} already exists`, [{ field, message: 'already taken' }]);
}

/**
 * Called after a user's deletion commits, with the codes of the links that went with it: the app
 * drops those links from every cache tier and makes every replica forget the user's API keys.
 */
export type UserRemoved = (shortCodes: string[]) => Promise<void>;

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly onRemoved: UserRemoved = async () => {},
  ) {}

  async create(input: NewUser, actor: Actor): Promise<User> {
    requireAdmin(actor);
    const values = {
      username: checkUsername(input.username),
      email: checkEmail(input.email),
      ...(input.created_at ? { createdAt: input.created_at } : {}),
    };
    try {
      const [row] = await this.db.insert(users).values(values).returning();
      return toUser(row!);
    } catch (error) {
      throw conflictOf(error) ?? error;
    }
  }

  async list(window: Window, actor: Actor): Promise<Listing<User>> {
    const owner = ownerScope(actor);
    const where = owner === null ? undefined : eq(users.id, owner);
    const [rows, [total]] = await Promise.all([
      this.db.select().from(users).where(where).orderBy(asc(users.id)).limit(window.limit).offset(window.offset),
      this.db.select({ value: count() }).from(users).where(where),
    ]);
    return { rows: rows.map(toUser), total: total?.value ?? 0 };
  }

  async get(id: number, actor: Actor): Promise<User> {
    this.checkVisible(id, actor);
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    if (!row) throw notFound('user');
    return toUser(row);
  }

  async update(id: number, patch: UserPatch, actor: Actor): Promise<User> {
    this.checkVisible(id, actor);
    const values: Partial<typeof users.$inferInsert> = {};
    if (patch.username !== undefined) values.username = checkUsername(patch.username);
    if (patch.email !== undefined) values.email = checkEmail(patch.email);
    if (Object.keys(values).length === 0) return this.get(id, actor);
    try {
      const [row] = await this.db.update(users).set(values).where(eq(users.id, id)).returning();
      if (!row) throw notFound('user');
      return toUser(row);
    } catch (error) {
      throw conflictOf(error) ?? error;
    }
  }

  /**
   * Removes the user with its links and every event about either, and records the deletion itself
   * as a `user_deleted` event in the same transaction: the user's id, how much went with it and the
   * acting key, no personal data (no username, email or link targets).
   */
  async remove(id: number, actor: Actor): Promise<void> {
    this.checkVisible(id, actor);
    const removedCodes = await this.db.transaction(async (tx) => {
      // Locked first, the user and then its links in id order (the order POST /events locks in), so a
      // link cannot be added meanwhile. Click rows have no foreign keys: see the end.
      await tx.select({ id: users.id }).from(users).where(eq(users.id, id)).for('update');
      const owned = await tx.select({ id: urls.id, shortCode: urls.shortCode }).from(urls).where(eq(urls.userId, id)).orderBy(urls.id).for('update');
      const urlIds = owned.map((link) => link.id);
      const theirs = urlIds.length ? or(eq(events.userId, id), inArray(events.urlId, urlIds)) : eq(events.userId, id);
      const removedEvents = await tx
        .delete(events)
        .where(theirs)
        .returning({ id: events.id });
      if (urlIds.length) await tx.delete(urls).where(inArray(urls.id, urlIds));
      const deleted = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      if (deleted.length === 0) throw notFound('user');
      // Click batches under way joined these links before this commits: wait for them, then delete
      // what they stored (src/stats/click-barrier.ts); later batches find the links gone.
      await excludeClickWriters(tx);
      await tx
        .delete(events)
        .where(and(eq(events.eventType, 'click'), theirs));
      await tx.insert(events).values({
        urlId: null,
        userId: null,
        eventType: 'user_deleted',
        // Who deleted it: the acting key's id (null for an anonymous or open-mode request).
        details: { user_id: id, links_removed: urlIds.length, events_removed: removedEvents.length, by_key_id: actor.kind === 'anonymous' ? null : actor.keyId },
      });
      return owned.map((link) => link.shortCode);
    });
    await this.onRemoved(removedCodes);
  }

  /** A user key sees its own user record only; any other id is as absent as a missing one. */
  private checkVisible(id: number, actor: Actor): void {
    const owner = ownerScope(actor);
    if (owner !== null && owner !== id) throw notFound('user');
  }
}
