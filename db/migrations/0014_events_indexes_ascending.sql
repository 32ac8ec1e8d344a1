-- The three list indexes of events, rebuilt ascending (docs/decisions.md, "Ascending event indexes"). Clicks
-- arrive in time order: ascending, each insert lands on the right edge of its range, where the rightmost
-- leaf is cached; descending put every one on the left edge and split pages in half. Pages newest
-- first are the same index scanned backwards, so no query changes and older releases run on it
-- unchanged (rollback needs nothing). Click and event writes wait while it builds: about 4 s per
-- million event rows on the 2-core VM (hop buffers clicks meanwhile, up to CLICK_BUFFER_CAP).
DROP INDEX "events_url_id_idx";--> statement-breakpoint
DROP INDEX "events_user_id_idx";--> statement-breakpoint
DROP INDEX "events_timestamp_idx";--> statement-breakpoint
CREATE INDEX "events_url_id_idx" ON "events" USING btree ("url_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_user_id_idx" ON "events" USING btree ("user_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_timestamp_idx" ON "events" USING btree ("timestamp","id");