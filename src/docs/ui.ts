// The API reference page: Swagger UI from the pinned swagger-ui-dist package, served by hop itself
// (works offline, under a CSP that allows hop's own origin only). No inline script: the page loads
// the bundle and a small initialiser, both from /docs/assets/.
import { createRequire } from 'node:module';
import path from 'node:path';

export interface DocsAsset {
  body: Uint8Array | string;
  type: string;
}

const PACKAGE_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// Absolute URLs: `/docs` and `/docs/` load the same page and must find the same document.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
});
`;

export function docsPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} API reference</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;
}

/** The UI's files, read once: the package's bundle, stylesheet and icon, and hop's initialiser. */
export async function loadDocsAssets(): Promise<ReadonlyMap<string, DocsAsset>> {
  const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = new Map<string, DocsAsset>([['init.js', { body: INIT, type: 'text/javascript; charset=utf-8' }]]);
  for (const [name, type] of Object.entries(PACKAGE_FILES)) {
    assets.set(name, { body: new Uint8Array(await Bun.file(path.join(dir, name)).arrayBuffer()), type });
  }
  return assets;
}
