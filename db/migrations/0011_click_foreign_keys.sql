-- hop:contract click rows lose their foreign keys; releases before 0010 relied on them only for deletes, which 0010's triggers now do for every release, and for a click batch racing a delete (docs/decisions.md, "Clicks without foreign keys")
-- Each click row paid two foreign-key checks (about 7 µs of Postgres CPU per stored click, which pays
-- for the rollups). The click writer now joins its batch to `urls` with a key-share lock per link.
-- Last in its release: the locks below are taken at the end of the migration transaction, and given
-- up rather than queued behind a long transaction (hop retries the migration at its next start).
SET LOCAL lock_timeout = '10s';--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_url_id_urls_id_fk";--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_user_id_users_id_fk";
