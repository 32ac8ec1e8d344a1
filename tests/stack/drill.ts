// The native stack drill (`bun run test:stack`): the production ops/ configs, rendered for
// loopback, around two real hop replicas — no Docker. It proves, step by step:
//   1. traffic through nginx works, and nginx's own errors are JSON;
//   2. every Prometheus target is up, every rule evaluates, every dashboard panel has data;
//   3. a chaos kill of one replica under steady load fails no client request, and the
//      replica (under a restart supervisor standing in for `restart: always`) is back in seconds;
//   4. a replica outage fires ServiceDown and an errors drill fires HighErrorRate, each reaching
//      a fake Discord with its runbook link, then resolving;
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
import { checkDashboard } from './dashboards.ts';
import { rolloutSteps } from './rollout.ts';
import type { Supervisor } from './processes.ts';
import { REPO_ROOT } from './render.ts';
import { anyFailed, assert, describeStats, note, section, step, summary } from './report.ts';
import {
  ADMIN_TOKEN,
  API_KEY,
  chaos,
  createDatabase,
  edge,
  ensureBinaries,
  hex,
  newStack,
  promUrl,
  REDIS_URL,
  replicaUrl,
  startStack,
  teardown,
  type Stack,
} from './stack.ts';
import { isHealthy, Load, request, waitFor, type Target } from './traffic.ts';

const RUNBOOK = 'https://github.com/hop-shortener/hop/blob/main/docs/runbook.md#';
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

  await step('operations endpoints are served to internal (loopback) clients through nginx', async () => {
    const res = await request(`${base}/metrics`);
    assert(res.status === 200, `GET /metrics through nginx answered ${res.status}`);
    assert(res.text.includes('http_requests_total'), 'no http_requests_total in /metrics');
  });
}
// ---- 2. Prometheus targets, rules and dashboards --------------------------------------------

async function observabilitySteps(stack: Stack): Promise<void> {
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
      const codes: string[] = [];
      await trafficSteps(stack, codes);
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
      await observabilitySteps(stack);
      await killSteps(stack);
      await alertSteps(stack, codes);
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
