// What metrics (and the access log) cost on the hot path: cached redirects through wrk at 100
// connections on 127.0.0.1 against replicas that differ in one setting each, in one run, rounds
// interleaved so drift on a shared machine hits every variant alike. Prints the table and writes it
// to docs/performance.md under "Metrics overhead".
//   bun run bench/metrics-overhead.ts [--seconds 10] [--rounds 3] [--connections 100] [--no-write]
import { generateKey } from '../src/auth/key-format.ts';
import { SQL } from 'bun';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { RequestTelemetry } from '../src/http/request-telemetry.ts';
import { AccessLog } from '../src/logging/access-log.ts';
import { createLogger } from '../src/logging/logger.ts';
import { Metrics } from '../src/metrics/metrics.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '100' },
    'no-write': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const ROOT = path.resolve(import.meta.dir, '..');
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB_NAME = 'hop_bench_metrics';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB_NAME}`);

// Production-like for every variant: Redis, chaos drills available, info logs (to /dev/null). The
// per-client write limit is off: the 1000 links below are created from one address in a burst.
// hop's default AUTH_MODE=keys, with an admin key handed in the compose way.
const API_KEY = generateKey().key;
const COMMON = { REDIS_URL, CHAOS_TOKEN: 'bench-chaos-token-0123456789', LOG_LEVEL: 'info', WRITE_RATE_LIMIT: '0', AUTH_MODE: 'keys', HOP_INITIAL_ADMIN_KEY: API_KEY };
const VARIANTS = [
  { name: 'metrics on (default)', port: 3911, env: { METRICS_ENABLED: 'true' } },
  { name: 'metrics off', port: 3912, env: { METRICS_ENABLED: 'false' } },
  { name: 'metrics on, every redirect access-logged (LOG_LEVEL=debug)', port: 3913, env: { METRICS_ENABLED: 'true', LOG_LEVEL: 'debug' } },
  { name: 'metrics on, chaos drills off (CHAOS_TOKEN unset)', port: 3914, env: { METRICS_ENABLED: 'true', CHAOS_TOKEN: '' } },
] as const;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const children: ReturnType<typeof Bun.spawn>[] = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

async function startHop(port: number, env: Record<string, string>) {
  const child = Bun.spawn(['bun', 'run', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: DB_URL, SEED: 'false', ...COMMON, ...env },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(child);
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`hop on ${port} did not come up`);
    await Bun.sleep(50);
  }
}

function millis(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function wrk(port: number, codesFile: string, seconds: number): Run {
  const result = Bun.spawnSync(
    ['wrk', '-t', '1', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--latency', '-s', path.join(ROOT, 'bench/wrk/redirect.lua'), `http://127.0.0.1:${port}`],
    { env: { ...process.env, CODES_FILE: codesFile }, stdout: 'pipe', stderr: 'pipe' },
  );
  const out = result.stdout.toString();
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: millis(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99: millis(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    errors: non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

const BEGIN = '<!-- metrics-overhead:begin (bench/metrics-overhead.ts writes this block) -->';
const END = '<!-- metrics-overhead:end -->';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The same bookkeeping without HTTP or a second process: what one cached redirect's end-of-request
 * work costs (RED series, redirect result, one L1 lookup, the access-log level check), in ns.
 */
function bookkeepingNs(withMetrics: boolean): number {
  const metrics = withMetrics ? new Metrics({ version: 'bench' }) : null;
  const telemetry = new RequestTelemetry(metrics, new AccessLog(createLogger('info', { write() {} })));
  const request = new Request('http://127.0.0.1/abc');
  const response = new Response(null, { status: 302 });
  const context = { request, route: '/:short_code', set: { headers: { 'x-request-id': 'id' } as Record<string, unknown> }, responseValue: response as unknown };
  const round = (n: number) => {
    const started = Bun.nanoseconds();
    for (let i = 0; i < n; i++) {
      telemetry.started(context);
      metrics?.cache.lookup('l1', 'hit');
      telemetry.answered(context);
    }
    return (Bun.nanoseconds() - started) / n;
  };
  round(200_000);
  const ns = median([round(1_000_000), round(1_000_000), round(1_000_000)]);
  metrics?.close();
  return ns;
}
const nsOn = bookkeepingNs(true);
const nsOff = bookkeepingNs(false);
console.log(`per-request bookkeeping: ${nsOn.toFixed(0)} ns with metrics, ${nsOff.toFixed(0)} ns without`);

const admin = new SQL({ url: ADMIN_URL, max: 1 });
await admin.unsafe(`drop database if exists ${DB_NAME} with (force)`);
await admin.unsafe(`create database ${DB_NAME}`);
await admin.close();
const db = openDatabase({ url: DB_URL, poolMax: 2 });
await runMigrations(db);
await db.$client.close();

for (const variant of VARIANTS) await startHop(variant.port, variant.env);
const codes: string[] = [];
for (let i = 0; i < 1000; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      fetch(`http://127.0.0.1:${VARIANTS[0].port}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ url: `https://example.com/m/${i + j}` }) })
        .then(async (r) => {
          // A failed create would put "undefined" in the codes file and turn every round into 404s.
          if (r.status !== 201) throw new Error(`POST /shorten answered ${r.status}: ${await r.text()}`);
          return r.json() as Promise<{ short_code: string }>;
        }),
    ),
  );
  codes.push(...batch.map((link) => link.short_code));
}
const codesFile = path.join(mkdtempSync(path.join(tmpdir(), 'hop-metrics-bench-')), 'codes.txt');
writeFileSync(codesFile, codes.join('\n') + '\n');

// Warm every replica's L1 and JIT, then interleave the measured rounds.
for (const variant of VARIANTS) wrk(variant.port, codesFile, 3);
const runs = new Map<string, Run[]>(VARIANTS.map((variant) => [variant.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
    const run = wrk(variant.port, codesFile, SECONDS);
    runs.get(variant.name)!.push(run);
    console.log(`round ${round} ${variant.name}: ${run.rps.toFixed(0)} rps, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, ${run.errors} errors`);
  }
}

const summary = VARIANTS.map((variant) => {
  const all = runs.get(variant.name)!;
  return { name: variant.name, rps: median(all.map((r) => r.rps)), p50: median(all.map((r) => r.p50)), p99: median(all.map((r) => r.p99)), errors: all.reduce((n, r) => n + r.errors, 0), each: all.map((r) => r.rps.toFixed(0)).join(' / ') };
});
const off = summary.find((row) => row.name === 'metrics off')!.rps;
const table = [
  '| replica | median rps | p50 ms | p99 ms | vs metrics off | rps per round | errors |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...summary.map((row) => `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(((row.rps - off) / off) * 100).toFixed(1)} % | ${row.each} | ${row.errors} |`),
].join('\n');
console.log(`\n${table}`);

if (!values['no-write']) {
  const wrkVersion = Bun.spawnSync(['wrk', '--version']).stdout.toString().split('\n')[0]!.split(' Copyright')[0];
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Bun ${Bun.version}; ${wrkVersion} (-t1 -c${CONNECTIONS}, ${ROUNDS} interleaved rounds of ${SECONDS} s per replica, median shown), load generator on the same machine`;
  const block = [
    BEGIN,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}. Cached redirects (1000 codes, L1 warm, Redis on, clicks recorded) against replicas of the same build that differ in one setting each; every replica has \`CHAOS_TOKEN\` set (the drill hook is on, as in production) and logs at \`info\` to /dev/null unless noted.`,
    '',
    table,
    '',
    `In-process, without HTTP: the end-of-request bookkeeping of one cached redirect takes ${nsOn.toFixed(0)} ns with metrics and ${nsOff.toFixed(0)} ns without (timing, access-log level check), so metrics add ${(nsOn - nsOff).toFixed(0)} ns per request — ${(((nsOn - nsOff) / 1e9) * off * 100).toFixed(2)} % of one core at the measured metrics-off rate.`,
    END,
  ].join('\n');
  const file = path.join(ROOT, 'docs/performance.md');
  const existing = await Bun.file(file).text().catch(() => '# Performance\n');
  // Only the measured block is rewritten; the prose around it in that section is kept.
  const from = existing.indexOf(BEGIN);
  const to = existing.indexOf(END, from);
  const updated = from >= 0 && to > from
    ? existing.slice(0, from) + block + existing.slice(to + END.length)
    : `${existing.trimEnd()}\n\n## Metrics overhead\n\n${block}\n`;
  writeFileSync(file, updated);
  console.log('written to docs/performance.md');
}
process.exit(0);
