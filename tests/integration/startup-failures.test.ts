// Start-up failures an operator can fix end with exit 2 and one line naming the cause and the fix,
// never a stack trace: a busy port, an unreachable or missing database, a HOST not on this machine.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
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
});
