-- Audit and client events written through drizzle stored `details` as a JSON string holding the
-- object (`"{\"a\": 1}"`) rather than the object itself, unreadable to `details->>'a'` (db/schema.ts,
-- `jsonObject`, writes objects from now on). Those rows are turned back into the object they encode.
-- Clicks are left alone: the click writer always built objects, and scanning every click month here
-- would hold the migration for as long; the few clicks added through POST /events before this
-- release keep the string form, which reads still accept (docs/analytics.md, "Rebuild").
UPDATE "events_other" SET "details" = ("details" #>> '{}')::jsonb WHERE jsonb_typeof("details") = 'string';
