-- Clicks of a link are found through a plain (url_id) index instead of (url_id, timestamp, id)
-- (docs/decisions.md, "Clicks are indexed by link alone"). Every click landed at the end of its link's
-- range of the three-column index, away from the rightmost leaf: that index split its pages in half
-- and was a large part of a click's Postgres CPU under traffic. A one-column index keeps each
-- link's clicks in deduplicated posting lists. A page of a link's events now reads a time window of
-- the click months that the hourly rollups say holds the page (src/events/service.ts); audit and
-- client events keep the three-column index in `events_other`. Older releases run on it with the same
-- queries, but their page of a busy link reads all its clicks in the range to sort them (during a
-- rollout, and after a rollback). The new indexes are built first, while reads go on (writes of
-- events wait: about 0.75 s per million event rows on the 2-core VM); dropping the old one then locks
-- events for an instant. The lock is given up rather than queued behind a long transaction (hop
-- retries the migration at its next start).
SET LOCAL lock_timeout = '10s';--> statement-breakpoint
CREATE INDEX "events_other_url_id_idx" ON "events_other" USING btree ("url_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_clicks_url_id_idx" ON "events_clicks" USING btree ("url_id");--> statement-breakpoint
DROP INDEX "events_url_id_idx";
