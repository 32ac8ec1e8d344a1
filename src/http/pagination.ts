// Lists answer every matching row up to a safety cap, or one page when page/per_page are given.
import { t } from 'elysia';

export const PageQuery = {
  page: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000 })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
};

export interface PageRequest {
  page?: number;
  per_page?: number;
}

export interface Window {
  limit: number;
  offset: number;
}

/** Turns page/per_page into limit/offset; without them, the first `cap` rows. */
export function windowOf({ page, per_page }: PageRequest, cap: number, defaultPerPage = 50): Window {
  if (page === undefined && per_page === undefined) return { limit: cap, offset: 0 };
  const size = per_page ?? defaultPerPage;
  return { limit: size, offset: ((page ?? 1) - 1) * size };
}

export interface Listing<T> {
  rows: T[];
  total: number;
}
