// Request and response shapes for /keys.
import { t } from 'elysia';
import { Id } from '../http/params.ts';
import { PageQuery } from '../http/pagination.ts';

const Role = t.Union([t.Literal('admin'), t.Literal('user')]);

export const ApiKey = t.Object({
  id: t.Integer(),
  public_id: t.String({ description: 'the visible id inside the key: hop_<public_id>_…' }),
  name: t.String(),
  role: Role,
  user_id: t.Nullable(t.Integer()),
  created_at: t.String({ format: 'date-time' }),
  expires_at: t.Nullable(t.String({ format: 'date-time' })),
  revoked_at: t.Nullable(t.String({ format: 'date-time' })),
  last_used_at: t.Nullable(t.String({ format: 'date-time' })),
});

export const CreatedKey = t.Composite([ApiKey, t.Object({ key: t.String({ description: 'the key itself: shown this once, never again' }) })]);

export const NewKeyBody = t.Object({
  role: Role,
  user_id: t.Optional(t.Nullable(Id)),
  name: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  expires_at: t.Optional(t.Nullable(t.String({ format: 'date-time' }))),
});

export const KeyQuery = t.Object(PageQuery);
