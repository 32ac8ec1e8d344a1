// Request and response shapes for /shorten and /urls.
import { t } from 'elysia';
import { Id } from '../http/params.ts';
import { PageQuery } from '../http/pagination.ts';

export const Url = t.Object({
  id: t.Integer(),
  user_id: t.Nullable(t.Integer()),
  short_code: t.String(),
  original_url: t.String(),
  title: t.Nullable(t.String()),
  is_active: t.Boolean(),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
  expires_at: t.Nullable(t.String({ format: 'date-time' })),
  max_clicks: t.Nullable(t.Integer()),
  clicks_used: t.Integer(),
  expired_url: t.Nullable(t.String()),
  tags: t.Array(t.String()),
  banned: t.Boolean(),
  ban_reason: t.Nullable(t.String()),
});

// Link options: the service checks meaning (future expiry, tag charset); these bound shape and size.
const LinkOptionFields = {
  expires_at: t.Optional(t.Nullable(t.String({ maxLength: 64 }))),
  max_clicks: t.Optional(t.Nullable(t.Integer({ minimum: 1, maximum: 2_147_483_647 }))),
  expired_url: t.Optional(t.Nullable(t.String({ maxLength: 2048 }))),
  tags: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 50 })),
};

export const ShortenBody = t.Object({ url: t.String({ maxLength: 2048 }), ...LinkOptionFields });

export const Shortened = t.Object({ short_code: t.String(), short_url: t.String(), original_url: t.String() });

export const NewUrlBody = t.Object({
  original_url: t.String({ maxLength: 2048 }),
  user_id: t.Optional(t.Nullable(Id)),
  title: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
  short_code: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  ...LinkOptionFields,
});

export const UrlPatchBody = t.Object({
  original_url: t.Optional(t.String({ maxLength: 2048 })),
  title: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
  is_active: t.Optional(t.Boolean()),
  ...LinkOptionFields,
});

export const UrlQuery = t.Object({
  ...PageQuery,
  user_id: t.Optional(Id),
  is_active: t.Optional(t.Boolean()),
  /** Repeat for links carrying every given tag: ?tag=a&tag=b. */
  tag: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 10 })),
  q: t.Optional(t.String({ minLength: 1, maxLength: 200, description: 'case-insensitive text in the short code, target or title' })),
  expired: t.Optional(t.Boolean({ description: 'true: links whose expiry passed or click limit is used up; false: the others' })),
});

export const TagCount = t.Object({ tag: t.String(), count: t.Integer() });

export const CodeParams = t.Object({ short_code: t.String() });
