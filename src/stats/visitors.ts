// Visitors without addresses: a click's visitor is a keyed hash (HMAC-SHA256, first 64 bits) of its
// client address and user agent under the random salt of its UTC day. Salts live in Postgres so all
// replicas agree, and the maintenance job deletes them after two days: after that no hash of that
// day can be recomputed from an address, nor linked to another day's.
import { createHmac, randomBytes } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { clickVisitors, visitorSalts } from '../../db/schema.ts';

const DAY_MS = 86_400_000;

/** The UTC day of an instant, as `YYYY-MM-DD`. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs - (epochMs % DAY_MS)).toISOString().slice(0, 10);
}

/** utcDay for instants that mostly share a day, as a batch of clicks does: one Date is formatted per change of day, not per instant. */
export class UtcDays {
  private start = Number.NaN;
  private name = '';

  of(epochMs: number): string {
    const start = epochMs - (epochMs % DAY_MS);
    if (start !== this.start) {
      this.name = utcDay(start);
      this.start = start;
    }
    return this.name;
  }
}

/** The oldest day whose salt is kept: yesterday (UTC). Older clicks get no visitor hash. */
export function oldestSaltDay(nowMs: number): string {
  return utcDay(nowMs - DAY_MS);
}

export class VisitorHasher {
  private readonly salts = new Map<string, Buffer>();

  constructor(private readonly db: Database) {}

  /**
   * Loads (or creates) the salts of the given days; days older than yesterday get none, so their
   * clicks carry no visitor (docs/analytics.md, "Late clicks").
   */
  async prepare(days: Iterable<string>, nowMs = Date.now()): Promise<void> {
    const oldest = oldestSaltDay(nowMs);
    for (const day of this.salts.keys()) if (day < oldest) this.salts.delete(day);
    for (const day of days) {
      if (day < oldest || this.salts.has(day)) continue;
      // Whoever inserts first wins; every replica then reads the same salt.
      await this.db.insert(visitorSalts).values({ day, salt: randomBytes(32) }).onConflictDoNothing();
      const [row] = await this.db.execute<{ salt: Buffer | Uint8Array }>(sql`select salt from visitor_salts where day = ${day}`);
      if (row) this.salts.set(day, Buffer.from(row.salt));
    }
  }

  /** The visitor id as a decimal bigint string, or null when the day's salt is gone (or never loaded). */
  hash(day: string, address: string | null, userAgent: string | null): string | null {
    const salt = this.salts.get(day);
    if (!salt) return null;
    const digest = createHmac('sha256', salt).update(`${address ?? ''}\n${userAgent ?? ''}`).digest();
    return digest.readBigInt64BE(0).toString();
  }
}

/** Deletes salts and seen-visitor rows older than yesterday; returns the salts deleted. */
export async function forgetOldVisitors(db: Database, nowMs = Date.now()): Promise<number> {
  const oldest = oldestSaltDay(nowMs);
  await db.delete(clickVisitors).where(lt(clickVisitors.day, oldest));
  const deleted = await db.delete(visitorSalts).where(lt(visitorSalts.day, oldest)).returning({ day: visitorSalts.day });
  return deleted.length;
}
