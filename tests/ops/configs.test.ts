// The ops/ configs are code: each is checked by its own tool (nginx -t, promtool, amtool) on
// the file compose mounts or on its loopback rendering, and against each other (alerts name a
// runbook section that exists, dashboards read only metrics hop or the exporters expose).
// A tool's checks are skipped only when its binary is not installed (CI installs them).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  alertmanagerVersion,
  binaries,
  freePort,
  nginxUpstreamNames,
  OPS,
  DEFAULT_RUNBOOK_BASE,
  REPO_ROOT,
  renderAlertmanager,
  renderNginx,
  renderPrometheus,
  run,
  supportsWebhookUrlFile,
} from '../stack/render.ts';
import {
  APP_METRICS,
  flattenPanels,
  isExporterMetric,
  metricNames,
  type Panel,
  PROMETHEUS_METRICS,
} from './metrics-contract.ts';

const bin = binaries();
// The base is Prometheus' external label runbook_base (HOP_RUNBOOK_URL), the upstream runbook when
// a Prometheus has no such label (the Helm chart's PrometheusRule on someone else's Prometheus).
const RUNBOOK_URL = `{{ with $externalLabels.runbook_base }}{{ . }}{{ else }}${DEFAULT_RUNBOOK_BASE}{{ end }}#`;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function yamlFiles(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort().map((f) => join(dir, f));
}

async function loadRules(): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const file of await yamlFiles(join(OPS, 'prometheus', 'rules'), '.yml')) {
    const doc = parse(await readFile(file, 'utf8'));
    for (const group of doc.groups) rules.push(...group.rules);
  }
  return rules;
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hop-ops-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('nginx', () => {
  test.skipIf(!bin.nginx)('the loopback rendering of ops/nginx passes nginx -t', async () => {
    const upstreams = Object.fromEntries((await nginxUpstreamNames()).map((n) => [n, `127.0.0.1:${freePort()}`]));
    const r = await renderNginx({ dir: tmp, port: freePort(), tlsPort: freePort(), statusPort: freePort(), upstreams });
    const result = run([bin.nginx!, '-t', '-p', r.prefix, '-c', r.conf, '-e', r.errorLog]);
    expect(result.out).toContain('test is successful');
    expect(result.code).toBe(0);
  });

  test('every nginx error page is a JSON body with a JSON content type', async () => {
    const text = await readFile(join(OPS, 'nginx', 'snippets', 'hop-json-errors.conf'), 'utf8');
    const pages = [...text.matchAll(/^error_page\s+(\d+)\s+(@\w+);/gm)];
    expect(pages.map((m) => m[1])).toEqual(
      expect.arrayContaining(['403', '413', '429', '502', '503', '504']),
    );
    for (const [, code, location] of pages) {
      // One line per location: `location @hop_404 { default_type ...; return 404 '{...}\n'; }`
      const block = text.match(new RegExp(`^location ${location} \\{(.*)\\}$`, 'm'));
      expect(block, `${location} is defined`).not.toBeNull();
      expect(block![1]).toContain('default_type application/json;');
      const body = block![1]!.match(new RegExp(`return ${code} '(.*)';`));
      expect(body, `${location} returns ${code}`).not.toBeNull();
      expect(JSON.parse(body![1]!.replace(/\\n$/, ''))).toEqual({ error: expect.any(String) });
    }
  });

  test('operations endpoints live on the internal listener only, limited to loopback and the compose subnet', async () => {
    const conf = await readFile(join(OPS, 'nginx', 'conf.d', 'hop.conf'), 'utf8');
    const publicConf = await readFile(join(OPS, 'nginx', 'snippets', 'hop-public.conf'), 'utf8');
    const internal = await readFile(join(OPS, 'nginx', 'snippets', 'hop-internal-only.conf'), 'utf8');
    const rules = [...internal.matchAll(/^(allow|deny)\s+(\S+);/gm)].map((m) => `${m[1]} ${m[2]}`);
    const compose = parse(await readFile(join(REPO_ROOT, 'compose.yaml'), 'utf8'));
    const subnet = compose.networks.hop.ipam.config[0].subnet as string;
    const gateway = subnet.replace(/\.0\/24$/, '.1');
    expect(rules).toEqual(['allow 127.0.0.0/8', `deny ${gateway}`, `allow ${subnet}`, 'deny all']);
    // The public servers answer 404 for them; the internal server proxies them behind the allowlist.
    expect(publicConf).toMatch(/location ~ \^\/\(metrics\|logs\|chaos\)\(\/\|\$\) \{\s*return 404;\s*\}/);
    const internalServer = conf.slice(conf.indexOf('listen 8081'));
    const opsLocation = internalServer.match(/location ~ \^\/\(metrics\|logs\|chaos\)\(\/\|\$\) \{([^}]*)\}/);
    expect(opsLocation![1]).toContain('hop-internal-only.conf');
    const stub = internalServer.match(/location = \/stub_status \{([^}]*)\}/);
    expect(stub![1]).toContain('hop-internal-only.conf');
    // Compose never publishes the internal port.
    expect(JSON.stringify(compose.services.nginx.ports)).not.toContain('8081');
  });
});

describe('Prometheus', () => {
  test.skipIf(!bin.promtool)('promtool check config accepts prometheus.yml and its rule files', () => {
    const result = run([bin.promtool!, 'check', 'config', join(OPS, 'prometheus', 'prometheus.yml')]);
    expect(result.out).toContain('is valid prometheus config file syntax');
    expect(result.code).toBe(0);
  });

  test.skipIf(!bin.promtool)('promtool check rules accepts every rule file', async () => {
    const files = await yamlFiles(join(OPS, 'prometheus', 'rules'), '.yml');
    expect(files.length).toBeGreaterThan(0);
    const result = run([bin.promtool!, 'check', 'rules', ...files]);
    expect(result.out).not.toContain('FAILED');
    expect(result.code).toBe(0);
  });

  test.skipIf(!bin.promtool)('promtool test rules passes every unit test', async () => {
    const files = await yamlFiles(join(OPS, 'prometheus', 'tests'), '.test.yml');
    expect(files.length).toBeGreaterThan(0);
    const result = run([bin.promtool!, 'test', 'rules', ...files]);
    expect(result.out).not.toContain('FAILED');
    expect(result.code).toBe(0);
    // Thirty-odd rule tests take promtool a few seconds alone, many more on a loaded CI machine.
  }, 60_000);

  test.skipIf(!bin.promtool)('the loopback rendering used by the stack drill is a valid config too', async () => {
    const r = await renderPrometheus({
      dir: tmp,
      hopTargets: ['127.0.0.1:1', '127.0.0.1:2'],
      alertmanager: '127.0.0.1:3',
      prometheus: '127.0.0.1:4',
      interval: '1s',
    });
    expect(r.dropped.sort()).toEqual(['nginx', 'postgres', 'redis']);
    const result = run([bin.promtool!, 'check', 'config', r.config]);
    expect(result.code).toBe(0);
  });

  test('the runbook base is configuration: an external label from HOP_RUNBOOK_URL that compose sets and every rule test provides', async () => {
    const config = parse(await readFile(join(OPS, 'prometheus', 'prometheus.yml'), 'utf8'));
    expect(config.global.external_labels.runbook_base).toBe('${HOP_RUNBOOK_URL}');
    const compose = parse(await readFile(join(REPO_ROOT, 'compose.yaml'), 'utf8'));
    expect(compose.services.prometheus.environment.HOP_RUNBOOK_URL).toBe(`\${HOP_RUNBOOK_URL:-${DEFAULT_RUNBOOK_BASE}}`);
    for (const file of await yamlFiles(join(OPS, 'prometheus', 'tests'), '.test.yml')) {
      for (const group of parse(await readFile(file, 'utf8')).tests) {
        if (group.name === 'runbook link without a runbook_base label') continue;
        expect(group.external_labels?.runbook_base, `${file}: ${group.name}`).toStartWith('https://');
      }
    }
    const r = await renderPrometheus({ dir: tmp, hopTargets: ['127.0.0.1:1'], alertmanager: '127.0.0.1:3', prometheus: '127.0.0.1:4', runbookBase: 'https://runbooks.example.internal/hop' });
    expect(parse(await readFile(r.config, 'utf8')).global.external_labels.runbook_base).toBe('https://runbooks.example.internal/hop');
  });

  test('the hop job discovers exactly the replicas nginx proxies to', async () => {
    const config = parse(await readFile(join(OPS, 'prometheus', 'prometheus.yml'), 'utf8'));
    const hop = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'hop');
    expect(hop.dns_sd_configs[0].type).toBe('A');
    expect([...hop.dns_sd_configs[0].names].sort()).toEqual(await nginxUpstreamNames());
    const jobs = config.scrape_configs.map((j: { job_name: string }) => j.job_name).sort();
    expect(jobs).toEqual(['alertmanager', 'hop', 'nginx', 'postgres', 'prometheus', 'redis']);
  });
});

describe('alert rules', () => {
  test('every alert has a severity, summary, description with a value, and a runbook section that exists', async () => {
    const rules = (await loadRules()).filter((r) => r.alert);
    const runbook = await readFile(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => githubAnchor(m[1]!)));
    for (const rule of rules) {
      const where = `alert ${rule.alert}`;
      expect(['warning', 'critical'], where).toContain(rule.labels?.severity ?? '(none)');
      expect(rule.annotations?.summary, where).toBeTruthy();
      expect(rule.annotations?.description, where).toBeTruthy();
      expect(rule.annotations?.value, where).toContain('$value');
      // Per-replica and per-target alerts name the instance; service-wide ones (no instance
      // label: AllReplicasDown, the SLO burns) carry their value in `value`.
      if (/\binstance\b|\$labels/.test(rule.annotations?.summary ?? '')) {
        expect(rule.annotations?.description, where).toMatch(/\$labels\.instance|\$value/);
      }
      expect(rule.annotations?.runbook_url, where).toBe(`${RUNBOOK_URL}${rule.alert!.toLowerCase()}`);
      expect(anchors.has(rule.alert!.toLowerCase()), `docs/runbook.md has a "${rule.alert}" heading`).toBe(true);
    }
  });

  test('the required alerts exist', async () => {
    const names = new Set((await loadRules()).map((r) => r.alert).filter(Boolean));
    for (const name of [
      'ServiceDown', 'AllReplicasDown', 'HighErrorRate', 'HighLatency', 'AvailabilityBudgetBurn',
      'LatencyBudgetBurn', 'RedisDown', 'PostgresDown', 'ClickBufferBacklog', 'ClicksDropped',
      'CacheHitRatioLow', 'NginxDown', 'HighMemory',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
  });

  test('every alert has a unit test where it fires and one where it does not', async () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of await yamlFiles(join(OPS, 'prometheus', 'tests'), '.test.yml')) {
      const doc = parse(await readFile(file, 'utf8'));
      for (const t of doc.tests) {
        for (const c of t.alert_rule_test ?? []) {
          (c.exp_alerts?.length ? firing : quiet).add(c.alertname);
        }
      }
    }
    for (const rule of (await loadRules()).filter((r) => r.alert)) {
      expect(firing.has(rule.alert!), `${rule.alert} fires in a test`).toBe(true);
      expect(quiet.has(rule.alert!), `${rule.alert} stays quiet in a test`).toBe(true);
    }
  });

  test('rule expressions read only contract, exporter or recorded metrics', async () => {
    const rules = await loadRules();
    const recorded = new Set(rules.map((r) => r.record).filter(Boolean));
    for (const rule of rules) {
      for (const name of metricNames(rule.expr)) {
        const known = APP_METRICS.has(name) || PROMETHEUS_METRICS.has(name) || isExporterMetric(name) || recorded.has(name);
        expect(known, `${rule.alert ?? rule.record} reads unknown metric ${name}`).toBe(true);
      }
    }
  });
});

describe('Alertmanager', () => {
  test.skipIf(!bin.amtool || !bin.alertmanager)('amtool check-config accepts the config (rendered for this version)', async () => {
    const version = alertmanagerVersion(bin.alertmanager!);
    const file = await renderAlertmanager({
      dir: tmp,
      webhookUrl: 'https://discord.com/api/webhooks/0/placeholder',
      inlineUrl: !supportsWebhookUrlFile(version),
    });
    const result = run([bin.amtool!, 'check-config', file]);
    expect(result.out).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  test('routes to Discord natively, with resolved messages, grouping and inhibitions', async () => {
    const config = parse(await readFile(join(OPS, 'alertmanager', 'alertmanager.yml'), 'utf8'));
    expect(config.route.group_by).toEqual(['alertname', 'instance']);
    const discord = config.receivers.flatMap((r: { discord_configs?: unknown[] }) => r.discord_configs ?? []);
    expect(discord.length).toBeGreaterThan(0);
    for (const d of discord) {
      expect(d.send_resolved).toBe(true);
      expect(d.webhook_url).toBeUndefined(); // the URL is a secret: only webhook_url_file
      expect(d.webhook_url_file).toBe('/run/secrets/discord_webhook_url');
    }
    type Inhibit = { source_matchers: string[]; target_matchers: string[]; equal?: string[] };
    const inhibits: Inhibit[] = config.inhibit_rules;
    const serviceDown = inhibits.find((r) => r.source_matchers.includes('alertname="ServiceDown"'));
    expect(serviceDown?.equal).toEqual(['instance']);
    const critical = inhibits.find((r) => r.source_matchers.includes('severity="critical"'));
    expect(critical?.target_matchers).toEqual(['severity="warning"']);
    expect(critical?.equal).toEqual(['alertname', 'instance']);
  });

  test('the Discord message names the alert, instance, value and runbook link', async () => {
    const tmpl = await readFile(join(OPS, 'alertmanager', 'templates', 'discord.tmpl'), 'utf8');
    for (const field of ['.Labels.alertname', '.Labels.instance', '.Annotations.value', '.Annotations.runbook_url']) {
      expect(tmpl).toContain(field);
    }
  });
});

describe('Grafana', () => {
  const dashboards = ['hop-overview.json', 'hop-infrastructure.json'];

  test('provisioning points at the Prometheus datasource uid and the mounted dashboards', async () => {
    const ds = parse(await readFile(join(OPS, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'));
    expect(ds.datasources.find((d: { type: string }) => d.type === 'prometheus').uid).toBe('prometheus');
    const provider = parse(await readFile(join(OPS, 'grafana', 'provisioning', 'dashboards', 'hop.yml'), 'utf8'));
    expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
  });

  for (const file of dashboards) {
    test(`${file}: every panel queries the prometheus datasource for known metrics`, async () => {
      const dashboard = JSON.parse(await readFile(join(OPS, 'grafana', 'dashboards', file), 'utf8'));
      const panels = flattenPanels(dashboard.panels as Panel[]).filter((p) => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(0);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.datasource?.uid, panel.title).toBe('prometheus');
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.expr, panel.title).toBeTruthy();
          for (const name of metricNames(target.expr!)) {
            const known = APP_METRICS.has(name) || PROMETHEUS_METRICS.has(name) || isExporterMetric(name);
            expect(known, `${file} "${panel.title}" reads unknown metric ${name}`).toBe(true);
          }
        }
      }
      for (const annotation of dashboard.annotations?.list ?? []) {
        for (const name of annotation.expr ? metricNames(annotation.expr) : []) {
          expect(APP_METRICS.has(name), `annotation ${annotation.name} reads ${name}`).toBe(true);
        }
      }
    });
  }

  test('every provisioned dashboard is checked: PromQL ones above, SQL ones here and in the stack drill', async () => {
    const files = (await readdir(join(OPS, 'grafana', 'dashboards'))).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual([...dashboards, 'hop-links.json'].sort());
  });

  test('hop-links.json: every panel reads the click rollups through the hop-postgres datasource, never Prometheus', async () => {
    const dashboard = JSON.parse(await readFile(join(OPS, 'grafana', 'dashboards', 'hop-links.json'), 'utf8'));
    const panels = flattenPanels(dashboard.panels as Panel[]).filter((p) => p.type !== 'row');
    expect(panels.map((p) => p.title)).toEqual([expect.stringMatching(/top links/i), expect.stringMatching(/humans and bots/i), expect.stringMatching(/bot share/i)]);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('hop-postgres');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr, panel.title).toBeUndefined();
        expect(target.rawSql, panel.title).toMatch(/^SELECT [\s\S]+\sFROM link_clicks_daily\b/);
        // The raw click partitions grow without bound: panels read the rollups only.
        expect(target.rawSql, panel.title).not.toMatch(/\bevents/);
      }
    }
  });

  test('the PostgreSQL datasource logs in as hop_grafana, the role the init script makes, with the password from the environment', async () => {
    const ds = parse(await readFile(join(OPS, 'grafana', 'provisioning', 'datasources', 'postgres.yml'), 'utf8'));
    const pg = ds.datasources.find((d: { uid: string }) => d.uid === 'hop-postgres');
    expect(pg).toMatchObject({ type: 'grafana-postgresql-datasource', url: 'postgres:5432', user: 'hop_grafana', jsonData: { database: 'hop' } });
    expect(pg.secureJsonData.password).toBe('$GRAFANA_DB_PASSWORD');
    const init = await readFile(join(OPS, 'postgres', 'init', '10-grafana-role.sh'), 'utf8');
    expect(init).toContain('-v role=hop_grafana -v password="$GRAFANA_DB_PASSWORD"');
    expect(init).toContain('GRANT pg_read_all_data TO :"role";');
    expect(init).not.toMatch(/GRANT (ALL|INSERT|UPDATE|DELETE)|pg_write_all_data/i);
  });

  test('the overview covers RED, redirects, cache, clicks, pool, event loop, memory, replicas and SLO burn', async () => {
    const dashboard = JSON.parse(await readFile(join(OPS, 'grafana', 'dashboards', 'hop-overview.json'), 'utf8'));
    const exprs = flattenPanels(dashboard.panels).flatMap((p) => p.targets ?? []).map((t) => t.expr ?? '');
    for (const metric of [
      'http_requests_total', 'http_request_duration_seconds_bucket', 'hop_redirects_total',
      'hop_cache_lookups_total', 'hop_click_buffer_depth', 'hop_click_flush_duration_seconds_bucket',
      'hop_db_pool_in_use', 'hop_event_loop_lag_seconds', 'process_resident_memory_bytes', 'up',
    ]) {
      expect(exprs.some((e) => metricNames(e).has(metric)), metric).toBe(true);
    }
    const titles = flattenPanels(dashboard.panels).map((p) => p.title);
    expect(titles.some((t) => /burn/i.test(t))).toBe(true);
  });
});
