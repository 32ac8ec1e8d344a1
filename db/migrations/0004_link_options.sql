CREATE TABLE "banned_hosts" (
	"host" text PRIMARY KEY NOT NULL,
	"reason" text,
	"source" varchar(8) DEFAULT 'api' NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer,
	"response" jsonb,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "expires_at" timestamp(3) with time zone;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "max_clicks" integer;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "clicks_used" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "expired_url" text;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "banned_at" timestamp(3) with time zone;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "ban_reason" text;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "banned_host" text;--> statement-breakpoint
ALTER TABLE "urls" ADD COLUMN "target_host" text GENERATED ALWAYS AS (lower(substring(original_url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)'))) STORED;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "urls_tags_idx" ON "urls" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "urls_target_host_idx" ON "urls" USING btree ("target_host");