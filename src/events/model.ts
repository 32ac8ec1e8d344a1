// Request and response shapes for /events.
import { t } from 'elysia';
import { Id } from '../http/params.ts';
import { PageQuery } from '../http/pagination.ts';

// Not t.Record/t.Object: Elysia's normaliser turns a string or array into an index-keyed object
// there, so a string would be stored as {"0": ...}. The service checks for a JSON object instead.
// No `type: 'object'` either: Elysia's exact-mirror then expects `properties`, fails, and dumps the
// whole schema to stdout on the route's first request. `x-json-type` tells the OpenAPI document
// (src/docs/openapi.ts) the type the service enforces.
const Details = t.Unknown({ description: 'a JSON object', 'x-json-type': 'object' });

export const Event = t.Object({
  id: t.Integer(),
  url_id: t.Nullable(t.Integer()),
  user_id: t.Nullable(t.Integer()),
  event_type: t.String(),
  timestamp: t.String({ format: 'date-time' }),
  details: Details,
});

export const NewEventBody = t.Object({
  event_type: t.String({ minLength: 1, maxLength: 64 }),
  url_id: t.Optional(t.Nullable(Id)),
  user_id: t.Optional(t.Nullable(Id)),
  details: t.Optional(Details),
});

export const EventQuery = t.Object({
  ...PageQuery,
  url_id: t.Optional(Id),
  user_id: t.Optional(Id),
  event_type: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  from: t.Optional(t.String({ format: 'date-time', description: 'ISO 8601, inclusive' })),
  to: t.Optional(t.String({ format: 'date-time', description: 'ISO 8601, exclusive' })),
});
