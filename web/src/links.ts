// What the console derives from a link for display: its short URL and a one-word status.
import type { Link } from './api/types.ts';

/** hop serves the console and the short links on the same origin. */
export function shortUrlOf(link: Pick<Link, 'short_code'>): string {
  return `${location.origin}/${link.short_code}`;
}

export type LinkStatus = 'active' | 'inactive' | 'expired' | 'used up' | 'banned';

/** Why a link does or does not redirect, in the order hop checks. */
export function linkStatus(link: Link): LinkStatus {
  if (link.banned) return 'banned';
  if (!link.is_active) return 'inactive';
  if (link.expires_at && Date.parse(link.expires_at) <= Date.now()) return 'expired';
  if (link.max_clicks !== null && link.clicks_used >= link.max_clicks) return 'used up';
  return 'active';
}

/** An ISO instant as the value of a datetime-local input (the browser's own time zone). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** "a, b ,c" → ["a", "b", "c"]; hop lower-cases and checks them. */
export function parseTags(text: string): string[] {
  return text.split(',').map((tag) => tag.trim()).filter(Boolean);
}
