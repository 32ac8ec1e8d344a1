// HTTP for /shorten, /urls and /tags: parse (schemas), call the service, shape the reply.
import { Elysia, t } from 'elysia';
import type { IdempotencyService, StoredAnswer } from '../idempotency/service.ts';
import { windowOf } from '../http/pagination.ts';
import { IdParams } from '../http/params.ts';
import { NewUrlBody, ShortenBody, Shortened, TagCount, Url, UrlPatchBody, UrlQuery } from './model.ts';
import type { AuthPlugin } from '../auth/plugin.ts';
import type { UrlService } from './service.ts';

// The answer of a create, first or replayed (Idempotency-Key): same status, same body.
function reply(answer: StoredAnswer, set: { status?: number | string; headers: Record<string, unknown> }) {
  set.status = answer.status;
  if (answer.replayed) set.headers['idempotent-replayed'] = 'true';
  return answer.body as never;
}

const CreateHeaders = t.Object({ 'idempotency-key': t.Optional(t.String()) });

export function urlRoutes(urls: UrlService, idempotency: IdempotencyService, auth: AuthPlugin, baseUrl: string, listCap: number) {
  return new Elysia({ tags: ['urls'] })
    .use(auth)
    .post('/shorten', async ({ body, headers, actor, set }) => {
      const answer = await idempotency.once(actor, headers['idempotency-key'], 'POST /shorten', body, async () => {
        const { url, ...options } = body;
        const link = await urls.create(actor, { original_url: url, ...options });
        return { short_code: link.short_code, short_url: `${baseUrl}/${link.short_code}`, original_url: link.original_url };
      });
      return reply(answer, set);
    }, { body: ShortenBody, headers: CreateHeaders, response: { 201: Shortened } })
    .post('/urls', async ({ body, headers, actor, set }) => {
      const answer = await idempotency.once(actor, headers['idempotency-key'], 'POST /urls', body, () => urls.create(actor, body));
      return reply(answer, set);
    }, { body: NewUrlBody, headers: CreateHeaders, response: { 201: Url } })
    .get('/urls', async ({ query, actor, set }) => {
      const { page, per_page, tag, ...filter } = query;
      const { rows, total } = await urls.list(actor, { ...filter, tags: tag }, windowOf({ page, per_page }, listCap));
      set.headers['x-total-count'] = String(total);
      return rows;
    }, { query: UrlQuery })
    .get('/urls/:id', ({ params, actor }) => urls.get(actor, params.id), { params: IdParams, response: Url })
    .put('/urls/:id', ({ params, body, actor }) => urls.update(actor, params.id, body), { params: IdParams, body: UrlPatchBody, response: Url })
    .delete('/urls/:id', async ({ params, actor, set }) => {
      await urls.remove(actor, params.id);
      set.status = 204;
    }, { params: IdParams })
    .get('/tags', ({ actor }) => urls.tagCounts(actor), { response: t.Array(TagCount) });
}
