// What the console derives from a link for display: its short URL and a one-word status.
import type { Link } from './api/types.ts';

/** hop serves the console and the short links on the same origin. */
export function shortUrlOf(link: Pick<Link, 'short_code'>): string {
  return `${location.origin}/${link.short_code}`;
}

export type LinkStatus = 'active' | 'inactive' | 'expired';

export function linkStatus(link: Link): LinkStatus {
  if (!link.is_active) return 'inactive';
  if (link.expires_at && Date.parse(link.expires_at) <= Date.now()) return 'expired';
  return 'active';
}
