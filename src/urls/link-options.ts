// What a link's options may be: expiry, click limit, the page an expired link sends to, and tags.
// Pure checks (no I/O), shared by create and update so both refuse the same values the same way.
import { parseInstant } from '../../db/timestamps.ts';
import { invalid } from '../http/errors.ts';

export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 32;
const TAG_SHAPE = /^[a-z0-9][a-z0-9._-]*$/;
const MAX_CLICKS_LIMIT = 2_147_483_647;

/** An expiry as stored (ISO 8601 UTC); null clears it. `future`: a create may not start out expired. */
export function checkExpiry(value: string | null, future: boolean): string | null {
  if (value === null) return null;
  const instant = parseInstant(value);
  if (instant === undefined) throw invalid('expires_at', 'must be an ISO 8601 timestamp');
  if (future && Date.parse(instant) <= Date.now()) throw invalid('expires_at', 'must be in the future');
  return instant;
}

export function checkMaxClicks(value: number | null): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_CLICKS_LIMIT) throw invalid('max_clicks', `must be a whole number from 1 to ${MAX_CLICKS_LIMIT}`);
  return value;
}

/** Tags are case-insensitive labels: trimmed, lower-cased, de-duplicated, in the order given. */
export function checkTags(tags: readonly string[]): string[] {
  const clean: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase();
    if (tag.length === 0 || tag.length > MAX_TAG_LENGTH || !TAG_SHAPE.test(tag)) {
      throw invalid('tags', `each tag must be 1 to ${MAX_TAG_LENGTH} of a-z, 0-9, ".", "_" or "-", starting with a letter or digit`);
    }
    if (!clean.includes(tag)) clean.push(tag);
  }
  if (clean.length > MAX_TAGS) throw invalid('tags', `at most ${MAX_TAGS} tags`);
  return clean;
}
