// Path parameters shared by every module: ids are positive 32-bit integers, anything else is a 400.
import { t } from 'elysia';
import { FormatRegistry } from 'elysia/type-system';

export const MAX_ID = 2_147_483_647;

export const Id = t.Integer({ minimum: 1, maximum: MAX_ID });

export const IdParams = t.Object({ id: Id });

/** Event ids are bigint in Postgres; JSON numbers carry them exactly up to 2^53 - 1. */
export const EventIdParams = t.Object({ id: t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const ErrorBody = t.Object({
  error: t.String(),
  /** Present for errors a client tells apart (link_expired, link_exhausted, link_banned, ...). */
  code: t.Optional(t.String()),
  details: t.Optional(t.Array(t.Object({ field: t.String(), message: t.String() }))),
});

// Elysia checks integer strings with `Number.isInteger(+value)`, which takes `0x10`, `1e3` and ` 7`:
// `/urls/0x10` answered link 16. Ids and counts in a path or query are plain decimal digits.
FormatRegistry.Set('integer', (value) => /^-?\d{1,16}$/.test(value));
