// The rolling-update drill: what a Kubernetes rollout does to hop (deploy/helm/hop, maxSurge 1,
// maxUnavailable 0), played natively under steady load through nginx. For each replica in turn:
//   1. a replacement starts and passes /ready (the readiness probe);
//   2. nginx is re-rendered with the replacement in the old replica's upstream slot and reloaded:
//      the old one is out of the endpoints (Kubernetes marks a terminating pod not ready), the new
//      one in;
//   3. the old one keeps running for the chart's preStop sleep (requests routed before the reload
//      still finish), then gets SIGTERM and drains: in-flight requests, click flush, pool close;
// and at the end: no client request failed, every 302 has its click stored (none lost, none twice),
// and the measured drain times, which terminationGracePeriodSeconds is built from.

import { SQL } from 'bun';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Supervisor } from './processes.ts';
import { freePort, REPO_ROOT } from './render.ts';
import { assert, describeStats, note, section, step } from './report.ts';
import { API_KEY, databaseUrl, edge, hex, newReplica, renderUpstreams, replicaUrl, type Stack } from './stack.ts';
import { Load, request, waitFor } from './traffic.ts';

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The chart's shutdown values: the drill waits what a pod would. */
function chartShutdown(): { preStopSleepSeconds: number; drainSeconds: number } {
  const values = parseYaml(readFileSync(join(REPO_ROOT, 'deploy', 'helm', 'hop', 'values.yaml'), 'utf8'));
  return values.shutdown;
}

interface Drain {
  replica: string;
  /** SIGTERM to exit, as the kubelet would see it. */
  wallMs: number;
  exitCode: number | null;
  /** hop's own phases, from its `stopped` log line. */
  phases: Record<string, number> | null;
}

function drainPhases(replica: Supervisor): Record<string, number> | null {
  const log = replica.logs.at(-1);
  if (!log) return null;
  for (const line of readFileSync(log, 'utf8').split('\n').reverse()) {
    if (!line.includes('"stopped"')) continue;
    try {
      const parsed = JSON.parse(line) as { msg?: string; drain_ms?: Record<string, number> };
      if (parsed.msg === 'stopped') return parsed.drain_ms ?? null;
    } catch {
      // not a JSON line
    }
  }
  return null;
}

/** Clicks stored for these links; retried, since the shared Postgres may be out of connections for a moment. */
async function storedClicks(stack: Stack, codes: string[]): Promise<number> {
  return waitFor('a click count from Postgres', async () => {
    const db = new SQL({ url: databaseUrl(stack), max: 1 });
    try {
      const [row] = await db`select count(*)::int as n from events e join urls u on u.id = e.url_id
        where u.short_code in ${db(codes)} and e.event_type = 'click'`;
      return { n: (row as { n: number }).n };
    } finally {
      await db.close();
    }
  }, 10_000, 200).then((r) => r.n);
}

export async function rolloutSteps(stack: Stack): Promise<void> {
  section('5. rolling update under steady load through nginx (readiness off, preStop, SIGTERM, replaced)');
  const { preStopSleepSeconds, drainSeconds } = chartShutdown();
  const base = edge(stack);

  // Links of this step only, so their clicks can be counted exactly against the 302s served.
  const codes: string[] = [];
  const created = await step('links for the rollout are created through nginx', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await request(`${base}/shorten`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ url: `https://example.com/rollout/${i}?run=${hex(4)}` }),
      });
      assert(res.status === 201, `POST /shorten answered ${res.status}: ${res.text.slice(0, 200)}`);
      codes.push((res.json as { short_code: string }).short_code);
    }
    return `${codes.length} links`;
  });
  if (!created) return;

  const clicks = new Load(() => ({ url: `${base}/${codes[Math.floor(Math.random() * codes.length)]}`, ok: [302] }), 60);
  const clicksBefore = await storedClicks(stack, codes);
  stack.load?.reset();
  clicks.start();
  await sleep(2_000);

  const slots = Object.fromEntries(stack.replicas.map((r, i) => [`app${i + 1}`, r]));
  const retiring = Object.values(slots);
  const drains: Drain[] = [];
  try {
    for (const [slot, old] of Object.entries(slots)) {
      const replacement = newReplica(stack, `${old.name}-next`, freePort(), databaseUrl(stack));
      const replaced = await step(`${old.name}: replacement ${replacement.name} starts and passes /ready, then takes ${old.name}'s place in nginx`, async () => {
        replacement.start();
        await waitFor(`${replacement.name} /ready`, async () => (await request(`${replicaUrl(replacement)}/ready`, { timeoutMs: 1_000 }).catch(() => null))?.status === 200, 60_000, 200);
        await renderUpstreams(stack, { ...slots, [slot]: replacement });
        stack.nginx!.proc.kill('SIGHUP');
        slots[slot] = replacement;
        stack.replicas[stack.replicas.indexOf(old)] = replacement;
        return `${replacement.name} on :${replacement.port}; nginx reloaded without ${old.name}`;
      });
      if (!replaced) {
        await replacement.stop();
        return;
      }
      await step(`${old.name}: after the ${preStopSleepSeconds}s preStop sleep, SIGTERM drains it and it exits 0`, async () => {
        await sleep(preStopSleepSeconds * 1_000);
        const began = performance.now();
        await old.stop();
        const drain: Drain = { replica: old.name, wallMs: Math.round(performance.now() - began), exitCode: old.exits.at(-1)?.code ?? null, phases: drainPhases(old) };
        drains.push(drain);
        assert(drain.exitCode === 0, `${old.name} exited ${drain.exitCode}`);
        assert(drain.phases, `no "stopped" line with drain_ms in ${old.logs.at(-1)}`);
        return `SIGTERM to exit ${drain.wallMs} ms; hop's drain ${JSON.stringify(drain.phases)}`;
      });
    }
    await sleep(2_000);
  } finally {
    // A step that failed half way must not leave an old replica (and its supervisor) running.
    await Promise.all(retiring.filter((r) => r.running && !stack.replicas.includes(r)).map((r) => r.stop()));
    const served = await clicks.stop();
    const steady = stack.load?.reset();

    await step('no client request failed through nginx during the rollout', async () => {
      assert(served.total >= 200, `too little load to judge: ${describeStats(served)}`);
      assert(served.failed === 0, `${describeStats(served)}\n${served.samples.join('\n')}`);
      if (steady) assert(steady.failed === 0, `steady load: ${describeStats(steady)}\n${steady.samples.join('\n')}`);
      return `rollout links: ${describeStats(served)}${steady ? `; steady load: ${describeStats(steady)}` : ''}`;
    });

    await step('no click lost (and none counted twice): every 302 served has its click stored', async () => {
      const expected = served.byStatus['302'] ?? 0;
      const stored = await waitFor('every click stored', async () => {
        const n = (await storedClicks(stack, codes)) - clicksBefore;
        return n >= expected ? n : null;
      }, 15_000, 250).catch(async () => (await storedClicks(stack, codes)) - clicksBefore);
      assert(stored === expected, `${expected} redirects served, ${stored} clicks stored: ${expected - stored} lost`);
      return `${expected} redirects served, ${stored} clicks stored, 0 lost`;
    });

    // The worst case the grace period covers: SIGTERM reaching a pod that still takes traffic
    // (a Gateway slower than the preStop sleep). A spare replica, outside nginx, under direct load.
    await step('drain under load: SIGTERM to a replica serving ~300 requests/s stores every click it served', async () => {
      // A small pool: Postgres here is shared, and four replicas are up at this point.
      const spare = newReplica(stack, 'drain-probe', freePort(), databaseUrl(stack), { DB_POOL_MAX: '4' });
      spare.start();
      const direct = new Load(() => ({ url: `${replicaUrl(spare)}/${codes[Math.floor(Math.random() * codes.length)]}`, ok: [302] }), 300, 20);
      try {
        await waitFor('drain-probe /ready', async () => (await request(`${replicaUrl(spare)}/ready`, { timeoutMs: 1_000 }).catch(() => null))?.status === 200, 60_000, 200);
        const before = await storedClicks(stack, codes);
        direct.start();
        await sleep(3_000);
        const began = performance.now();
        await spare.stop();
        const drain: Drain = { replica: spare.name, wallMs: Math.round(performance.now() - began), exitCode: spare.exits.at(-1)?.code ?? null, phases: drainPhases(spare) };
        drains.push(drain);
        const hit = await direct.stop();
        assert(drain.exitCode === 0 && drain.phases, `drain-probe exited ${drain.exitCode}, drain ${JSON.stringify(drain.phases)}`);
        const served = hit.byStatus['302'] ?? 0;
        const stored = (await storedClicks(stack, codes)) - before;
        assert(stored === served, `${served} redirects served by drain-probe, ${stored} clicks stored`);
        return `${served} redirects served, ${stored} clicks stored; SIGTERM to exit ${drain.wallMs} ms; hop's drain ${JSON.stringify(drain.phases)}`;
      } finally {
        await direct.stop();
        await spare.stop();
      }
    });

    if (drains.length > 0) {
      const worst = Math.max(...drains.map((d) => Math.max(d.wallMs, d.phases?.total ?? 0)));
      note(`drain per replica: ${drains.map((d) => `${d.replica} ${d.wallMs} ms (${Object.entries(d.phases ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')})`).join('; ')}`);
      await step(`the measured drain fits the chart's drainSeconds (${drainSeconds}s; terminationGracePeriodSeconds ${preStopSleepSeconds + drainSeconds}s)`, async () => {
        assert(worst < drainSeconds * 1_000, `a drain took ${worst} ms`);
        return `longest drain ${worst} ms`;
      });
    }
  }
}
