// HTTP for the stats endpoints: parse (schemas), call the service, answer its JSON.
import { Elysia } from 'elysia';
import { OPEN_ACTOR } from '../auth/actor.ts';
import { IdParams } from '../http/params.ts';
import { Breakdown, BreakdownQuery, DimensionParams, LinkStats, OverallQuery, OverallStats, StatsQuery, TopLinks, TopLinksQuery } from './model.ts';
import type { StatsService } from './service.ts';

const DEFAULT_LIMIT = 10;

export function statsRoutes(stats: StatsService) {
  // Until the auth plugin lands every request acts as AUTH_MODE=open's actor.
  const actor = OPEN_ACTOR;
  return new Elysia({ tags: ['stats'] })
    .get('/urls/:id/stats', ({ params, query }) => stats.link(actor, params.id, query), { params: IdParams, query: StatsQuery, response: LinkStats })
    .get('/urls/:id/stats/:dimension', ({ params, query: { limit, ...range } }) =>
      stats.breakdown(actor, params.id, params.dimension, range, limit ?? DEFAULT_LIMIT), { params: DimensionParams, query: BreakdownQuery, response: Breakdown })
    .get('/stats', ({ query: { user_id, ...range } }) => stats.overall(actor, user_id, range), { query: OverallQuery, response: OverallStats })
    .get('/stats/top-links', ({ query: { user_id, limit, ...range } }) =>
      stats.topLinks(actor, user_id, range, limit ?? DEFAULT_LIMIT), { query: TopLinksQuery, response: TopLinks });
}
