// /docs (the API reference page, also at /docs/), /docs/assets/* (its files) and /docs/json (the
// OpenAPI document). None of it is part of the document itself.
import { Elysia, type AnyElysia } from 'elysia';
import { notFound } from '../http/errors.ts';
import { openApiDocument, type DocumentInfo } from './openapi.ts';
import { docsPage, loadDocsAssets, type DocsAsset } from './ui.ts';

const HIDDEN = { detail: { hide: true } };

/** `documented` is the composed app: the document describes every route it has. */
export function docsRoutes(documented: () => AnyElysia, info: DocumentInfo) {
  // Built on first use: the routes exist only once the app is composed, and the UI files are read
  // only if someone opens the page.
  let document: object | undefined;
  let assets: Promise<ReadonlyMap<string, DocsAsset>> | undefined;
  const page = () => new Response(docsPage(info.title), { headers: { 'content-type': 'text/html; charset=utf-8' } });
  return new Elysia({ prefix: '/docs' })
    .get('', page, HIDDEN)
    .get('/', page, HIDDEN)
    .get('/json', () => (document ??= openApiDocument(documented(), info)), HIDDEN)
    .get('/assets/:file', async ({ params }) => {
      const asset = (await (assets ??= loadDocsAssets())).get(params.file);
      if (!asset) throw notFound('file');
      // The package is pinned: a day of caching is safe and revalidation is not needed.
      return new Response(asset.body, { headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' } });
    }, HIDDEN);
}
