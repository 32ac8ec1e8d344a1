// Turns a presented API key into an actor without touching Postgres on every request: resolved
// keys are cached in-process by hash (bounded, short TTL), revocations arrive over Redis pub/sub
// (see src/cache/keys.ts), and last-used times are written in batches, never a write per request.
import { eq, sql } from 'drizzle-orm';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Database } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import type { Actor } from './actor.ts';
import { parseKey, sameHash } from './key-format.ts';

export type Resolution =
  | { ok: true; actor: Actor; publicId: string }
  /** publicId: the visible id of a well-formed key (for the access log), never the secret. */
  | { ok: false; reason: 'invalid' | 'revoked' | 'expired'; publicId?: string }
  /** The caller's `mayLoad` refused a new lookup in Postgres. */
  | { ok: false; reason: 'busy'; publicId?: undefined };

interface Known {
  id: number;
  publicId: string;
  actor: Actor;
  /** Epoch ms, or null for a key that does not expire. */
  expiresAt: number | null;
  revoked: boolean;
}
const UNKNOWN = 'unknown' as const;

export interface KeyResolverOptions {
  maxEntries?: number;
  /** Bounds how long a replica that missed a revocation (Redis down) may accept the key. */
  ttlMs?: number;
  lastUsedFlushMs?: number;
  /** The deployment's revocation channel (src/cache/keys.ts, under REDIS_KEY_PREFIX). */
  revocationChannel?: string;
}

export class KeyResolver {
  private readonly cache: LRUCache<string, Known | typeof UNKNOWN>;
  private lastUsed = new Map<number, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  // One Postgres lookup per key at a time: parallel first requests with one key share it.
  private readonly loading = new Map<string, Promise<Known | typeof UNKNOWN>>();
  // Bumped by every revocation: a load that started before one must not cache what it read.
  private generation = 0;
  private readonly republish = new Set<ReturnType<typeof setTimeout>>();
  private readonly revocationChannel: string;

  constructor(
    private readonly db: Database,
    private readonly redis: Redis | null = null,
    subscriber: Redis | null = null,
    { maxEntries = 10_000, ttlMs = 30_000, lastUsedFlushMs = 10_000, revocationChannel = 'hop:key-revocations' }: KeyResolverOptions = {},
  ) {
    this.revocationChannel = revocationChannel;
    this.cache = new LRUCache({ max: maxEntries, ttl: ttlMs });
    if (subscriber) {
      subscriber.on('message', (channel: string) => {
        if (channel === revocationChannel) this.forget();
      });
      subscriber.on('ready', () => this.forget());
      void subscriber.subscribe(revocationChannel).catch(() => {});
    }
    this.timer = setInterval(() => void this.flushLastUsed().catch(() => {}), lastUsedFlushMs);
    this.timer.unref?.();
  }

  /**
   * `mayLoad` is asked before a new lookup in Postgres starts (not for cached keys, nor for a lookup
   * of the same key already under way) and may refuse it: the caller bounds lookups in flight.
   */
  async resolve(presented: string, mayLoad: () => boolean = () => true): Promise<Resolution> {
    const parsed = parseKey(presented);
    if (!parsed) return { ok: false, reason: 'invalid' };
    let known = this.cache.get(parsed.hash);
    if (known === undefined) {
      let load = this.loading.get(parsed.hash);
      if (!load) {
        if (!mayLoad()) return { ok: false, reason: 'busy' };
        const generation = this.generation;
        load = this.load(parsed.publicId, parsed.hash).then((found) => {
          if (generation === this.generation) this.cache.set(parsed.hash, found);
          return found;
        }).finally(() => this.loading.delete(parsed.hash));
        this.loading.set(parsed.hash, load);
      }
      known = await load;
    }
    if (known === UNKNOWN) return { ok: false, reason: 'invalid' };
    if (known.revoked) return { ok: false, reason: 'revoked', publicId: known.publicId };
    if (known.expiresAt !== null && known.expiresAt <= Date.now()) return { ok: false, reason: 'expired', publicId: known.publicId };
    this.lastUsed.set(known.id, Date.now());
    return { ok: true, actor: known.actor, publicId: known.publicId };
  }

  /** After a revocation commits: every replica (this one included) forgets its resolved keys. */
  async revoked(): Promise<void> {
    this.forget();
    await this.publish();
    // Once more a second later, as for links (src/cache/keys.ts): a replica whose subscriber was
    // reconnecting at the first message hears the second.
    const again = setTimeout(() => {
      this.republish.delete(again);
      void this.publish();
    }, 1_000);
    again.unref?.();
    this.republish.add(again);
  }

  private forget(): void {
    this.generation++;
    this.cache.clear();
  }

  private async publish(): Promise<void> {
    await this.redis?.publish(this.revocationChannel, 'revoked').catch(() => {});
  }

  /** Writes the last-used times gathered since the previous flush, one statement for all keys. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = this.lastUsed;
    this.lastUsed = new Map();
    try {
      await this.db.execute(sql`
      update api_keys k set last_used_at = to_timestamp(u.at / 1000.0)
      from unnest(${sql.param([...batch.keys()])}::int[], ${sql.param([...batch.values()])}::float8[]) as u(id, at)
      where k.id = u.id and (k.last_used_at is null or k.last_used_at < to_timestamp(u.at / 1000.0))`);
    } catch (error) {
      // Postgres away: keep the times (newer ones win) for the next flush.
      for (const [id, at] of batch) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const timer of this.republish) clearTimeout(timer);
    this.republish.clear();
    await this.flushLastUsed().catch(() => {});
  }

  private async load(publicId: string, hash: string): Promise<Known | typeof UNKNOWN> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.publicId, publicId));
    if (!row || !sameHash(row.secretHash, hash)) return UNKNOWN;
    const actor: Actor = row.role === 'admin'
      ? { kind: 'admin', keyId: row.id }
      : { kind: 'user', userId: row.userId!, keyId: row.id };
    return {
      id: row.id,
      publicId: row.publicId,
      actor,
      expiresAt: row.expiresAt ? Date.parse(toIso(row.expiresAt)) : null,
      revoked: row.revokedAt !== null,
    };
  }
}
