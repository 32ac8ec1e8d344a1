// The OpenAPI document at /docs/json: generated from the routes' own validators by
// @elysiajs/openapi, then completed where the generator falls short. Request bodies come from each
// route's body schema (the global content-type hook hides them from the generator); ids are
// integers (not Elysia's string-or-integer coercion); lists, deletes and every error status get
// their schemas; each operation carries the example request that tests/integration/openapi.test.ts
// sends to a running hop.
import { toOpenAPISchema } from '@elysiajs/openapi';
import type { AnyElysia } from 'elysia';
import { isPublicRoute } from '../auth/plugin.ts';
import { expectedMediaType } from '../http/content-type.ts';
import { ErrorBody } from '../http/params.ts';
import { isWrite } from '../http/rate-limit.ts';
import { EXAMPLES, type Example } from './examples.ts';

type Json = Record<string, any>;

/** Paths that are pages, not API: the console. */
const NOT_API = ['/', '/app', '/app/*'];
/** Paths that answer without Postgres (no 503). */
const NO_DATABASE = new Set(['/health', '/metrics', '/logs']);
/** Guarded by a token of their own (ADMIN_TOKEN, CHAOS_TOKEN): 401 without it, 404 when it is unset. */
const TOKEN_GUARDED = new Set(['/logs', '/chaos']);
/** Statuses a route's rules add beyond the generic ones (unique fields, referenced ids). */
const EXTRA_STATUSES: Record<string, number[]> = {
  'POST /users': [409],
  'PUT /users/{id}': [409],
  'POST /urls': [404, 409],
  'PUT /urls/{id}': [409],
  'POST /shorten': [409],
  'POST /events': [404],
  'POST /banned-hosts': [409],
};
const ERROR_TEXT: Record<number, string> = {
  400: 'malformed JSON, a body that is not an object, or invalid fields or parameters',
  401: 'missing or wrong token',
  404: 'no such resource (or the route is switched off)',
  409: 'conflicts with a stored row (a unique field, a taken short code)',
  413: 'body over 1 MiB',
  415: 'body in another format than the one this route takes',
  429: 'too many writes from this client (Retry-After says when to retry)',
  500: 'a bug: logged with the request id, nothing internal shown',
  503: 'Postgres unreachable (Retry-After: 1)',
};

const REQUEST_ID_HEADER = { schema: { type: 'string' }, description: "the caller's X-Request-Id when it is sane, else a fresh one; on every log line of the request" };
const RETRY_AFTER = { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait before retrying' } };
const ERROR_HEADERS: Record<number, Json> = {
  401: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'the scheme to authenticate with' } },
  429: RETRY_AFTER,
  503: RETRY_AFTER,
};

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const plain = (schema: unknown): Json => JSON.parse(JSON.stringify(schema)) as Json;

/**
 * Elysia validates `t.Integer()` as "an integer, or a string of one" and the generator prints that
 * union; clients send and receive integers, so the document says integer (likewise numbers, booleans).
 */
function tidy(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tidy);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable: _nullable, 'x-json-type': declaredType, ...rest } = schema as Json;
  const out: Json = declaredType ? { type: declaredType } : {};
  for (const [key, value] of Object.entries(rest)) out[key] = tidy(value);
  const members = out.anyOf as Json[] | undefined;
  if (members?.length === 2) {
    const coerced = members.findIndex((member) => member.type === 'string' && ['integer', 'numeric', 'boolean'].includes(member.format));
    if (coerced !== -1) {
      const { anyOf: _anyOf, default: _default, ...outer } = out;
      return { ...outer, ...members[1 - coerced] };
    }
  }
  return out;
}

function jsonContent(schema: Json, example?: unknown): Json {
  return { 'application/json': { schema, ...(example === undefined ? {} : { example }) } };
}

function successResponses(method: string, path: string, operation: Json, itemSchemas: Map<string, Json>): void {
  const responses = (operation.responses ??= {}) as Json;
  if (Object.keys(responses).some((status) => /^[23]/.test(status))) return;
  if (method === 'delete') {
    responses['204'] = { description: 'deleted; no body' };
  } else if (path === '/{short_code}') {
    responses['302'] = { description: 'redirect to the target; a click is recorded', headers: { Location: { schema: { type: 'string', format: 'uri' } } } };
  } else if (path === '/metrics') {
    responses['200'] = { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } };
  } else if (path === '/urls/{id}/qr') {
    responses['200'] = {
      description: 'the short URL as a QR code',
      content: { 'image/svg+xml': { schema: { type: 'string' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } },
    };
    responses['304'] = { description: 'unchanged since the If-None-Match ETag' };
  } else if (path === '/logs') {
    responses['200'] = { description: 'recent log lines, oldest first', content: jsonContent({ type: 'array', items: { type: 'object' } }) };
  } else if (itemSchemas.has(`${path}/{id}`)) {
    // A list answers an array of what its item route answers, with the total in X-Total-Count.
    responses['200'] = {
      description: 'the matching rows (every one up to LIST_CAP, or the page asked for)',
      headers: { 'X-Total-Count': { schema: { type: 'integer' }, description: 'rows matching the filters' } },
      content: jsonContent({ type: 'array', items: itemSchemas.get(`${path}/{id}`)! }),
    };
  }
}

function errorStatuses(method: string, path: string, operation: Json): number[] {
  const statuses = new Set<number>([500, ...(EXTRA_STATUSES[`${method.toUpperCase()} ${path}`] ?? [])]);
  // A malformed short code is an unknown one (404), not a 400.
  if ((operation.parameters?.length || operation.requestBody) && path !== '/{short_code}') statuses.add(400);
  if (path.includes('{')) statuses.add(404);
  if (operation.requestBody) statuses.add(413).add(415);
  if (isWrite(method.toUpperCase())) statuses.add(429);
  if (!NO_DATABASE.has(path)) statuses.add(503);
  if (TOKEN_GUARDED.has(path)) statuses.add(401).add(404);
  return [...statuses].sort();
}

function applyExample(operation: Json, example: Example): void {
  operation['x-example'] = example;
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    const source = parameter.in === 'path' ? example.params : parameter.in === 'query' ? example.query : undefined;
    if (source && parameter.name in source) parameter.example = source[parameter.name];
  }
  const media = operation.requestBody?.content?.['application/json'];
  if (media && example.body !== undefined) media.example = example.body;
}

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
  /** keys: protected operations declare the bearer scheme and their 401/403 answers. */
  authMode?: 'keys' | 'open';
}

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key, `hop_<8 characters>_<43 characters>` (docs/api.md, "Access control")' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
};

/** The complete document for `app` (call once every route exists; the result does not change). */
export function openApiDocument(app: AnyElysia, info: DocumentInfo): Json {
  const generated = toOpenAPISchema(app, { paths: NOT_API }, undefined, undefined, '3.1.0') as Json;
  const paths = tidy(generated.paths) as Json;
  const bodies = new Map<string, Json>();
  for (const route of app.routes as { method: string; path: string; hooks?: Json }[]) {
    if (route.hooks?.body) bodies.set(`${route.method.toLowerCase()} ${openApiPath(route.path)}`, tidy(plain(route.hooks.body)) as Json);
  }
  const itemSchemas = new Map<string, Json>();
  for (const [path, operations] of Object.entries(paths)) {
    const item = (operations as Json).get?.responses?.['200']?.content?.['application/json']?.schema;
    if (item) itemSchemas.set(path, item);
  }
  const errorSchema = tidy(plain(ErrorBody)) as Json;

  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Json>)) {
      const body = bodies.get(`${method} ${path}`);
      if (body) {
        const mediaType = expectedMediaType(path.replace(/\{(\w+)\}/g, ':$1'));
        operation.requestBody = { required: true, content: { [mediaType]: { schema: body } } };
      }
      successResponses(method, path, operation, itemSchemas);
      for (const status of errorStatuses(method, path, operation)) {
        operation.responses[status] ??= { description: ERROR_TEXT[status], content: jsonContent(errorSchema), ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}) };
      }
      for (const response of Object.values(operation.responses as Record<string, Json>)) {
        response.headers = { 'X-Request-Id': REQUEST_ID_HEADER, ...response.headers };
      }
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        if (response.description?.startsWith('Response for status')) response.description = status.startsWith('2') ? 'success' : ERROR_TEXT[Number(status)] ?? 'see the schema';
      }
      const example = EXAMPLES[`${method.toUpperCase()} ${path}`];
      if (example) applyExample(operation, example);
      if (info.authMode === 'keys' && !isPublicRoute(path.replace(/\{(\w+)\}/g, ':$1'))) {
        operation.security = [{ bearer: [] }, { apiKey: [] }];
        operation.responses[401] ??= { description: 'no usable API key (WWW-Authenticate: Bearer)', content: jsonContent(errorSchema) };
        operation.responses[403] ??= { description: 'the key\'s role may not do this', content: jsonContent(errorSchema) };
      }
    }
  }
  const { authMode: _authMode, ...documentInfo } = info;
  return {
    openapi: '3.1.0',
    info: documentInfo,
    paths,
    components: { ...(tidy(generated.components) as Json), securitySchemes: SECURITY_SCHEMES, schemas: { Error: errorSchema, ...((tidy(generated.components) as Json)?.schemas ?? {}) } },
  };
}
