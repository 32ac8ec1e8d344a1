// The periodic upkeep of click storage: partitions made ahead, months past the retention dropped,
// visitor salts (and the visitors seen under them) forgotten after two days.
// Every replica runs the timer; a transaction-level advisory lock lets exactly one of them work on
// each round, the others skip it.
import type { Database } from '../../db/client.ts';
import { clickPartitionMonths, createClickPartitions, dropExpiredClicks, monthsAhead } from '../events/click-partitions.ts';
import { Rounds } from './rounds.ts';
import { forgetOldVisitors } from './visitors.ts';

/** Months after the current one that always have a partition ready. */
export const PARTITIONS_AHEAD = 3;
// Arbitrary but fixed, and different from the migration lock (db/migrate.ts).
const MAINTENANCE_LOCK_KEY = 7_340_212;

export interface MaintenanceReport {
  /** False when another replica held the lock: this round did nothing. */
  ran: boolean;
  created: Date[];
  droppedMonths: Date[];
  droppedRows: number;
  /** Whole months after the current one with a partition (-1: not even this month has one). */
  monthsAhead: number;
  seconds: number;
}

export interface MaintenanceObserver {
  finished(report: MaintenanceReport): void;
  failed(error: unknown): void;
}

export interface MaintenanceOptions {
  /** 0 keeps every month. */
  retentionMonths: number;
  intervalMs: number;
}

const SILENT: MaintenanceObserver = { finished() {}, failed() {} };

export class Maintenance {
  private readonly rounds: Rounds<MaintenanceReport>;

  constructor(
    private readonly db: Database,
    private readonly options: MaintenanceOptions,
    observer: MaintenanceObserver = SILENT,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.rounds = new Rounds(() => this.run(), options.intervalMs, { done: (report) => observer.finished(report), failed: (error) => observer.failed(error) });
  }

  /** Runs once now and then every interval; failures are reported, never thrown. */
  start(): void {
    this.rounds.start(true);
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round, if no other replica is in one. */
  async run(): Promise<MaintenanceReport> {
    const started = performance.now();
    const now = this.clock();
    const connection = await this.db.$client.reserve();
    let locked = false;
    try {
      // Session lock on a connection of its own: the work below runs in transactions of its own.
      const [row] = await connection`select pg_try_advisory_lock(${MAINTENANCE_LOCK_KEY}) as locked`;
      locked = row?.locked === true;
      if (!locked) {
        return { ran: false, created: [], droppedMonths: [], droppedRows: 0, monthsAhead: monthsAhead(await clickPartitionMonths(this.db), now), seconds: 0 };
      }
      const created = await createClickPartitions(this.db, now, PARTITIONS_AHEAD);
      const dropped = await dropExpiredClicks(this.db, now, this.options.retentionMonths);
      await forgetOldVisitors(this.db, now.getTime());
      return {
        ran: true,
        created,
        droppedMonths: dropped.months,
        droppedRows: dropped.rows,
        monthsAhead: monthsAhead(await clickPartitionMonths(this.db), now),
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      if (locked) await connection`select pg_advisory_unlock(${MAINTENANCE_LOCK_KEY})`.catch(() => {});
      connection.release();
    }
  }
}
