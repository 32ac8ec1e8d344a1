// The monthly partitions of raw clicks (`events_clicks_yYYYYmMM`, migration 0005): made ahead of
// time, and dropped whole once older than the retention. Run by the maintenance job on one replica.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

export const DEFAULT_CLICK_PARTITION = 'events_clicks_default';
const MONTH_PARTITION = /^events_clicks_y(\d{4})m(\d{2})$/;

/** The first instant (UTC) of the month `offset` months after the one holding `at`. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export function partitionName(month: Date): string {
  return `events_clicks_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month a partition holds, or null for the default partition (or any other name). */
export function partitionMonth(name: string): Date | null {
  const match = MONTH_PARTITION.exec(name);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : null;
}

// Partition DDL locks the click table: better to fail this round than to queue writers behind it.
const LOCK_TIMEOUT = sql`set local lock_timeout = '5s'`;

type Executor = Pick<Database, 'execute'>;

// Every partition of the click table, as `c` (pg_class), from the catalog.
const CLICK_PARTITIONS = sql`pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events_clicks'::regclass`;

/**
 * SQL: the oldest click still stored, to the hour: the start of the oldest month partition, or an
 * older click waiting in the default one; null when there is none. Read from the catalog: min(timestamp)
 * over every month's index cost more to plan than the read it bounds (src/events/service.ts).
 */
export const OLDEST_STORED_CLICK = sql`least(
  (select min(to_date(substr(c.relname, 16), 'YYYY"m"MM')::timestamp at time zone 'UTC') from ${CLICK_PARTITIONS} and c.relname ~ ${MONTH_PARTITION.source}),
  (select date_trunc('hour', min(timestamp), 'UTC') from ${sql.identifier(DEFAULT_CLICK_PARTITION)}))`;

/** The months that have a partition, oldest first. */
export async function clickPartitionMonths(db: Executor): Promise<Date[]> {
  const rows = await db.execute<{ name: string }>(sql`select c.relname as name from ${CLICK_PARTITIONS}`);
  return rows
    .map((row) => partitionMonth(row.name))
    .filter((month): month is Date => month !== null)
    .sort((a, b) => a.getTime() - b.getTime());
}

/** How many whole months after the current one already have a partition, counting without gaps. */
export function monthsAhead(months: Date[], now: Date): number {
  const have = new Set(months.map((month) => month.getTime()));
  let ahead = 0;
  while (have.has(monthStart(now, ahead + 1).getTime())) ahead++;
  return have.has(monthStart(now).getTime()) ? ahead : -1;
}

/**
 * Creates the partitions from this month to `ahead` months after it. Clicks that landed in the
 * default partition for such a month (written before it existed) move into it: Postgres refuses to
 * create a partition while the default one holds rows of its range. Returns the months created.
 */
export async function createClickPartitions(db: Database, now: Date, ahead: number): Promise<Date[]> {
  const existing = new Set((await clickPartitionMonths(db)).map((month) => month.getTime()));
  const created: Date[] = [];
  for (let offset = 0; offset <= ahead; offset++) {
    const from = monthStart(now, offset);
    if (existing.has(from.getTime())) continue;
    const to = monthStart(now, offset + 1);
    const name = sql.identifier(partitionName(from));
    await db.transaction(async (tx) => {
      await tx.execute(LOCK_TIMEOUT);
      // Rows moved straight between partitions bypass the row counter's triggers on `events`: the
      // total is unchanged, as it should be.
      await tx.execute(sql`create temporary table moving_clicks on commit drop as
        select * from events_clicks_default where timestamp >= ${from.toISOString()} and timestamp < ${to.toISOString()}`);
      await tx.execute(sql`delete from events_clicks_default where timestamp >= ${from.toISOString()} and timestamp < ${to.toISOString()}`);
      await tx.execute(sql`create table ${name} partition of events_clicks
        for values from (${sql.raw(`'${from.toISOString()}'`)}) to (${sql.raw(`'${to.toISOString()}'`)})`);
      await tx.execute(sql`insert into ${name} select * from moving_clicks`);
    });
    created.push(from);
  }
  return created;
}

export interface RetentionOutcome {
  /** Partitions dropped, by month. */
  months: Date[];
  /** Raw click rows removed (partitions dropped plus old rows of the default partition). */
  rows: number;
}

/**
 * Drops the partitions wholly older than `keepMonths` months before the current one (0: keep all),
 * and deletes older strays in the default partition. Rollups are left alone: the counts of the
 * dropped months stay answerable. The row counter behind X-Total-Count is corrected in the same
 * transaction as each drop.
 */
export async function dropExpiredClicks(db: Database, now: Date, keepMonths: number): Promise<RetentionOutcome> {
  const outcome: RetentionOutcome = { months: [], rows: 0 };
  if (keepMonths <= 0) return outcome;
  const cutoff = monthStart(now, -keepMonths);
  for (const month of await clickPartitionMonths(db)) {
    if (month.getTime() >= cutoff.getTime()) continue;
    const name = sql.identifier(partitionName(month));
    const rows = await db.transaction(async (tx) => {
      await tx.execute(LOCK_TIMEOUT);
      // A late click for that month waits for the drop (and then lands in the default partition).
      await tx.execute(sql`lock table ${name} in share mode`);
      const [counted] = await tx.execute<{ n: number }>(sql`select count(*)::float8 as n from ${name}`);
      await tx.execute(sql`drop table ${name}`);
      const n = Number(counted?.n ?? 0);
      await tx.execute(sql`update event_count set n = n - ${n} where slot = 0`);
      return n;
    });
    outcome.months.push(month);
    outcome.rows += rows;
  }
  // Through the parent: the row counter's delete trigger keeps the total right.
  const strays = await db.execute<{ n: number }>(sql`
    with gone as (delete from events where event_type = 'click' and timestamp < ${cutoff.toISOString()} returning 1)
    select count(*)::float8 as n from gone`);
  outcome.rows += Number(strays[0]?.n ?? 0);
  return outcome;
}
