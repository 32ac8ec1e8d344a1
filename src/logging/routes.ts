// GET /logs: recent lines from this replica's in-memory ring. Closed (404) unless ADMIN_TOKEN is set;
// the bearer token is checked before the query is validated.
import { Elysia, t } from 'elysia';
import { AppError } from '../http/errors.ts';
import { bearerToken, type Secret } from '../http/secret.ts';
import type { LogRing } from './log-ring.ts';

const Level = t.Union([t.Literal('trace'), t.Literal('debug'), t.Literal('info'), t.Literal('warn'), t.Literal('error'), t.Literal('fatal')]);

export function logRoutes(ring: LogRing, token: Secret | null) {
  return new Elysia({ tags: ['operations'] }).get(
    '/logs',
    ({ query }) => ring.query({ limit: query.limit ?? 100, level: query.level, filter: query.filter }),
    {
      transform({ request }) {
        if (!token) throw new AppError('not_found', 'not found');
        if (!token.matches(bearerToken(request.headers.get('authorization')))) {
          // RFC 9110: a 401 names the scheme the client should use.
          throw new AppError('unauthorized', 'missing or wrong bearer token', undefined, { 'www-authenticate': 'Bearer realm="hop"' });
        }
      },
      query: t.Object({
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 100_000 })),
        level: t.Optional(Level),
        filter: t.Optional(t.String({ maxLength: 200 })),
      }),
      detail: { summary: 'Recent log lines, oldest first: limit (default 100), minimum level, text filter' },
    },
  );
}
