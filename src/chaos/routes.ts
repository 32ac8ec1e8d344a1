// POST /chaos: start or stop a drill. Closed (404) unless CHAOS_TOKEN is set; X-Chaos-Token is
// checked before the body is even parsed, so an unauthenticated caller learns nothing about it.
import { Elysia } from 'elysia';
import { AppError } from '../http/errors.ts';
import type { Secret } from '../http/secret.ts';
import type { ChaosDrills } from './drills.ts';
import { DrillRequest, DrillState } from './model.ts';

export function chaosRoutes(drills: ChaosDrills, token: Secret | null) {
  const guard = ({ request }: { request: Request }) => {
    if (!token) throw new AppError('not_found', 'not found');
    if (!token.matches(request.headers.get('x-chaos-token'))) throw new AppError('unauthorized', 'missing or wrong X-Chaos-Token');
  };
  return new Elysia({ tags: ['operations'] }).post(
    '/chaos',
    ({ body, set }) => {
      set.status = body.mode === 'kill' ? 202 : 200;
      return drills.start(body, set.headers['x-request-id'] as string | undefined);
    },
    {
      // A route-level parse hook runs for every POST, with or without a body, before JSON parsing.
      parse: [guard],
      body: DrillRequest,
      response: { 200: DrillState, 202: DrillState },
      detail: { summary: 'Start a chaos drill (kill, latency, errors) or end them (off)' },
    },
  );
}
