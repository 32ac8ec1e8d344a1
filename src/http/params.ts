// Path parameters shared by every module: ids are positive 32-bit integers, anything else is a 400.
import { t } from 'elysia';

export const MAX_ID = 2_147_483_647;

export const Id = t.Integer({ minimum: 1, maximum: MAX_ID });

export const IdParams = t.Object({ id: Id });

export const ErrorBody = t.Object({
  error: t.String(),
  /** Present for errors a client tells apart (link_expired, link_exhausted, link_banned, ...). */
  code: t.Optional(t.String()),
  details: t.Optional(t.Array(t.Object({ field: t.String(), message: t.String() }))),
});
