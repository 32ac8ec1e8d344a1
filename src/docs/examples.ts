// One example request per documented operation, in the order a client would send them to a fresh
// hop (creates first, deletes last, ids as a fresh database hands them out). The document shows them
// and tests/integration/openapi.test.ts sends every one to a running hop, which must answer `status`
// with a body matching the documented schema. A new route needs its example here.

export interface Example {
  /** When it runs, ascending: later examples may use what earlier ones created. */
  order: number;
  status: number;
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  /** JSON body; for multipart routes, form fields (strings become files named after the field). */
  body?: unknown;
}

export const EXAMPLES: Record<string, Example> = {
  'POST /users': { order: 10, status: 201, body: { username: 'ada', email: 'ada@example.com' } },
  'POST /users/bulk': { order: 11, status: 201, body: { file: 'username,email\ngrace,grace@example.com\n' } },
  'POST /urls': { order: 12, status: 201, body: { original_url: 'https://example.com/docs', user_id: 1, title: 'Docs', short_code: 'docs-example' } },
  'POST /shorten': { order: 13, status: 201, body: { url: 'https://example.com/shortened' } },
  'POST /events': { order: 14, status: 201, body: { event_type: 'note', url_id: 1, user_id: 1, details: { via: 'docs' } } },
  'POST /banned-hosts': { order: 15, status: 201, body: { host: 'spam.example', reason: 'spam' } },
  'POST /keys': { order: 15, status: 201, body: { role: 'user', user_id: 1, name: 'ada laptop' } },
  'POST /urls/{id}/ban': { order: 16, status: 200, params: { id: 2 }, body: { reason: 'phishing report' } },

  'GET /health': { order: 20, status: 200 },
  'GET /ready': { order: 20, status: 200 },
  'GET /metrics': { order: 20, status: 200 },
  'GET /logs': { order: 20, status: 200, query: { limit: 10, level: 'info' } },
  'GET /users': { order: 20, status: 200, query: { page: 1, per_page: 10 } },
  'GET /users/{id}': { order: 20, status: 200, params: { id: 1 } },
  'GET /urls': { order: 20, status: 200, query: { user_id: 1, is_active: 'true' } },
  'GET /urls/{id}': { order: 20, status: 200, params: { id: 1 } },
  'GET /urls/{id}/qr': { order: 20, status: 200, params: { id: 1 }, query: { format: 'svg' } },
  'GET /tags': { order: 20, status: 200 },
  'GET /urls/{id}/stats': { order: 20, status: 200, params: { id: 1 }, query: { period: '7d', interval: 'day', tz: 'Europe/Paris' } },
  'GET /urls/{id}/stats/{dimension}': { order: 20, status: 200, params: { id: 1, dimension: 'browsers' }, query: { period: '30d', limit: 5 } },
  'GET /stats': { order: 20, status: 200, query: { period: '24h', bots: 'include' } },
  'GET /stats/top-links': { order: 20, status: 200, query: { period: '30d', limit: 5 } },
  'GET /keys': { order: 20, status: 200 },
  'GET /keys/{id}': { order: 20, status: 200, params: { id: 1 } },
  'GET /banned-hosts': { order: 20, status: 200 },
  'GET /banned-hosts/{host}': { order: 20, status: 200, params: { host: 'spam.example' } },
  'GET /events': { order: 20, status: 200, query: { url_id: 1 } },
  'GET /events/{id}': { order: 20, status: 200, params: { id: 1 } },
  'GET /{short_code}': { order: 20, status: 302, params: { short_code: 'docs-example' } },

  'PUT /users/{id}': { order: 30, status: 200, params: { id: 1 }, body: { username: 'ada.lovelace' } },
  'PUT /urls/{id}': { order: 30, status: 200, params: { id: 1 }, body: { title: 'Docs, edited', is_active: true } },
  'POST /chaos': { order: 31, status: 200, body: { mode: 'off' } },

  'DELETE /urls/{id}/ban': { order: 40, status: 200, params: { id: 2 } },
  'DELETE /banned-hosts/{host}': { order: 40, status: 204, params: { host: 'spam.example' } },
  'DELETE /keys/{id}': { order: 40, status: 204, params: { id: 1 } },
  'DELETE /events/{id}': { order: 40, status: 204, params: { id: 1 } },
  'DELETE /urls/{id}': { order: 41, status: 204, params: { id: 2 } },
  'DELETE /users/{id}': { order: 42, status: 204, params: { id: 1 } },
};
