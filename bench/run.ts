// `bun run bench`: the hot-path benchmark. Starts hop against real Postgres and Redis, drives each
// row with wrk at 100 connections on 127.0.0.1, prints the table (rps, p50, p99, ratio to the bare
// Bun.serve ceiling measured in the same run) and writes it to docs/performance.md.
// It also runs the build from before link options (issue 13) beside this one, on a database of its own
// that it migrates itself (its schema, as it shipped), so the cost of a plain link's cached redirect,
// hop's and Postgres', is compared in one run; and prints a max_clicks link's redirect as its own row.
import { SQL } from 'bun';
import { sql } from 'drizzle-orm';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/client.ts';
import { generateKey } from '../src/auth/key-format.ts';
import { runMigrations } from '../db/migrate.ts';
import { ClickRecorder } from '../src/events/click-recorder.ts';
import { foldCommitted } from '../src/stats/rollup-folder.ts';
import { loadConfig } from '../src/config.ts';
import { cpuSecondsOf, startEnvironment, unpackBuild } from './support.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'no-write': { type: 'boolean', default: false },
    /** The build to compare a plain link's cached redirect with; default: the commit before link options. */
    baseline: { type: 'string' },
    /** Rounds of the build-against-build comparison, alternating; each figure is the median. */
    rounds: { type: 'string', default: '3' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Math.max(1, Number(values.rounds));
const ROOT = path.resolve(import.meta.dir, '..');
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB_NAME = 'hop_bench';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB_NAME}`);
const BASELINE_DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB_NAME}_baseline`);
// After each row, before its CPU is read: the clicks of its last moments are written (the recorder
// flushes every 100 ms), then folded into the rollups (foldNow), so every row pays for all the clicks
// it served, whatever ROLLUP_INTERVAL_MS is.
const SETTLE_MS = 1_500;

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** CPU microseconds per completed request: the server under test, all of Postgres, wrk. */
  cpu: { server: number; postgres: number; wrk: number };
}

// Where the time goes, from the kernel's accounting rather than a profiler: CPU used per request by
// the server, by Postgres (every backend: clicks, creates, lookups) and by wrk. Linux /proc only.
/** Every process named `postgres` on this host (NaN when none is visible, e.g. Postgres in a container). */
function postgresCpuSeconds(): number {
  let total = 0;
  let found = false;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += cpuSecondsOf(pid, { reaped: true }) || 0;
      found = true;
    } catch {
      // the process ended meanwhile (its CPU is then missing from the row: the figure is a floor)
    }
  }
  return found ? total : Number.NaN;
}

const children: ReturnType<typeof Bun.spawn>[] = [];
// Every replica runs in hop's default AUTH_MODE=keys with this admin key (the compose way).
const API_KEY = generateKey().key;
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await fetch(url, { redirect: 'manual' }).then((r) => r.status < 500, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await Bun.sleep(50);
  }
}

// Each build runs as it shipped: this one with what `bun run start` and the image set (the allocator
// setting, docs/decisions.md), the older one with what it shipped with (nothing then).
async function startHop(port: number, env: Record<string, string>, cwd = ROOT) {
  const child = Bun.spawn(['bun', 'run', 'src/main.ts'], {
    cwd,
    env: { ...process.env, ...startEnvironment(cwd), PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: DB_URL, LOG_LEVEL: 'warn', SEED: 'false', WRITE_RATE_LIMIT: '0', AUTH_MODE: 'keys', HOP_INITIAL_ADMIN_KEY: API_KEY, ...env },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(child);
  await waitForHealth(`http://127.0.0.1:${port}/health`);
  return child;
}

function millis(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/**
 * Folds every stored click of this build's database now, from here rather than waiting for the
 * replica's next round (ROLLUP_INTERVAL_MS): a row then pays for its fold without also paying for
 * seconds of idling the build before never waited through. As the rebuild does (foldCommitted), and
 * then checks that nothing stored is left unfolded. Only this build's rows call it (the default older
 * build has no rollups).
 */
async function foldNow(): Promise<void> {
  await db.transaction(async (tx) => {
    await foldCommitted(tx);
    const [state] = await tx.execute<{ folded: boolean }>(sql`
      select (select folded_through from click_fold_watermark where id = 1) >= coalesce((select max(id) from events_clicks), 0) as folded`);
    if (!state?.folded) throw new Error('clicks left unfolded after the row: some were still buffered past the settle time');
  });
}

/** One wrk row. `folds`: the server folds clicks into this build's rollups, and the row waits for them. */
async function wrk(name: string, url: string, script: string, env: Record<string, string> = {}, serverPid?: number, folds = false): Promise<Row> {
  const before = { server: serverPid ? cpuSecondsOf(serverPid) : NaN, postgres: postgresCpuSeconds() };
  const result = Bun.spawnSync(
    ['wrk', '-t', '1', '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, '--latency', '-s', path.join(ROOT, 'bench/wrk', script), url],
    { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' },
  );
  Bun.sleepSync(SETTLE_MS);
  if (folds) await foldNow();
  const out = result.stdout.toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = millis(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = millis(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  const perRequest = (seconds: number) => (seconds * 1e6) / requests;
  const cpu = {
    server: perRequest((serverPid ? cpuSecondsOf(serverPid) : NaN) - before.server),
    postgres: perRequest(postgresCpuSeconds() - before.postgres),
    wrk: perRequest(Number(result.resourceUsage?.cpuTime.total ?? Number.NaN) / 1e6),
  };
  console.log(`${name}: ${rps.toFixed(0)} rps, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${requests} requests, ${errors} errors; CPU µs/request: server ${cpu.server.toFixed(1)}, Postgres ${cpu.postgres.toFixed(1)}, wrk ${cpu.wrk.toFixed(1)}`);
  return { name, rps, p50, p99, requests, errors, cpu };
}

/** Each figure the median over rounds; requests and errors summed (every request was served). */
function medianRow(name: string, rounds: Row[]): Row {
  const median = (pick: (row: Row) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const sum = (pick: (row: Row) => number) => rounds.reduce((total, row) => total + pick(row), 0);
  return {
    name,
    rps: median((row) => row.rps),
    p50: median((row) => row.p50),
    p99: median((row) => row.p99),
    requests: sum((row) => row.requests),
    errors: sum((row) => row.errors),
    cpu: { server: median((row) => row.cpu.server), postgres: median((row) => row.cpu.postgres), wrk: median((row) => row.cpu.wrk) },
  };
}

async function prepareDatabase() {
  const admin = new SQL({ url: ADMIN_URL, max: 1 });
  for (const name of [DB_NAME, `${DB_NAME}_baseline`]) {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  }
  await admin.close();
  const db = openDatabase({ url: DB_URL, poolMax: 4 });
  await runMigrations(db);
  return db;
}

/**
 * The sources of `ref` (default: the parent of the commit that added link options) unpacked into a
 * temporary directory that shares this checkout's node_modules: an older build to run beside this one.
 */
function checkoutBaseline(ref: string | undefined): { dir: string; commit: string } | null {
  const git = (...args: string[]) => Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const introduced = git('log', '--diff-filter=A', '--format=%H', '--', 'src/urls/click-limit.ts').stdout.toString().trim().split('\n').pop();
  const wanted = ref ?? (introduced ? `${introduced}^` : undefined);
  const commit = wanted ? git('rev-parse', '--short', wanted).stdout.toString().trim() : '';
  if (!commit) {
    console.log('baseline: no commit to compare with (git history unavailable); row skipped');
    return null;
  }
  return { dir: unpackBuild(ROOT, commit, 'hop-bench-baseline-'), commit };
}

async function createLinks(base: string, count: number, set = 'seed', options: Record<string, unknown> = {}): Promise<string> {
  const codes: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        fetch(`${base}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ url: `https://example.com/${set}/${i + j}`, ...options }) })
          .then((r) => r.json() as Promise<{ short_code: string }>),
      ),
    );
    codes.push(...batch.map((link) => link.short_code));
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'hop-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'codes.txt');
  writeFileSync(file, codes.join('\n') + '\n');
  return file;
}

/** The recorder alone, with hop's default batch size and concurrency: how many click rows per second it writes. */
async function clickIngest(db: ReturnType<typeof openDatabase>): Promise<number> {
  const [link] = await db.execute<{ id: number }>(sql`select id from urls limit 1`);
  const { batchSize, flushConcurrency } = loadConfig({}).clicks;
  const recorder = new ClickRecorder(db, { flushIntervalMs: 1_000_000, batchSize, bufferCap: 1_000_000, flushConcurrency });
  const rows = 200_000;
  const at = Date.now();
  for (let i = 0; i < rows; i++) recorder.record({ urlId: link!.id, at, referrer: null, userAgent: 'bench', requestId: String(i) });
  const started = performance.now();
  await recorder.flush();
  const seconds = (performance.now() - started) / 1000;
  const rate = rows / seconds;
  console.log(`click recorder: ${rows} rows in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} rows/s`);
  return rate;
}

const db = await prepareDatabase();
const ports = { ceiling: 3901, full: 3902, l2: 3903, nocache: 3904, noclicks: 3905, baseline: 3906 };
// The ceiling runs on the same runtime settings as this build (the allocator's, bench/support.ts).
const ceilingServer = Bun.spawn(['bun', 'run', 'bench/ceiling.ts', String(ports.ceiling)], { cwd: ROOT, env: { ...process.env, ...startEnvironment(ROOT) }, stdout: 'ignore' });
children.push(ceilingServer);
await waitForHealth(`http://127.0.0.1:${ports.ceiling}/`);
// As deployed by compose and the chart: behind nginx, which sends X-Forwarded-For, with TRUST_PROXY on.
const BEHIND_PROXY = { FORWARDED_FOR: '203.0.113.7' };
const full = await startHop(ports.full, { REDIS_URL, TRUST_PROXY: 'true' });
const codesFile = await createLinks(`http://127.0.0.1:${ports.full}`, 1000);
// A limit no run reaches: every redirect pays the admission (one conditional UPDATE in Postgres).
const limitedCodesFile = await createLinks(`http://127.0.0.1:${ports.full}`, 1000, 'limited', { max_clicks: 2_000_000_000 });
const directCodesFile = await createLinks(`http://127.0.0.1:${ports.full}`, 1000, 'direct');
const baselineBuild = checkoutBaseline(values.baseline);
const clicksOn = async (set: string) =>
  ((await db.execute<{ n: number }>(sql`
    select count(*)::int as n from events e join urls u on u.id = e.url_id
    where e.event_type = 'click' and u.original_url like ${`https://example.com/${set}/%`}`)) as unknown as [{ n: number }])[0].n;

// Warm-up, then the rows, one at a time so they do not compete for the two cores.
await wrk('warm-up', `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: codesFile, ...BEHIND_PROXY }, undefined, true);
const rows: Row[] = [];
rows.push(await wrk('bare Bun.serve 302 (ceiling)', `http://127.0.0.1:${ports.ceiling}`, 'redirect.lua', { CODES_FILE: codesFile }, ceilingServer.pid));
await Bun.sleep(500); // the warm-up's last clicks land before counting starts
// This build and the older one, alternating round by round so both meet the same machine; each
// figure is the median of its rounds (the machine is shared and its speed drifts within minutes).
const baseline = baselineBuild
  ? await (async () => {
      // Same Postgres server, same Redis, the same number of links; its own database and schema.
      const server = await startHop(ports.baseline, { REDIS_URL, DATABASE_URL: BASELINE_DB_URL }, baselineBuild.dir);
      const codes = await createLinks(`http://127.0.0.1:${ports.baseline}`, 1000, 'baseline');
      await wrk('warm-up', `http://127.0.0.1:${ports.baseline}`, 'redirect.lua', { CODES_FILE: codes, ...BEHIND_PROXY });
      return { server, codes };
    })()
  : null;
const clicksBefore = await clicksOn('seed');
const cachedRounds: Row[] = [];
const baselineRounds: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  cachedRounds.push(await wrk(`hop cached redirect, round ${round + 1}`, `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: codesFile, ...BEHIND_PROXY }, full.pid, true));
  if (baseline) baselineRounds.push(await wrk(`build before, round ${round + 1}`, `http://127.0.0.1:${ports.baseline}`, 'redirect.lua', { CODES_FILE: baseline.codes, ...BEHIND_PROXY }, baseline.server.pid));
}
const rounds = ROUNDS > 1 ? `, median of ${ROUNDS} rounds` : '';
const cached = medianRow(`hop cached redirect (L1 + Redis, clicks on), behind a proxy${rounds}`, cachedRounds);
rows.push(cached);
let baselineRow: Row | undefined;
if (baseline && baselineBuild) {
  baselineRow = medianRow(`same, build before link options and stats (${baselineBuild.commit}), its own schema, behind a proxy${rounds}`, baselineRounds);
  rows.push(baselineRow);
  baseline.server.kill('SIGTERM');
  await baseline.server.exited;
}
// Exposed directly: the client is the TCP peer, which Bun reads with a getpeername call per click.
await wrk('warm-up', `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: directCodesFile }, undefined, true);
const direct = await wrk('same, exposed directly (no X-Forwarded-For: the TCP peer is read per click)', `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: directCodesFile }, full.pid, true);
rows.push(direct);
await wrk('warm-up', `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: limitedCodesFile }, undefined, true);
const limited = await wrk('hop cached redirect of a max_clicks link (Postgres admission per click)', `http://127.0.0.1:${ports.full}`, 'redirect.lua', { CODES_FILE: limitedCodesFile }, full.pid, true);
rows.push(limited);

// Stop the cached replica gracefully: every 302 it served must be stored as a click.
full.kill('SIGTERM');
await full.exited;
const storedDuringCached = (await clicksOn('seed')) - clicksBefore;

// Diagnostic: the same replica with a click buffer of 1, so clicks are dropped instead of stored and
// Postgres does no ingest work: how much of the gap to the ceiling is hop, how much is the click insert.
const noClicks = await startHop(ports.noclicks, { REDIS_URL, CLICK_BUFFER_CAP: '1' });
await wrk('warm-up', `http://127.0.0.1:${ports.noclicks}`, 'redirect.lua', { CODES_FILE: codesFile }, undefined, true);
rows.push(await wrk('diagnostic: cached redirect, clicks not stored', `http://127.0.0.1:${ports.noclicks}`, 'redirect.lua', { CODES_FILE: codesFile }, noClicks.pid, true));
noClicks.kill('SIGTERM');
await noClicks.exited;

const l2 = await startHop(ports.l2, { REDIS_URL, CACHE_L1_MAX_ENTRIES: '0' });
await wrk('warm-up', `http://127.0.0.1:${ports.l2}`, 'redirect.lua', { CODES_FILE: codesFile }, undefined, true);
rows.push(await wrk('hop redirect, L1 off (Redis path)', `http://127.0.0.1:${ports.l2}`, 'redirect.lua', { CODES_FILE: codesFile }, l2.pid, true));
const nocache = await startHop(ports.nocache, { CACHE_L1_MAX_ENTRIES: '0' });
rows.push(await wrk('hop uncached redirect (Postgres every time)', `http://127.0.0.1:${ports.nocache}`, 'redirect.lua', { CODES_FILE: codesFile }, nocache.pid, true));
rows.push(await wrk('hop POST /shorten', `http://127.0.0.1:${ports.nocache}`, 'shorten.lua', { HOP_API_KEY: API_KEY }, nocache.pid, true));
// Alone on the machine: the replicas still up would only idle, but they go first all the same.
l2.kill('SIGTERM');
nocache.kill('SIGTERM');
await Promise.all([l2.exited, nocache.exited]);
const ingest = await clickIngest(db);

const ceiling = rows[0]!.rps;
const bunVersion = Bun.version;
const pgVersion = (await db.execute<{ server_version: string }>(sql`show server_version`))[0]!.server_version;
const wrkVersion = Bun.spawnSync(['wrk', '--version']).stdout.toString().split('\n')[0]!.split(' Copyright')[0];
const µs = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const table = [
  '| row | rps | p50 ms | p99 ms | × ceiling | requests | errors | CPU µs/req: server | Postgres | wrk |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((row) => `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.rps / ceiling).toFixed(2)} | ${row.requests} | ${row.errors} | ${µs(row.cpu.server)} | ${µs(row.cpu.postgres)} | ${µs(row.cpu.wrk)} |`),
].join('\n');
const summary = [
  `- click recorder ingest: ${ingest.toFixed(0)} rows/s (200,000 clicks, hop's default batches of ${loadConfig({}).clicks.batchSize.toLocaleString()}, ${loadConfig({}).clicks.flushConcurrency} at a time)`,
  `- clicks stored for the cached row's rounds: ${storedDuringCached} (wrk counted ${cached.requests} completed 302s; responses in flight at wrk's deadline are served and stored but not counted by wrk) — the replica was stopped with SIGTERM before counting`,
  baselineRow
    ? `- a plain link's cached redirect, this build vs the build before link options and stats: server CPU ${µs(cached.cpu.server)} vs ${µs(baselineRow.cpu.server)} µs/request (× ${(cached.cpu.server / baselineRow.cpu.server).toFixed(2)}), Postgres CPU per stored click (rollups included) ${µs(cached.cpu.postgres)} vs ${µs(baselineRow.cpu.postgres)} µs (× ${(cached.cpu.postgres / baselineRow.cpu.postgres).toFixed(2)}), throughput × ${(cached.rps / baselineRow.rps).toFixed(2)}`
    : '- no baseline build was run',
  `- exposed directly, without a proxy: server CPU ${µs(direct.cpu.server)} µs/request, ${µs(Math.abs(direct.cpu.server - cached.cpu.server))} µs ${direct.cpu.server >= cached.cpu.server ? 'more' : 'less'} than behind one (reading the TCP peer, which visitors and countries need, costs more; a row of one round can read less on a noisy machine)`,
  `- a max_clicks link's redirect: server CPU ${µs(limited.cpu.server)} µs/request, Postgres ${µs(limited.cpu.postgres)} µs/request, ${(limited.rps / cached.rps).toFixed(2)} × the plain link's throughput`,
].join('\n');
console.log(`\n${table}\n\n${summary}`);

if (!values['no-write']) {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Bun ${bunVersion}; PostgreSQL ${pgVersion}; Redis ${REDIS_URL}; ${wrkVersion} (-t1 -c${CONNECTIONS} -d${SECONDS}s), load generator on the same machine`;
  const file = path.join(ROOT, 'docs/performance.md');
  const existing = await Bun.file(file).text().catch(() => '# Performance\n');
  const section = `## Hot path (bun run bench)\n\nMeasured ${new Date().toISOString().slice(0, 10)} on ${machine}.\n\n${table}\n\n${summary}\n`;
  const marker = /## Hot path \(bun run bench\)[\s\S]*?(?=\n## |$)/;
  writeFileSync(file, marker.test(existing) ? existing.replace(marker, section) : `${existing.trimEnd()}\n\n${section}`);
  console.log(`written to docs/performance.md`);
}
await db.$client.close();
const admin = new SQL({ url: ADMIN_URL, max: 1 });
for (const child of children) child.kill('SIGTERM');
await Promise.all(children.map((child) => child.exited));
for (const name of [DB_NAME, `${DB_NAME}_baseline`]) await admin.unsafe(`drop database if exists ${name} with (force)`);
await admin.close();
process.exit(0);
