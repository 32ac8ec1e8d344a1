// Runs hop as its own process (`bun run src/main.ts`), the way an operator or a restart policy
// would, for the suites that need real signals and exit codes.
import path from 'node:path';
import { REDIS_URL } from './env.ts';
import { freePort } from './services.ts';

export interface HopProcess {
  child: Bun.Subprocess<'ignore', 'pipe' | 'ignore', 'inherit'>;
  base: string;
  /** Creates a link through the API and returns its short code. */
  shorten(url: string): Promise<string>;
}

export async function spawnHop(databaseUrl: string, env: Record<string, string> = {}, stdout: 'pipe' | 'ignore' = 'ignore'): Promise<HopProcess> {
  const port = freePort();
  const child = Bun.spawn(['bun', 'run', 'src/main.ts'], {
    cwd: path.resolve(import.meta.dir, '../..'),
    // The contract suites run in AUTH_MODE=open, as with startHop (tests/support/hop.ts).
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, REDIS_URL, LOG_LEVEL: 'warn', SEED: 'false', AUTH_MODE: 'open', ...env },
    stdout,
    stderr: 'inherit',
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${base}/health`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      // A hop that hangs in start-up must not outlive the test that gave up on it.
      child.kill('SIGKILL');
      throw new Error('hop did not start');
    }
    await Bun.sleep(50);
  }
  return {
    child,
    base,
    async shorten(url) {
      const response = await fetch(`${base}/shorten`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
      return ((await response.json()) as { short_code: string }).short_code;
    },
  };
}
