// Buffers clicks off the request path and writes them as one multi-row insert per batch
// (size or time bound, whichever first). While Postgres is unreachable the rows stay buffered;
// only overflow past the cap, or a batch Postgres rejects outright, is dropped (and counted).
// Clicks on a link deleted before the flush are not stored: the link and its history are gone.
// The fast path inserts rows as they are; only when a foreign key fails (a link or owner deleted
// meanwhile) is the batch written again joined to urls, which skips the vanished links.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { databaseUnavailable, foreignKeyViolation } from '../../db/errors.ts';

/** One redirect, flat: the recorder builds the event's `details` from these in Postgres. */
export interface Click {
  urlId: number;
  /** The link's owner as the redirect saw it. */
  userId: number | null;
  /** When the redirect happened, in epoch milliseconds (cheaper than a Date on the hot path). */
  at: number;
  referrer: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** A bot or link-preview user agent: stored as `"automated": true` in details. */
  automated: boolean;
}

export interface ClickObserver {
  flushed(rows: number, seconds: number): void;
  dropped(rows: number): void;
  failed(error: unknown): void;
  /** After the last flush on stop: report what is still held back (e.g. throttled warnings). */
  close?(): void;
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
    try {
      await this.flush();
    } finally {
      this.tell(() => this.observer.close?.());
    }
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

  // One array per column, unnested by Postgres: about a fifth less Postgres CPU per row than a JSON
  // document of rows, and no JSON to build here (docs/performance.md, "Where the time goes").
  private async insert(batch: Click[]): Promise<void> {
    const column = <T>(pick: (click: Click) => T) => sql.param(batch.map(pick));
    const rows = sql`unnest(
      ${column((c) => c.urlId)}::int[], ${column((c) => c.userId)}::int[], ${column((c) => c.at)}::float8[],
      ${column((c) => c.referrer)}::text[], ${column((c) => c.userAgent)}::text[], ${column((c) => c.requestId)}::text[],
      ${column((c) => c.automated)}::bool[]
    ) as r(url_id, user_id, at, referrer, user_agent, request_id, automated)`;
    const details = sql`jsonb_build_object('referrer', r.referrer, 'user_agent', r.user_agent, 'request_id', r.request_id)
      || case when r.automated then '{"automated": true}'::jsonb else '{}'::jsonb end`;
    try {
      await this.db.execute(sql`
        insert into events (url_id, user_id, event_type, timestamp, details)
        select r.url_id, r.user_id, 'click', to_timestamp(r.at / 1000.0), ${details}
        from ${rows}`);
    } catch (error) {
      if (!foreignKeyViolation(error)) throw error;
      await this.db.execute(sql`
        insert into events (url_id, user_id, event_type, timestamp, details)
        select u.id, u.user_id, 'click', to_timestamp(r.at / 1000.0), ${details}
        from ${rows}
        join urls u on u.id = r.url_id`);
    }
  }
}
