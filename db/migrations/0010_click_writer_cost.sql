-- Click rows stop paying two foreign-key checks each (about 7 µs of Postgres CPU per stored click, which
-- paid for the rollups: docs/performance.md, docs/decisions.md "Clicks without foreign keys"). Audit and
-- client events keep theirs. The click writer joins its links (key-share lock, once per link and batch);
-- deleting a link nulls its clicks' url_id, deleting a user deletes them, as the constraints did.
ALTER TABLE "events" DROP CONSTRAINT "events_url_id_urls_id_fk";--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "events_other" ADD CONSTRAINT "events_other_url_id_urls_id_fk" FOREIGN KEY ("url_id") REFERENCES "public"."urls"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events_other" ADD CONSTRAINT "events_other_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Top links over a range aggregate every link-day in it: with the counts in the index that is an
-- index-only scan instead of a heap visit per link-day (60,000 for 30 days of 2,000 links).
CREATE INDEX "link_clicks_daily_day_counts_idx" ON "link_clicks_daily" USING btree ("day","url_id") INCLUDE ("clicks","bot_clicks","visitors","bot_visitors");--> statement-breakpoint
DROP INDEX "link_clicks_daily_day_idx";
