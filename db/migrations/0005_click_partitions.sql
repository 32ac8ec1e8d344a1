-- Clicks move into monthly partitions and event ids become bigint (docs/decisions.md, "Click storage").
-- `events` becomes a table partitioned by event_type: `events_clicks` (itself partitioned by month of
-- `timestamp`, so retention drops a month at once) and `events_other` (audit and client events, kept).
-- Existing rows are copied across; the old table is dropped after the copy. Old replicas keep working:
-- the table keeps its name, columns and sequence, and the new columns are nullable.
ALTER TABLE "events" RENAME TO "events_unpartitioned";--> statement-breakpoint
ALTER TABLE "events_unpartitioned" DROP CONSTRAINT "events_url_id_urls_id_fk";--> statement-breakpoint
ALTER TABLE "events_unpartitioned" DROP CONSTRAINT "events_user_id_users_id_fk";--> statement-breakpoint
ALTER SEQUENCE "events_id_seq" AS bigint;--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint DEFAULT nextval('events_id_seq'::regclass) NOT NULL,
	"url_id" integer,
	"user_id" integer,
	"event_type" varchar(64) NOT NULL,
	"timestamp" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	-- Set by the click writer: ISO country code, and the day's visitor hash (never an address).
	"country" char(2),
	"visitor" bigint
) PARTITION BY LIST ("event_type");--> statement-breakpoint
ALTER SEQUENCE "events_id_seq" OWNED BY "events"."id";--> statement-breakpoint
CREATE TABLE "events_clicks" PARTITION OF "events" FOR VALUES IN ('click') PARTITION BY RANGE ("timestamp");--> statement-breakpoint
CREATE TABLE "events_other" PARTITION OF "events" DEFAULT;--> statement-breakpoint
-- Catches a click outside every month (a clock far off, or a month the maintenance job has not made
-- yet); the job moves such rows into their month when it creates it.
CREATE TABLE "events_clicks_default" PARTITION OF "events_clicks" DEFAULT;--> statement-breakpoint
DO $$
DECLARE
  month timestamptz := date_trunc('month', coalesce(
    (SELECT min("timestamp") FROM "events_unpartitioned" WHERE "event_type" = 'click'), now()) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  last timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '3 months';
BEGIN
  WHILE month <= last LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "events_clicks" FOR VALUES FROM (%L) TO (%L)',
      'events_clicks_' || to_char(month AT TIME ZONE 'UTC', '"y"YYYY"m"MM'), month, month + interval '1 month');
    month := month + interval '1 month';
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "events" ("id", "url_id", "user_id", "event_type", "timestamp", "details")
  SELECT "id", "url_id", "user_id", "event_type", "timestamp", "details" FROM "events_unpartitioned";--> statement-breakpoint
DROP TABLE "events_unpartitioned";--> statement-breakpoint
-- Audit events keep a primary key; clicks are unique by their sequence (a partitioned table's
-- unique index would have to include the month).
ALTER TABLE "events_other" ADD CONSTRAINT "events_other_pkey" PRIMARY KEY ("id");--> statement-breakpoint
CREATE INDEX "events_other_event_type_idx" ON "events_other" USING btree ("event_type");--> statement-breakpoint
CREATE INDEX "events_clicks_id_idx" ON "events_clicks" USING btree ("id");--> statement-breakpoint
-- Every list filter reads newest first: (filter, timestamp, id) serves a page of it without a sort.
CREATE INDEX "events_url_id_idx" ON "events" USING btree ("url_id", "timestamp" DESC NULLS FIRST, "id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "events_user_id_idx" ON "events" USING btree ("user_id", "timestamp" DESC NULLS FIRST, "id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "events_timestamp_idx" ON "events" USING btree ("timestamp" DESC NULLS FIRST, "id" DESC NULLS FIRST);--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_url_id_urls_id_fk" FOREIGN KEY ("url_id") REFERENCES "public"."urls"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- The row counter (migration 0003) already holds the copied rows: its triggers move to the new table.
CREATE TRIGGER "events_count_insert" AFTER INSERT ON "events" REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_added"();--> statement-breakpoint
CREATE TRIGGER "events_count_delete" AFTER DELETE ON "events" REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_removed"();--> statement-breakpoint
CREATE TRIGGER "events_count_truncate" AFTER TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "event_count_truncated"();
