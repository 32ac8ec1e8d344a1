-- Keeps sum(event_count.n) equal to the number of rows in events. Statement-level triggers with
-- transition tables: one counter update per statement (a batch of 2,000 clicks costs one), on the
-- slot of the writing backend, so concurrent writers rarely wait on the same row.
ALTER TABLE "event_count" ADD CONSTRAINT "event_count_slot_range" CHECK ("slot" BETWEEN 0 AND 15);--> statement-breakpoint
INSERT INTO "event_count" ("slot", "n") SELECT s, 0 FROM generate_series(0, 15) AS s;--> statement-breakpoint
UPDATE "event_count" SET "n" = (SELECT count(*) FROM "events") WHERE "slot" = 0;--> statement-breakpoint
CREATE FUNCTION "event_count_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "event_count" SET "n" = "n" + (SELECT count(*) FROM added) WHERE "slot" = pg_backend_pid() % 16;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "event_count_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "event_count" SET "n" = "n" - (SELECT count(*) FROM removed) WHERE "slot" = pg_backend_pid() % 16;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "event_count_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "event_count" SET "n" = 0;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "events_count_insert" AFTER INSERT ON "events" REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_added"();--> statement-breakpoint
CREATE TRIGGER "events_count_delete" AFTER DELETE ON "events" REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_removed"();--> statement-breakpoint
CREATE TRIGGER "events_count_truncate" AFTER TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_truncated"();
