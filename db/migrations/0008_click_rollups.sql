CREATE TABLE "click_rollup_queue" (
	"url_id" integer NOT NULL,
	"ts" timestamp(3) with time zone NOT NULL,
	"bot" boolean NOT NULL,
	"browser" text NOT NULL,
	"os" text NOT NULL,
	"device" text NOT NULL,
	"referrer_host" text NOT NULL,
	"country" char(2) NOT NULL,
	"visitor" bigint,
	"queued_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "click_visitors" (
	"url_id" integer NOT NULL,
	"day" date NOT NULL,
	"visitor" bigint NOT NULL,
	"bot" boolean NOT NULL,
	CONSTRAINT "click_visitors_url_id_day_visitor_pk" PRIMARY KEY("url_id","day","visitor")
);
--> statement-breakpoint
CREATE TABLE "global_clicks_daily" (
	"day" date NOT NULL,
	"slot" smallint NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	"visitors" bigint DEFAULT 0 NOT NULL,
	"bot_visitors" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "global_clicks_daily_day_slot_pk" PRIMARY KEY("day","slot")
);
--> statement-breakpoint
CREATE TABLE "global_clicks_hourly" (
	"hour" timestamp(3) with time zone NOT NULL,
	"slot" smallint NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "global_clicks_hourly_hour_slot_pk" PRIMARY KEY("hour","slot")
);
--> statement-breakpoint
CREATE TABLE "link_clicks_daily" (
	"url_id" integer NOT NULL,
	"day" date NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	"visitors" bigint DEFAULT 0 NOT NULL,
	"bot_visitors" bigint DEFAULT 0 NOT NULL,
	"last_click_at" timestamp(3) with time zone,
	"last_bot_click_at" timestamp(3) with time zone,
	CONSTRAINT "link_clicks_daily_url_id_day_pk" PRIMARY KEY("url_id","day")
);
--> statement-breakpoint
CREATE TABLE "link_clicks_hourly" (
	"url_id" integer NOT NULL,
	"hour" timestamp(3) with time zone NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_clicks_hourly_url_id_hour_pk" PRIMARY KEY("url_id","hour")
);
--> statement-breakpoint
CREATE TABLE "link_dimension_daily" (
	"url_id" integer NOT NULL,
	"dimension" varchar(16) NOT NULL,
	"day" date NOT NULL,
	"value" varchar(255) NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_dimension_daily_url_id_dimension_day_value_pk" PRIMARY KEY("url_id","dimension","day","value")
);
--> statement-breakpoint
CREATE TABLE "visitor_salts" (
	"day" date PRIMARY KEY NOT NULL,
	"salt" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE INDEX "link_clicks_daily_day_idx" ON "link_clicks_daily" USING btree ("day","url_id");--> statement-breakpoint
-- Rollup rows are updated in place by every fold: room on each page lets those updates stay HOT.
ALTER TABLE "link_clicks_hourly" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "link_clicks_daily" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "link_dimension_daily" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "global_clicks_hourly" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "global_clicks_daily" SET (fillfactor = 70);
