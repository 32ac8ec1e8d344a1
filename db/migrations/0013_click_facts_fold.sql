-- The folder reads clicks straight from their raw rows instead of a queue the writer fills (docs/decisions.md,
-- "Folding from the raw rows"). Expand only: a nullable column and new tables; releases before this
-- one keep writing clicks without a facts id and queueing them, and this release's folder drains
-- that queue too until they are gone.
CREATE TABLE "click_facts" (
	"id" serial PRIMARY KEY NOT NULL,
	"bot" boolean NOT NULL,
	"browser" text NOT NULL,
	"os" text NOT NULL,
	"device" text NOT NULL,
	"referrer_host" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "click_fold_watermark" (
	"id" smallint PRIMARY KEY NOT NULL,
	"folded_through" bigint NOT NULL,
	"caught_up_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- No click stored before this migration has a facts id (older writers queued theirs), so the folder
-- starts at the sequence as it stands.
INSERT INTO "click_fold_watermark" ("id", "folded_through")
  SELECT 1, CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM "events_id_seq";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "facts_id" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "click_facts_values_idx" ON "click_facts" USING btree ("bot","browser","os","device","referrer_host");--> statement-breakpoint
-- The highest click id the folder may read: every click writer holds advisory lock 7340214 shared
-- for its whole transaction, so once this function holds it exclusively, every id the sequence has
-- handed out belongs to a transaction that has ended. Held for that instant only (session level, so
-- it can be let go before the caller's transaction ends) and let go whatever ends the call: a cancel
-- or a statement_timeout (QUERY_CANCELED, which OTHERS does not catch) must not leave it held on a
-- pooled connection, where it would stop every click writer.
CREATE FUNCTION "click_fold_horizon"() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  horizon bigint;
BEGIN
  BEGIN
    PERFORM pg_advisory_lock(7340214);
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO horizon FROM "events_id_seq";
    PERFORM pg_advisory_unlock(7340214);
  EXCEPTION WHEN OTHERS OR QUERY_CANCELED THEN
    PERFORM pg_advisory_unlock(7340214);
    RAISE;
  END;
  RETURN horizon;
END $$;
