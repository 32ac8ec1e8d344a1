// Start-up failures an operator can fix end with exit 2 and one line naming the cause and the fix,
// never a stack trace: a busy port, an unreachable or missing database, a HOST not on this machine,
// a migration that gave up waiting for a lock.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { SQL } from 'bun';
import path from 'node:path';
import { runMigrations } from '../../db/migrate.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { migrateBefore } from '../support/older-schema.ts';
import { freePort } from '../support/services.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('startup_failures');
});
afterAll(async () => {
  await database.drop();
});

async function failedStart(env: Record<string, string>): Promise<{ code: number; lines: string[]; ms: number }> {
  const started = performance.now();
  const hop = Bun.spawn(['bun', 'src/main.ts'], {
    cwd: path.resolve(import.meta.dir, '../..'),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(freePort()), LOG_LEVEL: 'warn', SEED: 'false', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const code = await hop.exited;
  const lines = (await new Response(hop.stderr).text()).split('\n').filter((line) => line.trim());
  return { code, lines, ms: Math.round(performance.now() - started) };
}

describe('a start-up that cannot succeed', () => {
  it('names the busy port', async () => {
    const holder = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      const { code, lines } = await failedStart({ DATABASE_URL: database.url, PORT: String(holder.port) });
      expect(code).toBe(2);
      expect(lines).toEqual([`hop: port ${holder.port} on 127.0.0.1 is already in use (another hop?): stop that process, or set PORT to a free port`]);
    } finally {
      holder.stop(true);
    }
  }, 30_000);

  it('names the host and port of an unreachable DATABASE_URL', async () => {
    const port = freePort();
    const { code, lines, ms } = await failedStart({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/hop` });
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot reach Postgres at 127.0.0.1:${port}`);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it('names a database that does not exist and how to create it', async () => {
    const missing = database.url.replace(/\/[^/]*$/, '/hop_no_such_database');
    const { code, lines } = await failedStart({ DATABASE_URL: missing });
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('database "hop_no_such_database" does not exist on 127.0.0.1:5432');
    expect(lines[0]).toContain('createdb');
  }, 30_000);

  it('names a HOST that is not an address of this machine', async () => {
    const { code, lines } = await failedStart({ DATABASE_URL: database.url, HOST: '192.0.2.1' });
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringContaining('HOST 192.0.2.1 is not an address of this machine')]);
  }, 30_000);

  it('names a migration that gave up waiting for a table lock, and applies it once the lock is gone', async () => {
    // A database as the release before 0011 left it, and a session holding `events` open.
    const older = await freshDatabase('startup_lock_timeout', { migrate: false });
    const holder = new SQL({ url: older.url, max: 1 });
    try {
      await migrateBefore(older.db, '0011');
      const reserved = await holder.reserve();
      await reserved`begin`;
      await reserved`lock table events in access share mode`;
      const { code, lines, ms } = await failedStart({ DATABASE_URL: older.url });
      expect(code).toBe(2);
      expect(lines).toHaveLength(1);
      const server = new URL(older.url);
      expect(lines[0]).toStartWith(`hop: a migration waited too long for a table lock on ${server.hostname}:${server.port || '5432'} (canceling statement due to lock timeout)`);
      expect(ms).toBeGreaterThanOrEqual(9_000);
      await reserved`rollback`;
      reserved.release();
      await runMigrations(older.db);
      const [left] = await older.db.$client`select count(*)::int as n from pg_constraint where conname in ('events_url_id_urls_id_fk', 'events_user_id_users_id_fk')`;
      expect(left.n).toBe(0);
    } finally {
      await holder.close();
      await older.drop();
    }
  }, 60_000);
});
