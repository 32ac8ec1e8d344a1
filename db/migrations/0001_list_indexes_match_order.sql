DROP INDEX "events_timestamp_idx";--> statement-breakpoint
DROP INDEX "urls_created_at_idx";--> statement-breakpoint
CREATE INDEX "events_timestamp_idx" ON "events" USING btree ("timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "urls_created_at_idx" ON "urls" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);