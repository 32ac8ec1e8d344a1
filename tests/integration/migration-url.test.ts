// MIGRATION_DATABASE_URL: migrations (and their session-scoped advisory lock) go straight to the
// primary while queries use DATABASE_URL, which on Kubernetes may be a transaction pooler.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import path from 'node:path';
import { freshDatabase, REDIS_URL, type TestDatabase } from '../support/env.ts';
import { spawnHop } from '../support/process.ts';
import { freePort } from '../support/services.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('migration_url', { migrate: false });
}, 30_000);
afterAll(() => database.drop(), 30_000);

const tables = async () => (await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_tables where schemaname = 'public'`))[0]!.n;

describe('MIGRATION_DATABASE_URL', () => {
  it('is where migrations run: an unreachable one stops the start with one line, and DATABASE_URL is left unmigrated', async () => {
    const child = Bun.spawn(['bun', 'run', 'src/main.ts'], {
      cwd: path.resolve(import.meta.dir, '../..'),
      env: { ...process.env, PORT: String(freePort()), HOST: '127.0.0.1', DATABASE_URL: database.url, MIGRATION_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', REDIS_URL, LOG_LEVEL: 'warn', SEED: 'false' },
      stdout: 'ignore',
      stderr: 'pipe',
    });
    expect(await child.exited).toBe(2);
    const stderr = (await new Response(child.stderr).text()).trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toStartWith('hop: cannot apply migrations at MIGRATION_DATABASE_URL:');
    expect(await tables()).toBe(0);
  }, 30_000);

  it('migrates the database it names, and hop serves through DATABASE_URL', async () => {
    const direct = database.url.replace('127.0.0.1', 'localhost');
    const { child, shorten, base } = await spawnHop(database.url, { MIGRATION_DATABASE_URL: direct });
    try {
      expect(await tables()).toBeGreaterThan(0);
      const code = await shorten('https://example.com/migrated-directly');
      expect((await fetch(`${base}/${code}`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
  }, 30_000);
});
