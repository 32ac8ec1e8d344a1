// GET /urls/:id/qr through a running hop: the image decodes (with an independent reader) to the
// link's short URL, in SVG and PNG; ETag/304 revalidation; bounded, validated parameters.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { HOOK_TIMEOUT_MS } from '../support/wait.ts';

let database: TestDatabase;
let hop: RunningHop;
let link: { id: number; short_code: string };

beforeAll(async () => {
  database = await freshDatabase('qr');
  hop = await startHop(database.db);
  link = (await hop.json('/urls', { original_url: 'https://example.com/printed', short_code: 'poster' })).body;
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await hop.stop();
  await database.drop();
}, HOOK_TIMEOUT_MS);

function decodePng(bytes: Uint8Array): { width: number; height: number; text: string | undefined } {
  const image = PNG.sync.read(Buffer.from(bytes));
  return { width: image.width, height: image.height, text: jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data };
}

/**
 * Reads the SVG the way a renderer would: the dark modules are the `h` runs of its stroked path
 * (`M x y` absolute, `m dx dy` relative), drawn into a bitmap (4 px per module) for the reader.
 */
function decodeSvg(svg: string): string | undefined {
  const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const path = /<path stroke="[^"]+" d="([^"]+)"/.exec(svg)![1]!;
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of path.matchAll(/([Mmh])([\d.]+)(?: ([\d.]+))?/g)) {
    if (command === 'M') [x, y] = [Number(a), Number(b)];
    else if (command === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let i = 0; i < Number(a); i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += Number(a);
    }
  }
  const scale = 4;
  const pixels = new Uint8ClampedArray(side * scale * side * scale * 4);
  for (let py = 0; py < side * scale; py++) {
    for (let px = 0; px < side * scale; px++) {
      const value = dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`) ? 0 : 255;
      pixels.set([value, value, value, 255], (py * side * scale + px) * 4);
    }
  }
  return jsQR(pixels, side * scale, side * scale)?.data;
}

describe('GET /urls/:id/qr', () => {
  it('draws the short URL as a PNG of the asked size that a QR reader decodes', async () => {
    const response = await hop.request(`/urls/${link.id}/qr?format=png&size=300&margin=2`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toBe('private, max-age=86400');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const png = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect(png).toEqual({ width: 300, height: 300, text: `${hop.config.baseUrl}/poster` });
  });

  it('answers SVG by default, which a QR reader decodes to the short URL', async () => {
    const response = await hop.request(`/urls/${link.id}/qr`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await response.text();
    expect(svg).toStartWith('<svg');
    expect(svg).toContain('width="256" height="256"');
    expect(decodeSvg(svg)).toBe(`${hop.config.baseUrl}/poster`);
  });

  it('answers 304 to If-None-Match with its ETag, and other options have other ETags', async () => {
    const first = await hop.request(`/urls/${link.id}/qr?format=png`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await hop.request(`/urls/${link.id}/qr?format=png`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const bigger = await hop.request(`/urls/${link.id}/qr?format=png&size=512`, { headers: { 'if-none-match': etag } });
    expect(bigger.status).toBe(200);
    expect(bigger.headers.get('etag')).not.toBe(etag);
    expect((await hop.request(`/urls/${link.id}/qr?format=svg`)).headers.get('etag')).not.toBe(etag);
  });

  it.each([
    ['format=gif'], ['size=63'], ['size=2049'], ['size=abc'], ['margin=-1'], ['margin=17'], ['size=1e3'],
  ])('answers 400 JSON for %s', async (query) => {
    const { status, body } = await hop.json(`/urls/${link.id}/qr?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBeString();
  });

  it('answers 404 for an unknown link and 400 for a malformed id', async () => {
    expect((await hop.json('/urls/999999/qr')).status).toBe(404);
    expect((await hop.json('/urls/abc/qr')).status).toBe(400);
  });
});
