// Idempotency-Key for creates: the first request with a key claims it in Postgres (a unique row per
// actor and key), runs, and stores its answer; a retry with the same key and the same request gets
// that answer again, with another request a 422. A retry that arrives while the first still runs
// waits for its answer (polling the row), on whichever replica it lands. Keys live 24 hours.
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import type { Actor } from '../auth/actor.ts';
import { AppError, invalid } from '../http/errors.ts';

export interface StoredAnswer {
  status: number;
  body: unknown;
  /** True when this is the first request's answer sent again. */
  replayed: boolean;
}

export interface IdempotencyOptions {
  /** How long a retry waits for a first request still running before it answers 409. */
  waitMs?: number;
  /** A claim this old with no answer is taken over (its replica died mid-request). */
  abandonedAfterMs?: number;
}

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const TTL = sql`interval '24 hours'`;
const POLL_MS = 25;
const SWEEP_EVERY_MS = 60_000;

/** Whose keys these are: each actor has its own key space (AUTH_MODE=open shares one). */
export function scopeOf(actor: Actor): string {
  if (actor.kind === 'anonymous') return 'anonymous';
  return actor.keyId === null ? 'open' : `key:${actor.keyId}`;
}

/** JSON with object keys sorted, so the same request hashes the same whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class IdempotencyService {
  private lastSweep = 0;
  private readonly waitMs: number;
  private readonly abandonedAfterMs: number;

  constructor(
    private readonly db: Database,
    options: IdempotencyOptions = {},
  ) {
    this.waitMs = options.waitMs ?? 10_000;
    this.abandonedAfterMs = options.abandonedAfterMs ?? 60_000;
  }

  /**
   * Runs `create` once per (actor, key): `operation` names the endpoint, so one key on two
   * endpoints is two different requests. Without a key, `create` simply runs.
   */
  async once(actor: Actor, key: string | undefined, operation: string, body: unknown, create: () => Promise<unknown>, status = 201): Promise<StoredAnswer> {
    if (key === undefined) return { status, body: await create(), replayed: false };
    if (!KEY_SHAPE.test(key)) throw invalid('Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
    const scope = scopeOf(actor);
    const hash = createHash('sha256').update(`${operation}\n${canonical(body)}`).digest('hex');
    this.sweep();
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (await this.claim(scope, key, hash)) return this.run(scope, key, status, create);
      const [row] = await this.db
        .select({ hash: idempotencyKeys.requestHash, status: idempotencyKeys.status, response: idempotencyKeys.response })
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      // Gone: the first request failed and let go of the key; claim it again.
      if (!row && Date.now() <= deadline) continue;
      if (!row) throw new AppError('conflict', 'a request with this Idempotency-Key is still in progress, retry later');
      if (row.hash !== hash) throw new AppError('idempotency_mismatch', 'Idempotency-Key was already used with a different request');
      if (row.status !== null) return { status: row.status, body: row.response, replayed: true };
      if (Date.now() > deadline) throw new AppError('conflict', 'a request with this Idempotency-Key is still in progress, retry later');
      await Bun.sleep(POLL_MS);
    }
  }

  // A new key, or one past its 24 hours, or one whose first request was abandoned, is ours.
  private async claim(scope: string, key: string, hash: string): Promise<boolean> {
    const claimed = await this.db.execute(sql`
      insert into idempotency_keys (scope, key, request_hash) values (${scope}, ${key}, ${hash})
      on conflict (scope, key) do update set request_hash = excluded.request_hash, status = null, response = null, created_at = now()
        where idempotency_keys.created_at < now() - ${TTL}
           or (idempotency_keys.status is null and idempotency_keys.created_at < now() - ${`${this.abandonedAfterMs} milliseconds`}::interval)
      returning 1`);
    return (claimed as unknown as unknown[]).length > 0;
  }

  private async run(scope: string, key: string, status: number, create: () => Promise<unknown>): Promise<StoredAnswer> {
    const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));
    let body: unknown;
    try {
      body = await create();
    } catch (error) {
      // A failed first request stores nothing: a retry runs again (and meets the same 4xx, or succeeds after a 503).
      await this.db.delete(idempotencyKeys).where(where).catch(() => {});
      throw error;
    }
    await this.db.update(idempotencyKeys).set({ status, response: body }).where(where);
    return { status, body, replayed: false };
  }

  // Keys past their 24 hours are deleted now and then, off the request's path.
  private sweep(): void {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    void this.db.execute(sql`delete from idempotency_keys where created_at < now() - ${TTL}`).catch(() => {});
  }
}
