// The shapes the hop API answers with (docs/api.md), as the console reads them.

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Link {
  id: number;
  user_id: number | null;
  short_code: string;
  original_url: string;
  title: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  max_clicks: number | null;
  clicks_used: number;
  expired_url: string | null;
  tags: string[];
  /** Banned by an operator (410 to visitors), apart from is_active. */
  banned: boolean;
  ban_reason: string | null;
}

export interface LinkOptions {
  expires_at?: string | null;
  max_clicks?: number | null;
  expired_url?: string | null;
  tags?: string[];
}

export interface NewLink extends LinkOptions {
  original_url: string;
  title?: string | null;
  short_code?: string;
}

export interface LinkPatch extends LinkOptions {
  original_url?: string;
  title?: string | null;
  is_active?: boolean;
}

export interface TagCount {
  tag: string;
  count: number;
}

export interface BannedHost {
  host: string;
  reason: string | null;
  source: string;
  created_at: string;
}

export interface LinkQuery {
  page: number;
  per_page: number;
  q?: string;
  is_active?: boolean;
  tag?: string;
  /** true: links that ended (expiry passed or clicks used up). */
  expired?: boolean;
}

export interface User {
  id: number;
  username: string;
  email: string;
  created_at: string;
}

export interface Readiness {
  status: string;
  postgres: string;
  redis: string;
  /** Added with access control; a hop without it is open. */
  auth?: 'open' | 'keys';
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export type Role = 'admin' | 'user';

export interface ApiKey {
  id: number;
  /** The visible id inside the key: hop_<public_id>_… */
  public_id: string;
  name: string;
  role: Role;
  user_id: number | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface NewKey {
  role: Role;
  user_id?: number | null;
  name?: string;
  expires_at?: string | null;
}

/** What a stats view asks for; turned into from/to or period, tz and bots by the client. */
export interface StatsRange {
  period: '24h' | '7d' | '30d' | '90d' | '1y' | 'all' | 'custom';
  /** Dates (YYYY-MM-DD) in `tz`, for a custom range; `to` is the last day counted. */
  from?: string;
  to?: string;
  tz: string;
  bots: 'exclude' | 'include' | 'only';
}
