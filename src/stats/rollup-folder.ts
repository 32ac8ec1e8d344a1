// Folds stored clicks into the rollups, one replica at a time (transaction-level advisory lock). The
// folder reads the raw click rows themselves, by id: from its watermark (click_fold_watermark) up to
// the horizon, the highest id no writer can still commit below (src/stats/click-barrier.ts), in
// large slices, and moves the watermark in the statement's own transaction, so a click is folded
// exactly once. A slice of many batches touches each rollup row once instead of once per batch: that
// amortisation is what keeps the rollups' write cost near the raw insert's (docs/performance.md).
// Clicks that replicas of older releases queue in click_rollup_queue during a rollout are drained too.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { foldHorizon } from './click-barrier.ts';
import { queuedClicks, rawClicks, ROLLUP_CTES } from './rollups.ts';
import { Rounds } from './rounds.ts';

// Arbitrary but fixed, apart from the migration and maintenance locks and the click barrier.
export const FOLD_LOCK_KEY = 7_340_213;
/** Most click ids one statement folds: bounds its duration and memory after a backlog. */
export const FOLD_SLICE = 100_000;

export interface FoldReport {
  /** False when another replica was folding: nothing was done here. */
  ran: boolean;
  clicks: number;
  seconds: number;
  /** Seconds since the rollups last held every click committed at that moment (0 when caught up). */
  lagSeconds: number;
}

export interface FoldObserver {
  folded(report: FoldReport): void;
  failed(error: unknown): void;
}

const SILENT: FoldObserver = { folded() {}, failed() {} };

type Tx = Pick<Database, 'execute'>;

/**
 * Folds, in the caller's transaction, which must hold FOLD_LOCK_KEY: the raw clicks from the
 * watermark up to `horizon` (at most one slice) and one slice of the older releases' queue.
 * Returns the clicks folded (`queued`: of them, from the queue) and whether the raw clicks are now
 * folded up to the horizon.
 */
export async function foldSlice(tx: Tx, horizon: number, horizonAt: Date): Promise<{ clicks: number; queued: number; caughtUp: boolean }> {
  const [mark] = await tx.execute<{ through: number }>(sql`select folded_through::float8 as through from click_fold_watermark where id = 1 for update`);
  const from = Number(mark!.through);
  const through = Math.min(horizon, from + FOLD_SLICE);
  let clicks = 0;
  if (through > from) {
    const [folded] = await tx.execute<{ n: number }>(sql`
      with ${rawClicks(from, through)},
      ${ROLLUP_CTES}
      select coalesce(sum(n), 0)::int as n from facts`);
    clicks += Number(folded?.n ?? 0);
  }
  const caughtUp = through >= horizon;
  await tx.execute(sql`
    update click_fold_watermark set folded_through = greatest(folded_through, ${through}),
      caught_up_at = case when ${caughtUp} then ${horizonAt.toISOString()}::timestamptz else caught_up_at end
    where id = 1`);
  let queued = 0;
  const [waiting] = await tx.execute<{ any: boolean }>(sql`select exists (select 1 from click_rollup_queue) as any`);
  if (waiting?.any) {
    const [folded] = await tx.execute<{ n: number }>(sql`
      with ${queuedClicks(FOLD_SLICE)},
      ${ROLLUP_CTES}
      select count(*)::int as n from kept`);
    queued = Number(folded?.n ?? 0);
  }
  return { clicks: clicks + queued, queued, caughtUp };
}

/** True once a slice left nothing behind: the raw clicks up to the horizon and the old queue, drained. */
const finished = (slice: { queued: number; caughtUp: boolean }) => slice.caughtUp && slice.queued < FOLD_SLICE;

/** Slice after slice in the caller's transaction, which must hold FOLD_LOCK_KEY, up to `horizon` (read at `horizonAt`). */
export async function foldUpTo(tx: Tx, horizon: number, horizonAt: Date): Promise<void> {
  let slice;
  do slice = await foldSlice(tx, horizon, horizonAt);
  while (!finished(slice));
}

/** Waits for the fold lock and holds it to the end of the caller's transaction (the folder only tries it). */
export async function holdFoldLock(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${FOLD_LOCK_KEY})`);
}

/**
 * In the caller's transaction: waits for the fold lock (a replica's fold under way finishes first),
 * holds it to the end, and folds every click committed so far. Returns the horizon it folded up to.
 */
export async function foldCommitted(tx: Tx): Promise<number> {
  await holdFoldLock(tx);
  const horizonAt = new Date();
  const horizon = await foldHorizon(tx);
  await foldUpTo(tx, horizon, horizonAt);
  return horizon;
}

export class RollupFolder {
  private readonly rounds: Rounds<FoldReport>;

  constructor(
    private readonly db: Database,
    intervalMs: number,
    observer: FoldObserver = SILENT,
  ) {
    this.rounds = new Rounds(() => this.round(), intervalMs, { done: (report) => observer.folded(report), failed: (error) => observer.failed(error) });
  }

  start(): void {
    this.rounds.start();
  }

  /** Stops the timer and waits for a fold under way (`drain()` folds what is still unfolded). */
  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One slice, unless another replica holds the lock. */
  async run(): Promise<FoldReport & { queued: number; caughtUp: boolean }> {
    const started = performance.now();
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) as locked`);
      if (!lock?.locked) return { ran: false, clicks: 0, seconds: 0, lagSeconds: 0, queued: 0, caughtUp: true };
      // The horizon is read by this replica only, while it holds the fold lock: writers pause for it
      // once per round of the one folding replica, never once per replica.
      const horizonAt = new Date();
      const horizon = await foldHorizon(tx);
      const { clicks, queued, caughtUp } = await foldSlice(tx, horizon, horizonAt);
      // Behind: since the rollups last held everything committed; and the oldest click still queued.
      const [lag] = await tx.execute<{ seconds: number }>(sql`
        select greatest(
          case when ${caughtUp} then 0 else extract(epoch from now() - (select caught_up_at from click_fold_watermark where id = 1)) end,
          coalesce(extract(epoch from now() - (select min(queued_at) from click_rollup_queue)), 0), 0)::float8 as seconds`);
      return { ran: true, clicks, queued, seconds: (performance.now() - started) / 1000, lagSeconds: Number(lag?.seconds ?? 0), caughtUp };
    });
  }

  /** Folds everything committed so far (tests, the rebuild, shutdown of the last replica). */
  async drain(): Promise<number> {
    return (await this.round()).clicks;
  }

  // Slice after slice until the folder has reached the horizon and the old queue holds less than a
  // slice: a round keeps up with any click rate, whatever the interval, and reports all it folded.
  private async round(): Promise<FoldReport> {
    const total: FoldReport = { ran: false, clicks: 0, seconds: 0, lagSeconds: 0 };
    let queued = 0;
    for (;;) {
      const report = await this.run();
      if (!report.ran) return total;
      total.ran = true;
      total.clicks += report.clicks;
      total.seconds += report.seconds;
      total.lagSeconds = report.lagSeconds;
      queued += report.queued;
      if (finished(report)) break;
    }
    // Rows drained from the old queue are dead tuples every later scan of it reads through until
    // autovacuum comes; vacuumed here while older replicas still fill it. A role that does not own it skips.
    if (queued > 0) await this.db.execute(sql`vacuum click_rollup_queue`);
    return total;
  }
}
