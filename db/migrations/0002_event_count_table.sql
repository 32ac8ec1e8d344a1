CREATE TABLE "event_count" (
	"slot" smallint PRIMARY KEY NOT NULL,
	"n" bigint NOT NULL
);
