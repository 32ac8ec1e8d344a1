// Request and response shapes for /users.
import { t } from 'elysia';

export const User = t.Object({
  id: t.Integer(),
  username: t.String(),
  email: t.String(),
  created_at: t.String({ format: 'date-time' }),
});

export const NewUserBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 64 }),
  email: t.String({ minLength: 3, maxLength: 254 }),
});

export const UserPatchBody = t.Object({
  username: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  email: t.Optional(t.String({ minLength: 3, maxLength: 254 })),
});

export const BulkBody = t.Object({ file: t.File() });

export const BulkResult = t.Object({
  imported: t.Integer(),
  skipped: t.Integer(),
  errors: t.Array(t.Object({ line: t.Integer(), error: t.String() })),
});
