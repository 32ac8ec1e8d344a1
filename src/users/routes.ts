// HTTP for /users: parse (schemas), call the service, shape the reply.
import { Elysia, t } from 'elysia';
import type { Database } from '../../db/client.ts';
import { PageQuery, windowOf } from '../http/pagination.ts';
import { IdParams } from '../http/params.ts';
import { importUsersCsv } from './bulk-import.ts';
import { BulkBody, BulkResult, NewUserBody, User, UserPatchBody } from './model.ts';
import { requireAdmin } from '../auth/actor.ts';
import type { AuthPlugin } from '../auth/plugin.ts';
import type { UserService } from './service.ts';

export function userRoutes(users: UserService, auth: AuthPlugin, db: Database, listCap: number) {
  return new Elysia({ prefix: '/users', tags: ['users'] })
    .use(auth)
    .post('', async ({ body, actor, set }) => {
      set.status = 201;
      return users.create(body, actor);
    }, { body: NewUserBody, response: { 201: User } })
    .post('/bulk', async ({ body, actor, set }) => {
      requireAdmin(actor);
      set.status = 201;
      return importUsersCsv(db, await body.file.text());
    }, { body: BulkBody, response: { 201: BulkResult } })
    .get('', async ({ query, actor, set }) => {
      const { rows, total } = await users.list(windowOf(query, listCap), actor);
      set.headers['x-total-count'] = String(total);
      return rows;
    }, { query: t.Object(PageQuery) })
    .get('/:id', ({ params, actor }) => users.get(params.id, actor), { params: IdParams, response: User })
    .put('/:id', ({ params, body, actor }) => users.update(params.id, body, actor), { params: IdParams, body: UserPatchBody, response: User })
    .delete('/:id', async ({ params, actor, set }) => {
      await users.remove(params.id, actor);
      set.status = 204;
    }, { params: IdParams });
}
