-- GET /urls?q=: a case-insensitive substring search over short code, target and title. A trigram
-- index answers ILIKE '%…%' without reading every link (hand-written: drizzle-kit cannot express the
-- extension). pg_trgm ships with Postgres and is a trusted extension (a database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "urls_search_idx" ON "urls" USING gin ((("short_code" || ' ' || "original_url" || ' ' || coalesce("title", ''))) gin_trgm_ops);
