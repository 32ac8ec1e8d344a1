// hop's tables. Postgres is the source of truth; every filter the API offers has an index.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, char, check, customType, date, index, integer, jsonb, pgTable, primaryKey, serial, smallint, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

// Timestamps travel as ISO strings: drizzle's bun-sql driver mishandles Date round-trips
// (precision and zone bugs), so the column stays timestamptz and the value stays text.
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

// A JSON object in a jsonb column. drizzle's own jsonb stringifies the value and Bun then binds that
// text as a JSON *string*, so Postgres stored `"{\"a\": 1}"`, a string that `details->>'a'` cannot
// read (migration 0012 repairs such rows). Bun binds an object to a jsonb parameter as the object.
// Reads take either shape.
const jsonObject = customType<{ data: Record<string, unknown>; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => value,
  fromDriver: (value) => (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>,
});

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  username: varchar('username', { length: 64 }).notNull().unique(),
  email: varchar('email', { length: 254 }).notNull().unique(),
  createdAt: instant('created_at').notNull().defaultNow(),
});

export const urls = pgTable(
  'urls',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    shortCode: varchar('short_code', { length: 64 }).notNull().unique(),
    originalUrl: text('original_url').notNull(),
    title: text('title'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    // Link options (issue 13), all nullable or defaulted so an older replica can run beside.
    expiresAt: instant('expires_at'),
    maxClicks: integer('max_clicks'),
    /** Redirects admitted against max_clicks: the one exact counter (see src/urls/click-limit.ts). */
    clicksUsed: integer('clicks_used').notNull().default(0),
    expiredUrl: text('expired_url'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    // An operator's ban, apart from the owner's is_active switch. banned_host: the host ban that
    // caused it (lifted with that ban), null for a ban of this link alone.
    bannedAt: instant('banned_at'),
    banReason: text('ban_reason'),
    bannedHost: text('banned_host'),
    // The target's host as Postgres reads it, so a host ban finds its links without parsing URLs.
    targetHost: text('target_host').generatedAlwaysAs(
      sql`lower(substring(original_url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)'))`,
    ),
  },
  (table) => [
    index('urls_user_id_idx').on(table.userId),
    index('urls_tags_idx').using('gin', table.tags),
    index('urls_target_host_idx').on(table.targetHost),
    index('urls_is_active_idx').on(table.isActive),
    // DESC NULLS FIRST is what a plain `ORDER BY … DESC` means; drizzle's bare .desc() would emit NULLS LAST, which the planner cannot use for it.
    index('urls_created_at_idx').on(table.createdAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    // urls_search_idx (trigram GIN over code, target and title, for GET /urls?q=) lives in the
    // hand-written migration 0006: drizzle-kit cannot express its extension.
  ],
);

// Partitioned (migration 0005, hand-written: drizzle cannot express it): by event_type into
// `events_clicks`, itself one partition per month of `timestamp` (created ahead and dropped by
// src/events/click-partitions.ts), and `events_other`. Ids come from one bigint sequence; only
// `events_other` has a primary key, since a unique index on the click months would need the month.
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    // Deleting a link keeps its audit history: the rows lose the reference, not the record. The
    // foreign keys (on delete set null) are on `events_other` only (migration 0010): clicks are
    // checked by the click writer in bulk, and link and user deletes clear or delete their clicks.
    urlId: integer('url_id'),
    userId: integer('user_id'),
    eventType: varchar('event_type', { length: 64 }).notNull(),
    timestamp: instant('timestamp').notNull().defaultNow(),
    details: jsonObject('details').notNull().default(sql`'{}'::jsonb`),
    // Clicks only, set by the click writer: the country of the client address, and the visitor hash
    // of the day (docs/analytics.md). The address itself is never stored.
    country: char('country', { length: 2 }),
    visitor: bigint('visitor', { mode: 'bigint' }),
    // Clicks only: what the writer classified (bot, browser, OS, device, referrer host) as one
    // click_facts id. The rollup folder reads it from the raw rows; null on clicks of older releases.
    factsId: integer('facts_id'),
  },
  (table) => [
    // Every list filter reads newest first: (filter, timestamp, id) serves a page without a sort,
    // scanned backwards. Ascending, because clicks arrive in time order: each insert lands on the
    // right edge of its range (the rightmost leaf of the whole index is cached), where a descending
    // index put every one on the left edge and split its pages in half (migration 0014). The link
    // filter's indexes are per partition, which drizzle cannot declare (migration 0015): (url_id,
    // timestamp, id) on events_other, (url_id) alone on the click months.
    index('events_user_id_idx').on(table.userId, table.timestamp, table.id),
    index('events_timestamp_idx').on(table.timestamp, table.id),
  ],
);

// The number of rows in `events`, kept exact by statement-level triggers (migration 0003), so an
// unfiltered GET /events answers X-Total-Count without counting a table every redirect grows.
// Spread over 16 slots (a writer adds to the slot of its backend) so concurrent writers do not
// queue on one row; the total is the sum.
export const eventCount = pgTable('event_count', {
  slot: smallint('slot').primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull(),
});

// Target hosts no link may point at (their subdomains included): from the API or BLOCKLIST_FILE.
export const bannedHosts = pgTable('banned_hosts', {
  host: text('host').primaryKey(),
  reason: text('reason'),
  /** 'api' or 'file': a blocklist reload replaces only the file's rows. */
  source: varchar('source', { length: 8 }).notNull().default('api'),
  createdAt: instant('created_at').notNull().defaultNow(),
});

// The first answer to a create sent with an Idempotency-Key, per actor; a retry gets it again.
// response null: the first request is still running.
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status'),
    response: jsonb('response'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.key] }), index('idempotency_keys_created_at_idx').on(table.createdAt)],
);

// Click rollups (docs/analytics.md), kept by the click writer in the statement that stores the raw
// rows, and recomputable from them (`bun run stats:rebuild`). No foreign keys: a check per upserted
// row would cost every batch; reads join `urls`, so a deleted link's rows are simply never read.
// Times are UTC: hours as timestamptz, days as dates. `clicks` are people, `bot_clicks` automated.
const count = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

export const linkClicksHourly = pgTable(
  'link_clicks_hourly',
  { urlId: integer('url_id').notNull(), hour: instant('hour').notNull(), clicks: count('clicks'), botClicks: count('bot_clicks') },
  (table) => [primaryKey({ columns: [table.urlId, table.hour] })],
);

export const linkClicksDaily = pgTable(
  'link_clicks_daily',
  {
    urlId: integer('url_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    clicks: count('clicks'),
    botClicks: count('bot_clicks'),
    visitors: count('visitors'),
    botVisitors: count('bot_visitors'),
    lastClickAt: instant('last_click_at'),
    lastBotClickAt: instant('last_bot_click_at'),
  },
  (table) => [
    primaryKey({ columns: [table.urlId, table.day] }),
    // Top links over a range read every link's days in it, from this index alone: migration 0010
    // adds the counts as INCLUDE columns (drizzle cannot say so). Updates stop being HOT, but a fold
    // updates one daily row per link and day, not per click (docs/performance.md).
    index('link_clicks_daily_day_counts_idx').on(table.day, table.urlId),
  ],
);

/** One row per link, day and value of a dimension (referrer host, browser, os, device, country). */
export const linkDimensionDaily = pgTable(
  'link_dimension_daily',
  {
    urlId: integer('url_id').notNull(),
    dimension: varchar('dimension', { length: 16 }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    value: varchar('value', { length: 255 }).notNull(),
    clicks: count('clicks'),
    botClicks: count('bot_clicks'),
  },
  (table) => [primaryKey({ columns: [table.urlId, table.dimension, table.day, table.value] })],
);

// The whole service's series. Reads sum the slots, which date from when every click batch upserted
// these rows itself; the rollup folder, one at a time, and the rebuild write slot 0.
export const globalClicksHourly = pgTable(
  'global_clicks_hourly',
  { hour: instant('hour').notNull(), slot: smallint('slot').notNull(), clicks: count('clicks'), botClicks: count('bot_clicks') },
  (table) => [primaryKey({ columns: [table.hour, table.slot] })],
);

export const globalClicksDaily = pgTable(
  'global_clicks_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    slot: smallint('slot').notNull(),
    clicks: count('clicks'),
    botClicks: count('bot_clicks'),
    visitors: count('visitors'),
    botVisitors: count('bot_visitors'),
  },
  (table) => [primaryKey({ columns: [table.day, table.slot] })],
);

/**
 * The visitors seen per link and day (url_id 0: on any link), so a batch knows which are new.
 * Kept for today and yesterday only, like the salts their hashes come from.
 */
export const clickVisitors = pgTable(
  'click_visitors',
  {
    urlId: integer('url_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    visitor: bigint('visitor', { mode: 'bigint' }).notNull(),
    bot: boolean('bot').notNull(),
  },
  (table) => [primaryKey({ columns: [table.urlId, table.day, table.visitor] })],
);

/**
 * Clicks of releases before migration 0013, stored but not yet folded: their writers queue each
 * click's facts here in the batch's own statement. This release's writer stores a facts id on the raw
 * row instead and queues nothing; the folder drains what older replicas still queue during a rollout
 * (src/stats/rollup-folder.ts). No indexes: it is only ever appended to and drained.
 */
export const clickRollupQueue = pgTable('click_rollup_queue', {
  urlId: integer('url_id').notNull(),
  ts: instant('ts').notNull(),
  bot: boolean('bot').notNull(),
  browser: text('browser').notNull(),
  os: text('os').notNull(),
  device: text('device').notNull(),
  referrerHost: text('referrer_host').notNull(),
  country: char('country', { length: 2 }).notNull(),
  visitor: bigint('visitor', { mode: 'bigint' }),
  queuedAt: instant('queued_at').notNull().defaultNow(),
});

/**
 * Every distinct (bot, browser, OS, device, referrer host) a click was classified as, once: a raw
 * click row carries its id (events.facts_id), so the writer sends one small number per click instead
 * of five strings, and the folder groups clicks by it. Rows are never changed or deleted: an id
 * cached by a replica stays right (src/stats/facts-dictionary.ts).
 */
export const clickFacts = pgTable(
  'click_facts',
  {
    id: serial('id').primaryKey(),
    bot: boolean('bot').notNull(),
    browser: text('browser').notNull(),
    os: text('os').notNull(),
    device: text('device').notNull(),
    referrerHost: text('referrer_host').notNull(),
  },
  (table) => [uniqueIndex('click_facts_values_idx').on(table.bot, table.browser, table.os, table.device, table.referrerHost)],
);

/**
 * How far the folder has read the raw clicks: every click with a facts id and an id up to
 * `folded_through` is in the rollups, none above it. One row. `caught_up_at` is when the folder last
 * reached every click committed at that moment: the rollups' lag (src/stats/rollup-folder.ts).
 */
export const clickFoldWatermark = pgTable('click_fold_watermark', {
  id: smallint('id').primaryKey(),
  foldedThrough: bigint('folded_through', { mode: 'number' }).notNull(),
  caughtUpAt: instant('caught_up_at').notNull().defaultNow(),
});

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** The random salt of each UTC day's visitor hashes; deleted after two days (docs/analytics.md). */
export const visitorSalts = pgTable('visitor_salts', {
  day: date('day', { mode: 'string' }).primaryKey(),
  salt: bytea('salt').notNull(),
});

// API keys (AUTH_MODE=keys). The secret is never stored: only the SHA-256 of the whole key, found
// through its public 8-character id. A user key belongs to a user and goes with it.
export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    publicId: varchar('public_id', { length: 8 }).notNull().unique(),
    /** Hex SHA-256 of the whole key. */
    secretHash: varchar('secret_hash', { length: 64 }).notNull(),
    name: text('name').notNull(),
    role: varchar('role', { length: 16 }).$type<'admin' | 'user'>().notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: instant('created_at').notNull().defaultNow(),
    expiresAt: instant('expires_at'),
    revokedAt: instant('revoked_at'),
    lastUsedAt: instant('last_used_at'),
  },
  (table) => [
    index('api_keys_user_id_idx').on(table.userId),
    check('api_keys_role_check', sql`${table.role} in ('admin', 'user') and (${table.role} = 'admin' or ${table.userId} is not null)`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type UrlRow = typeof urls.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
