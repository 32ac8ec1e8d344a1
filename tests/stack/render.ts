// Renders the production ops/ configs for a loopback run: the same files, with container names
// turned into 127.0.0.1 ports, container paths turned into a temp dir, and (for the drill only)
// short scrape/evaluation/notification intervals. Used by tests/stack/drill.ts and tests/ops/.
// Every substitution is checked: if an ops file changes shape, rendering fails loudly instead
// of silently testing something else.

import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dir, '../..');
export const OPS = join(REPO_ROOT, 'ops');
/** compose's default HOP_RUNBOOK_URL. */
export const DEFAULT_RUNBOOK_BASE = 'https://github.com/hop-shortener/hop/blob/main/docs/runbook.md';

const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

/** First of `names` found on PATH (plus the sbin dirs, where Debian puts nginx). */
export function which(...names: string[]): string | null {
  for (const name of names) {
    const found = Bun.which(name, { PATH: SBIN_PATH });
    if (found) return found;
  }
  return null;
}

/** The binaries the ops tests and the drill use; Debian names Alertmanager prometheus-alertmanager. */
export function binaries() {
  return {
    nginx: which('nginx'),
    prometheus: which('prometheus'),
    promtool: which('promtool'),
    alertmanager: which('alertmanager', 'prometheus-alertmanager'),
    amtool: which('amtool'),
  };
}

export interface RunResult {
  code: number;
  out: string;
}

export function run(cmd: string[], cwd = REPO_ROOT): RunResult {
  const proc = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode ?? -1, out: `${proc.stdout.toString()}${proc.stderr.toString()}`.trim() };
}

/** Alertmanager's version as [major, minor, patch], from `--version`. */
export function alertmanagerVersion(bin: string): [number, number, number] {
  const match = run([bin, '--version']).out.match(/version (\d+)\.(\d+)\.(\d+)/);
  if (!match) throw new Error(`cannot read the version of ${bin}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** `webhook_url_file` in discord_configs arrived in Alertmanager 0.28. */
export function supportsWebhookUrlFile(version: [number, number, number]): boolean {
  const [major, minor] = version;
  return major > 0 || minor >= 28;
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

function replaceChecked(text: string, pattern: RegExp, replacement: string | ((...m: string[]) => string), what: string): string {
  let hits = 0;
  const out = text.replace(pattern, (...args: string[]) => {
    hits++;
    return typeof replacement === 'string' ? replacement : replacement(...args);
  });
  if (hits === 0) throw new Error(`render: expected ${what} (${pattern}) and found none`);
  return out;
}

async function listConf(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.conf')).sort();
}

// ---- nginx ---------------------------------------------------------------------------------

export interface NginxRender {
  /** Rendered nginx.conf; run `nginx -p prefix -c conf -e errorLog`. */
  conf: string;
  /** The throwaway self-signed certificate nginx serves on `tlsPort` (PEM), for a client to trust. */
  certificate: string;
  /** Where ACME challenge files go (what compose's acme-webroot volume is). */
  acmeWebroot: string;
  prefix: string;
  errorLog: string;
  accessLog: string;
}

/**
 * nginx: listen ports (80 -> `port`, 443 -> `tlsPort`, 8081 -> `statusPort`) on 127.0.0.1,
 * `server appN:3000` -> `upstreams.appN`, /etc/nginx, /var/www/acme and /var/log/nginx -> `dir`,
 * temp paths into `dir`, `user` kept only when we are root (as root, the workers keep root so they
 * can write the temp dir). The certificate comes from ops/certs/self-signed.sh, as in compose.
 * `terminators` fills snippets/hop-real-ip.conf the way an operator lists a TLS terminator.
 */
export async function renderNginx(opts: {
  dir: string;
  port: number;
  tlsPort: number;
  statusPort: number;
  upstreams: Record<string, string>;
  terminators?: string[];
}): Promise<NginxRender> {
  const root = join(opts.dir, 'nginx');
  const src = join(OPS, 'nginx');
  for (const sub of ['conf.d', 'snippets', 'logs', 'temp', 'certs', 'acme']) await mkdir(join(root, sub), { recursive: true });
  const certs = run(['sh', join(OPS, 'certs', 'self-signed.sh'), 'localhost', join(root, 'certs')]);
  if (certs.code !== 0) throw new Error(`render: ops/certs/self-signed.sh failed: ${certs.out}`);

  const common = (text: string) =>
    text
      .replaceAll('/etc/nginx/', `${root}/`)
      .replaceAll('/var/log/nginx/', `${root}/logs/`)
      .replaceAll('/var/www/acme', `${root}/acme`)
      .replaceAll('/var/run/nginx.pid', `${root}/nginx.pid`);

  let main = common(await readFile(join(src, 'nginx.conf'), 'utf8'));
  const isRoot = process.getuid?.() === 0;
  main = replaceChecked(main, /^user\s+\S+;\s*$/m, isRoot ? 'user root;' : '', 'the user directive');
  main = replaceChecked(
    main,
    /^http \{$/m,
    [
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${root}/temp/${t};`),
    ].join('\n'),
    'the http block',
  );
  await writeFile(join(root, 'nginx.conf'), main);

  const ports: Record<string, number> = { '80': opts.port, '443': opts.tlsPort, '8081': opts.statusPort };
  for (const file of await listConf(join(src, 'conf.d'))) {
    let text = common(await readFile(join(src, 'conf.d', file), 'utf8'));
    if (/\blisten\s/.test(text)) {
      text = replaceChecked(text, /\blisten\s+(\d+)\b/g, (_m, p) => {
        const to = ports[p!];
        if (!to) throw new Error(`render: nginx listens on ${p}, which the rendering does not know`);
        return `listen 127.0.0.1:${to}`;
      }, 'listen directives');
    }
    if (/\bserver\s+app\d+:3000/.test(text)) {
      text = replaceChecked(text, /\bserver\s+(app\d+):3000/g, (_m, name) => {
        const to = opts.upstreams[name!];
        if (!to) throw new Error(`render: upstream ${name} has no loopback address`);
        return `server ${to}`;
      }, 'upstream servers');
    }
    await writeFile(join(root, 'conf.d', file), text);
  }
  for (const file of await listConf(join(src, 'snippets'))) {
    let text = common(await readFile(join(src, 'snippets', file), 'utf8'));
    if (file === 'hop-real-ip.conf' && opts.terminators?.length) {
      text = `${opts.terminators.map((address) => `set_real_ip_from ${address};`).join('\n')}\n${text}`;
    }
    await writeFile(join(root, 'snippets', file), text);
  }
  return {
    conf: join(root, 'nginx.conf'),
    certificate: await readFile(join(root, 'certs', 'fullchain.pem'), 'utf8'),
    acmeWebroot: join(root, 'acme'),
    prefix: root,
    errorLog: join(root, 'logs', 'error.log'),
    accessLog: join(root, 'logs', 'access.log'),
  };
}

/** Upstream names (app1, app2, ...) the production nginx config proxies to. */
export async function nginxUpstreamNames(): Promise<string[]> {
  const names = new Set<string>();
  for (const file of await listConf(join(OPS, 'nginx', 'conf.d'))) {
    const text = await readFile(join(OPS, 'nginx', 'conf.d', file), 'utf8');
    for (const m of text.matchAll(/\bserver\s+(app\d+):3000/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

// ---- Prometheus ----------------------------------------------------------------------------

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[] }[];
  [key: string]: unknown;
}

export interface PrometheusRender {
  config: string;
  /** Jobs removed because nothing on loopback can answer them (the exporters). */
  dropped: string[];
}

/**
 * Prometheus: the hop job gets static `hopTargets` instead of DNS discovery, alertmanager and
 * prometheus jobs get loopback targets, exporter jobs are dropped, rules are copied beside it.
 */
export async function renderPrometheus(opts: {
  dir: string;
  hopTargets: string[];
  alertmanager: string;
  prometheus: string;
  interval?: string;
  /** What compose passes as HOP_RUNBOOK_URL (the base of every alert's runbook_url). */
  runbookBase?: string;
}): Promise<PrometheusRender> {
  const root = join(opts.dir, 'prometheus');
  await mkdir(root, { recursive: true });
  await cp(join(OPS, 'prometheus', 'rules'), join(root, 'rules'), { recursive: true });

  const config = parse(await readFile(join(OPS, 'prometheus', 'prometheus.yml'), 'utf8'));
  if (opts.interval) {
    config.global.scrape_interval = opts.interval;
    config.global.scrape_timeout = opts.interval;
    config.global.evaluation_interval = opts.interval;
  }
  // Prometheus 3 expands ${HOP_RUNBOOK_URL} itself; the rendering writes the value in, so any
  // Prometheus version (Debian's is 2.x) reads the same result.
  if (config.global?.external_labels?.runbook_base !== '${HOP_RUNBOOK_URL}') {
    throw new Error('render: prometheus.yml is expected to set external_labels.runbook_base: ${HOP_RUNBOOK_URL}');
  }
  config.global.external_labels.runbook_base = opts.runbookBase ?? DEFAULT_RUNBOOK_BASE;
  const amTargets = config.alerting?.alertmanagers?.[0]?.static_configs?.[0];
  if (!amTargets) throw new Error('render: prometheus.yml has no alerting.alertmanagers static target');
  amTargets.targets = [opts.alertmanager];

  const dropped: string[] = [];
  const kept: ScrapeConfig[] = [];
  for (const job of config.scrape_configs as ScrapeConfig[]) {
    if (job.job_name === 'hop') {
      if (!job.dns_sd_configs) throw new Error('render: the hop job is expected to use dns_sd_configs');
      delete job.dns_sd_configs;
      job.static_configs = [{ targets: opts.hopTargets }];
      kept.push(job);
    } else if (job.job_name === 'alertmanager') {
      job.static_configs = [{ targets: [opts.alertmanager] }];
      kept.push(job);
    } else if (job.job_name === 'prometheus') {
      job.static_configs = [{ targets: [opts.prometheus] }];
      kept.push(job);
    } else {
      dropped.push(job.job_name);
    }
  }
  if (!kept.some((j) => j.job_name === 'hop')) throw new Error('render: prometheus.yml has no hop job');
  config.scrape_configs = kept;

  const file = join(root, 'prometheus.yml');
  await writeFile(file, stringify(config));
  return { config: file, dropped };
}

// ---- Alertmanager --------------------------------------------------------------------------

interface Route {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

/**
 * Alertmanager: the Discord webhook URL goes inline (`webhook_url`) when the binary predates
 * `webhook_url_file` (0.28), else into a file in `dir`; `fast` shortens group timers for the drill.
 */
export async function renderAlertmanager(opts: {
  dir: string;
  webhookUrl: string;
  inlineUrl: boolean;
  fast?: boolean;
}): Promise<string> {
  const root = join(opts.dir, 'alertmanager');
  await mkdir(root, { recursive: true });
  await cp(join(OPS, 'alertmanager', 'templates'), join(root, 'templates'), { recursive: true });

  const config = parse(await readFile(join(OPS, 'alertmanager', 'alertmanager.yml'), 'utf8'));
  let discord = 0;
  for (const receiver of config.receivers ?? []) {
    for (const d of receiver.discord_configs ?? []) {
      discord++;
      if (!d.webhook_url_file) throw new Error('render: discord_configs is expected to use webhook_url_file');
      if (opts.inlineUrl) {
        delete d.webhook_url_file;
        d.webhook_url = opts.webhookUrl;
      } else {
        const urlFile = join(root, 'discord_webhook_url');
        await writeFile(urlFile, opts.webhookUrl);
        d.webhook_url_file = urlFile;
      }
    }
  }
  if (discord === 0) throw new Error('render: alertmanager.yml has no discord_configs');

  if (opts.fast) {
    const speedUp = (route: Route) => {
      route.group_wait = '1s';
      route.group_interval = '2s';
      route.repeat_interval = '1h';
      route.routes?.forEach(speedUp);
    };
    speedUp(config.route);
  }
  const file = join(root, 'alertmanager.yml');
  await writeFile(file, stringify(config));
  return file;
}
