// Folds queued clicks into the rollups. The click writer queues each batch's facts in the statement
// that stores its raw rows; the folder drains the queue in large slices, one replica at a time
// (transaction-level advisory lock), and upserts the rollups in the statement that deletes the
// slice. A slice of many batches touches each rollup row once instead of once per batch: that
// amortisation is what keeps the rollups' write cost near the raw insert's (docs/performance.md).
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { ROLLUP_CTES } from './rollups.ts';
import { Rounds } from './rounds.ts';

// Arbitrary but fixed, apart from the migration and maintenance locks.
const FOLD_LOCK_KEY = 7_340_213;
/** Most queued clicks one statement folds: bounds its duration and memory after a backlog. */
export const FOLD_SLICE = 100_000;

export interface FoldReport {
  /** False when another replica was folding: nothing was done here. */
  ran: boolean;
  clicks: number;
  seconds: number;
  /** Seconds the oldest click still queued has waited (0 when the queue is empty). */
  lagSeconds: number;
}

export interface FoldObserver {
  folded(report: FoldReport): void;
  failed(error: unknown): void;
}

const SILENT: FoldObserver = { folded() {}, failed() {} };

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

  /** Stops the timer and waits for a fold under way (`drain()` folds what is still queued). */
  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One slice, unless another replica holds the lock. */
  async run(): Promise<FoldReport> {
    const started = performance.now();
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) as locked`);
      if (!lock?.locked) return { ran: false, clicks: 0, seconds: 0, lagSeconds: 0 };
      const [folded] = await tx.execute<{ n: number }>(sql`
        with kept as (
          delete from click_rollup_queue
          where ctid = any (array(select ctid from click_rollup_queue limit ${FOLD_SLICE}))
          returning url_id, ts, bot, browser, os, device, referrer_host, country, visitor
        ),
        ${ROLLUP_CTES}
        select count(*)::int as n from kept`);
      const [lag] = await tx.execute<{ seconds: number }>(sql`
        select coalesce(extract(epoch from now() - min(queued_at)), 0)::float8 as seconds from click_rollup_queue`);
      return { ran: true, clicks: Number(folded?.n ?? 0), seconds: (performance.now() - started) / 1000, lagSeconds: Number(lag?.seconds ?? 0) };
    });
  }

  /** Folds until the queue is empty (tests, the rebuild, shutdown of the last replica). */
  async drain(): Promise<number> {
    return (await this.round()).clicks;
  }

  // Slice after slice until the queue holds less than one: a round keeps up with any click rate,
  // whatever the interval, and reports the whole of what it folded.
  private async round(): Promise<FoldReport> {
    const total: FoldReport = { ran: false, clicks: 0, seconds: 0, lagSeconds: 0 };
    for (;;) {
      const report = await this.run();
      if (!report.ran) return total;
      total.ran = true;
      total.clicks += report.clicks;
      total.seconds += report.seconds;
      total.lagSeconds = report.lagSeconds;
      if (report.clicks < FOLD_SLICE) break;
    }
    // The folded rows are dead tuples at the head of the queue's heap; autovacuum gets to them only
    // once a minute, and every fold's scan meanwhile read through all of them. Vacuumed here, the
    // queue stays a few pages long (docs/performance.md). A role that does not own it just skips.
    if (total.clicks > 0) await this.db.execute(sql`vacuum click_rollup_queue`);
    return total;
  }
}
