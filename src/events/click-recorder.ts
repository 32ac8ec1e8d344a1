// Buffers clicks off the request path and writes them as one multi-row insert per batch
// (size or time bound, whichever first). While Postgres is unreachable the rows stay buffered;
// only overflow past the cap, or a batch Postgres rejects outright, is dropped (and counted).
// Clicks on a link deleted before the flush are not stored: the link and its history are gone.
// The fast path inserts rows as they are; only when a foreign key fails (a link or owner deleted
// meanwhile) is the batch written again joined to urls, which skips the vanished links.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { databaseUnavailable, foreignKeyViolation } from '../../db/errors.ts';

export interface Click {
  urlId: number;
  /** The link's owner as the redirect saw it. */
  userId: number | null;
  /** When the redirect happened, in epoch milliseconds (cheaper than a Date on the hot path). */
  at: number;
  details: Record<string, unknown>;
}

export interface ClickObserver {
  flushed(rows: number, seconds: number): void;
  dropped(rows: number): void;
  failed(error: unknown): void;
}

export interface ClickRecorderOptions {
  flushIntervalMs: number;
  batchSize: number;
  bufferCap: number;
  flushConcurrency: number;
}

const SILENT: ClickObserver = { flushed() {}, dropped() {}, failed() {} };

// A buffered click with its place in line, so a flush can wait for exactly the clicks before it.
type Queued = Click & { seq: number };

interface Batch {
  /** The earliest click in the batch. */
  firstSeq: number;
  /** Settles to null or the error that failed the batch; never rejects. */
  outcome: Promise<unknown>;
}

export class ClickRecorder {
  private buffer: Queued[] = [];
  private readonly inFlight = new Set<Batch>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private droppedTotal = 0;
  private recorded = 0;

  constructor(
    private readonly db: Database,
    private readonly options: ClickRecorderOptions,
    private readonly observer: ClickObserver = SILENT,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.writeSoon(), this.options.flushIntervalMs);
    this.timer.unref?.();
  }

  get depth(): number {
    return this.buffer.length;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /** Never waits on Postgres: the click joins the buffer, or is counted as dropped when it is full. */
  record(click: Click): void {
    if (this.buffer.length >= this.options.bufferCap) {
      this.drop(1);
      return;
    }
    (click as Queued).seq = ++this.recorded;
    this.buffer.push(click as Queued);
    if (this.buffer.length >= this.options.batchSize) this.writeSoon();
  }

  /**
   * Writes every click recorded before the call (later ones do not hold it up, so a read of
   * /events returns under any redirect rate). A rejected batch is dropped and counted; only an
   * unreachable Postgres fails the flush (its rows stay buffered for the next attempt).
   */
  async flush(): Promise<void> {
    const through = this.recorded;
    for (;;) {
      this.writeSoon();
      const waiting = [...this.inFlight].filter((batch) => batch.firstSeq <= through);
      if (waiting.length === 0) {
        if (this.buffer.length === 0 || this.buffer[0]!.seq > through) return;
        // Our clicks are still buffered behind batches of later ones: wait for any slot.
        await Promise.race([...this.inFlight].map((batch) => batch.outcome));
        continue;
      }
      const failure = await Promise.race(waiting.map((batch) => batch.outcome));
      if (failure && databaseUnavailable(failure)) throw failure;
    }
  }

  /** Stops the timer and writes what is left: called on graceful shutdown. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  // Up to `flushConcurrency` batches at once: Postgres ingests about twice as fast with two in flight.
  private writeSoon(): void {
    while (this.buffer.length > 0 && this.inFlight.size < this.options.flushConcurrency) this.writeBatch();
  }

  private writeBatch(): void {
    const rows = this.buffer.splice(0, this.options.batchSize);
    const started = performance.now();
    const outcome: Promise<unknown> = this.insert(rows).then(
      () => {
        this.tell(() => this.observer.flushed(rows.length, (performance.now() - started) / 1000));
        return null;
      },
      (error: unknown) => {
        // Retrying a batch Postgres rejected would block every later click behind it.
        if (databaseUnavailable(error)) this.requeue(rows);
        else this.drop(rows.length);
        this.tell(() => this.observer.failed(error));
        return error ?? new Error('click insert failed');
      },
    );
    const batch: Batch = { firstSeq: rows[0]!.seq, outcome };
    this.inFlight.add(batch);
    void outcome.then(() => this.inFlight.delete(batch));
  }

  // An observer that throws must not turn a settled batch into a rejection.
  private tell(notify: () => void): void {
    try {
      notify();
    } catch {
      // metrics and logs are best effort
    }
  }

  // Rows that could not be written go back to the front, oldest first, within the cap.
  private requeue(batch: Queued[]): void {
    const room = Math.max(0, this.options.bufferCap - this.buffer.length);
    const kept = batch.slice(0, room);
    if (kept.length < batch.length) this.drop(batch.length - kept.length);
    this.buffer = kept.concat(this.buffer);
  }

  private drop(rows: number): void {
    this.droppedTotal += rows;
    this.tell(() => this.observer.dropped(rows));
  }

  private async insert(batch: Click[]): Promise<void> {
    const rows = JSON.stringify(
      batch.map((click) => ({ url_id: click.urlId, user_id: click.userId, ts: click.at, details: click.details })),
    );
    try {
      await this.db.execute(sql`
        insert into events (url_id, user_id, event_type, timestamp, details)
        select url_id, user_id, 'click', to_timestamp(ts / 1000.0), details
        from jsonb_to_recordset(${rows}::text::jsonb) as r(url_id int, user_id int, ts float8, details jsonb)`);
    } catch (error) {
      if (!foreignKeyViolation(error)) throw error;
      await this.db.execute(sql`
        insert into events (url_id, user_id, event_type, timestamp, details)
        select u.id, u.user_id, 'click', to_timestamp(r.ts / 1000.0), r.details
        from jsonb_to_recordset(${rows}::text::jsonb) as r(url_id int, ts float8, details jsonb)
        join urls u on u.id = r.url_id`);
    }
  }
}
