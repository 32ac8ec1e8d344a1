// The Helm chart, checked offline (`bun run test:k8s`): a real helm lints and renders it for every
// values file in deploy/helm/hop/ci/, and every rendered object is validated (tests/k8s/validate.ts).
// The monitoring objects are checked against their one source in ops/: the PrometheusRule against
// ops/prometheus/rules (and its Kubernetes ServiceDown with promtool), the Discord messages against
// ops/alertmanager/templates (with amtool), the dashboards against ops/grafana/dashboards.
// Not part of `bun run test` (it fetches helm once and compiles every render): .ci/run runs it.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };
import { freePort } from '../support/services.ts';
import { CHART_DIR, helm, helmBinary, lint, REPO_ROOT, template } from './helm.ts';
import { parseRendered, validateRenders, type K8sObject, type Rendered } from './validate.ts';

const CI_DIR = join(CHART_DIR, 'ci');
const valuesFiles = readdirSync(CI_DIR).filter((f) => f.endsWith('.yaml')).sort();
const renders = new Map<string, Rendered[]>();
const work = mkdtempSync(join(tmpdir(), 'hop-k8s-'));
const which = (tool: string) => Bun.which(tool);

function render(file: string): Rendered[] {
  const cached = renders.get(file);
  if (cached) return cached;
  const result = template(CHART_DIR, join(CI_DIR, file));
  if (result.code !== 0) throw new Error(`helm template -f ci/${file} failed: ${result.stderr}`);
  const parsed = parseRendered(result.stdout);
  renders.set(file, parsed);
  return parsed;
}

const objectsOf = (file: string, kind: string) => render(file).map((r) => r.object).filter((o) => o.kind === kind) as (K8sObject & Record<string, any>)[];

beforeAll(() => {
  helmBinary();
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the chart', () => {
  test('is rendered by a real helm 4 binary', () => {
    const version = helm(['version', '--short']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^v4\./);
  });

  test('Chart.yaml: apiVersion v2, kubeVersion >= 1.30, appVersion is hop\'s version, no subcharts', () => {
    const chart = parseYaml(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.kubeVersion).toBe('>=1.30.0-0');
    expect(chart.appVersion).toBe(packageJson.version);
    expect(chart.dependencies).toBeUndefined();
  });

  test('values.schema.json rejects unknown keys at every level', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
    const open: string[] = [];
    const walk = (node: any, path: string) => {
      if (!node || typeof node !== 'object') return;
      if (node.type === 'object' && node.additionalProperties !== false && typeof node.additionalProperties !== 'object') open.push(path || '/');
      if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}/*`);
      for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}/${key}`);
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(schema, '');
    expect(open).toEqual([]);
    // Every default in values.yaml is described by the schema (no key escapes it).
    const values = parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const undescribed: string[] = [];
    const cover = (value: any, node: any, path: string) => {
      if (!value || typeof value !== 'object' || Array.isArray(value) || !node?.properties) return;
      for (const key of Object.keys(value)) {
        if (!(key in node.properties)) undescribed.push(`${path}.${key}`);
        else cover(value[key], node.properties[key], `${path}.${key}`);
      }
    };
    cover(values, schema, '');
    expect(undescribed).toEqual([]);
  });

  for (const file of valuesFiles) {
    test(`helm lint --strict passes with ci/${file}`, () => {
      const result = lint(CHART_DIR, join(CI_DIR, file));
      expect(result.stderr.replace(/^level=INFO msg="found symbolic link.*$/gm, '').trim()).toBe('');
      expect(result.code).toBe(0);
    });
  }

  test('every object of every ci/ render is valid (typed models, no unknown field, CNPG CRDs, chart policies)', async () => {
    const all = valuesFiles.map(render);
    expect(all.every((r) => r.length > 0)).toBe(true);
    expect(await validateRenders(all)).toEqual([]);
  }, 300_000);

  test('each ci/ file renders the objects its configuration promises', () => {
    const kinds = (file: string) => new Set(render(file).map((r) => r.object.kind));
    const base = ['ConfigMap', 'Deployment', 'Service'];
    expect([...kinds('default-values.yaml')]).toEqual(expect.arrayContaining([...base, 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'HTTPRoute', 'Cluster', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule']));
    expect(kinds('default-values.yaml').has('ScaledObject')).toBe(false);
    expect([...kinds('large-values.yaml')]).toEqual(expect.arrayContaining([...base, 'ScaledObject', 'Cluster', 'Pooler', 'ScheduledBackup', 'AlertmanagerConfig']));
    expect(kinds('large-values.yaml').has('HorizontalPodAutoscaler')).toBe(false);
    expect([...kinds('external-values.yaml')]).toEqual(expect.arrayContaining([...base, 'Ingress']));
    for (const absent of ['Cluster', 'HTTPRoute', 'HorizontalPodAutoscaler']) expect(kinds('external-values.yaml').has(absent)).toBe(false);
    expect([...kinds('minimal-values.yaml')].sort()).toEqual(['Cluster', 'ConfigMap', 'Deployment', 'Service']);
  });

  test('Postgres: plain CNPG uses the app secret; with the pooler, queries go through PgBouncer and migrations to the primary', () => {
    const env = (file: string) => Object.fromEntries(objectsOf(file, 'Deployment')[0]!.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    const plain = env('default-values.yaml');
    expect(plain.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'hop-db-app', key: 'uri' });
    expect(plain.MIGRATION_DATABASE_URL).toBeUndefined();
    const pooled = env('large-values.yaml');
    expect(pooled.DATABASE_URL.value).toBe('postgresql://$(HOP_DB_USER):$(HOP_DB_PASSWORD)@hop-db-pooler:5432/app');
    expect(pooled.MIGRATION_DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'hop-db-app', key: 'uri' });
    const pooler = objectsOf('large-values.yaml', 'Pooler')[0]!;
    expect(pooler.spec.pgbouncer.poolMode).toBe('transaction');
    expect(Number(pooler.spec.pgbouncer.parameters.max_prepared_statements)).toBeGreaterThan(0);
    const external = env('external-values.yaml');
    expect(external.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'hop-database', key: 'DATABASE_URL' });
    expect(external.MIGRATION_DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'hop-database', key: 'MIGRATION_DATABASE_URL' });
    expect(external.REDIS_URL.valueFrom.secretKeyRef).toEqual({ name: 'hop-redis', key: 'REDIS_URL' });
  });

  test('Valkey is a cache only: no persistence, bounded memory with LRU eviction', () => {
    const valkey = objectsOf('default-values.yaml', 'Deployment').find((d) => d.metadata.name === 'hop-valkey')!;
    const args: string[] = valkey.spec.template.spec.containers[0].args;
    const arg = (flag: string) => args[args.indexOf(flag) + 1];
    expect(arg('--save')).toBe('');
    expect(arg('--appendonly')).toBe('no');
    expect(arg('--maxmemory')).toBe('128mb');
    expect(arg('--maxmemory-policy')).toBe('allkeys-lru');
    expect(objectsOf('default-values.yaml', 'ConfigMap')[0]!.data.REDIS_URL).toBe('redis://hop-valkey:6379');
  });

  test('refuses a cluster older than Kubernetes 1.30', () => {
    const old = helm(['template', 'hop', CHART_DIR, '-f', join(CI_DIR, 'default-values.yaml'), '--kube-version', '1.29.0']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('kubeVersion');
  });

  test('every environment variable the chart gives hop is one src/config.ts reads', () => {
    const config = readFileSync(join(REPO_ROOT, 'src', 'config.ts'), 'utf8');
    const known = new Set([...config.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!));
    // Read by Bun itself, not by hop.
    known.add('BUN_RUNTIME_TRANSPILER_CACHE_PATH');
    const unknown = new Set<string>();
    for (const file of valuesFiles) {
      const deployment = objectsOf(file, 'Deployment').find((d) => d.metadata.name === 'hop')!;
      const env = deployment.spec.template.spec.containers[0].env.map((e: any) => e.name as string);
      const fromConfigMap = Object.keys(objectsOf(file, 'ConfigMap').find((c) => c.metadata.name === 'hop')!.data);
      // HOP_DB_* and HOP_VALKEY_* only build DATABASE_URL / REDIS_URL through $(VAR) expansion.
      for (const name of [...env, ...fromConfigMap]) if (!known.has(name) && !/^HOP_(DB|VALKEY)_/.test(name)) unknown.add(`${name} (ci/${file})`);
    }
    expect([...unknown]).toEqual([]);
  });

  test.skipIf((!which('valkey-server') && !which('redis-server')) || !which('redis-cli'))('a real server accepts the Valkey arguments and runs as a cache only', async () => {
    const valkey = objectsOf('large-values.yaml', 'Deployment').find((d) => d.metadata.name === 'hop-valkey')!;
    const container = valkey.spec.template.spec.containers[0];
    const password = 'chart-test-password';
    // $(VALKEY_PASSWORD) is expanded by the kubelet from the Secret; here by hand.
    const args: string[] = container.args.map((a: string) => a.replace('$(VALKEY_PASSWORD)', password));
    const port = freePort();
    const server = Bun.spawn([which('valkey-server') ?? which('redis-server')!, ...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', work], { stdout: 'pipe', stderr: 'pipe' });
    const cli = (...command: string[]) => Bun.spawnSync(['redis-cli', '-p', String(port), '-a', password, '--no-auth-warning', ...command], { stdout: 'pipe' }).stdout.toString().trim();
    try {
      // A loaded machine can take seconds to start it.
      for (let i = 0; i < 200 && cli('PING') !== 'PONG'; i++) await Bun.sleep(100);
      expect(cli('PING')).toBe('PONG');
      expect(cli('CONFIG', 'GET', 'save').split('\n')[1] ?? '').toBe('');
      expect(cli('CONFIG', 'GET', 'appendonly').split('\n')[1]).toBe('no');
      expect(cli('CONFIG', 'GET', 'maxmemory-policy').split('\n')[1]).toBe('allkeys-lru');
      expect(cli('CONFIG', 'GET', 'maxmemory').split('\n')[1]).toBe(String(512 * 1024 * 1024));
      // Without the password nothing is served.
      const anonymous = Bun.spawnSync(['redis-cli', '-p', String(port), 'GET', 'x'], { stdout: 'pipe' }).stdout.toString();
      expect(anonymous).toContain('NOAUTH');
    } finally {
      server.kill();
      await server.exited;
    }
  });

  test('a config change rolls the pods (checksum/config follows the ConfigMap)', () => {
    const changed = join(work, 'changed.yaml');
    writeFileSync(changed, `${readFileSync(join(CI_DIR, 'default-values.yaml'), 'utf8')}\nlogLevel: debug\n`);
    const checksum = (objects: Rendered[]) => (objects.find((r) => r.object.kind === 'Deployment')!.object as any).spec.template.metadata.annotations['checksum/config'];
    const before = checksum(render('default-values.yaml'));
    const after = checksum(parseRendered(template(CHART_DIR, changed).stdout));
    expect(after).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });
});

describe('monitoring objects come from ops/ (one source)', () => {
  const ruleGroups = () => readdirSync(join(REPO_ROOT, 'ops', 'prometheus', 'rules')).filter((f) => f.endsWith('.yml')).sort()
    .flatMap((f) => parseYaml(readFileSync(join(REPO_ROOT, 'ops', 'prometheus', 'rules', f), 'utf8')).groups);

  test('the PrometheusRule holds every rule of ops/prometheus/rules, only ServiceDown swapped for its Kubernetes variant', () => {
    const rendered = objectsOf('default-values.yaml', 'PrometheusRule')[0]!.spec.groups;
    const source = ruleGroups();
    expect(rendered.map((g: any) => g.name)).toEqual(source.map((g: any) => g.name));
    for (const [i, group] of source.entries()) {
      for (const [j, rule] of group.rules.entries()) {
        const copy = rendered[i].rules[j];
        if (rule.alert === 'ServiceDown') {
          expect(copy.expr.trim()).toBe('up{job="hop"} == 0');
          expect(copy.labels).toEqual(rule.labels);
          expect(copy.annotations.runbook_url).toBe(rule.annotations.runbook_url);
        } else {
          expect(copy).toEqual(rule);
        }
      }
    }
  });

  test.skipIf(!which('promtool'))('the Kubernetes ServiceDown pages for a pod that stops answering, not for a scale-down or a rollout (compose\'s would)', () => {
    // Pod a: removed by a scale-down (its series ends). Pod b: still an endpoint, not answering.
    // Pod c: replaced in a rollout (its series ends), pod d: its replacement (starts later).
    const series = [
      { series: 'up{job="hop", instance="hop-a"}', values: '1x5' },
      { series: 'up{job="hop", instance="hop-b"}', values: '1x5 0x12' },
      { series: 'up{job="hop", instance="hop-c"}', values: '1x3' },
      { series: 'up{job="hop", instance="hop-d"}', values: '_x3 1x14' },
    ];
    const firing = (...instances: string[]) => instances.map((instance) => ({ exp_labels: { severity: 'critical', job: 'hop', instance } }));
    const promtoolTest = (name: string, groups: any[], expected: object[]) => {
      // Annotations stripped: promtool would compare their rendered text; the labels say enough.
      const stripped = groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...rule }: any) => rule) }));
      writeFileSync(join(work, `${name}.yml`), JSON.stringify({ groups: stripped }));
      writeFileSync(join(work, `${name}.test.yml`), JSON.stringify({
        rule_files: [`${name}.yml`],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: series, alert_rule_test: [{ eval_time: '14m', alertname: 'ServiceDown', exp_alerts: expected }] }],
      }));
      const result = Bun.spawnSync(['promtool', 'test', 'rules', `${name}.test.yml`], { cwd: work, stdout: 'pipe', stderr: 'pipe' });
      return `${result.stdout}${result.stderr}`;
    };
    expect(promtoolTest('k8s', objectsOf('default-values.yaml', 'PrometheusRule')[0]!.spec.groups, firing('hop-b'))).toContain('SUCCESS');
    expect(promtoolTest('compose', ruleGroups(), firing('hop-a', 'hop-b', 'hop-c'))).toContain('SUCCESS');
  });

  test.skipIf(!which('promtool'))('promtool accepts every rule the PrometheusRule carries', () => {
    writeFileSync(join(work, 'check-rules.yml'), JSON.stringify({ groups: objectsOf('large-values.yaml', 'PrometheusRule')[0]!.spec.groups }));
    const result = Bun.spawnSync(['promtool', 'check', 'rules', 'check-rules.yml'], { cwd: work, stdout: 'pipe', stderr: 'pipe' });
    expect(result.stderr.toString()).toBe('');
    expect(result.exitCode).toBe(0);
  });

  test.skipIf(!which('amtool'))('the AlertmanagerConfig renders the Discord title and message exactly as ops/alertmanager/templates does', () => {
    const discord = objectsOf('large-values.yaml', 'AlertmanagerConfig')[0]!.spec.receivers[0].discordConfigs[0];
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'ops', 'alertmanager', 'alertmanager.yml'), 'utf8')).receivers[0].discord_configs[0];
    writeFileSync(join(work, 'none.tmpl'), '');
    // Fixed alerts: amtool's built-in example stamps "now", and two renders a second apart differed.
    const alert = (status: string, instance: string) => ({
      status,
      labels: { alertname: 'ServiceDown', severity: 'critical', job: 'hop', instance },
      annotations: { summary: `hop ${instance} is down`, description: 'no scrape for 1m', runbook_url: 'https://example.com/runbook#servicedown' },
      startsAt: '2026-12-07T10:00:00Z',
      endsAt: status === 'resolved' ? '2026-12-07T10:05:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: instance,
    });
    const data = join(work, 'alerts.json');
    for (const status of ['firing', 'resolved']) {
      writeFileSync(data, JSON.stringify({
        receiver: 'discord', status, alerts: [alert(status, 'hop-a'), alert(status, 'hop-b')],
        groupLabels: { alertname: 'ServiceDown' }, commonLabels: { alertname: 'ServiceDown', severity: 'critical', job: 'hop' },
        commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
      }));
      renders(status);
    }
    expect(discord.apiURL).toEqual({ name: 'hop-discord', key: 'webhook-url' });

    function renders(status: string) {
      for (const field of ['title', 'message'] as const) {
        const fromFiles = amtool(join(REPO_ROOT, 'ops', 'alertmanager', 'templates', '*.tmpl'), compose[field]);
        expect(amtool(join(work, 'none.tmpl'), discord[field])).toBe(fromFiles);
        if (field === 'message') expect(fromFiles).toContain(status === 'firing' ? 'Since 2026-12-07 10:00:00 UTC' : 'Resolved at 2026-12-07 10:05:00 UTC');
        else expect(fromFiles.length).toBeGreaterThan(0);
      }
    }
    function amtool(glob: string, text: string) {
      const result = Bun.spawnSync(['amtool', 'template', 'render', `--template.glob=${glob}`, `--template.text=${text}`, `--template.data=${data}`], { stdout: 'pipe', stderr: 'pipe' });
      expect(result.stderr.toString()).toBe('');
      return result.stdout.toString();
    }
  });

  test('the AlertmanagerConfig keeps compose\'s grouping, timings and inhibitions', () => {
    const spec = objectsOf('large-values.yaml', 'AlertmanagerConfig')[0]!.spec;
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'ops', 'alertmanager', 'alertmanager.yml'), 'utf8'));
    expect(spec.route.groupBy).toEqual(compose.route.group_by);
    expect([spec.route.groupWait, spec.route.groupInterval, spec.route.repeatInterval]).toEqual([compose.route.group_wait, compose.route.group_interval, compose.route.repeat_interval]);
    expect(spec.route.routes.map((r: any) => r.matchers.map((m: any) => `${m.name}${m.matchType}"${m.value}"`))).toEqual(compose.route.routes.map((r: any) => r.matchers));
    expect(spec.inhibitRules.map((r: any) => [r.sourceMatch.map((m: any) => `${m.name}${m.matchType}"${m.value}"`), r.targetMatch.map((m: any) => `${m.name}${m.matchType}"${m.value}"`), r.equal]))
      .toEqual(compose.inhibit_rules.map((r: any) => [r.source_matchers, r.target_matchers, r.equal]));
  });

  test('one ConfigMap per dashboard, byte for byte ops/grafana/dashboards, labelled for the Grafana sidecar', () => {
    const dir = join(REPO_ROOT, 'ops', 'grafana', 'dashboards');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const maps = objectsOf('default-values.yaml', 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(maps.map((m) => Object.keys(m.data)[0]).sort()).toEqual(files);
    for (const map of maps) {
      const [file, content] = Object.entries(map.data as Record<string, string>)[0]!;
      expect(content).toBe(readFileSync(join(dir, file), 'utf8').replace(/\n$/, ''));
    }
  });

  test('helm package follows the symlinks: the packaged chart renders exactly as the directory', () => {
    const packaged = helm(['package', CHART_DIR, '--destination', work]);
    expect(packaged.code).toBe(0);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const listing = Bun.spawnSync(['tar', '-tzf', join(work, tgz)], { stdout: 'pipe' }).stdout.toString();
    for (const f of readdirSync(join(REPO_ROOT, 'ops', 'prometheus', 'rules'))) expect(listing).toContain(`hop/files/prometheus-rules/${f}`);
    const values = join(CI_DIR, 'large-values.yaml');
    const fromPackage = helm(['template', 'hop', join(work, tgz), '-f', values, '--namespace', 'hop']);
    expect(fromPackage.code).toBe(0);
    expect(fromPackage.stdout).toBe(template(CHART_DIR, values).stdout);
  });
});
