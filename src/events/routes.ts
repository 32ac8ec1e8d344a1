// HTTP for /events: parse (schemas), call the service, shape the reply.
import { Elysia } from 'elysia';
import { windowOf } from '../http/pagination.ts';
import { EventIdParams } from '../http/params.ts';
import { Event, EventQuery, NewEventBody } from './model.ts';
import type { AuthPlugin } from '../auth/plugin.ts';
import type { EventService } from './service.ts';

export function eventRoutes(events: EventService, auth: AuthPlugin, listCap: number) {
  return new Elysia({ prefix: '/events', tags: ['events'] })
    .use(auth)
    .post('', async ({ body, actor, set }) => {
      set.status = 201;
      return events.create(body, actor);
    }, { body: NewEventBody, response: { 201: Event } })
    .get('', async ({ query, actor, set }) => {
      const { page, per_page, ...filter } = query;
      const { rows, total, exact } = await events.list(filter, windowOf({ page, per_page }, listCap), actor);
      set.headers['x-total-count'] = String(total);
      // Past EXACT_COUNT_BOUND matches the total is Postgres' estimate: said so, not hidden.
      if (!exact) set.headers['x-total-count-exact'] = 'false';
      return rows;
    }, { query: EventQuery })
    .get('/:id', ({ params, actor }) => events.get(params.id, actor), { params: EventIdParams, response: Event })
    .delete('/:id', async ({ params, actor, set }) => {
      await events.remove(params.id, actor);
      set.status = 204;
    }, { params: EventIdParams });
}
