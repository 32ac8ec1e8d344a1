// Backups: ops/backup/backup.sh (the file compose's `backup` service runs) dumps a database while a
// running hop takes writes and clicks, restores the dump into a fresh database, and the restore is
// compared with the source as of the dump's snapshot: every table's row count and checksum.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { SQL } from 'bun';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/client.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

const SCRIPT = join(import.meta.dir, '../../ops/backup/backup.sh');

/** libpq's variables for a postgres:// URL, as compose sets them for the backup service. */
function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PATH: process.env.PATH ?? '',
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
    PGDATABASE: u.pathname.slice(1),
  };
}

async function backup(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(['sh', SCRIPT, ...args], { env, stdout: 'pipe', stderr: 'pipe' });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: `${out}${err}`.trim() };
}

type Sql = SQL | Awaited<ReturnType<SQL['reserve']>>;

/** Row count and an order-independent checksum of every table (partitioned ones through their parent). */
async function fingerprint(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and not c.relispartition and n.nspname not in ('pg_catalog', 'information_schema')
    order by 1`;
  const result: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe(`select count(*)::text as n, coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '-') as sum from ${name} t`);
    result[name] = `${row.n} rows, md5 ${row.sum}`;
  }
  return result;
}

async function versionsMatch(url: string): Promise<string | null> {
  const dump = Bun.spawnSync(['pg_dump', '--version']);
  if (dump.exitCode !== 0) return 'pg_dump is not installed';
  const client = Number(/(\d+)\.\d+/.exec(dump.stdout.toString())?.[1]);
  const sql = new SQL({ url, max: 1 });
  try {
    const [{ server_version_num }] = await sql`show server_version_num`;
    const server = Math.floor(Number(server_version_num) / 10000);
    return client >= server ? null : `pg_dump ${client} cannot dump a Postgres ${server} server`;
  } finally {
    await sql.close();
  }
}

let source: TestDatabase;
let hop: RunningHop;
let dir: string;
let skip: string | null = null;
const restoreName = `hop_restore_${process.pid}_${Date.now().toString(36)}`;
let adminUrl: string;

beforeAll(async () => {
  source = await freshDatabase('backup_source');
  skip = await versionsMatch(source.url);
  if (skip) console.warn(`backup test skipped: ${skip}`);
  hop = await startHop(source.db, { env: { DATABASE_URL: source.url } });
  dir = await mkdtemp(join(tmpdir(), 'hop-backups-'));
  adminUrl = source.url.replace(/\/[^/]*$/, '/postgres');
}, 30_000);
afterAll(async () => {
  await hop.stop();
  await source.drop();
  const admin = new SQL({ url: adminUrl, max: 1 });
  await admin.unsafe(`drop database if exists "${restoreName}" with (force)`);
  await admin.close();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe('backup.sh', () => {
  it('dumps under write and click load, restores into a fresh database identical to the snapshot, and loses no click', async () => {
    if (skip) return;
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) codes.push((await hop.json('/shorten', { url: `https://example.com/backup/${i}` })).body.short_code);

    // Steady writes and clicks through the real app for the whole dump.
    let running = true;
    const tally = { created: 0, clicked: 0, failed: [] as string[] };
    const writer = async (w: number) => {
      for (let i = 0; running; i++) {
        const res = await hop.json('/shorten', { url: `https://example.com/load/${w}/${i}` });
        if (res.status === 201) tally.created++;
        else tally.failed.push(`POST ${res.status}`);
      }
    };
    const clicker = async () => {
      while (running) {
        const res = await hop.request(`/${codes[Math.floor(Math.random() * codes.length)]}`);
        if (res.status === 302) tally.clicked++;
        else tally.failed.push(`GET ${res.status}`);
      }
    };
    const load = [writer(1), writer(2), clicker(), clicker(), clicker(), clicker()];
    // Dump once clicks are flowing into the database, so the snapshot holds some and misses others.
    const probe = new SQL({ url: source.url, max: 1 });
    for (let tries = 0; tries < 100; tries++) {
      const [{ n }] = await probe`select count(*)::int as n from events where event_type = 'click'`;
      if (n > 0) break;
      await Bun.sleep(50);
    }
    await probe.close();

    // The verifier holds the snapshot the dump takes (as backup.sh's BACKUP_SNAPSHOT documents),
    // so "what was in the database when it was dumped" can be read back exactly.
    const control = new SQL({ url: source.url, max: 1 });
    const snapshotSession = await control.reserve();
    await snapshotSession`begin isolation level repeatable read`;
    const [{ id: snapshot }] = await snapshotSession`select pg_export_snapshot() as id`;
    const during = { created: tally.created, clicked: tally.clicked };
    const started = performance.now();
    const dumped = await backup(['once'], { ...libpqEnv(source.url), BACKUP_DIR: dir, BACKUP_KEEP: '2', BACKUP_SNAPSHOT: snapshot });
    const dumpSeconds = (performance.now() - started) / 1000;
    expect(dumped.code, dumped.out).toBe(0);
    const file = dumped.out.split('\n').at(-1)!;
    expect(file).toMatch(/\/hop-\d{8}T\d{6}Z\.dump$/);
    const atSnapshot = await fingerprint(snapshotSession);
    await snapshotSession`commit`;
    snapshotSession.release();
    await control.close();
    await Bun.sleep(300);
    running = false;
    await Promise.all(load);
    const whileDumping = { created: tally.created - during.created, clicked: tally.clicked - during.clicked };
    console.log(`backup: dump took ${dumpSeconds.toFixed(2)} s while hop answered ${whileDumping.created} creates and ${whileDumping.clicked} redirects; totals ${tally.created} created, ${tally.clicked} clicked, ${tally.failed.length} failed`);
    expect(tally.failed).toEqual([]);
    expect(whileDumping.created).toBeGreaterThan(0);
    expect(whileDumping.clicked).toBeGreaterThan(0);

    // Restore into a fresh database and compare every table with the source at the snapshot.
    const admin = new SQL({ url: adminUrl, max: 1 });
    await admin.unsafe(`create database "${restoreName}"`);
    await admin.close();
    const restoreUrl = source.url.replace(/\/[^/]*$/, `/${restoreName}`);
    const restored = await backup(['restore', file], libpqEnv(restoreUrl));
    expect(restored.code, restored.out).toBe(0);
    const target = new SQL({ url: restoreUrl, max: 1 });
    const afterRestore = await fingerprint(target);
    await target.close();
    expect(Object.keys(afterRestore).length).toBeGreaterThanOrEqual(4);
    expect(afterRestore).toEqual(atSnapshot);
    console.log(`backup: restored ${Object.keys(afterRestore).length} tables identical to the snapshot: ${Object.entries(afterRestore).map(([t, f]) => `${t} ${f.split(',')[0]}`).join('; ')}`);
    expect(Number(afterRestore.events!.split(' ')[0])).toBeGreaterThan(during.created + codes.length);

    // Clicks buffered in hop while the dump ran were written afterwards: none lost in the source.
    await hop.clicks.flush();
    const live = new SQL({ url: source.url, max: 1 });
    const [{ n: clicks }] = await live`select count(*)::int as n from events where event_type = 'click'`;
    await live.close();
    expect(clicks).toBe(tally.clicked);

    // The restored database is a working hop database: it migrates (nothing to do) and serves.
    const restoredDb = openDatabase({ url: restoreUrl, poolMax: 4 });
    const second = await startHop(restoredDb, { env: { DATABASE_URL: restoreUrl } });
    try {
      expect((await second.request(`/${codes[0]}`)).status).toBe(302);
      expect((await second.json('/shorten', { url: 'https://example.com/after-restore' })).status).toBe(201);
    } finally {
      await second.stop();
      await restoredDb.$client.close({ timeout: 1 });
    }
  }, 90_000);

  it('keeps the newest BACKUP_KEEP dumps, and its healthcheck reports their age', async () => {
    if (skip) return;
    const env = { ...libpqEnv(source.url), BACKUP_DIR: dir, BACKUP_KEEP: '2', BACKUP_INTERVAL_SECONDS: '3600' };
    for (let i = 0; i < 2; i++) {
      await Bun.sleep(1_100); // file names carry the second
      expect((await backup(['once'], env)).code).toBe(0);
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.dump'));
    expect(files).toHaveLength(2);
    const check = await backup(['check'], env);
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/newest backup .*hop-\d{8}T\d{6}Z\.dump is \d+s old/);
    const empty = await backup(['check'], { ...env, BACKUP_DIR: join(dir, 'none') });
    expect(empty.code).toBe(1);
    expect((await backup(['restore', join(dir, 'missing.dump')], env)).code).toBe(2);
  }, 60_000);
});
