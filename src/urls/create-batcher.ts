// Group commit for link creation: creates that arrive together are written by one SQL statement
// (links and their `created` events, atomically), so Postgres pays one parse, plan and commit per
// batch instead of per link. A lone create still goes out at once; only concurrent ones wait for
// the batch ahead of them.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { foreignKeyViolation, invalidData } from '../../db/errors.ts';
import { AppError, notFound } from '../http/errors.ts';
import { newShortCode } from './short-code.ts';

export interface CreateRequest {
  userId: number | null;
  /** A custom slug; undefined draws a random code. */
  customCode: string | undefined;
  originalUrl: string;
  title: string | null;
  expiresAt: string | null;
  maxClicks: number | null;
  expiredUrl: string | null;
  tags: string[];
  /** Host suffixes of original_url and of expired_url (see src/abuse/hosts.ts): none may be banned. */
  targetHosts: string[];
  fallbackHosts: string[];
}

export interface CreatedRow {
  id: number;
  user_id: number | null;
  short_code: string;
  original_url: string;
  title: string | null;
  is_active: boolean;
  created_at: string | Date;
  updated_at: string | Date;
  expires_at: string | Date | null;
  max_clicks: number | null;
  clicks_used: number;
  expired_url: string | null;
  tags: string[];
  banned_at: string | Date | null;
  ban_reason: string | null;
}

interface Pending {
  request: CreateRequest;
  code: string;
  attempts: number;
  resolve(row: CreatedRow): void;
  reject(error: unknown): void;
}

type Outcome = CreatedRow & { input: number; missing_user: boolean; banned_target: boolean; banned_fallback: boolean; inserted: boolean };

const MAX_BATCH = 64;
const MAX_IN_FLIGHT = 4;
// Random codes collide rarely (62^7); a few redraws make a collision invisible to the caller.
const MAX_ATTEMPTS = 5;

const bannedHostError = (field: string) =>
  new AppError('banned_host', `${field} points at a banned host`, [{ field, message: 'host is banned' }]);

const takenError = () =>
  new AppError('conflict', 'short_code already taken', [{ field: 'short_code', message: 'already taken' }]);

export class CreateBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(private readonly db: Database) {}

  submit(request: CreateRequest): Promise<CreatedRow> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, code: request.customCode ?? newShortCode(), attempts: 1, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  // One batch never holds the same code twice: the later request waits for the next batch,
  // where it meets the stored row as a conflict.
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const codes = new Set<string>();
    const later: Pending[] = [];
    for (const pending of this.queue) {
      if (batch.length < MAX_BATCH && !codes.has(pending.code)) {
        batch.push(pending);
        codes.add(pending.code);
      } else later.push(pending);
    }
    this.queue = later;
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.insert(batch);
    } catch (error) {
      // An owner deleted between the check and the insert, or a value Postgres refuses, fails the
      // whole statement: each request is retried alone so only its own answer carries the error.
      if ((foreignKeyViolation(error) || invalidData(error)) && batch.length > 1) {
        for (const pending of batch) this.queue.push(pending);
        return this.writeAlone();
      }
      for (const pending of batch) pending.reject(foreignKeyViolation(error) ? notFound('user') : error);
      return;
    }
    for (const outcome of outcomes) {
      const pending = batch[outcome.input]!;
      if (outcome.inserted) pending.resolve(outcome);
      else if (outcome.missing_user) pending.reject(notFound('user'));
      else if (outcome.banned_target) pending.reject(bannedHostError('original_url'));
      else if (outcome.banned_fallback) pending.reject(bannedHostError('expired_url'));
      else if (pending.request.customCode !== undefined) pending.reject(takenError());
      else if (pending.attempts >= MAX_ATTEMPTS) pending.reject(new Error('could not draw a free short code'));
      else {
        pending.code = newShortCode();
        pending.attempts++;
        this.queue.push(pending);
      }
    }
  }

  private async writeAlone(): Promise<void> {
    const queued = this.queue;
    this.queue = [];
    for (const pending of queued) await this.write([pending]);
  }

  private async insert(batch: Pending[]): Promise<Outcome[]> {
    const input = JSON.stringify(
      batch.map((pending, index) => ({
        input: index,
        user_id: pending.request.userId,
        short_code: pending.code,
        original_url: pending.request.originalUrl,
        title: pending.request.title,
        expires_at: pending.request.expiresAt,
        max_clicks: pending.request.maxClicks,
        expired_url: pending.request.expiredUrl,
        tags: pending.request.tags,
        target_hosts: pending.request.targetHosts,
        fallback_hosts: pending.request.fallbackHosts,
      })),
    );
    return (await this.db.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${input}::text::jsonb)
          as r(input int, user_id int, short_code text, original_url text, title text,
               expires_at timestamptz, max_clicks int, expired_url text, tags text[], target_hosts text[], fallback_hosts text[])
      ), owned as (
        select input.*, (input.user_id is not null and not exists (select 1 from users u where u.id = input.user_id)) as missing_user,
               exists (select 1 from banned_hosts b where b.host = any(input.target_hosts)) as banned_target,
               exists (select 1 from banned_hosts b where b.host = any(input.fallback_hosts)) as banned_fallback
        from input
      ), link as (
        insert into urls (user_id, short_code, original_url, title, expires_at, max_clicks, expired_url, tags)
        select user_id, short_code, original_url, title, expires_at, max_clicks, expired_url, tags from owned where not missing_user and not banned_target and not banned_fallback
        -- One order for every batch, so two batches racing for the same slugs cannot deadlock.
        order by short_code
        on conflict (short_code) do nothing
        returning *
      ), audit as (
        insert into events (url_id, user_id, event_type, timestamp, details)
        select id, user_id, 'created', created_at,
               jsonb_build_object('short_code', short_code, 'original_url', original_url)
               -- Options appear in the audit only when set, so a plain link's event stays as it was.
               || jsonb_strip_nulls(jsonb_build_object('expires_at', to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'max_clicks', max_clicks, 'expired_url', expired_url,
                    'tags', case when cardinality(tags) > 0 then to_jsonb(tags) end))
        from link
      )
      select owned.input, owned.missing_user, owned.banned_target, owned.banned_fallback, link.id is not null as inserted, link.*
      from owned left join link on link.short_code = owned.short_code`)) as unknown as Outcome[];
  }
}
