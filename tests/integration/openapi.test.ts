// The OpenAPI document is complete and true: every operation has its request body, its success and
// error responses with schemas, integer ids, and an example request; sent to a running hop, every
// example gets the documented status and a body the documented schema accepts. /docs serves the
// API reference from hop itself (nothing from a CDN), at /docs and /docs/ alike. All of it holds in
// AUTH_MODE=open (the hackathon contract) and in keys mode with an admin key.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { KeyService } from '../../src/auth/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

const ADMIN_TOKEN = 'admin-token-for-the-openapi-test';
const CHAOS_TOKEN = 'chaos-token-for-the-openapi-test';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

for (const mode of ['open', 'keys'] as const) describe(`in AUTH_MODE=${mode}`, () => {
let database: TestDatabase;
let hop: RunningHop;
let document: any;
let apiKey = '';

beforeAll(async () => {
  database = await freshDatabase(`openapi_${mode}`);
  hop = await startHop(database.db, { env: { ADMIN_TOKEN, CHAOS_TOKEN, AUTH_MODE: mode } });
  if (mode === 'keys') {
    const keys = new KeyService(database.db);
    // Key 1 is the one the examples read and revoke; the test acts with key 2.
    await keys.create({ role: 'admin', name: 'example key' }, OPEN_ACTOR);
    apiKey = (await keys.create({ role: 'admin', name: 'openapi test' }, OPEN_ACTOR)).key;
  }
  const response = await hop.request('/docs/json');
  if (process.env.DUMP_OPENAPI) await Bun.write(process.env.DUMP_OPENAPI, await response.clone().text());
  expect(response.status).toBe(200);
  document = await response.json();
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

/** Operations that declare the bearer scheme get the API key; the rest their own tokens (/logs, /chaos). */
const headersFor = (spec: any): Record<string, string> =>
  spec.security?.length ? { authorization: `Bearer ${apiKey}` } : { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-chaos-token': CHAOS_TOKEN };

interface Operation {
  method: string;
  path: string;
  spec: any;
}

function operations(): Operation[] {
  return Object.entries(document.paths as Record<string, any>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, spec]) => ({ method, path, spec })),
  );
}

/** Every schema in the document, with where it sits. */
function* schemas(value: unknown, where = '#'): Generator<[string, any]> {
  if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* schemas(item, `${where}/${index}`);
  else if (value && typeof value === 'object') {
    if ('type' in value || 'anyOf' in value) yield [where, value];
    for (const [key, item] of Object.entries(value)) yield* schemas(item, `${where}/${key}`);
  }
}

describe('the OpenAPI document', () => {
  it('gives every write its request body, every operation its success and error responses with schemas', () => {
    const problems: string[] = [];
    for (const { method, path, spec } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      if (['post', 'put', 'patch'].includes(method) && path !== '/chaos' && !path.endsWith('/ban') && !spec.requestBody) problems.push(`${name}: no request body`);
      if (spec.requestBody && Object.keys(spec.requestBody.content ?? {}).length === 0) problems.push(`${name}: empty request body`);
      const statuses = Object.keys(spec.responses ?? {});
      if (!statuses.some((status) => /^[23]/.test(status))) problems.push(`${name}: no success response`);
      for (const status of ['500']) if (!statuses.includes(status)) problems.push(`${name}: no ${status}`);
      // A malformed short code is an unknown one: 404.
      if (spec.parameters?.length && path !== '/{short_code}' && !statuses.includes('400')) problems.push(`${name}: parameters but no 400`);
      for (const [status, response] of Object.entries(spec.responses as Record<string, any>)) {
        if (['204', '302', '304'].includes(status)) continue;
        if (!response.content || Object.values(response.content).some((media: any) => !media.schema)) problems.push(`${name} ${status}: no schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('types ids and counts as integers, never as strings', () => {
    const coerced = [...schemas(document)].filter(([, schema]) => schema.type === 'string' && ['integer', 'numeric'].includes(schema.format)).map(([where]) => where);
    expect(coerced).toEqual([]);
    const idParameter = document.paths['/urls/{id}'].get.parameters.find((parameter: any) => parameter.name === 'id');
    expect(idParameter.schema.type).toBe('integer');
    expect(document.paths['/urls'].post.responses['201'].content['application/json'].schema.properties.id.type).toBe('integer');
  });

  it('has an example request for every operation', () => {
    const missing = operations().filter(({ spec }) => !spec['x-example']).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    // Add the example to src/docs/examples.ts.
    expect(missing).toEqual([]);
  });

  it('gets the documented status and a body matching the documented schema for every example', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const ordered = operations().filter(({ spec }) => spec['x-example']).sort((a, b) => a.spec['x-example'].order - b.spec['x-example'].order);
    const problems: string[] = [];
    for (const { method, path, spec } of ordered) {
      const example = spec['x-example'];
      const name = `${method.toUpperCase()} ${path}`;
      const url = new URL(hop.url + path.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(String(example.params?.[key]))));
      for (const [key, value] of Object.entries(example.query ?? {})) url.searchParams.set(key, String(value));
      const headers: Record<string, string> = headersFor(spec);
      let body: FormData | string | undefined;
      const mediaType = Object.keys(spec.requestBody?.content ?? {})[0];
      if (mediaType === 'multipart/form-data') {
        const form = new FormData();
        for (const [field, value] of Object.entries(example.body as Record<string, string>)) form.append(field, new File([value], `${field}.csv`));
        body = form;
      } else if (example.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(example.body);
      }
      const response = await fetch(url, { method: method.toUpperCase(), headers, body, redirect: 'manual' });
      if (response.status !== example.status) {
        problems.push(`${name}: answered ${response.status}, documented ${example.status}: ${(await response.text()).slice(0, 200)}`);
        continue;
      }
      const documented = spec.responses[String(response.status)];
      if (!documented) {
        problems.push(`${name}: status ${response.status} is not documented`);
        continue;
      }
      for (const header of Object.keys(documented.headers ?? {}).filter((name) => ['X-Request-Id', 'X-Total-Count', 'Location'].includes(name))) {
        if (!response.headers.has(header)) problems.push(`${name}: documented header ${header} missing`);
      }
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!;
      const text = await response.text();
      if (!documented.content) {
        if (text.length > 0) problems.push(`${name}: documented without a body, answered ${text.slice(0, 80)}`);
        continue;
      }
      const media = documented.content[contentType];
      if (!media) {
        problems.push(`${name}: answered ${contentType}, documented ${Object.keys(documented.content).join(', ')}`);
        continue;
      }
      if (contentType === 'application/json') {
        const validate = ajv.compile(media.schema);
        if (!validate(JSON.parse(text))) problems.push(`${name}: body does not match its schema: ${ajv.errorsText(validate.errors)}`);
      }
    }
    console.log(`OpenAPI examples sent: ${ordered.length}`);
    expect(problems).toEqual([]);
  });
});

describe('the documented error responses', () => {
  it('are what hop answers: 404 for an unknown id, 415 for another format, 400 for a body that is not an object', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const problems: string[] = [];
    const check = async (name: string, spec: any, status: number, response: Response) => {
      if (!spec.responses[String(status)]) return problems.push(`${name}: ${status} is not documented`);
      if (response.status !== status) return problems.push(`${name}: expected ${status}, answered ${response.status}`);
      const validate = ajv.compile(spec.responses[String(status)].content['application/json'].schema);
      if (!validate(await response.json())) problems.push(`${name} ${status}: ${ajv.errorsText(validate.errors)}`);
    };
    let checked = 0;
    for (const { method, path, spec } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const headers = headersFor(spec);
      const example = spec['x-example'] ?? {};
      const json = spec.requestBody?.content?.['application/json'];
      const withParams = (overrides: Record<string, unknown> = {}) =>
        hop.url + path.replace(/\{(\w+)\}/g, (_: string, key: string) => encodeURIComponent(String(overrides[key] ?? example.params?.[key])));
      if (spec.security?.length) {
        // Without a key (the example's body otherwise): the documented 401, with its challenge.
        const body = json && example.body !== undefined ? JSON.stringify(example.body) : undefined;
        const form = spec.requestBody?.content?.['multipart/form-data'] ? new FormData() : undefined;
        if (form) for (const [field, value] of Object.entries(example.body as Record<string, string>)) form.append(field, new File([value], `${field}.csv`));
        const response = await fetch(withParams(), { method: method.toUpperCase(), headers: body ? { 'content-type': 'application/json' } : {}, body: body ?? form });
        if (!response.headers.get('www-authenticate')?.startsWith('Bearer')) problems.push(`${name}: 401 without WWW-Authenticate: Bearer`);
        await check(name, spec, 401, response);
        checked += 1;
      }
      if (path.includes('{id}')) {
        const body = json ? JSON.stringify(example.body) : undefined;
        const response = await fetch(withParams({ id: 2147483647 }), { method: method.toUpperCase(), headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body });
        await check(name, spec, 404, response);
        checked += 1;
      }
      if (json) {
        await check(name, spec, 415, await fetch(withParams(), { method: method.toUpperCase(), headers: { ...headers, 'content-type': 'text/plain' }, body: 'plain text' }));
        await check(name, spec, 400, await fetch(withParams(), { method: method.toUpperCase(), headers: { ...headers, 'content-type': 'application/json' }, body: '["not", "an", "object"]' }));
        checked += 2;
      }
    }
    console.log(`documented error answers checked: ${checked}`);
    expect(problems).toEqual([]);
  });
});

if (mode === 'keys') {
  it('declares the bearer scheme on every protected operation', () => {
    expect(Object.keys(document.components.securitySchemes ?? {})).toContain('bearer');
    const unprotected = operations().filter(({ path, spec }) => !spec.security?.length && !['/health', '/ready', '/metrics', '/logs', '/chaos', '/{short_code}'].includes(path)).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(unprotected).toEqual([]);
  });
}

describe('/docs', () => {
  it('serves the API reference page from hop itself at /docs and /docs/, under a CSP allowing only hop', async () => {
    for (const path of ['/docs', '/docs/']) {
      const response = await hop.request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toStartWith('text/html');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('https:');
      const html = await response.text();
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/<script>[^<]/); // no inline script
      for (const asset of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const file = await hop.request(asset[1]!);
        expect(file.status).toBe(200);
        expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
    }
    const init = await (await hop.request('/docs/assets/init.js')).text();
    expect(init).toContain("url: '/docs/json'");
    expect((await hop.request('/docs/assets/swagger-ui-bundle.js')).headers.get('content-type')).toStartWith('text/javascript');
    expect((await hop.request('/docs/assets/nope.js')).status).toBe(404);
    expect((await hop.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });
});
});
