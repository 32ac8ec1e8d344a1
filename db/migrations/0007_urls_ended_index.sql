-- GET /urls?expired=true: links that no longer redirect because their expiry passed or their click
-- limit is used up. Only links with such an option can have ended, so a partial index over them, in
-- list order, serves the filter without reading the plain links (hand-written to keep its predicate
-- exactly as the query states it).
CREATE INDEX IF NOT EXISTS "urls_with_limits_idx" ON "urls" USING btree ("created_at" DESC NULLS FIRST, "id" DESC NULLS FIRST) WHERE "expires_at" IS NOT NULL OR "max_clicks" IS NOT NULL;
