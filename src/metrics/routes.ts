// GET /metrics: the Prometheus text format. nginx lets only internal networks reach it.
import { Elysia } from 'elysia';
import { AppError } from '../http/errors.ts';
import type { Metrics } from './metrics.ts';

export function metricsRoutes(metrics: Metrics | null) {
  return new Elysia({ tags: ['operations'] }).get(
    '/metrics',
    async () => {
      if (!metrics) throw new AppError('not_found', 'metrics are disabled (METRICS_ENABLED=false)');
      return new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } });
    },
    { detail: { summary: 'Prometheus metrics of this replica' } },
  );
}
