// The native stack drill (`bun run test:stack`): the production ops/ configs, rendered for
// loopback, around two real hop replicas — no Docker. It proves, step by step:
//   1. traffic through nginx works, and nginx's own errors are JSON; TLS with a throwaway
//      certificate, the HTTP->HTTPS redirect and its ACME exception, client addresses reaching
//      the app (directly and through a TLS terminator in front), operations endpoints internal only;
//   2. every Prometheus target is up, every rule evaluates, every dashboard panel has data;
//   3. a chaos kill of one replica under steady load fails no client request, and the
//      replica (under a restart supervisor standing in for `restart: always`) is back in seconds;
//   4. a replica outage fires ServiceDown and an errors drill fires HighErrorRate, each reaching
//      a fake Discord with its runbook link (under the configured HOP_RUNBOOK_URL), then resolving;
//      app2 runs with the placeholder Discord webhook: it warns at start, reports
//      hop_alert_webhook_configured 0, and AlertWebhookNotConfigured fires;
//   5. a rolling update (tests/stack/rollout.ts: each replica replaced, taken out of nginx, drained
//      after the chart's preStop sleep) fails no request and loses no click, and its drain is timed.
// Needs Postgres on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379; installs nginx,
// prometheus and prometheus-alertmanager from Debian when missing. Binds 127.0.0.1 only, stops
// everything it started (also on failure or Ctrl-C), and ends with "N passed, N failed".

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisClient } from 'bun';
import { checkDashboard, checkSqlDashboard } from './dashboards.ts';
import { rolloutSteps } from './rollout.ts';
import type { Supervisor } from './processes.ts';
import { REPO_ROOT, run } from './render.ts';
import { anyFailed, assert, describeStats, note, section, step, summary } from './report.ts';
import {
  ADMIN_TOKEN,
  API_KEY,
  chaos,
  createDatabase,
  edge,
  edgeHttp,
  edgeInternal,
  ensureBinaries,
  hex,
  newStack,
  promUrl,
  REDIS_URL,
  replicaUrl,
  RUNBOOK_BASE,
  TERMINATOR,
  startStack,
  teardown,
  type Stack,
} from './stack.ts';
import { isHealthy, Load, request, waitFor, type Target } from './traffic.ts';

const RUNBOOK = `${RUNBOOK_BASE}#`;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---- 1. traffic through nginx ----------------------------------------------------------------

async function trafficSteps(stack: Stack, codes: string[]): Promise<void> {
  section('1. traffic through nginx, and nginx errors are JSON');
  const base = edge(stack);

  await step('GET /health through nginx answers 200 {"status":"ok"} with an X-Request-Id', async () => {
    const res = await request(`${base}/health`);
    assert(res.status === 200, `status ${res.status}: ${res.text}`);
    assert((res.json as { status?: string })?.status === 'ok', `body ${res.text}`);
    const id = res.headers.get('x-request-id');
    assert(id, 'no X-Request-Id on the response');
    assert(!id.includes(','), `X-Request-Id sent twice: ${id}`);
    return `X-Request-Id ${id}`;
  });

  await step('POST /shorten through nginx creates links (201) and GET /:code redirects (302)', async () => {
    for (let i = 0; i < 12; i++) {
      const original = `https://example.com/drill/${i}?run=${hex(4)}`;
      const res = await request(`${base}/shorten`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ url: original }),
      });
      assert(res.status === 201, `POST /shorten answered ${res.status}: ${res.text.slice(0, 200)}`);
      const code = (res.json as { short_code?: string })?.short_code;
      assert(code, `no short_code in ${res.text.slice(0, 200)}`);
      codes.push(code);
      const hop = await request(`${base}/${code}`);
      assert(hop.status === 302, `GET /${code} answered ${hop.status}: ${hop.text.slice(0, 200)}`);
      assert(hop.headers.get('location') === original, `Location ${hop.headers.get('location')} is not ${original}`);
    }
    return `${codes.length} links`;
  });

  await step('the management API needs a key through nginx: 401 JSON with WWW-Authenticate, nothing created', async () => {
    const res = await request(`${base}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.com/anonymous' }) });
    assert(res.status === 401, `POST /shorten without a key answered ${res.status}: ${res.text.slice(0, 200)}`);
    assert(res.headers.get('www-authenticate')?.startsWith('Bearer'), `WWW-Authenticate ${res.headers.get('www-authenticate')}`);
    assert(typeof (res.json as { error?: unknown })?.error === 'string', `body ${res.text}`);
    const ready = await request(`${base}/ready`);
    assert((ready.json as { auth?: string })?.auth === 'keys', `/ready says auth ${ready.text}`);
    return res.text.trim();
  });

  await step("a caller's X-Request-Id reaches the app (found in its /logs)", async () => {
    const id = `drill-${hex(8)}`;
    // A 404, not a redirect: successful redirects are logged at debug only (src/logging/access-log.ts).
    const res = await request(`${base}/drill-no-such-code-${hex(3)}`, { headers: { 'x-request-id': id } });
    assert(res.headers.get('x-request-id') === id, `nginx answered X-Request-Id ${res.headers.get('x-request-id')}`);
    return waitFor(`a log line with ${id}`, async () => {
      for (const replica of stack.replicas) {
        const logs = await request(`${replicaUrl(replica)}/logs?filter=${id}&limit=50`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        if (logs.status === 200 && logs.text.includes(id)) return `logged by ${replica.name}`;
      }
      return null;
    }, 5_000);
  });

  await step('unknown short code: 404 JSON from the app, through nginx', async () => {
    const res = await request(`${base}/drill-no-such-code-${hex(3)}`);
    assert(res.status === 404, `status ${res.status}`);
    assert(typeof (res.json as { error?: unknown })?.error === 'string', `body ${res.text}`);
  });

  await step('nginx answers 413 JSON for a body over 1 MiB', async () => {
    const res = await request(`${base}/shorten`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ url: `https://example.com/${'a'.repeat(1_100_000)}` }),
    });
    assert(res.status === 413, `status ${res.status}`);
    assert(res.headers.get('content-type')?.startsWith('application/json'), `content-type ${res.headers.get('content-type')}`);
    assert(typeof (res.json as { error?: unknown })?.error === 'string', `body ${res.text}`);
    return res.text.trim();
  });

  await step('nginx answers 429 JSON when writes exceed the rate limit; reads are not limited', async () => {
    // An empty object is a validation error in the app: nothing is created by this burst.
    const burst = await Promise.all(Array.from({ length: 80 }, () =>
      request(`${base}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: '{}' })));
    const limited = burst.filter((r) => r.status === 429);
    assert(limited.length > 0, `no 429 in a burst of 80 writes: ${[...new Set(burst.map((r) => r.status))].join(', ')}`);
    assert(limited.every((r) => r.headers.get('content-type')?.startsWith('application/json')), 'a 429 without a JSON content type');
    assert(limited.every((r) => typeof (r.json as { error?: unknown })?.error === 'string'), `429 body ${limited[0]!.text}`);
    const reads = await Promise.all(Array.from({ length: 80 }, () => request(`${base}/${codes[0]}`)));
    assert(reads.every((r) => r.status === 302), `reads were limited: ${[...new Set(reads.map((r) => r.status))].join(', ')}`);
    await sleep(2_500); // let the write bucket refill
    return `${limited.length}/80 writes limited, ${limited[0]!.text.trim()}`;
  });

  await step('operations endpoints: 404 on the public ports, served on the internal listener', async () => {
    for (const path of ['/metrics', '/logs', '/chaos']) {
      const res = await request(`${base}${path}`);
      assert(res.status === 404, `public GET ${path} answered ${res.status}`);
    }
    const res = await request(`${edgeInternal(stack)}/metrics`);
    assert(res.status === 200, `internal GET /metrics answered ${res.status}`);
    assert(res.text.includes('http_requests_total'), 'no http_requests_total in /metrics');
  });
}

// ---- 1b. TLS, redirect, client addresses ----------------------------------------------------

/** Did `openssl s_client` complete a handshake with these options? */
function tlsHandshake(stack: Stack, ...args: string[]): { ok: boolean; protocol: string } {
  const out = run(['sh', '-c', `echo | openssl s_client -connect 127.0.0.1:${stack.ports.nginxTls} -servername localhost ${args.join(' ')} 2>&1`]).out;
  const protocol = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(out);
  return { ok: Boolean(protocol) && !/alert|handshake failure|no protocols available/i.test(out), protocol: protocol ? `${protocol[1]} ${protocol[2]}` : out.split('\n').find((l) => /error|alert/i.test(l)) ?? 'no handshake' };
}

/** The access line a replica logged for request `id` (found through each replica's /logs). */
async function accessLine(stack: Stack, id: string): Promise<{ client?: string; replica: string }> {
  return waitFor(`the access line of ${id}`, async () => {
    for (const replica of stack.replicas) {
      const logs = await request(`${replicaUrl(replica)}/logs?filter=${id}&limit=20`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const lines = (logs.json as { lines?: { msg?: string; client?: string }[] } | { msg?: string; client?: string }[] | undefined);
      const list = Array.isArray(lines) ? lines : (lines?.lines ?? []);
      const line = list.find((l) => l.msg === 'request');
      if (line) return { client: line.client, replica: replica.name };
    }
    return null;
  }, 5_000);
}

async function tlsSteps(stack: Stack): Promise<void> {
  section('1b. TLS with a throwaway certificate, the HTTP redirect, client addresses');
  const base = edge(stack);

  await step('HTTPS answers with the mounted certificate and HSTS', async () => {
    const res = await request(`${base}/health`);
    assert(res.status === 200, `status ${res.status}`);
    const hsts = res.headers.get('strict-transport-security');
    assert(hsts === 'max-age=63072000', `Strict-Transport-Security: ${hsts}`);
    return `HSTS ${hsts}`;
  });

  await step('TLS 1.3 and 1.2 with AEAD ciphers only; TLS 1.1 and CBC suites refused', async () => {
    const v13 = tlsHandshake(stack, '-tls1_3');
    const v12 = tlsHandshake(stack, '-tls1_2');
    const v11 = tlsHandshake(stack, '-tls1_1', '-cipher', "'DEFAULT:@SECLEVEL=0'");
    const cbc = tlsHandshake(stack, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA');
    assert(v13.ok && v12.ok, `TLS 1.3: ${v13.protocol}; TLS 1.2: ${v12.protocol}`);
    assert(!v11.ok, `TLS 1.1 was accepted: ${v11.protocol}`);
    assert(!cbc.ok, `a CBC suite was accepted: ${cbc.protocol}`);
    return `${v13.protocol}; ${v12.protocol}; TLS 1.1 and CBC refused`;
  });

  await step('plain HTTP is redirected to HTTPS with 308, and reaches no replica', async () => {
    const res = await request(`${edgeHttp(stack)}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"https://example.com/x"}' });
    assert(res.status === 308, `status ${res.status}: ${res.text.slice(0, 200)}`);
    assert(res.headers.get('location') === 'https://127.0.0.1/shorten', `Location ${res.headers.get('location')}`);
    assert(!res.headers.get('x-request-id') || !res.text.includes('short_code'), 'the POST reached the app');
    return `Location ${res.headers.get('location')}`;
  });

  await step('ACME http-01 challenges are answered over plain HTTP, not redirected', async () => {
    const token = `drill-${hex(8)}`;
    await Bun.write(`${stack.acmeWebroot}/.well-known/acme-challenge/${token}`, `${token}.key-authorization`);
    const res = await request(`${edgeHttp(stack)}/.well-known/acme-challenge/${token}`);
    assert(res.status === 200 && res.text === `${token}.key-authorization`, `status ${res.status}: ${res.text}`);
  });

  await step('the app sees the real client address over HTTPS: the TCP peer', async () => {
    // A 400 (an empty body) is logged at info with the client the app resolved.
    const id = `drill-client-${hex(6)}`;
    await request(`${base}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, 'x-request-id': id }, body: '{}' });
    const line = await accessLine(stack, id);
    assert(line.client === '127.0.0.1', `the app logged client ${line.client}`);
    return `${line.replica} logged client ${line.client}`;
  });

  await step(`through a TLS terminator in front (${TERMINATOR} listed in hop-real-ip.conf), the app sees the address it reports`, async () => {
    const id = `drill-terminated-${hex(6)}`;
    const res = await request(`${edgeHttp(stack)}/shorten`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, 'x-request-id': id, 'x-forwarded-for': '203.0.113.50', 'x-forwarded-proto': 'https' },
      body: '{}',
    });
    assert(res.status === 400, `a request the terminator forwarded as https answered ${res.status} (not served)`);
    assert(res.headers.get('strict-transport-security'), 'no HSTS on a request forwarded as https');
    const line = await accessLine(stack, id);
    assert(line.client === '203.0.113.50', `the app logged client ${line.client}`);
    // A client that prepends its own X-Forwarded-For still gets the address the terminator added.
    const forged = `drill-forged-${hex(6)}`;
    await request(`${edgeHttp(stack)}/shorten`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, 'x-request-id': forged, 'x-forwarded-for': '6.6.6.6, 203.0.113.60', 'x-forwarded-proto': 'https' },
      body: '{}',
    });
    const forgedLine = await accessLine(stack, forged);
    assert(forgedLine.client === '203.0.113.60', `a prepended address reached the app: ${forgedLine.client}`);
    return `${line.replica} logged client ${line.client}; with a prepended 6.6.6.6, ${forgedLine.client}`;
  });
}
// ---- 2. Prometheus targets, rules and dashboards --------------------------------------------

async function observabilitySteps(stack: Stack, codes: string[]): Promise<void> {
  section('2. Prometheus targets, rules and dashboards');

  await step('every Prometheus target is up', async () => {
    type T = { labels: { job: string; instance: string }; health: string; lastError: string };
    const targets = await waitFor('all targets up', async () => {
      const res = await request(`${promUrl(stack)}/api/v1/targets?state=active`);
      const active = (res.json as { data: { activeTargets: T[] } }).data.activeTargets;
      return active.length > 0 && active.every((t) => t.health === 'up') ? active : null;
    }, 30_000).catch(async (error) => {
      const res = await request(`${promUrl(stack)}/api/v1/targets?state=active`);
      const active = (res.json as { data: { activeTargets: T[] } }).data.activeTargets;
      const down = active.filter((t) => t.health !== 'up').map((t) => `${t.labels.job} ${t.labels.instance}: ${t.health} ${t.lastError}`);
      throw new Error(`${(error as Error).message}\n${down.join('\n')}`);
    });
    const jobs = [...new Set(targets.map((t) => t.labels.job))].sort();
    for (const required of ['alertmanager', 'hop', 'prometheus']) assert(jobs.includes(required), `no ${required} target`);
    assert(targets.filter((t) => t.labels.job === 'hop').length === 2, 'expected both replicas as hop targets');
    return targets.map((t) => `${t.labels.job}@${t.labels.instance}`).join(', ');
  });

  await step('every alerting and recording rule evaluates without error', async () => {
    type Rule = { name: string; health: string; lastError?: string };
    const res = await request(`${promUrl(stack)}/api/v1/rules`);
    const rules = (res.json as { data: { groups: { rules: Rule[] }[] } }).data.groups.flatMap((g) => g.rules);
    assert(rules.length > 0, 'Prometheus loaded no rules');
    await sleep(2_000); // at least one evaluation with data
    const again = await request(`${promUrl(stack)}/api/v1/rules`);
    const bad = (again.json as { data: { groups: { rules: Rule[] }[] } }).data.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.health === 'err');
    assert(bad.length === 0, bad.map((r) => `${r.name}: ${r.lastError}`).join('\n'));
    return `${rules.length} rules`;
  });

  await step('every panel on hop / overview returns data', () => checkDashboard(stack, 'hop-overview.json', false));
  await step('every panel on hop / infrastructure that does not need an exporter returns data', () =>
    checkDashboard(stack, 'hop-infrastructure.json', true));
  await step('every panel on hop / links returns clicks read by a SELECT-only role, which cannot write', () =>
    checkSqlDashboard(stack, 'hop-links.json', `${edge(stack)}/${codes[0]}`));
}

// ---- 3. chaos kill under load ----------------------------------------------------------------

async function killSteps(stack: Stack): Promise<void> {
  section('3. chaos kill of one replica under steady load through nginx');
  const [victim] = stack.replicas as [Supervisor];
  const load = stack.load!;
  load.reset();
  await sleep(3_000);
  const runsBefore = victim.restarts;
  const killedAt = Date.now();
  const killed = await step(`POST /chaos {"mode":"kill"} on ${victim.name} answers 202 and the process exits`, async () => {
    await chaos(victim, { mode: 'kill' });
    await waitFor(`${victim.name} to exit`, async () => victim.exits.length > 0 && victim.exits.at(-1)!.at >= killedAt, 10_000, 50);
    return `exit code ${victim.exits.at(-1)!.code}`;
  });
  if (!killed) return; // nothing to judge the restart or the load against
  await step(`${victim.name} is restarted by the supervisor and healthy within 15s`, async () => {
    await waitFor(`${victim.name} back`, async () => victim.restarts > runsBefore && (await isHealthy(replicaUrl(victim))), 15_000, 100);
    return `healthy ${((Date.now() - killedAt) / 1000).toFixed(1)}s after the kill`;
  });
  await sleep(3_000);
  const stats = load.reset();
  await step('no client request failed through nginx during the kill', async () => {
    assert(stats.total >= 100, `too little load to judge: ${describeStats(stats)}`);
    assert(stats.failed === 0, `${describeStats(stats)}\n${stats.samples.join('\n')}`);
    return describeStats(stats);
  });
}

// ---- 4. alerts to Discord ----------------------------------------------------------------

async function alertSteps(stack: Stack, codes: string[]): Promise<void> {
  section('4. injected outage (ServiceDown) and errors drill (HighErrorRate) through to Discord');
  const [down, erroring] = stack.replicas as [Supervisor, Supervisor];
  const discord = stack.discord!;
  const since = Date.now();
  const downInstance = `127.0.0.1:${down.port}`;
  const errInstance = `127.0.0.1:${erroring.port}`;
  const fired = (alert: string, instance: string) => (m: { at: number; title: string; text: string }) =>
    m.at >= since && m.title.startsWith('[FIRING]') && m.title.includes(alert) && m.text.includes(instance);
  const resolved = (alert: string, instance: string) => (m: { at: number; title: string; text: string }) =>
    m.at >= since && m.title.startsWith('[RESOLVED]') && m.title.includes(alert) && m.text.includes(instance);

  // Extra load straight at the erroring replica, so its error ratio has traffic behind it
  // whichever way nginx balances.
  const direct = new Load(() => ({ url: `${replicaUrl(erroring)}/${codes[Math.floor(Math.random() * codes.length)]}`, ok: [302] }), 5, 2);
  direct.start();
  try {
    await down.stop();
    note(`${down.name} stopped (supervisor off) — ServiceDown needs 1m`);
    await chaos(erroring, { mode: 'errors', rate: 1, seconds: 240 });
    note(`${erroring.name} answers errors (chaos errors, rate 1) — HighErrorRate critical needs 1m`);

    const outage = (async () => {
      await step(`ServiceDown fires for ${down.name} and reaches Discord with its runbook link`, async () => {
        const m = await waitFor('ServiceDown in Discord', async () => discord.find(fired('ServiceDown', downInstance)), 150_000, 500);
        assert(m.text.includes(`${RUNBOOK}servicedown`), `no runbook link in ${m.text}`);
        note(`as Discord got it: ${m.text}`);
        return `"${m.title}" after ${Math.round((m.at - since) / 1000)}s`;
      });
      down.start();
      await waitFor(`${down.name} back`, () => isHealthy(replicaUrl(down)), 60_000).catch(() => undefined);
      note(`${down.name} started again`);
      await step('ServiceDown resolves in Discord once the replica is back', async () => {
        const m = await waitFor('ServiceDown resolved in Discord', async () => discord.find(resolved('ServiceDown', downInstance)), 90_000, 500);
        return `"${m.title}" after ${Math.round((m.at - since) / 1000)}s`;
      });
    })();

    const errors = (async () => {
      await step(`HighErrorRate fires for ${erroring.name} and reaches Discord with its runbook link`, async () => {
        const m = await waitFor('HighErrorRate in Discord', async () => discord.find(fired('HighErrorRate', errInstance)), 180_000, 500);
        assert(m.text.includes(`${RUNBOOK}higherrorrate`), `no runbook link in ${m.text}`);
        return `"${m.title}" after ${Math.round((m.at - since) / 1000)}s`;
      });
      await chaos(erroring, { mode: 'off' }).catch((e) => note(`chaos off failed: ${e.message}`));
      note(`${erroring.name} errors drill stopped`);
      await step('HighErrorRate resolves in Discord after the drill ends', async () => {
        const m = await waitFor('HighErrorRate resolved in Discord', async () => discord.find(resolved('HighErrorRate', errInstance)), 150_000, 500);
        return `"${m.title}" after ${Math.round((m.at - since) / 1000)}s`;
      });
    })();

    await Promise.all([outage, errors]);
  } finally {
    await direct.stop();
    if (!down.running) down.start();
    const titles = discord.messages.filter((m) => m.at >= since).map((m) => m.title);
    note(`Discord received ${titles.length} messages: ${titles.join(' | ')}`);
  }
}
// ---- 4b. a placeholder Discord webhook is reported ------------------------------------------

/** Right after start, while the start-up lines are still in the replica's log ring. */
async function webhookWarningStep(stack: Stack): Promise<void> {
  const placeholder = stack.replicas[1]!;
  await step(`${placeholder.name} (started with .env.example's placeholder webhook) warned at start`, async () => {
    const logs = await request(`${replicaUrl(placeholder)}/logs?filter=DISCORD_WEBHOOK_URL&level=warn&limit=10`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const lines = logs.json as { msg: string }[];
    assert(Array.isArray(lines) && lines.length >= 1, `no warning in ${logs.text.slice(0, 300)}`);
    assert(!lines[0]!.msg.includes('<token>'), 'the warning quotes the value');
    return lines[0]!.msg;
  });
}

async function webhookSteps(stack: Stack, since: number): Promise<void> {
  section('4b. a placeholder Discord webhook is reported, not silent');
  const [configured, placeholder] = stack.replicas as [Supervisor, Supervisor];

  await step(`Prometheus reads hop_alert_webhook_configured: 1 from ${configured.name}, 0 from ${placeholder.name}`, async () => {
    const res = await request(`${promUrl(stack)}/api/v1/query?query=hop_alert_webhook_configured`);
    type Sample = { metric: { instance: string }; value: [number, string] };
    const samples = (res.json as { data: { result: Sample[] } }).data.result;
    const byInstance = Object.fromEntries(samples.map((x) => [x.metric.instance, x.value[1]]));
    assert(byInstance[`127.0.0.1:${configured.port}`] === '1' && byInstance[`127.0.0.1:${placeholder.port}`] === '0', JSON.stringify(byInstance));
    return JSON.stringify(byInstance);
  });

  await step('AlertWebhookNotConfigured fires (here it can reach the fake Discord) with its runbook link under HOP_RUNBOOK_URL', async () => {
    const discord = stack.discord!;
    const m = await waitFor('AlertWebhookNotConfigured in Discord', async () =>
      discord.find((x) => x.at >= since && x.title.startsWith('[FIRING]') && x.title.includes('AlertWebhookNotConfigured')), 150_000, 500);
    assert(m.text.includes(`${RUNBOOK}alertwebhooknotconfigured`), `no runbook link in ${m.text}`);
    return `"${m.title}"`;
  });
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<number> {
  console.log('hop stack drill — nginx, two replicas, Prometheus, Alertmanager and a fake Discord on 127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'hop-drill-'));
  const stack = newStack(dir);
  await mkdir(stack.logs, { recursive: true });

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.log('\ninterrupted: stopping everything the drill started');
    void teardown(stack, true).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    section('0. prerequisites and stack start');
    let databaseUrl = '';
    const ready =
      (await step('nginx, prometheus, promtool, alertmanager and amtool are installed', async () => ensureBinaries())) &&
      (await step('the app entry point src/main.ts exists', async () => {
        assert(existsSync(join(REPO_ROOT, 'src', 'main.ts')), 'src/main.ts is missing');
      })) &&
      (await step('Postgres and Redis answer on 127.0.0.1; a fresh database is created', async () => {
        const redis = new RedisClient(REDIS_URL);
        try {
          assert((await redis.send('PING', [])) === 'PONG', 'Redis did not answer PONG');
        } finally {
          redis.close();
        }
        databaseUrl = await createDatabase(stack);
        return `database ${stack.database}`;
      }));
    const started = ready && (await step('the stack starts: replicas healthy, nginx, Alertmanager and Prometheus ready', () => startStack(stack, databaseUrl)));

    if (started) {
      const stackStarted = Date.now();
      const codes: string[] = [];
      await webhookWarningStep(stack);
      await trafficSteps(stack, codes);
      await tlsSteps(stack);
      if (codes.length === 0) throw new Error('no short links were created; the remaining steps need them');
      // Steady GETs through nginx from here on: mostly redirects, some unknown codes (404).
      stack.load = new Load(() => {
        const miss = Math.random() < 0.1;
        return miss
          ? { url: `${edge(stack)}/drill-missing-${hex(2)}`, ok: [404] }
          : { url: `${edge(stack)}/${codes[Math.floor(Math.random() * codes.length)]}`, ok: [302] } satisfies Target;
      }, 40);
      stack.load.start();
      await sleep(5_000);
      await observabilitySteps(stack, codes);
      await killSteps(stack);
      await alertSteps(stack, codes);
      await webhookSteps(stack, stackStarted - 60_000);
      await rolloutSteps(stack);
      await stack.load.stop();

      section('6. no replica left');
      await Promise.all(stack.replicas.map((r) => r.stop()));
      await step('with every replica down nginx answers 502 JSON', async () => {
        const res = await request(`${edge(stack)}/${codes[0]}`);
        assert(res.status === 502, `status ${res.status}: ${res.text}`);
        assert(res.headers.get('content-type')?.startsWith('application/json'), `content-type ${res.headers.get('content-type')}`);
        assert(typeof (res.json as { error?: unknown })?.error === 'string', `body ${res.text}`);
        return res.text.trim();
      });
    }
  } catch (error) {
    await step('the drill ran to the end', async () => {
      throw error;
    });
  } finally {
    const failed = anyFailed();
    if (failed) {
      for (const replica of stack.replicas) note(`${replica.name} logs: ${replica.logs.join(', ')}`);
    }
    section('cleanup');
    await teardown(stack, failed);
  }

  const { passed, failed } = summary();
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exit(await main());
