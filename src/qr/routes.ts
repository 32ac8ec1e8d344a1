// HTTP for GET /urls/:id/qr: the image, or 304 when the caller already has it.
import { Elysia } from 'elysia';
import type { AuthPlugin } from '../auth/plugin.ts';
import { IdParams } from '../http/params.ts';
import { QrQuery } from './model.ts';
import type { QrService } from './service.ts';

export function qrRoutes(qr: QrService, auth: AuthPlugin) {
  return new Elysia({ tags: ['urls'] }).use(auth).get('/urls/:id/qr', async ({ params, query, request, actor, set }) => {
    const image = await qr.render(actor, params.id, query, request.headers.get('if-none-match'));
    // Private: with access control the image is the owner's; a day, since a link's short URL never changes.
    const headers = { ...(set.headers as Record<string, string>), etag: image.etag, 'cache-control': 'private, max-age=86400' };
    if (image.body === null) return new Response(null, { status: 304, headers });
    return new Response(image.body, { headers: { ...headers, 'content-type': image.contentType } });
  }, { params: IdParams, query: QrQuery, detail: { summary: 'QR code of the short URL (SVG or PNG)' } });
}
