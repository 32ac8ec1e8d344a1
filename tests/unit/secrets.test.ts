import { describe, expect, it } from 'bun:test';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/auth/key-format.ts';
import { checkDeploymentSecrets, generateSecret, GENERATED_SECRETS, INITIAL_ADMIN_KEY, isPlaceholder, renderEnvFile } from '../../src/secrets.ts';

const REPO = join(import.meta.dir, '../..');

describe('placeholders', () => {
  it.each(['change-me-postgres', 'CHANGEME', 'replace_me', 'https://discord.com/api/webhooks/<id>/<token>', 'your-password', 'xxxx', 'password'])(
    'treats %p as a placeholder',
    (value) => expect(isPlaceholder(value)).toBe(true),
  );
  it('does not treat generated values as placeholders', () => {
    for (let i = 0; i < 50; i++) expect(isPlaceholder(generateSecret())).toBe(false);
  });
});

describe('renderEnvFile', () => {
  it('fills every generated secret of .env.example with a distinct 64-hex value and keeps the rest', async () => {
    const example = await readFile(join(REPO, '.env.example'), 'utf8');
    const rendered = renderEnvFile(example);
    const values = Object.fromEntries(rendered.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    for (const name of GENERATED_SECRETS) expect(values[name]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(GENERATED_SECRETS.map((n) => values[n])).size).toBe(GENERATED_SECRETS.length);
    expect(values[INITIAL_ADMIN_KEY]).toMatch(/^hop_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(checkDeploymentSecrets(values).errors).toEqual([]);
    // Comments and non-secret settings are carried over.
    expect(rendered).toContain('LOG_LEVEL=info');
    expect(rendered.split('\n').filter((l) => l.startsWith('#')).length).toBe(example.split('\n').filter((l) => l.startsWith('#')).length);
  });

  it('adds a generated secret the example lacks', () => {
    expect(renderEnvFile('LOG_LEVEL=info', () => 'x'.repeat(8) + 'generated')).toContain('ADMIN_TOKEN=xxxxxxxxgenerated');
  });
});

describe('checkDeploymentSecrets', () => {
  const good = { ...Object.fromEntries(GENERATED_SECRETS.map((n) => [n, generateSecret()])), [INITIAL_ADMIN_KEY]: generateKey().key };

  it('asks for a well-formed first admin key unless AUTH_MODE=open', () => {
    expect(checkDeploymentSecrets({ ...good, [INITIAL_ADMIN_KEY]: '' }).errors).toEqual([expect.stringContaining('HOP_INITIAL_ADMIN_KEY is not set')]);
    expect(checkDeploymentSecrets({ ...good, [INITIAL_ADMIN_KEY]: 'change-me' }).errors).toEqual([expect.stringContaining('HOP_INITIAL_ADMIN_KEY is not an API key')]);
    expect(checkDeploymentSecrets({ ...good, [INITIAL_ADMIN_KEY]: '', AUTH_MODE: 'open' }).errors).toEqual([]);
  });

  it('rejects missing, placeholder and short secrets by name, never echoing the value', () => {
    const { errors } = checkDeploymentSecrets({ ...good, POSTGRES_PASSWORD: 'change-me-postgres', REDIS_PASSWORD: '', GRAFANA_ADMIN_PASSWORD: 'short-one', GRAFANA_DB_PASSWORD: '', CHAOS_TOKEN: 'change-me' });
    expect(errors).toHaveLength(5);
    expect(errors.join('\n')).toContain('POSTGRES_PASSWORD is a placeholder');
    expect(errors.join('\n')).toContain('REDIS_PASSWORD is not set');
    expect(errors.join('\n')).toContain('GRAFANA_ADMIN_PASSWORD is shorter');
    expect(errors.join('\n')).toContain('GRAFANA_DB_PASSWORD is not set');
    expect(errors.join('\n')).toContain('CHAOS_TOKEN');
    expect(errors.join('\n')).not.toContain('change-me-postgres');
  });

  it('warns, without refusing, when the Discord webhook is missing or a placeholder', () => {
    expect(checkDeploymentSecrets(good)).toEqual({ errors: [], warnings: [expect.stringContaining('DISCORD_WEBHOOK_URL is not set')] });
    expect(checkDeploymentSecrets({ ...good, DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/<id>/<token>' }).warnings[0]).toContain('placeholder');
    expect(checkDeploymentSecrets({ ...good, DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/abc' })).toEqual({ errors: [], warnings: [] });
  });
});

describe('bun run secrets (the CLI)', () => {
  const cli = join(REPO, 'src/secrets-cli.ts');
  const run = (args: string[], env: Record<string, string> = {}, cwd = REPO) => {
    const proc = Bun.spawnSync(['bun', cli, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' });
    return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
  };

  it('check: exits 1 naming each bad variable, 0 with a warning for a placeholder webhook', () => {
    const bad = run(['check'], { POSTGRES_PASSWORD: 'change-me-postgres' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('POSTGRES_PASSWORD is a placeholder');
    expect(bad.err).toContain('ADMIN_TOKEN is not set');
    const good = { ...Object.fromEntries(GENERATED_SECRETS.map((n) => [n, generateSecret()])), [INITIAL_ADMIN_KEY]: generateKey().key };
    const ok = run(['check'], { ...good, DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/<id>/<token>' });
    expect(ok.code).toBe(0);
    expect(ok.err).toContain('DISCORD_WEBHOOK_URL is a placeholder');
    expect(ok.out).toContain('ok (1 warning)');
  });

  it('--print writes a .env with fresh secrets to stdout; unknown arguments exit 2', () => {
    const printed = run(['--print']);
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/^ADMIN_TOKEN=[0-9a-f]{64}$/m);
    expect(run(['--print']).out).not.toBe(printed.out);
    expect(run(['--bogus']).code).toBe(2);
  });

  it('writes .env with mode 600 and refuses to overwrite it without --force', async () => {
    // The CLI writes beside .env.example in its repo: run a copy of both in a temp dir.
    const dir = await mkdtemp(join(tmpdir(), 'hop-secrets-'));
    try {
      await Bun.write(join(dir, 'src/secrets-cli.ts'), Bun.file(cli));
      await Bun.write(join(dir, 'src/secrets.ts'), Bun.file(join(REPO, 'src/secrets.ts')));
      await Bun.write(join(dir, 'src/auth/key-format.ts'), Bun.file(join(REPO, 'src/auth/key-format.ts')));
      await Bun.write(join(dir, '.env.example'), Bun.file(join(REPO, '.env.example')));
      const copy = (args: string[]) => {
        const proc = Bun.spawnSync(['bun', join(dir, 'src/secrets-cli.ts'), ...args], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
        return { code: proc.exitCode, err: proc.stderr.toString() };
      };
      expect(copy([]).code).toBe(0);
      const first = await readFile(join(dir, '.env'), 'utf8');
      expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
      const again = copy([]);
      expect(again.code).toBe(1);
      expect(again.err).toContain('--force');
      expect(await readFile(join(dir, '.env'), 'utf8')).toBe(first);
      expect(copy(['--force']).code).toBe(0);
      expect(await readFile(join(dir, '.env'), 'utf8')).not.toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
