// API keys: creating (the secret is returned once, only its hash is kept), listing and revoking.
// Creation and revocation write their audit event in the same transaction. No HTTP in here.
import { and, asc, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { foreignKeyViolation } from '../../db/errors.ts';
import { apiKeys, events, users, type ApiKeyRow } from '../../db/schema.ts';
import { parseInstant, toIso } from '../../db/timestamps.ts';
import { invalid, notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import type { Listing, Window } from '../http/pagination.ts';
import { ownerScope, requireAdmin, type Actor } from './actor.ts';
import { generateKey, parseKey, sameHash } from './key-format.ts';

export type Role = 'admin' | 'user';

export interface ApiKey {
  id: number;
  /** The visible 8-character id inside the key (`hop_<public_id>_…`): safe to log and show. */
  public_id: string;
  name: string;
  role: Role;
  user_id: number | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface NewKey {
  role: Role;
  user_id?: number | null;
  name?: string;
  expires_at?: string | null;
}

/** Tells every replica to forget resolved keys (src/auth/key-resolver.ts). */
export interface KeyRevocations {
  revoked(): Promise<void>;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    public_id: row.publicId,
    name: row.name,
    role: row.role,
    user_id: row.userId,
    created_at: toIso(row.createdAt),
    expires_at: row.expiresAt ? toIso(row.expiresAt) : null,
    revoked_at: row.revokedAt ? toIso(row.revokedAt) : null,
    last_used_at: row.lastUsedAt ? toIso(row.lastUsedAt) : null,
  };
}

const actorKeyId = (actor: Actor) => (actor.kind === 'anonymous' ? null : actor.keyId);

export class KeyService {
  constructor(
    private readonly db: Database,
    private readonly revocations: KeyRevocations = { revoked: async () => {} },
  ) {}

  /** Creates a key; the answer carries the key itself, which is never shown again. */
  async create(input: NewKey, actor: Actor): Promise<ApiKey & { key: string }> {
    requireAdmin(actor);
    const userId = input.user_id ?? null;
    if (input.role === 'user' && userId === null) throw invalid('user_id', 'a user key needs the user it acts as');
    if (input.role === 'admin' && userId !== null) throw invalid('user_id', 'an admin key belongs to no user');
    const name = checkStorable((input.name ?? `${input.role} key`).trim(), 'name');
    if (name.length < 1 || name.length > 100) throw invalid('name', 'must be 1 to 100 characters');
    let expiresAt: string | null = null;
    if (input.expires_at != null) {
      expiresAt = parseInstant(input.expires_at) ?? null;
      if (expiresAt === null) throw invalid('expires_at', 'must be an ISO 8601 timestamp');
      if (Date.parse(expiresAt) <= Date.now()) throw invalid('expires_at', 'must be in the future');
    }
    const { key, publicId, hash } = generateKey();
    return { ...(await this.insert({ publicId, hash, name, role: input.role, userId, expiresAt }, actorKeyId(actor))), key };
  }

  /**
   * Stores a key whose secret was made elsewhere (HOP_INITIAL_ADMIN_KEY, the embedded first boot).
   * Idempotent: a key already stored is left as it is (a revoked one stays revoked). `different`:
   * a stored key has this key's id but another secret (the configured value was changed).
   */
  async adopt(key: string, name: string): Promise<'added' | 'present' | 'different'> {
    const parsed = parseKey(key);
    if (!parsed) throw invalid('key', 'must look like hop_<8 characters>_<43 characters>');
    const [existing] = await this.db.select({ hash: apiKeys.secretHash }).from(apiKeys).where(eq(apiKeys.publicId, parsed.publicId));
    if (existing) return sameHash(existing.hash, parsed.hash) ? 'present' : 'different';
    await this.insert({ publicId: parsed.publicId, hash: parsed.hash, name, role: 'admin', userId: null, expiresAt: null }, null, true);
    return 'added';
  }

  /** How many keys that still work have the admin role. */
  async activeAdmins(): Promise<number> {
    const [row] = await this.db
      .select({ value: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt), sql`(${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > now())`));
    return row?.value ?? 0;
  }

  async list(actor: Actor, window: Window): Promise<Listing<ApiKey>> {
    const where = this.scope(actor);
    const [rows, [total]] = await Promise.all([
      this.db.select().from(apiKeys).where(where).orderBy(asc(apiKeys.id)).limit(window.limit).offset(window.offset),
      this.db.select({ value: count() }).from(apiKeys).where(where),
    ]);
    return { rows: rows.map(toApiKey), total: total?.value ?? 0 };
  }

  async get(id: number, actor: Actor): Promise<ApiKey> {
    const [row] = await this.db.select().from(apiKeys).where(and(eq(apiKeys.id, id), this.scope(actor)));
    if (!row) throw notFound('key');
    return toApiKey(row);
  }

  /** Revokes the key (kept for the record); every replica refuses it within a second. */
  async revoke(id: number, actor: Actor): Promise<ApiKey> {
    const revoked = await this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, id), this.scope(actor))).for('update');
      if (!before) throw notFound('key');
      if (before.revokedAt !== null) return before;
      const [after] = await tx.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, id)).returning();
      await tx.insert(events).values({
        userId: before.userId,
        eventType: 'key_revoked',
        details: { key_id: before.id, public_id: before.publicId, role: before.role, by_key_id: actorKeyId(actor) },
      });
      return after!;
    });
    await this.revocations.revoked();
    return toApiKey(revoked);
  }

  private scope(actor: Actor): SQL | undefined {
    const owner = ownerScope(actor);
    return owner === null ? undefined : eq(apiKeys.userId, owner);
  }

  private async insert(
    key: { publicId: string; hash: string; name: string; role: Role; userId: number | null; expiresAt: string | null },
    byKeyId: number | null,
    ignoreDuplicate = false,
  ): Promise<ApiKey> {
    try {
      return await this.db.transaction(async (tx) => {
        if (key.userId !== null) {
          const [owner] = await tx.select({ id: users.id }).from(users).where(eq(users.id, key.userId));
          if (!owner) throw notFound('user');
        }
        const inserted = await tx
          .insert(apiKeys)
          .values({ publicId: key.publicId, secretHash: key.hash, name: key.name, role: key.role, userId: key.userId, expiresAt: key.expiresAt })
          .onConflictDoNothing({ target: apiKeys.publicId })
          .returning();
        const row = inserted[0];
        if (!row) {
          if (ignoreDuplicate) return toApiKey((await tx.select().from(apiKeys).where(eq(apiKeys.publicId, key.publicId)))[0]!);
          // 8 random characters from 62: a clash is a once-in-trillions event; let the caller retry.
          throw new Error('api key id collision');
        }
        await tx.insert(events).values({
          userId: row.userId,
          eventType: 'key_created',
          details: { key_id: row.id, public_id: row.publicId, role: row.role, name: row.name, by_key_id: byKeyId },
        });
        return toApiKey(row);
      });
    } catch (error) {
      if (foreignKeyViolation(error)) throw notFound('user');
      throw error;
    }
  }
}
