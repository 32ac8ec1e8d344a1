// HTTP for the stats endpoints: parse (schemas), call the service, answer its JSON.
import { Elysia } from 'elysia';
import type { AuthPlugin } from '../auth/plugin.ts';
import { IdParams } from '../http/params.ts';
import { Breakdown, BreakdownQuery, DimensionParams, LinkStats, OverallQuery, OverallStats, StatsQuery, TopLinks, TopLinksQuery } from './model.ts';
import type { StatsService } from './service.ts';

const DEFAULT_LIMIT = 10;

export function statsRoutes(stats: StatsService, auth: AuthPlugin) {
  return new Elysia({ tags: ['stats'] })
    .use(auth)
    .get('/urls/:id/stats', ({ params, query, actor }) => stats.link(actor, params.id, query), { params: IdParams, query: StatsQuery, response: LinkStats })
    .get('/urls/:id/stats/:dimension', ({ params, query: { limit, ...range }, actor }) =>
      stats.breakdown(actor, params.id, params.dimension, range, limit ?? DEFAULT_LIMIT), { params: DimensionParams, query: BreakdownQuery, response: Breakdown })
    .get('/stats', ({ query: { user_id, ...range }, actor }) => stats.overall(actor, user_id, range), { query: OverallQuery, response: OverallStats })
    .get('/stats/top-links', ({ query: { user_id, limit, ...range }, actor }) =>
      stats.topLinks(actor, user_id, range, limit ?? DEFAULT_LIMIT), { query: TopLinksQuery, response: TopLinks });
}
