// /app: the console's page and its assets, and `/` sending visitors there. The console is one more
// client of the JSON API; nothing here decides access (the page and assets are public, like /docs).
import { Elysia } from 'elysia';
import { AppError, notFound } from '../http/errors.ts';
import type { ConsoleAsset, ConsoleAssets } from './assets.ts';

const NOT_BUILT = 'the console is not built: run `bun run build:web` (bun run start does it)';

function reply(asset: ConsoleAsset, request: Request): Response {
  const headers: Record<string, string> = {
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
  const gzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
  if (gzip) headers['content-encoding'] = 'gzip';
  return new Response(gzip ? asset.gzipped : asset.body, { headers });
}

export function consoleRoutes(assets: ConsoleAssets | null) {
  const built = () => {
    if (!assets) throw new AppError('unavailable', NOT_BUILT);
    return assets;
  };
  return new Elysia({ tags: ['console'] })
    .get('/', ({ redirect }) => redirect('/app', 302), { detail: { summary: 'Redirect to the console' } })
    .get('/app', ({ request }) => reply(built().page, request), { detail: { summary: 'The console (a web page)' } })
    .get('/app/*', ({ params, request }) => {
      const files = built();
      const relative = params['*'];
      const asset = files.find(relative);
      if (asset) return reply(asset, request);
      // A path that names a file and is not one is a 404; any other path is a console page
      // (/app/links/7), which the page's own router draws.
      if (/\.[a-z0-9]+$/i.test(relative)) throw notFound('console file');
      return reply(files.page, request);
    }, { detail: { hide: true } });
}
