// Query shape for GET /urls/:id/qr: bounded, so one request cannot ask for an enormous image.
import { t } from 'elysia';

export const QR_LIMITS = { minSize: 64, maxSize: 2048, defaultSize: 256, maxMargin: 16, defaultMargin: 4 } as const;

export const QrQuery = t.Object({
  format: t.Optional(t.Union([t.Literal('svg'), t.Literal('png')])),
  /** Width and height in pixels. */
  size: t.Optional(t.Integer({ minimum: QR_LIMITS.minSize, maximum: QR_LIMITS.maxSize })),
  /** Quiet zone around the code, in modules (the spec asks for 4). */
  margin: t.Optional(t.Integer({ minimum: 0, maximum: QR_LIMITS.maxMargin })),
});
