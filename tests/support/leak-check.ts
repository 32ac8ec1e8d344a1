// Preloaded by `bun test` (bunfig.toml): the suite leaves no process and no temporary file behind.
// Temporary files go to a directory of this run's own (TMPDIR), which must be empty at the end; no
// child of the test process, nothing running from that directory and no embedded cluster created
// under /var/lib/hop during the run may outlive it. A leak fails the run as a test failure.
import { afterAll } from 'bun:test';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHARED_ROOT } from '../../db/embedded.ts';

const runTmp = mkdtempSync(path.join(tmpdir(), 'hop-test-run-'));
// Open to other users: as root, the embedded Postgres runs as `postgres` and must reach test clusters.
chmodSync(runTmp, 0o755);
process.env.TMPDIR = runTmp;
const clusters = path.join(SHARED_ROOT, 'clusters');
const clustersBefore = new Set(existsSync(clusters) ? readdirSync(clusters) : []);

interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read from the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: Number(entry), ppid: Number(ppid), state: state ?? '', cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function leaks(): string[] {
  const problems: string[] = [];
  const newClusters = existsSync(clusters) ? readdirSync(clusters).filter((name) => !clustersBefore.has(name)) : [];
  for (const proc of processes()) {
    if (proc.pid === process.pid || proc.state === 'Z') continue;
    const mine = proc.ppid === process.pid || proc.cmdline.includes(runTmp) || newClusters.some((name) => proc.cmdline.includes(path.join(clusters, name)));
    if (mine) problems.push(`process ${proc.pid} still runs: ${proc.cmdline.slice(0, 160)}`);
  }
  for (const name of readdirSync(runTmp)) problems.push(`temporary file left behind: ${path.join(runTmp, name)}`);
  for (const name of newClusters) problems.push(`embedded cluster left behind: ${path.join(clusters, name)}`);
  return problems;
}

afterAll(async () => {
  // Processes being stopped get a moment to go.
  const deadline = Date.now() + 10_000;
  let found = leaks();
  while (found.length > 0 && Date.now() < deadline) {
    await Bun.sleep(200);
    found = leaks();
  }
  if (found.length === 0) rmSync(runTmp, { recursive: true, force: true });
  if (found.length > 0) throw new Error(`the suite left things behind:\n${found.join('\n')}`);
}, 30_000);
