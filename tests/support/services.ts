// Private Redis and Postgres servers that a test may stop and start at will.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../db/embedded.ts';
import { runMigrations } from '../../db/migrate.ts';
import { reachable } from './env.ts';

export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

async function accepts(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

export class PrivateRedis {
  private process: ReturnType<typeof Bun.spawn> | null = null;
  readonly port = freePort();
  readonly url = `redis://127.0.0.1:${this.port}`;

  async start(): Promise<void> {
    this.process = Bun.spawn(['redis-server', '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdout: 'ignore',
      stderr: 'ignore',
    });
    await until(() => accepts(this.port), 5_000, `redis on ${this.port}`);
  }

  async stop(): Promise<void> {
    if (!this.process) return;
    this.process.kill('SIGKILL');
    await this.process.exited;
    this.process = null;
    await until(async () => !(await accepts(this.port)), 5_000, `redis on ${this.port} to stop`);
  }
}

export interface PrivatePostgres {
  server: EmbeddedDatabase;
  db: Database;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A migrated database on its own embedded Postgres cluster, which the test can stop and start. */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hop-private-pg-'));
  const port = freePort();
  const server = await startEmbeddedPostgres({ dataDir, port, log: () => {} });
  const db = openDatabase({ url: server.url, poolMax: 10 });
  await runMigrations(db);
  return {
    server,
    db,
    url: server.url,
    stop: () => server.stop(),
    async start() {
      await server.start();
      await until(() => reachable(server.url), 10_000, 'private postgres');
    },
    async destroy() {
      await db.$client.close({ timeout: 1 }).catch(() => {});
      await server.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
