// QR codes of a link's short URL (the `qrcode` package: SVG as text, PNG through its pure-JS
// encoder, both fine under Bun). The image depends only on the short URL and the options, so its
// ETag is a hash of those and a revalidation (If-None-Match) is answered without drawing anything.
import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import type { Actor } from '../auth/actor.ts';
import type { UrlService } from '../urls/service.ts';
import { QR_LIMITS } from './model.ts';

export type QrFormat = 'svg' | 'png';

export interface QrOptions {
  format?: QrFormat;
  size?: number;
  margin?: number;
}

export interface QrImage {
  etag: string;
  contentType: string;
  /** null when the caller's If-None-Match already names this image. */
  body: string | Uint8Array | null;
}

// Part of every ETag: a new drawing (library upgrade, other defaults) must not match old caches.
const RENDERING = 'qrcode-1.5.4/M';

export class QrService {
  constructor(
    private readonly urls: UrlService,
    private readonly baseUrl: string,
  ) {}

  async render(actor: Actor, id: number, options: QrOptions, ifNoneMatch: string | null): Promise<QrImage> {
    const link = await this.urls.get(actor, id);
    const text = `${this.baseUrl}/${link.short_code}`;
    const format = options.format ?? 'svg';
    const size = options.size ?? QR_LIMITS.defaultSize;
    const margin = options.margin ?? QR_LIMITS.defaultMargin;
    const etag = `"${createHash('sha256').update(`${RENDERING}\n${format}\n${size}\n${margin}\n${text}`).digest('base64url').slice(0, 27)}"`;
    const contentType = format === 'svg' ? 'image/svg+xml' : 'image/png';
    if (ifNoneMatch && matches(ifNoneMatch, etag)) return { etag, contentType, body: null };
    const drawing = { width: size, margin, errorCorrectionLevel: 'M' as const };
    const body = format === 'svg'
      ? await QRCode.toString(text, { ...drawing, type: 'svg' })
      : new Uint8Array(await QRCode.toBuffer(text, { ...drawing, type: 'png' }));
    return { etag, contentType, body };
  }
}

/** If-None-Match: `*` or a list of (possibly weak) tags. */
function matches(header: string, etag: string): boolean {
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
