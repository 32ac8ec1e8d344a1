// compose.yaml against the Compose Specification JSON schema (../shared/schemas, next to the
// repo), plus the promises the schema cannot check: healthchecks and restart everywhere,
// start order on health, limits, named volumes, secrets only from .env.

import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Ajv, { type AnySchema } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };
import { GENERATED_SECRETS } from '../../src/secrets.ts';
import { nginxUpstreamNames, REPO_ROOT } from '../stack/render.ts';
import { startEnvironment } from '../../bench/support.ts';

const SCHEMA_PATH = resolve(REPO_ROOT, '../shared/schemas/compose-spec.json');
const hasSchema = existsSync(SCHEMA_PATH);
if (!hasSchema) console.warn(`compose schema not found at ${SCHEMA_PATH}: schema validation skipped`);

interface Service {
  image?: string;
  command?: string[];
  build?: unknown;
  restart?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  ports?: string[];
}

// Compose resolves YAML merge keys (<<: *app) before it validates; so do we.
const compose = parse(await readFile(join(REPO_ROOT, 'compose.yaml'), 'utf8'), { merge: true });
const services: Record<string, Service> = compose.services;
/** Services that run once and exit (restart "no", no healthcheck): others wait for their success. */
const ONE_SHOT = new Set(['secrets-check', 'certs-init']);

/** Ajv for the draft the schema declares in $schema. */
function ajvFor(schema: { $schema?: string }) {
  const declared = schema.$schema ?? '';
  const options = { allErrors: true, strict: false } as const;
  if (declared.includes('2020-12')) return new Ajv2020(options);
  if (declared.includes('2019-09')) return new Ajv2019(options);
  if (declared.includes('draft-07') || declared === '') return new Ajv(options);
  throw new Error(`compose schema declares an unsupported draft: ${declared}`);
}

describe('compose.yaml', () => {
  test.skipIf(!hasSchema)('validates against the Compose Specification schema', async () => {
    const raw = JSON.parse(await readFile(SCHEMA_PATH, 'utf8'));
    const ajv = ajvFor(raw);
    addFormats(ajv);
    // The draft is chosen from $schema above; Ajv only knows the meta-schema under its
    // http:// id, so the declaration itself is not passed on.
    const { $schema: _declared, ...schema } = raw;
    const validate = ajv.compile(schema as AnySchema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a broken document is refused.
    expect(validate({ services: { app: { restart: ['always'] } } })).toBe(false);
  });

  test('runs nginx, two app replicas, Postgres 17, Redis 7, Prometheus, Alertmanager, Grafana and the exporters', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'alertmanager', 'app1', 'app2', 'grafana', 'nginx', 'nginx-exporter', 'postgres',
        'postgres-exporter', 'prometheus', 'redis', 'redis-exporter', 'secrets-check',
        'certs-init', 'certbot', 'backup',
      ].sort(),
    );
    expect(services.postgres!.image).toMatch(/^postgres:17/);
    expect(services.redis!.image).toMatch(/^redis:7/);
    expect(JSON.stringify(services.redis)).toContain('--appendonly');
  });

  test('every long-running service restarts always and has a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOT.has(name)) {
        expect(service.restart, name).toBe('no');
        continue;
      }
      expect(service.restart, name).toBe('always');
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
  });

  test('every dependency waits for the other service to be healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(service.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(cond.condition, `${name} -> ${dep}`).toBe(ONE_SHOT.has(dep) ? 'service_completed_successfully' : 'service_healthy');
      }
    }
    expect(Object.keys(services.nginx!.depends_on ?? {}).sort()).toEqual(['app1', 'app2', 'certs-init']);
  });

  test('every service has CPU and memory limits', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.deploy?.resources?.limits?.cpus, name).toBeTruthy();
      expect(service.deploy?.resources?.limits?.memory, name).toBeTruthy();
    }
  });

  test('state lives in named volumes', () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, mount] of [
      ['postgres', '/var/lib/postgresql/data'],
      ['redis', '/data'],
      ['prometheus', '/prometheus'],
      ['alertmanager', '/alertmanager'],
      ['grafana', '/var/lib/grafana'],
      ['backup', '/backups'],
    ] as const) {
      const volume = services[name]!.volumes?.find((v) => v.split(':')[1] === mount);
      expect(volume, `${name} mounts ${mount}`).toBeDefined();
      expect(named.has(volume!.split(':')[0]!), `${name}: ${volume} is a named volume`).toBe(true);
    }
  });

  test('config mounts point at files that exist in the repo', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(REPO_ROOT, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  test('the app replicas get their settings and secrets from .env, never inline', async () => {
    for (const name of await nginxUpstreamNames()) {
      const env = services[name]!.environment!;
      expect(env, name).toBeDefined();
      for (const key of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'BASE_URL', 'CHAOS_TOKEN', 'ADMIN_TOKEN', 'LOG_LEVEL', 'SEED', 'REDIS_KEY_PREFIX', 'DISCORD_WEBHOOK_URL']) {
        expect(env[key], `${name} ${key}`).toBeDefined();
      }
      expect(env.PORT).toBe('3000');
      expect(env.SEED).toBe('false');
      for (const key of ['CHAOS_TOKEN', 'ADMIN_TOKEN']) expect(env[key], key).toMatch(/^\$\{[A-Z_]+[:?-]/);
      expect(env.DATABASE_URL).toContain('${POSTGRES_PASSWORD');
    }
    const example = await readFile(join(REPO_ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    const referenced = new Set([...JSON.stringify(compose).matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    for (const name of referenced) expect(documented.has(name), `.env.example documents ${name}`).toBe(true);
    expect(documented.has('DISCORD_WEBHOOK_URL')).toBe(true);
  });

  test('nginx terminates TLS with certificates from a volume the ACME client writes', () => {
    expect(services.nginx!.ports).toEqual(['${HOP_HTTP_PORT:-80}:80', '${HOP_HTTPS_PORT:-443}:443']);
    expect(services.nginx!.volumes).toContain('certs:/etc/nginx/certs:ro');
    expect(services.nginx!.volumes).toContain('acme-webroot:/var/www/acme:ro');
    expect(services['certs-init']!.volumes).toContain('certs:/certs');
    expect(services.certbot!.volumes).toEqual(expect.arrayContaining(['certs:/certs', 'acme-webroot:/var/www/acme']));
    expect((services.certbot as { profiles?: string[] }).profiles).toEqual(['acme']);
  });

  test('backups: the repo\'s backup.sh in the Postgres image of the server\'s own version, with retention', () => {
    const backup = services.backup!;
    expect(backup.image).toBe(services.postgres!.image);
    expect(backup.volumes).toContain('./ops/backup:/ops/backup:ro');
    expect((backup as { entrypoint?: string[] }).entrypoint).toEqual(['/bin/sh', '/ops/backup/backup.sh']);
    expect(backup.command).toEqual(['loop']);
    expect(backup.environment?.BACKUP_KEEP).toBe('${BACKUP_KEEP:-14}');
    expect(JSON.stringify(backup.healthcheck?.test)).toContain('check');
  });

  test('images are tagged with hop\'s version, never latest', () => {
    for (const name of ['secrets-check', 'app1', 'app2']) {
      expect(services[name]!.image, name).toBe(`hop:\${HOP_VERSION:-${packageJson.version}}`);
      expect(services[name]!.build, name).toBeDefined();
    }
    expect(JSON.stringify(compose)).not.toContain(':latest');
  });

  test('a secrets check runs before anything with a secret starts, over every generated secret', () => {
    const check = services['secrets-check']!;
    expect(check.command).toEqual(['bun', 'src/secrets-cli.ts', 'check']);
    for (const name of [...GENERATED_SECRETS, 'CHAOS_TOKEN', 'DISCORD_WEBHOOK_URL']) {
      expect(check.environment?.[name], name).toBe(`\${${name}:-}`);
    }
    for (const name of ['postgres', 'redis', 'alertmanager', 'grafana']) {
      expect(services[name]!.depends_on?.['secrets-check']?.condition, name).toBe('service_completed_successfully');
    }
  });

  test('the Discord webhook reaches Alertmanager as a secret file', () => {
    expect(compose.secrets.discord_webhook_url.environment).toBe('DISCORD_WEBHOOK_URL');
    expect(services.alertmanager!.secrets).toContain('discord_webhook_url');
  });

  test('only nginx listens beyond the host; operator UIs bind to loopback', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name !== 'nginx') expect(port, name).toStartWith('127.0.0.1:');
      }
    }
  });
});

describe('image', () => {
  test('runs hop with the allocator setting `bun run start` gives it, which the benchmarks read', async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    const started = startEnvironment(REPO_ROOT);
    expect(started.MIMALLOC_PURGE_DELAY).toBe('-1');
    // An ENV instruction's assignment, alone on its line or continued (`\`), not a comment's mention.
    const assignments = runtime.split('\n').map((line) => line.replace(/^ENV\s+/, '').replace(/\\$/, '').trim());
    for (const [name, value] of Object.entries(started)) expect(assignments).toContain(`${name}=${value}`);
  });
});
