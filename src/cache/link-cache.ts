// The redirect's read-through cache: L1 in-process LRU, then L2 Redis, then the loader (Postgres).
// One load per key at a time; unknown codes are cached negatively; Redis trouble never fails a read.
import { LRUCache } from 'lru-cache';
import type Redis from 'ioredis';
import { cacheKeys, type CacheKeys } from './keys.ts';

/** What a redirect needs to know about a link: small, so both tiers stay cheap. */
export interface CachedLink {
  id: number;
  /**
   * Not read by this release: its click writer takes the owner from `urls` at write time. Kept for
   * replicas of earlier releases sharing this Redis during a rollout, whose clicks take it from here.
   */
  userId: number | null;
  url: string;
  /** False when the owner switched it off or an operator banned it (then `banned` says so). */
  active: boolean;
  banned?: true;
  /** Only on a link with expiry or a click limit: a plain link's redirect tests this one field. */
  rules?: LinkRules;
}

/** What the redirect checks on a link with options, carried in the cache entry itself. */
export interface LinkRules {
  /** Epoch ms; the hot path compares it on every hit, so no cache tier serves past it. */
  expiresAt: number | null;
  maxClicks: number | null;
  expiredUrl: string | null;
  /** Known used up: set at load from Postgres, or by this replica when an admission fails. */
  exhausted: boolean;
}

export type Tier = 'l1' | 'l2';
export type LookupResult = 'hit' | 'miss' | 'negative';

export interface CacheObserver {
  lookup(tier: Tier, result: LookupResult): void;
}

export interface LinkCacheOptions {
  l1MaxEntries: number;
  l1TtlMs: number;
  l2TtlSeconds: number;
  negativeTtlMs: number;
  /** Starts every Redis key and channel of this deployment (REDIS_KEY_PREFIX). */
  keyPrefix: string;
}

const ABSENT = 'absent' as const;

interface Load {
  promise: Promise<CachedLink | null>;
  stale: boolean;
}
type Entry = CachedLink | typeof ABSENT;
// Codes whose L2 delete failed while Redis was away; beyond this many, every link key is dropped instead.
const MAX_PENDING_DELETES = 10_000;
const SECOND_INVALIDATION_MS = 1_000;
const PENDING_RETRY_MS = 5_000;

export class LinkCache {
  private readonly l1: LRUCache<string, Entry> | null;
  // Loads under way, one per code. An invalidation marks the load stale and removes it, so later
  // readers start a fresh load and the stale one cannot write its (possibly old) row back.
  private readonly loading = new Map<string, Load>();
  private pendingDeletes = new Set<string>();
  private pendingOverflow = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly keys: CacheKeys;

  constructor(
    private readonly options: LinkCacheOptions,
    private readonly redis: Redis | null,
    private readonly subscriber: Redis | null,
    private readonly observer: CacheObserver = { lookup() {} },
  ) {
    this.keys = cacheKeys(options.keyPrefix);
    this.l1 = options.l1MaxEntries > 0 && options.l1TtlMs > 0
      ? new LRUCache<string, Entry>({ max: options.l1MaxEntries, ttl: options.l1TtlMs, ttlAutopurge: false })
      : null;
    redis?.on('ready', () => void this.replayPendingDeletes());
    // A delete can also fail on a timeout while the connection stays up: retry those on a timer too.
    if (redis) {
      const retry = setInterval(() => void this.replayPendingDeletes(), PENDING_RETRY_MS);
      retry.unref?.();
      this.timers.add(retry);
    }
    if (subscriber) {
      subscriber.on('message', (channel: string, code: string) => {
        if (channel === this.keys.invalidationChannel) this.dropLocal(code);
      });
      // A (re)connected subscriber may have missed messages: start L1 over.
      subscriber.on('ready', () => this.l1?.clear());
      void subscriber.subscribe(this.keys.invalidationChannel).catch(() => {});
    }
  }

  /**
   * L1 alone, without waiting: the link, null for a code known not to exist, or undefined when
   * only `resolve` can tell. Lets a redirect served from memory skip every await.
   */
  peek(code: string): CachedLink | null | undefined {
    const local = this.l1?.get(code);
    if (local === undefined) return undefined;
    this.observer.lookup('l1', local === ABSENT ? 'negative' : 'hit');
    return local === ABSENT ? null : local;
  }

  /** Resolves a code through L1, L2 and finally `load`; null means no such link. */
  async resolve(code: string, load: (code: string) => Promise<CachedLink | null>): Promise<CachedLink | null> {
    const local = this.peek(code);
    if (local !== undefined) return local;
    if (this.l1) this.observer.lookup('l1', 'miss');
    const pending = this.loading.get(code);
    if (pending) return pending.promise;
    const entry: Load = { promise: Promise.resolve(null), stale: false };
    const promise = this.loadThrough(code, load, entry).finally(() => {
      if (this.loading.get(code) === entry) this.loading.delete(code);
    });
    entry.promise = promise;
    this.loading.set(code, entry);
    return promise;
  }

  /** After a commit: drop the code from L2 and from every replica's L1, now and once more shortly. */
  async invalidate(code: string): Promise<void> {
    this.dropLocal(code);
    await this.invalidateShared(code);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.dropLocal(code);
      void this.invalidateShared(code);
    }, SECOND_INVALIDATION_MS);
    timer.unref?.();
    this.timers.add(timer);
  }

  close(): void {
    // clearTimeout clears intervals too (one timer type in Bun and Node).
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private dropLocal(code: string): void {
    const pending = this.loading.get(code);
    if (pending) {
      pending.stale = true;
      this.loading.delete(code);
    }
    this.l1?.delete(code);
  }

  private async invalidateShared(code: string): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.del(this.keys.link(code));
      await this.redis.publish(this.keys.invalidationChannel, code);
    } catch {
      if (this.pendingDeletes.size >= MAX_PENDING_DELETES) this.pendingOverflow = true;
      else this.pendingDeletes.add(code);
    }
  }

  private async replayPendingDeletes(): Promise<void> {
    if (!this.redis || this.redis.status !== 'ready' || (!this.pendingOverflow && this.pendingDeletes.size === 0)) return;
    const codes = [...this.pendingDeletes];
    const overflow = this.pendingOverflow;
    this.pendingDeletes = new Set();
    this.pendingOverflow = false;
    try {
      if (overflow) {
        for await (const keys of this.redis.scanStream({ match: this.keys.linkPattern, count: 1000 })) {
          if ((keys as string[]).length) await this.redis.del(...(keys as string[]));
        }
      } else if (codes.length) {
        await this.redis.del(...codes.map(this.keys.link));
      }
      for (const code of codes) await this.redis.publish(this.keys.invalidationChannel, code);
    } catch {
      for (const code of codes) this.pendingDeletes.add(code);
      this.pendingOverflow ||= overflow;
    }
  }

  private async loadThrough(code: string, load: (code: string) => Promise<CachedLink | null>, current: Load): Promise<CachedLink | null> {
    const shared = await this.readShared(code);
    if (shared !== undefined) {
      this.fillLocal(code, shared, current);
      return shared === ABSENT ? null : shared;
    }
    const loaded = await load(code);
    const entry: Entry = loaded ?? ABSENT;
    if (!current.stale) {
      this.fillLocal(code, entry, current);
      void this.writeShared(code, entry);
    }
    return loaded;
  }

  private fillLocal(code: string, entry: Entry, current: Load): void {
    if (!this.l1 || current.stale) return;
    if (entry === ABSENT && this.options.negativeTtlMs === 0) return;
    this.l1.set(code, entry, entry === ABSENT ? { ttl: this.options.negativeTtlMs } : undefined);
  }

  // Redis trouble reads as a miss: the redirect falls through to Postgres rather than failing.
  private async readShared(code: string): Promise<Entry | undefined> {
    if (!this.redis || this.redis.status !== 'ready') return undefined;
    try {
      const raw = await this.redis.get(this.keys.link(code));
      if (raw === null) {
        this.observer.lookup('l2', 'miss');
        return undefined;
      }
      const entry = raw === ABSENT ? ABSENT : (JSON.parse(raw) as CachedLink);
      this.observer.lookup('l2', entry === ABSENT ? 'negative' : 'hit');
      return entry;
    } catch {
      return undefined;
    }
  }

  private async writeShared(code: string, entry: Entry): Promise<void> {
    if (!this.redis || this.redis.status !== 'ready') return;
    try {
      if (entry === ABSENT) {
        if (this.options.negativeTtlMs > 0) await this.redis.set(this.keys.link(code), ABSENT, 'PX', this.options.negativeTtlMs);
      } else {
        await this.redis.set(this.keys.link(code), JSON.stringify(entry), 'EX', this.options.l2TtlSeconds);
      }
    } catch {
      // Best effort: the next reader loads it again.
    }
  }
}
