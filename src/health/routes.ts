// /health (liveness, no I/O) and /ready (dependencies checked with short timeouts).
import { Elysia, t } from 'elysia';
import type { DependencyChecks } from './checks.ts';

const State = t.Union([t.Literal('up'), t.Literal('down'), t.Literal('disabled')]);

export function healthRoutes(checks: DependencyChecks) {
  return new Elysia({ tags: ['operations'] })
    .get('/health', () => ({ status: 'ok' as const }), { response: t.Object({ status: t.Literal('ok') }) })
    .get('/ready', async ({ set }) => {
      const readiness = await checks.readiness();
      set.status = readiness.ready ? 200 : 503;
      return {
        status: readiness.ready ? (readiness.redis === 'down' ? 'degraded' : 'ready') : 'unavailable',
        postgres: readiness.postgres,
        redis: readiness.redis,
      };
    }, {
      response: {
        200: t.Object({ status: t.String(), postgres: State, redis: State }),
        503: t.Object({ status: t.String(), postgres: State, redis: State }),
      },
    });
}
