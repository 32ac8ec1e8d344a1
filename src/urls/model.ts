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
});

export const ShortenBody = t.Object({ url: t.String({ maxLength: 2048 }) });

export const Shortened = t.Object({ short_code: t.String(), short_url: t.String(), original_url: t.String() });

export const NewUrlBody = t.Object({
  original_url: t.String({ maxLength: 2048 }),
  user_id: t.Optional(t.Nullable(Id)),
  title: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
  short_code: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
});

export const UrlPatchBody = t.Object({
  original_url: t.Optional(t.String({ maxLength: 2048 })),
  title: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
  is_active: t.Optional(t.Boolean()),
});

export const UrlQuery = t.Object({
  ...PageQuery,
  user_id: t.Optional(Id),
  is_active: t.Optional(t.Boolean()),
});

export const CodeParams = t.Object({ short_code: t.String() });
