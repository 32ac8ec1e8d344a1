// The barrier between the click writers and the rollup folder. The folder reads raw clicks by id,
// up to a horizon; ids come from a sequence, so a writer may hold a lower id than one already
// committed until its own transaction ends. Every transaction that stores clicks with a facts id
// therefore holds this advisory lock shared from before its first id to its commit, and the horizon
// (click_fold_horizon(), migration 0013) is read while holding it exclusively for an instant: no id
// at or below the horizon can commit later (docs/decisions.md, "Folding from the raw rows"). Link and
// user deletes hold it exclusively too, in place of a row lock per link in every click batch.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

/** Also written into click_fold_horizon() in migration 0013. */
export const CLICK_BARRIER_KEY = 7_340_214;

/** In a transaction that is about to store clicks: held until it ends. */
export async function holdClickBarrier(tx: Pick<Database, 'execute'>): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${CLICK_BARRIER_KEY})`);
}

/**
 * In a transaction that has just deleted links (and cleared or deleted their clicks): waits for the
 * click transactions in flight and keeps new ones out until it ends, so the caller can clear what
 * those batches stored for the deleted links (they joined them before the delete committed) and a
 * later batch finds them gone. The writer does not lock its batch's links (a row lock per link and
 * batch); writers pause from here to the caller's commit only, not while a large link's clicks are
 * cleared.
 */
export async function excludeClickWriters(tx: Pick<Database, 'execute'>): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CLICK_BARRIER_KEY})`);
}

/** The highest click id the folder may read now (waits for the writers in flight to end). */
export async function foldHorizon(db: Pick<Database, 'execute'>): Promise<number> {
  const [row] = await db.execute<{ horizon: number }>(sql`select click_fold_horizon()::float8 as horizon`);
  return Number(row!.horizon);
}
