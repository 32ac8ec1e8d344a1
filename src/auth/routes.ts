// HTTP for /keys: admins create, list and revoke any key; a user key lists and revokes its own user's.
import { Elysia } from 'elysia';
import { windowOf } from '../http/pagination.ts';
import { IdParams } from '../http/params.ts';
import { ApiKey, CreatedKey, KeyQuery, NewKeyBody } from './model.ts';
import type { AuthPlugin } from './plugin.ts';
import type { KeyService } from './service.ts';

export function keyRoutes(keys: KeyService, auth: AuthPlugin, listCap: number) {
  return new Elysia({ prefix: '/keys', tags: ['keys'] })
    .use(auth)
    .post('', async ({ body, actor, set }) => {
      set.status = 201;
      return keys.create(body, actor);
    }, { body: NewKeyBody, response: { 201: CreatedKey }, detail: { summary: 'Create an API key (admin); the key is in this answer only' } })
    .get('', async ({ query, actor, set }) => {
      const { rows, total } = await keys.list(actor, windowOf(query, listCap));
      set.headers['x-total-count'] = String(total);
      return rows;
    }, { query: KeyQuery, detail: { summary: 'List API keys (admin: all; user key: its own user\'s)' } })
    .get('/:id', ({ params, actor }) => keys.get(params.id, actor), { params: IdParams, response: ApiKey })
    .delete('/:id', async ({ params, actor, set }) => {
      await keys.revoke(params.id, actor);
      set.status = 204;
    }, { params: IdParams, detail: { summary: 'Revoke an API key: every replica refuses it within a second' } });
}
