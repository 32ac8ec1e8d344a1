// HTTP for /users: parse (schemas), call the service, shape the reply.
import { Elysia, t } from 'elysia';
import type { Database } from '../../db/client.ts';
import { PageQuery, windowOf } from '../http/pagination.ts';
import { IdParams } from '../http/params.ts';
import { importUsersCsv } from './bulk-import.ts';
import { BulkBody, BulkResult, NewUserBody, User, UserPatchBody } from './model.ts';
import type { UserService } from './service.ts';

export function userRoutes(users: UserService, db: Database, listCap: number) {
  return new Elysia({ prefix: '/users', tags: ['users'] })
    .post('', async ({ body, set }) => {
      set.status = 201;
      return users.create(body);
    }, { body: NewUserBody, response: { 201: User } })
    .post('/bulk', async ({ body, set }) => {
      set.status = 201;
      return importUsersCsv(db, await body.file.text());
    }, { body: BulkBody, response: { 201: BulkResult } })
    .get('', async ({ query, set }) => {
      const { rows, total } = await users.list(windowOf(query, listCap));
      set.headers['x-total-count'] = String(total);
      return rows;
    }, { query: t.Object(PageQuery) })
    .get('/:id', ({ params }) => users.get(params.id), { params: IdParams, response: User })
    .put('/:id', ({ params, body }) => users.update(params.id, body), { params: IdParams, body: UserPatchBody, response: User })
    .delete('/:id', async ({ params, set }) => {
      await users.remove(params.id);
      set.status = 204;
    }, { params: IdParams });
}
