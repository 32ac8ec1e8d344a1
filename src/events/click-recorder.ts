// Buffers clicks off the request path and writes them as one multi-row insert per batch
// (size or time bound, whichever first). While Postgres is unreachable the rows stay buffered;
// only overflow past the cap, or a batch Postgres rejects outright, is dropped (and counted).
// Clicks on a link deleted before the flush are not stored: the link and its history are gone.
// Click rows carry no foreign keys (a check per row cost about half the insert): each batch joins
// its links instead, so a link deleted before it drops its clicks, and a delete waits for a batch
// under way through the click barrier (docs/decisions.md, "Clicks without foreign keys").
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../../db/array-literal.ts';
import type { Database } from '../../db/client.ts';
import { databaseUnavailable, transientConflict } from '../../db/errors.ts';
import { holdClickBarrier } from '../stats/click-barrier.ts';
import { ClickFacts, type ClickOrigin } from '../stats/click-facts.ts';

/**
 * One redirect, flat, as the request saw it. Everything derived (bot, browser, country, visitor)
 * is worked out by the writer per batch (src/stats/click-facts.ts), never on the request path.
 */
export interface Click extends ClickOrigin {
  urlId: number;
  /** When the redirect happened, in epoch milliseconds (cheaper than a Date on the hot path). */
  at: number;
  referrer: string | null;
  userAgent: string | null;
  requestId: string | null;
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
    private readonly facts: ClickFacts = new ClickFacts(db),
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

  // Up to `flushConcurrency` batches at once, Postgres ingests about twice as fast with two in flight;
  // but a batch joins one under way only when it is full. Two inserts at once contend for the same
  // index pages (a third more Postgres CPU per click in a probe, docs/decisions.md), so the timer's
  // partial batch waits for its turn while a backlog still gets every slot.
  private writeSoon(): void {
    while (this.buffer.length > 0 && this.inFlight.size < this.options.flushConcurrency && (this.inFlight.size === 0 || this.buffer.length >= this.options.batchSize)) {
      this.writeBatch();
    }
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
        // Retrying a batch Postgres rejected would block every later click behind it; a deadlock
        // or an unreachable Postgres is worth another try.
        if (databaseUnavailable(error) || transientConflict(error)) this.requeue(rows);
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
  // document of rows (docs/decisions.md, "Click batches travel as column arrays"). Each array goes as
  // a literal built here (db/array-literal.ts), which costs hop less than Bun's array encoding.
  // The rollups read these rows later, by id (src/stats/rollup-folder.ts): each carries the id of its
  // classified facts, and the transaction holds the click barrier so no id is committed behind the
  // folder's back (src/stats/click-barrier.ts).
  // The owner is the link's at write time. A link or user delete waits for this transaction (it holds
  // the click barrier, which deletes take exclusively), then clears or deletes the stored clicks; a
  // delete that came first has committed, and the join drops its link's clicks here.
  private async insert(batch: Click[]): Promise<void> {
    const facts = await this.facts.describe(batch);
    const column = (values: (string | number | boolean | null)[]) => sql.param(arrayLiteral(values));
    const ids = new Array<number>(batch.length);
    const times = new Array<number>(batch.length);
    const referrers = new Array<string | null>(batch.length);
    const agents = new Array<string | null>(batch.length);
    const requests = new Array<string | null>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const click = batch[i]!;
      ids[i] = click.urlId;
      times[i] = click.at;
      referrers[i] = click.referrer;
      agents[i] = click.userAgent;
      requests[i] = click.requestId;
    }
    await this.db.transaction(async (tx) => {
      await holdClickBarrier(tx);
      await tx.execute(sql`
        with batch as (
          select * from unnest(
            ${column(ids)}::text::int[], ${column(times)}::text::float8[],
            ${column(referrers)}::text::text[], ${column(agents)}::text::text[], ${column(requests)}::text::text[],
            ${column(facts.bot)}::text::bool[], ${column(facts.factsId)}::text::int[], ${column(facts.country)}::text::text[],
            ${column(facts.visitor)}::text::bigint[]
          ) with ordinality as r(url_id, at, referrer, user_agent, request_id, bot, facts_id, country, visitor, place)
        ),
        links as (select u.id, u.user_id from urls u where u.id in (select url_id from batch))
        insert into events (url_id, user_id, event_type, timestamp, details, country, visitor, facts_id)
        select l.id, l.user_id, 'click', to_timestamp(r.at / 1000.0),
          case when r.bot then jsonb_build_object('referrer', r.referrer, 'user_agent', r.user_agent, 'request_id', r.request_id, 'automated', true)
            else jsonb_build_object('referrer', r.referrer, 'user_agent', r.user_agent, 'request_id', r.request_id) end,
          r.country, r.visitor, r.facts_id
        from batch r join links l on l.id = r.url_id
        -- Ids in the order the clicks came (the join does not keep it): /events breaks ties on id.
        order by r.place`);
    });
  }
}
