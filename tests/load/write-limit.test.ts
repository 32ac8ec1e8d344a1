// `bun run load --tier smoke` against hop's defaults meets the per-client write limit: the run must
// say so and how to lift it, instead of a bare error rate.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import path from 'node:path';
import { writeLimitHint } from '../../load/summary.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';

let database: TestDatabase;
let hop: RunningHop;
beforeAll(async () => {
  database = await freshDatabase('load_write_limit');
  // The defaults a newcomer's `bun run start` has (the test helper turns the limit off otherwise).
  hop = await startHop(database.db, { env: { WRITE_RATE_LIMIT: '100', WRITE_RATE_BURST: '200' } });
});
afterAll(async () => {
  await hop.stop();
  await database.drop();
});

describe('the write limit in a load run', () => {
  it('is named with the way to lift it when 429s appear, and not otherwise', () => {
    expect(writeLimitHint({ errorsByStatus: { '503': 3 } })).toBeNull();
    expect(writeLimitHint({ errorsByStatus: { '429': 12 } })).toContain('12 writes were refused with 429');
    expect(writeLimitHint({ errorsByStatus: { '429': 12 } })).toContain('WRITE_RATE_LIMIT=0');
  });

  it('is detected by the smoke tier against hop on its default limits', async () => {
    const run = Bun.spawn(['bun', 'run', 'load', '--tier', 'smoke', '--target', hop.url], {
      cwd: path.resolve(import.meta.dir, '../..'),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, stdout, stderr] = await Promise.all([run.exited, new Response(run.stdout).text(), new Response(run.stderr).text()]);
    const output = stdout + stderr;
    const limited = /^\s+429\s+(\d+)$/m.exec(output);
    console.log(`smoke against the default write limit: exit ${code}, 429s ${limited?.[1] ?? 0}`);
    expect(limited).not.toBeNull();
    expect(output).toMatch(/hint: \d+ writes were refused with 429 by hop's per-client write limit/);
    expect(output).toContain('WRITE_RATE_LIMIT=0');
  }, 90_000);
});
