// HTTP for /shorten and /urls: parse (schemas), call the service, shape the reply.
import { Elysia } from 'elysia';
import { windowOf } from '../http/pagination.ts';
import { IdParams } from '../http/params.ts';
import { NewUrlBody, ShortenBody, Shortened, Url, UrlPatchBody, UrlQuery } from './model.ts';
import type { UrlService } from './service.ts';

export function urlRoutes(urls: UrlService, baseUrl: string, listCap: number) {
  return new Elysia({ tags: ['urls'] })
    .post('/shorten', async ({ body, set }) => {
      const link = await urls.create({ original_url: body.url });
      set.status = 201;
      return { short_code: link.short_code, short_url: `${baseUrl}/${link.short_code}`, original_url: link.original_url };
    }, { body: ShortenBody, response: { 201: Shortened } })
    .post('/urls', async ({ body, set }) => {
      set.status = 201;
      return urls.create(body);
    }, { body: NewUrlBody, response: { 201: Url } })
    .get('/urls', async ({ query, set }) => {
      const { page, per_page, ...filter } = query;
      const { rows, total } = await urls.list(filter, windowOf({ page, per_page }, listCap));
      set.headers['x-total-count'] = String(total);
      return rows;
    }, { query: UrlQuery })
    .get('/urls/:id', ({ params }) => urls.get(params.id), { params: IdParams, response: Url })
    .put('/urls/:id', ({ params, body }) => urls.update(params.id, body), { params: IdParams, body: UrlPatchBody, response: Url })
    .delete('/urls/:id', async ({ params, set }) => {
      await urls.remove(params.id);
      set.status = 204;
    }, { params: IdParams });
}
