// The stack the drill runs on loopback: two hop replicas under restart supervisors, nginx,
// Alertmanager and Prometheus on the rendered ops/ configs, a fake Discord, a fresh database.
// startStack() brings it up in dependency order; teardown() stops exactly what was started.

import { SQL } from 'bun';
import { generateKey } from '../../src/auth/key-format.ts';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnLogged, stopAll, stopProcess, Supervisor, type Started } from './processes.ts';
import {
  alertmanagerVersion,
  binaries,
  freePort,
  REPO_ROOT,
  renderAlertmanager,
  renderNginx,
  renderPrometheus,
  run,
  supportsWebhookUrlFile,
} from './render.ts';
import { assert, note } from './report.ts';
import { FakeDiscord, isHealthy, request, trustCertificate, waitFor, type Load } from './traffic.ts';

export const PG_ADMIN_URL = process.env.HOP_DRILL_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.HOP_DRILL_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
// The app refuses tokens shorter than 16 characters.
export const CHAOS_TOKEN = `drill-chaos-${hex(12)}`;
export const ADMIN_TOKEN = `drill-admin-${hex(12)}`;
// The replicas run hop's default AUTH_MODE=keys with this first admin key, the way compose seeds it.
export const API_KEY = generateKey().key;
/** HOP_RUNBOOK_URL for the drill: not the upstream one, so the links prove the base is configuration. */
export const RUNBOOK_BASE = 'https://runbooks.drill.example/hop/runbook.md';
/** What .env.example used to ship; app2 runs with it to prove a placeholder webhook is reported. */
export const PLACEHOLDER_WEBHOOK = 'https://discord.com/api/webhooks/<id>/<token>';
/** The drill's nginx lists 127.0.0.1 as a TLS terminator in front, to prove client addresses flow through. */
export const TERMINATOR = '127.0.0.1';

export interface Stack {
  dir: string;
  logs: string;
  database: string | null;
  replicas: Supervisor[];
  nginx: Started | null;
  /** Where ACME http-01 challenge files go, and the certificate nginx serves. */
  acmeWebroot: string | null;
  prometheus: Started | null;
  alertmanager: Started | null;
  discord: FakeDiscord | null;
  load: Load | null;
  ports: { nginx: number; nginxTls: number; nginxStatus: number; prometheus: number; alertmanager: number; discord: number };
}

/** The public edge clients use: HTTPS. */
export const edge = (s: Stack) => `https://127.0.0.1:${s.ports.nginxTls}`;
/** nginx's plain-HTTP port: ACME challenges, redirects, and what a terminator in front forwards. */
export const edgeHttp = (s: Stack) => `http://127.0.0.1:${s.ports.nginx}`;
/** nginx's internal listener (compose never publishes it): operations endpoints. */
export const edgeInternal = (s: Stack) => `http://127.0.0.1:${s.ports.nginxStatus}`;
export const replicaUrl = (r: Supervisor) => `http://127.0.0.1:${r.port}`;
export const promUrl = (s: Stack) => `http://127.0.0.1:${s.ports.prometheus}`;

export function ensureBinaries(): string {
  let bins = binaries();
  const missing = () => Object.entries(bins).filter(([, path]) => !path).map(([name]) => name);
  if (missing().length === 0) return 'already installed';
  const packages = ['nginx', 'prometheus', 'prometheus-alertmanager'];
  note(`missing ${missing().join(', ')}: apt-get install -y ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => Bun.spawnSync(['apt-get', 'install', '-y', '-qq', ...packages], { env, stdout: 'ignore', stderr: 'pipe' });
  if (install().exitCode !== 0) {
    note('install failed; apt-get update and retry');
    Bun.spawnSync(['apt-get', 'update', '-qq'], { env, stdout: 'ignore', stderr: 'ignore' });
    const retry = install();
    assert(retry.exitCode === 0, `apt-get install failed: ${retry.stderr.toString().trim().slice(-400)}`);
  }
  bins = binaries();
  assert(missing().length === 0, `still missing after install: ${missing().join(', ')}`);
  return 'installed from Debian';
}

export async function createDatabase(stack: Stack): Promise<string> {
  const name = `hop_drill_${Date.now()}_${process.pid}`;
  const admin = new SQL(PG_ADMIN_URL);
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  stack.database = name;
  return databaseUrl(stack);
}

/** The URL of the drill's own database (created by createDatabase). */
export function databaseUrl(stack: Stack): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${stack.database}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new SQL(PG_ADMIN_URL);
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

export async function startStack(stack: Stack, databaseUrl: string): Promise<string> {
  const bins = binaries();
  const appPorts = [freePort(), freePort()];
  stack.discord = new FakeDiscord(stack.ports.discord);

  // Replicas first, one at a time: the first one migrates the fresh database.
  for (const [i, port] of appPorts.entries()) {
    const replica = newReplica(stack, `app${i + 1}`, port!, databaseUrl);
    stack.replicas.push(replica);
    replica.start();
    await waitFor(`${replica.name} /health`, () => isHealthy(replicaUrl(replica)), 60_000);
  }

  const nginx = await renderUpstreams(stack, Object.fromEntries(stack.replicas.map((r) => [r.name, r])));
  trustCertificate(nginx.certificate);
  stack.acmeWebroot = nginx.acmeWebroot;
  stack.nginx = spawnLogged('nginx', [bins.nginx!, '-p', nginx.prefix, '-c', nginx.conf, '-e', nginx.errorLog, '-g', 'daemon off;'], {
    cwd: stack.dir,
    logDir: stack.logs,
  });
  await waitFor('nginx', () => isHealthy(edge(stack)), 15_000);

  const amVersion = alertmanagerVersion(bins.alertmanager!);
  const amConfig = await renderAlertmanager({
    dir: stack.dir,
    webhookUrl: stack.discord.url,
    inlineUrl: !supportsWebhookUrlFile(amVersion),
    fast: true,
  });
  await mkdir(join(stack.dir, 'alertmanager-data'), { recursive: true });
  stack.alertmanager = spawnLogged('alertmanager', [
    bins.alertmanager!,
    `--config.file=${amConfig}`,
    `--storage.path=${join(stack.dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${stack.ports.alertmanager}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { cwd: stack.dir, logDir: stack.logs });

  const prom = await renderPrometheus({
    dir: stack.dir,
    hopTargets: stack.replicas.map((r) => `127.0.0.1:${r.port}`),
    alertmanager: `127.0.0.1:${stack.ports.alertmanager}`,
    prometheus: `127.0.0.1:${stack.ports.prometheus}`,
    interval: '1s',
    runbookBase: RUNBOOK_BASE,
  });
  note(`Prometheus rendering drops the exporter jobs (${prom.dropped.join(', ')}): no exporters run here`);
  stack.prometheus = spawnLogged('prometheus', [
    bins.prometheus!,
    `--config.file=${prom.config}`,
    `--storage.tsdb.path=${join(stack.dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${stack.ports.prometheus}`,
    '--log.level=warn',
  ], { cwd: stack.dir, logDir: stack.logs });

  const ready = async (url: string) => (await request(url, { timeoutMs: 1_000 }).catch(() => null))?.status === 200;
  await waitFor('Alertmanager ready', () => ready(`http://127.0.0.1:${stack.ports.alertmanager}/-/ready`), 20_000);
  await waitFor('Prometheus ready', () => ready(`${promUrl(stack)}/-/ready`), 30_000);
  return `replicas on :${appPorts.join(', :')}, nginx :${stack.ports.nginx}, Prometheus :${stack.ports.prometheus}, Alertmanager ${amVersion.join('.')} :${stack.ports.alertmanager}, Discord :${stack.ports.discord}`;
}

/** One app replica under a restart supervisor (not started), configured like the others. */
export function newReplica(stack: Stack, name: string, port: number, databaseUrl: string, env: Record<string, string> = {}): Supervisor {
  return new Supervisor(name, port, ['bun', 'run', 'src/main.ts'], {
    cwd: REPO_ROOT,
    logDir: stack.logs,
    env: {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      BASE_URL: `https://127.0.0.1:${stack.ports.nginxTls}`,
      CHAOS_TOKEN,
      ADMIN_TOKEN,
      HOP_INITIAL_ADMIN_KEY: API_KEY,
      LOG_LEVEL: 'info',
      SEED: 'false',
      // As compose runs them: behind nginx, judging the Discord webhook (app2 gets .env.example's
      // old placeholder, to prove it is reported; its replacements in the rollout get the real one).
      TRUST_PROXY: 'true',
      DISCORD_WEBHOOK_URL: name === 'app2' ? PLACEHOLDER_WEBHOOK : (stack.discord?.url ?? ''),
      ...env,
    },
  });
}

/**
 * Renders nginx with each upstream slot of ops/nginx (app1, app2) pointing at a replica, checked
 * with `nginx -t`. A running nginx picks it up on SIGHUP, the way a Gateway follows endpoints.
 */
export async function renderUpstreams(stack: Stack, slots: Record<string, Supervisor>) {
  const nginx = await renderNginx({
    dir: stack.dir,
    port: stack.ports.nginx,
    tlsPort: stack.ports.nginxTls,
    statusPort: stack.ports.nginxStatus,
    upstreams: Object.fromEntries(Object.entries(slots).map(([slot, r]) => [slot, `127.0.0.1:${r.port}`])),
    terminators: [TERMINATOR],
  });
  const test = run([binaries().nginx!, '-t', '-p', nginx.prefix, '-c', nginx.conf, '-e', nginx.errorLog]);
  assert(test.code === 0, `nginx -t failed on the rendering:\n${test.out}`);
  return nginx;
}

export async function teardown(stack: Stack, keepFiles: boolean): Promise<void> {
  await stack.load?.stop().catch(() => undefined);
  await Promise.all(stack.replicas.map((r) => r.stop().catch(() => undefined)));
  for (const p of [stack.prometheus, stack.alertmanager]) if (p) await stopProcess(p.proc);
  if (stack.nginx) await stopProcess(stack.nginx.proc, 10_000, 'SIGQUIT');
  await stopAll();
  stack.discord?.stop();
  if (stack.database) await dropDatabase(stack.database).catch((e) => note(`could not drop ${stack.database}: ${e.message}`));
  if (keepFiles) note(`logs and rendered configs kept in ${stack.dir}`);
  else await rm(stack.dir, { recursive: true, force: true });
}

export function newStack(dir: string): Stack {
  return {
    dir,
    logs: join(dir, 'logs'),
    database: null,
    replicas: [],
    nginx: null,
    acmeWebroot: null,
    prometheus: null,
    alertmanager: null,
    discord: null,
    load: null,
    ports: { nginx: freePort(), nginxTls: freePort(), nginxStatus: freePort(), prometheus: freePort(), alertmanager: freePort(), discord: freePort() },
  };
}

/** POST /chaos straight to one replica (through nginx it would land on either). */
export async function chaos(replica: Supervisor, body: object): Promise<void> {
  const res = await request(`${replicaUrl(replica)}/chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-chaos-token': CHAOS_TOKEN },
    body: JSON.stringify(body),
  });
  assert(res.status === 202 || res.status === 200, `POST /chaos ${JSON.stringify(body)} on ${replica.name} answered ${res.status}: ${res.text}`);
}
