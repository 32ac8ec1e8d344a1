// The production nginx config, run for real on loopback (rendered like the stack drill renders it)
// in front of an upstream that answers with the headers nginx sent it: TLS (protocols, ciphers,
// HSTS), the :80 redirect and its ACME exception, the client address the app is given (with and
// without a TLS terminator listed in front), and the internal-only listener.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries, freePort, nginxUpstreamNames, renderNginx, run, type NginxRender } from '../stack/render.ts';

const bin = binaries();

interface Seen {
  path: string;
  realIp: string | null;
  forwardedFor: string | null;
  forwardedProto: string | null;
}

/** Where nginx proxies to: answers 200 with the headers it was given. */
function headerEcho() {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const h = request.headers;
      const entry = { path: new URL(request.url).pathname, realIp: h.get('x-real-ip'), forwardedFor: h.get('x-forwarded-for'), forwardedProto: h.get('x-forwarded-proto') };
      seen.push(entry);
      return Response.json(entry);
    },
  });
  return { seen, server };
}

interface Edge {
  http: string;
  https: string;
  internal: string;
  render: NginxRender;
  stop(): Promise<void>;
}

async function startEdge(dir: string, upstream: string, terminators?: string[]): Promise<Edge> {
  const ports = { port: freePort(), tlsPort: freePort(), statusPort: freePort() };
  const upstreams = Object.fromEntries((await nginxUpstreamNames()).map((name) => [name, upstream]));
  const render = await renderNginx({ dir, ...ports, upstreams, terminators });
  const proc = Bun.spawn([bin.nginx!, '-p', render.prefix, '-c', render.conf, '-e', render.errorLog, '-g', 'daemon off;'], { stdout: 'ignore', stderr: 'pipe' });
  const http = `http://127.0.0.1:${ports.port}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${http}/.well-known/acme-challenge/none`).then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${await new Response(proc.stderr).text()}`);
    await Bun.sleep(50);
  }
  return {
    http,
    https: `https://127.0.0.1:${ports.tlsPort}`,
    internal: `http://127.0.0.1:${ports.statusPort}`,
    render,
    async stop() {
      proc.kill('SIGQUIT');
      await proc.exited;
    },
  };
}

/** `openssl s_client` against the TLS port: did the handshake succeed? */
function handshake(edge: Edge, ...args: string[]): boolean {
  const port = new URL(edge.https).port;
  const result = run(['sh', '-c', `echo | openssl s_client -connect 127.0.0.1:${port} -servername localhost ${args.join(' ')} 2>&1`]);
  return /^\s*Protocol\s*:\s*TLS|New, TLSv1\.[23]/m.test(result.out) && !/alert|handshake failure|no protocols available|wrong version/i.test(result.out);
}

describe.skipIf(!bin.nginx)('nginx as the edge (no terminator in front)', () => {
  let dir: string;
  let echo: ReturnType<typeof headerEcho>;
  let edge: Edge;
  const tls = () => ({ tls: { ca: edge.render.certificate } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-nginx-edge-'));
    echo = headerEcho();
    edge = await startEdge(dir, `127.0.0.1:${echo.server.port}`);
  });
  afterAll(async () => {
    await edge?.stop();
    echo?.server.stop(true);
    await rm(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with the mounted certificate, HSTS, and the client address as the TCP peer', async () => {
    // A client cannot choose its address: its own X-Forwarded-For is replaced.
    const res = await fetch(`${edge.https}/abc`, { ...tls(), headers: { 'x-forwarded-for': '6.6.6.6' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=63072000');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ path: '/abc', realIp: '127.0.0.1', forwardedFor: '127.0.0.1', forwardedProto: 'https' });
  });

  test('speaks TLS 1.2 and 1.3 only, with forward-secret AEAD ciphers', () => {
    expect(handshake(edge, '-tls1_3')).toBe(true);
    expect(handshake(edge, '-tls1_2')).toBe(true);
    expect(handshake(edge, '-tls1_1', '-cipher', "'DEFAULT:@SECLEVEL=0'")).toBe(false);
    expect(handshake(edge, '-tls1', '-cipher', "'DEFAULT:@SECLEVEL=0'")).toBe(false);
    // CBC and static-RSA suites are offered by the client and refused by the server.
    expect(handshake(edge, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256:AES128-SHA256:AES128-GCM-SHA256')).toBe(false);
    expect(handshake(edge, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256')).toBe(true);
  });

  test('redirects plain HTTP to HTTPS with 308 (a POST stays a POST) and proxies nothing', async () => {
    const before = echo.seen.length;
    const res = await fetch(`${edge.http}/shorten?x=1`, { method: 'POST', body: '{}', redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('https://127.0.0.1/shorten?x=1');
    expect(res.headers.get('strict-transport-security')).toBeNull(); // HSTS only over HTTPS
    expect((await fetch(`${edge.http}/abc`, { redirect: 'manual' })).status).toBe(308);
    expect(echo.seen.length).toBe(before);
  });

  test('answers ACME http-01 challenges over plain HTTP from the webroot', async () => {
    const token = `tok-${Date.now()}`;
    await Bun.write(join(edge.render.acmeWebroot, '.well-known', 'acme-challenge', token), `${token}.thumbprint`);
    const res = await fetch(`${edge.http}/.well-known/acme-challenge/${token}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`${token}.thumbprint`);
    expect((await fetch(`${edge.http}/.well-known/acme-challenge/missing`, { redirect: 'manual' })).status).toBe(404);
  });

  test('keeps operations endpoints off the public servers and serves them on the internal listener', async () => {
    for (const path of ['/metrics', '/logs?limit=1', '/chaos']) {
      const res = await fetch(`${edge.https}${path}`, tls());
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: 'not found' });
    }
    const internal = await fetch(`${edge.internal}/metrics`);
    expect(internal.status).toBe(200);
    expect(((await internal.json()) as Seen).path).toBe('/metrics');
    expect((await fetch(`${edge.internal}/stub_status`)).status).toBe(200);
  });
});

describe.skipIf(!bin.nginx)('nginx behind a TLS terminator listed in snippets/hop-real-ip.conf', () => {
  let dir: string;
  let echo: ReturnType<typeof headerEcho>;
  let edge: Edge;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-nginx-terminated-'));
    echo = headerEcho();
    edge = await startEdge(dir, `127.0.0.1:${echo.server.port}`, ['127.0.0.1']);
  });
  afterAll(async () => {
    await edge?.stop();
    echo?.server.stop(true);
    await rm(dir, { recursive: true, force: true });
  });

  test('passes on the client address the terminator reports, and serves what it forwarded as https', async () => {
    const res = await fetch(`${edge.http}/abc`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=63072000');
    expect(await res.json()).toEqual({ path: '/abc', realIp: '203.0.113.7', forwardedFor: '203.0.113.7', forwardedProto: 'https' });
  });

  test('takes the rightmost address the terminator did not add: a client cannot prepend its way in', async () => {
    const res = await fetch(`${edge.http}/abc`, { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7', 'x-forwarded-proto': 'https' } });
    expect(((await res.json()) as Seen).realIp).toBe('203.0.113.7');
  });

  test('still redirects plain HTTP the terminator did not mark as https', async () => {
    const res = await fetch(`${edge.http}/abc`, { headers: { 'x-forwarded-for': '203.0.113.7' }, redirect: 'manual' });
    expect(res.status).toBe(308);
  });

  test('the internal listener admits loopback and the compose subnet, not the bridge gateway or the world', async () => {
    const asClient = (address: string) => fetch(`${edge.internal}/metrics`, { headers: { 'x-forwarded-for': address } });
    expect((await asClient('172.30.47.30')).status).toBe(200); // Prometheus' compose address
    for (const outsider of ['203.0.113.7', '172.30.47.1', '172.17.0.1', '10.1.2.3', '192.168.1.5']) {
      const res = await asClient(outsider);
      expect(res.status, outsider).toBe(403);
      expect(await res.json()).toEqual({ error: 'forbidden' });
    }
  });
});
