// Seed data: the hackathon CSV format (ids kept) and a deterministic generator of the same shape.
// Both go through one batched importer that ends by moving every sequence past its highest id.
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './client.ts';
import { parseInstant } from './timestamps.ts';
import { excludeClickWriters } from '../src/stats/click-barrier.ts';
import { holdFoldLock } from '../src/stats/rollup-folder.ts';

export interface SeedUser { id: number; username: string; email: string; created_at: string }
export interface SeedUrl {
  id: number; user_id: number | null; short_code: string; original_url: string; title: string | null;
  is_active: boolean; created_at: string; updated_at: string;
}
export interface SeedEvent {
  id: number; url_id: number | null; user_id: number | null; event_type: string; timestamp: string;
  details: Record<string, unknown>;
}
export interface Dataset { users: SeedUser[]; urls: SeedUrl[]; events: SeedEvent[] }

export interface TableReport { imported: number; skipped: number }
export interface ImportResult { users: TableReport; urls: TableReport; events: TableReport; problems: string[] }

const BATCH = 1_000;

// ---- reading the hackathon CSVs ----

function csvRows(text: string): Record<string, string>[] {
  return parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
}

const optionalId = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : null);
const instant = (text: string | undefined) => (text && parseInstant(text)) || new Date(0).toISOString();

function detailsOf(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { raw: text };
  }
}

export async function readCsvDataset(dir: string): Promise<Dataset> {
  const read = async (name: string) => csvRows(await readFile(path.join(dir, name), 'utf8'));
  const [users, urls, events] = await Promise.all([read('users.csv'), read('urls.csv'), read('events.csv')]);
  return {
    users: users.map((row) => ({ id: Number(row.id), username: row.username ?? '', email: row.email ?? '', created_at: instant(row.created_at) })),
    urls: urls.map((row) => ({
      id: Number(row.id),
      user_id: optionalId(row.user_id),
      short_code: row.short_code ?? '',
      original_url: row.original_url ?? '',
      title: row.title || null,
      is_active: /^(true|1|t|yes)$/i.test(row.is_active ?? 'true'),
      created_at: instant(row.created_at),
      updated_at: instant(row.updated_at ?? row.created_at),
    })),
    events: events.map((row) => ({
      id: Number(row.id),
      url_id: optionalId(row.url_id),
      user_id: optionalId(row.user_id),
      event_type: row.event_type ?? 'unknown',
      timestamp: instant(row.timestamp),
      details: detailsOf(row.details),
    })),
  };
}

// ---- the deterministic generator ----

/** mulberry32: tiny, fast and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['amber', 'brisk', 'canyon', 'dawn', 'ember', 'forest', 'harbor', 'lagoon', 'meadow', 'orbit', 'quartz', 'river', 'signal', 'summit', 'valley', 'zenith'];
const DOMAINS = ['example.com', 'acme.dev', 'hackstack.io', 'relay.cloud', 'seeded.app', 'opswise.net'];
const TITLES = ['Campaign page', 'Service guide', 'Roadmap update', 'Incident notes', 'Demo link', 'Quarterly brief'];
const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const EPOCH = Date.UTC(2024, 0, 1);
const SPAN_MS = 730 * 86_400_000;

export function generateDataset(seed = 2026, sizes = { users: 400, urls: 2000, events: 3422 }): Dataset {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const moment = (after = EPOCH) => new Date(after + Math.floor(random() * (EPOCH + SPAN_MS - after))).toISOString().replace(/\.\d{3}Z$/, '.000Z');

  const users: SeedUser[] = [];
  for (let id = 1; id <= sizes.users; id++) {
    const username = `${pick(WORDS)}${pick(WORDS)}${id}`;
    users.push({ id, username, email: `${username}@${pick(DOMAINS)}`, created_at: moment() });
  }
  const codes = new Set<string>();
  const urls: SeedUrl[] = [];
  for (let id = 1; id <= sizes.urls; id++) {
    let code = '';
    while (code.length === 0 || codes.has(code)) {
      code = Array.from({ length: 6 }, () => pick([...CODE_ALPHABET])).join('');
    }
    codes.add(code);
    const created = moment();
    urls.push({
      id,
      user_id: 1 + Math.floor(random() * sizes.users),
      short_code: code,
      original_url: `https://${pick(DOMAINS)}/${pick(WORDS)}/${pick(WORDS)}/${id}`,
      title: `${pick(TITLES)} ${pick(WORDS)}`,
      is_active: random() > 0.18,
      created_at: created,
      updated_at: moment(Date.parse(created)),
    });
  }
  const events: SeedEvent[] = urls.map((url) => ({
    id: url.id,
    url_id: url.id,
    user_id: url.user_id,
    event_type: 'created',
    timestamp: url.created_at,
    details: { short_code: url.short_code, original_url: url.original_url },
  }));
  for (let id = events.length + 1; id <= sizes.events; id++) {
    const url = pick(urls);
    const deleted = random() < 0.15;
    events.push({
      id,
      url_id: url.id,
      user_id: url.user_id,
      event_type: deleted ? 'deleted' : 'updated',
      timestamp: moment(Date.parse(url.created_at)),
      details: deleted ? { reason: pick(['expired', 'duplicate', 'requested']) } : { field: 'title', new_value: `${pick(TITLES)} ${pick(WORDS)}` },
    });
  }
  return { users, urls, events };
}

// ---- importing ----

async function insertBatches<T>(rows: T[], insert: (json: string) => Promise<number[]>): Promise<Set<number>> {
  const stored = new Set<number>();
  for (let start = 0; start < rows.length; start += BATCH) {
    for (const id of await insert(JSON.stringify(rows.slice(start, start + BATCH)))) stored.add(id);
  }
  return stored;
}

const ids = (rows: Iterable<Record<string, unknown>>) => Array.from(rows, (row) => Number(row.id));

/** Imports a dataset keeping its ids; rows that collide with stored ones are skipped and reported. */
export async function importDataset(db: Database, data: Dataset): Promise<ImportResult> {
  const problems: string[] = [];
  const userIds = await insertBatches(data.users, async (json) =>
    ids(await db.execute<{ id: number }>(sql`
      insert into users (id, username, email, created_at)
      select id, username, email, created_at from jsonb_to_recordset(${json}::text::jsonb)
        as r(id int, username text, email text, created_at timestamptz)
      on conflict do nothing returning id`)));
  for (const user of data.users) {
    if (!userIds.has(user.id)) problems.push(`users.csv id ${user.id}: duplicate id, username or email (${user.username}), skipped`);
  }

  // A link whose owner was skipped keeps existing, without an owner.
  const urls = data.urls.map((url) => (url.user_id !== null && !userIds.has(url.user_id) ? { ...url, user_id: null } : url));
  const urlIds = await insertBatches(urls, async (json) =>
    ids(await db.execute<{ id: number }>(sql`
      insert into urls (id, user_id, short_code, original_url, title, is_active, created_at, updated_at)
      select id, user_id, short_code, original_url, title, is_active, created_at, updated_at
      from jsonb_to_recordset(${json}::text::jsonb) as r(id int, user_id int, short_code text, original_url text,
        title text, is_active boolean, created_at timestamptz, updated_at timestamptz)
      on conflict do nothing returning id`)));
  for (const url of data.urls) {
    if (!urlIds.has(url.id)) problems.push(`urls.csv id ${url.id}: duplicate id or short_code (${url.short_code}), skipped`);
  }

  const events = data.events.map((event) => ({
    ...event,
    url_id: event.url_id !== null && urlIds.has(event.url_id) ? event.url_id : null,
    user_id: event.user_id !== null && userIds.has(event.user_id) ? event.user_id : null,
  }));
  const eventIds = await insertBatches(events, async (json) =>
    ids(await db.execute<{ id: number }>(sql`
      insert into events (id, url_id, user_id, event_type, timestamp, details)
      select distinct on (id) id, url_id, user_id, event_type, timestamp, coalesce(details, '{}'::jsonb)
      from jsonb_to_recordset(${json}::text::jsonb) as r(id int, url_id int, user_id int, event_type text,
        timestamp timestamptz, details jsonb)
      -- Only audit events have a primary key (clicks live in monthly partitions): look for the id.
      where not exists (select 1 from events e where e.id = r.id)
      order by id
      on conflict do nothing returning id`)));
  for (const event of data.events) {
    if (!eventIds.has(event.id)) problems.push(`events.csv id ${event.id}: duplicate id, skipped`);
  }

  await moveSequencesPastIds(db);
  return {
    users: { imported: userIds.size, skipped: data.users.length - userIds.size },
    urls: { imported: urlIds.size, skipped: data.urls.length - urlIds.size },
    events: { imported: eventIds.size, skipped: data.events.length - eventIds.size },
    problems,
  };
}

/** After explicit-id inserts, the next generated id must not collide with an imported one. */
export async function moveSequencesPastIds(db: Database): Promise<void> {
  for (const table of ['users', 'urls', 'events'] as const) {
    await db.execute(sql.raw(
      `select setval(pg_get_serial_sequence('${table}', 'id'), coalesce((select max(id) from ${table}), 0) + 1, false)`,
    ));
  }
}

export async function isEmpty(db: Database): Promise<boolean> {
  const rows = await db.execute<{ empty: boolean }>(sql`select not exists (select 1 from users) and not exists (select 1 from urls) as empty`);
  return Boolean(rows[0]?.empty);
}

export async function countRows(db: Database): Promise<{ users: number; urls: number; events: number }> {
  const [row] = await db.execute<{ users: number; urls: number; events: number }>(sql`
    select (select count(*) from users)::int as users, (select count(*) from urls)::int as urls, (select count(*) from events)::int as events`);
  return { users: Number(row?.users ?? 0), urls: Number(row?.urls ?? 0), events: Number(row?.events ?? 0) };
}

/**
 * Empties users, links and events (and rows hanging off them) and restarts their ids: `seed --reset`.
 * The click rollups and their queue go too: they have no foreign keys, and their rows would
 * otherwise count for the new links that reuse the old ids. Click ids restart, so the folder's
 * watermark does as well (the facts dictionary stays: replicas remember its ids).
 */
export async function resetData(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    // No fold or click batch in between: a fold's horizon from before the truncate would skip new ids.
    await holdFoldLock(tx);
    await excludeClickWriters(tx);
    await tx.execute(sql`
      truncate users, urls, events, click_rollup_queue, click_visitors, link_clicks_hourly, link_clicks_daily,
        link_dimension_daily, global_clicks_hourly, global_clicks_daily restart identity cascade`);
    await tx.execute(sql`update click_fold_watermark set folded_through = 0, caught_up_at = now() where id = 1`);
  });
}
