-- The three list indexes of events, rebuilt ascending (docs/decisions.md, "Ascending event indexes"). Clicks
-- arrive in time order: ascending, each insert lands on the right edge of its range, where the rightmost
-- leaf is cached; descending put every one on the left edge and split pages in half. Pages newest
-- first are the same index scanned backwards, so no query changes and older releases run on it
-- unchanged (rollback needs nothing). Dropping an index locks events and its partitions exclusively
-- until the migration commits: while the indexes build (about 4 s per million event rows on the
-- 2-core VM) every read and write of events waits (GET /events, link and user changes, which write
-- their event, the fold); cached redirects go on, their clicks wait in hop's buffer. The lock is
-- given up rather than queued behind a long transaction (hop retries the migration at its next start).
SET LOCAL lock_timeout = '10s';--> statement-breakpoint
DROP INDEX "events_url_id_idx";--> statement-breakpoint
DROP INDEX "events_user_id_idx";--> statement-breakpoint
DROP INDEX "events_timestamp_idx";--> statement-breakpoint
CREATE INDEX "events_url_id_idx" ON "events" USING btree ("url_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_user_id_idx" ON "events" USING btree ("user_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_timestamp_idx" ON "events" USING btree ("timestamp","id");