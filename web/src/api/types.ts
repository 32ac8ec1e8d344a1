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
  // Link options (issue 13): absent on a hop that predates them.
  expires_at?: string | null;
  max_clicks?: number | null;
  expired_url?: string | null;
  tags?: string[];
}

export interface NewLink {
  original_url: string;
  title?: string | null;
  short_code?: string;
  expires_at?: string | null;
  max_clicks?: number | null;
  tags?: string[];
}

export type LinkPatch = Partial<Pick<Link, 'original_url' | 'title' | 'is_active' | 'expires_at' | 'max_clicks' | 'tags'>>;

export interface LinkQuery {
  page: number;
  per_page: number;
  q?: string;
  is_active?: boolean;
  tag?: string;
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
