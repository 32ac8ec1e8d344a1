// `bun run bench:facts [--baseline REF] [--rounds 9]`: what the click writer's
// ClickFacts.describe() costs per click in hop's own process, this checkout against REF side by side
// in one process (default: HEAD when src/stats or src/urls/redirect.ts has uncommitted changes, else
// the parent of the last commit that changed src/stats/click-facts.ts). Two workloads, in batches of
// CLICK_BATCH_SIZE's default:
// `bun run bench`'s (wrk sends no User-Agent nor Referer, one client 127.0.0.1, 1,000 links) and a
// mixed one (browsers and a bot, 3,000 clients, a referrer on a third of the clicks). Both builds must
// describe every batch alike, or the run fails. Salts come from a database of its own, dropped after.
// Then the redirect hot path's own CPU per request (its handler called in-process on a real
// connection, cache and recorder stubbed): a cached GET that records its click, a HEAD, a known 404.
import { deepEquals, SQL, type Server } from 'bun';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { ClickFacts, type ClickOrigin, type FactColumns } from '../src/stats/click-facts.ts';
import { hotPath, type HotPathDeps } from '../src/urls/redirect.ts';
import { unpackBuild } from './support.ts';

const { values } = parseArgs({ options: { baseline: { type: 'string' }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 9);
const BATCH = 2_000;
const BATCHES_PER_ROUND = 50;
const ROOT = path.resolve(import.meta.dir, '..');
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `hop_bench_facts_${process.pid}`;
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${NAME}`);

type Describer = { describe(batch: readonly ClickOrigin[], nowMs?: number): Promise<FactColumns> };

const git = (...args: string[]) => Bun.spawnSync(['git', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });

/** The baseline's sources unpacked beside this checkout's node_modules, or null without git history. */
function checkoutBaseline(): { dir: string; commit: string } | null {
  const dirty = git('diff', '--quiet', 'HEAD', '--', 'src/stats', 'src/urls/redirect.ts').exitCode !== 0;
  const lastChange = git('log', '-1', '--format=%H', '--', 'src/stats/click-facts.ts').stdout.toString().trim();
  const wanted = values.baseline ?? (dirty ? 'HEAD' : lastChange ? `${lastChange}^` : undefined);
  const commit = wanted ? git('rev-parse', '--short', wanted).stdout.toString().trim() : '';
  if (!commit) return null;
  return { dir: unpackBuild(ROOT, commit, 'hop-bench-facts-', ['src', 'db']), commit };
}

const CLICK = { urlId: 1, requestId: 'r' };

/** `bun run bench`: wrk's requests carry only Host, all from 127.0.0.1, over 1,000 links. */
function wrkBatch(at: number): ClickOrigin[] {
  return Array.from({ length: BATCH }, (_, i) => ({ ...CLICK, urlId: 1 + (i % 1000), at: at + i, referrer: null, userAgent: null, clientAddress: '127.0.0.1', country: null }));
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const REFERRERS = ['https://t.co/x', 'https://news.ycombinator.com/item?id=4', 'https://www.google.com/', 'https://www.reddit.com/r/programming/comments/1', 'android-app://com.slack/'];
const CLIENTS = 3_000;

/** A mixed day: each client keeps its browser (a few share an address with another), a third come with a referrer. */
function mixedBatch(at: number, offset: number): ClickOrigin[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = offset + j;
    const client = (i * 7919) % CLIENTS;
    const referrer = i % 3 === 0 ? REFERRERS[(i / 3) % REFERRERS.length]! + (i % 9 === 0 ? `?utm_source=${i % 50}` : '') : null;
    return {
      ...CLICK, urlId: 1 + (i % 1000), at: at + j, referrer,
      userAgent: BROWSERS[(client + (i % 11 === 0 ? 1 : 0)) % BROWSERS.length]!,
      clientAddress: `198.51.${client >> 8}.${client & 255}`, country: null,
    };
  });
}

/** Nanoseconds per click of one describer over `batches`, its caches already warm. */
async function timePerClick(facts: Describer, batches: ClickOrigin[][], nowMs: number): Promise<number> {
  const started = Bun.nanoseconds();
  for (const batch of batches) await facts.describe(batch, nowMs);
  return (Bun.nanoseconds() - started) / (batches.length * BATCH);
}

/** The builds' indexes, first to last in even rounds and last to first in odd ones: neither always goes first. */
const inTurn = (count: number, round: number) => Array.from({ length: count }, (_, i) => (round % 2 ? count - 1 - i : i));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type HotPath = (deps: HotPathDeps) => (request: Request & { params: { short_code: string } }, server?: Server<undefined>) => Response | Promise<Response>;

/** Each build's hot path handler, called CALLS times per request a real client sends, per case. */
async function timeHotPath(builds: { name: string; hotPath: HotPath }[]): Promise<void> {
  const link = { id: 1, userId: null, url: 'https://example.com/', active: true };
  let recorded = 0;
  const deps = {
    cache: { peek: (code: string) => (code === 'known' ? link : null), resolve: async () => null },
    load: async () => null,
    clicks: { record: (click: ClickOrigin) => void (recorded += click.clientAddress ? 1 : 0) },
    limits: { admit: async () => 'admitted' },
    record: () => {},
    drills: { active: false, disturb: async () => {} },
    fallback: () => new Response(null, { status: 404 }),
    log: { error: () => {} },
    trustProxy: false,
    countryHeader: null,
  } as unknown as HotPathDeps;
  const handlers = builds.map((build) => build.hotPath(deps));
  const CALLS = 20_000;
  const CASES = [['GET', 'known'], ['HEAD', 'known'], ['GET', 'unknown']] as const;
  const times = new Map<string, number[]>();
  let served = 0;
  const server = Bun.serve({
    port: 0,
    routes: {
      '/:short_code': (request, server) => {
        for (const i of inTurn(handlers.length, served++)) {
          const handle = handlers[i]!;
          const started = Bun.nanoseconds();
          for (let call = 0; call < CALLS; call++) handle(request, server);
          const key = `${request.method} /${request.params.short_code}\t${builds[i]!.name}`;
          times.set(key, [...(times.get(key) ?? []), (Bun.nanoseconds() - started) / CALLS]);
        }
        return new Response(null, { status: 204 });
      },
    },
  });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [method, code] of CASES) {
        await fetch(`http://127.0.0.1:${server.port}/${code}`, { method });
      }
    }
  } finally {
    server.stop(true);
  }
  if (recorded === 0) throw new Error('hot path: no click carried a client address');
  console.log(`redirect hot path, handler only: ns/request, median of ${ROUNDS} × ${CALLS.toLocaleString()} calls (GET /known records its click)`);
  for (const [method, code] of CASES) {
    for (const { name } of builds) console.log(`  ${method} /${code}: ${name}: ${median(times.get(`${method} /${code}\t${name}`)!).toFixed(0)}`);
  }
}

const admin = new SQL({ url: ADMIN_URL, max: 1 });
await admin.unsafe(`create database "${NAME}"`);
const db = openDatabase({ url: DB_URL, poolMax: 2 });
try {
  await runMigrations(db);
  const baseline = checkoutBaseline();
  const builds: { name: string; facts: Describer; hotPath: HotPath }[] = [{ name: 'this checkout', facts: new ClickFacts(db), hotPath }];
  if (baseline) {
    const { ClickFacts: Before } = (await import(path.join(baseline.dir, 'src/stats/click-facts.ts'))) as { ClickFacts: new (db: unknown) => Describer };
    const { hotPath: before } = (await import(path.join(baseline.dir, 'src/urls/redirect.ts'))) as { hotPath: HotPath };
    builds.unshift({ name: `before (${baseline.commit})`, facts: new Before(db), hotPath: before });
  } else {
    console.log('baseline: no git history here; only this checkout is measured');
  }
  // Within today (UTC), so every click has a salt: the steady state of a running writer.
  const nowMs = Date.now();
  const dayStart = nowMs - (nowMs % 86_400_000);
  const at = Math.max(dayStart, nowMs - BATCH * BATCHES_PER_ROUND);
  const workloads = {
    'bun run bench (wrk: no UA, no referrer, one client)': Array.from({ length: BATCHES_PER_ROUND }, () => wrkBatch(at)),
    'mixed (6 agents, 3,000 clients, referrer on 1/3)': Array.from({ length: BATCHES_PER_ROUND }, (_, b) => mixedBatch(at, b * BATCH)),
  };
  for (const [workload, batches] of Object.entries(workloads)) {
    // Warm every cache and check both builds state the same facts for the same clicks.
    const described: FactColumns[][] = [];
    for (const { facts } of builds) described.push(await Promise.all(batches.map((batch) => facts.describe(batch, nowMs))));
    if (!described.every((columns) => deepEquals(columns, described[0]))) throw new Error(`${workload}: the builds describe the clicks differently`);
    const times = builds.map(() => [] as number[]);
    // Side by side, alternating, so the machine's noise falls on both alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of inTurn(builds.length, round)) times[i]!.push(await timePerClick(builds[i]!.facts, batches, nowMs));
    }
    console.log(`${workload}: ${(BATCH * BATCHES_PER_ROUND).toLocaleString()} clicks a round, median of ${ROUNDS}`);
    for (const [i, { name }] of builds.entries()) console.log(`  ${name}: ${median(times[i]!).toFixed(0)} ns/click (min ${Math.min(...times[i]!).toFixed(0)})`);
  }
  await timeHotPath(builds);
} finally {
  await db.$client.close();
  await admin.unsafe(`drop database if exists "${NAME}" with (force)`);
  await admin.close();
}
