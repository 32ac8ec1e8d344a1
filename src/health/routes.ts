// /health (liveness, no I/O) and /ready (dependencies checked with short timeouts).
import { Elysia, t } from 'elysia';
import type { DependencyChecks } from './checks.ts';

const State = t.Union([t.Literal('up'), t.Literal('down'), t.Literal('disabled')]);
/** Says whether the management API needs keys: `open` is the hackathon contract, everything anonymous. */
const AuthMode = t.Union([t.Literal('keys'), t.Literal('open')]);

export function healthRoutes(checks: DependencyChecks, authMode: 'keys' | 'open') {
  return new Elysia({ tags: ['operations'] })
    .get('/health', () => ({ status: 'ok' as const }), { response: t.Object({ status: t.Literal('ok') }), detail: { security: [] } })
    .get('/ready', async ({ set }) => {
      const readiness = await checks.readiness();
      set.status = readiness.ready ? 200 : 503;
      return {
        status: readiness.ready ? (readiness.redis === 'down' ? 'degraded' : 'ready') : 'unavailable',
        postgres: readiness.postgres,
        redis: readiness.redis,
        auth: authMode,
      };
    }, {
      response: {
        200: t.Object({ status: t.String(), postgres: State, redis: State, auth: AuthMode }),
        503: t.Object({ status: t.String(), postgres: State, redis: State, auth: AuthMode }),
      },
      detail: { security: [] },
    });
}
