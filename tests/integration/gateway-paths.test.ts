// The Helm chart's HTTPRoute rewrites /metrics, /logs and /chaos to one path before they reach hop
// (deploy/helm/hop/templates/httproute.yaml): hop must answer that path with a plain 404 JSON for
// every method, never an operations endpoint, a redirect or a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

const route = readFileSync(path.resolve(import.meta.dir, '../../deploy/helm/hop/templates/httproute.yaml'), 'utf8');
const notPublic = /replaceFullPath: (\S+)/.exec(route)?.[1];

let database: TestDatabase;
let hop: RunningHop;
beforeAll(async () => {
  database = await freshDatabase('gateway_paths');
  hop = await startHop(database.db, { env: { ADMIN_TOKEN: 'gateway-admin-token-0123', CHAOS_TOKEN: 'gateway-chaos-token-0123' } });
}, 30_000);
afterAll(async () => {
  await hop.stop();
  await database.drop();
}, 30_000);

describe("the chart's rewrite target for operations paths", () => {
  it('is a path the route rewrites to', () => {
    expect(notPublic).toBeDefined();
    expect(notPublic).toStartWith('/');
  });

  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']) {
    it(`answers ${method} with a 4xx and no operations data, whatever tokens the caller sends`, async () => {
      const response = await hop.request(notPublic!, {
        method,
        headers: { authorization: 'Bearer gateway-admin-token-0123', 'x-chaos-token': 'gateway-chaos-token-0123', 'content-type': 'application/json' },
        body: method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify({ mode: 'kill' }),
      });
      expect([404, 405]).toContain(response.status);
      const text = await response.text();
      if (method !== 'HEAD') expect(typeof JSON.parse(text).error).toBe('string');
      expect(text).not.toContain('http_requests_total');
      expect(response.headers.get('location')).toBeNull();
    });
  }
});
