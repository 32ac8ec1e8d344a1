// What the benchmarks share: the kernel's CPU accounting of a process, and an older build of hop
// unpacked beside this checkout to run in the same process or on the same machine.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLOCK_TICKS = Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100;

/**
 * User + system CPU seconds a process has used so far (Linux /proc); NaN once it is gone. With
 * `reaped`, also that of the children it has waited for: a Postgres backend that exits (an idle pool
 * connection closed) moves its CPU into the postmaster's count rather than out of a sum over processes.
 */
export function cpuSecondsOf(pid: string | number, { reaped = false } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const children = reaped ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + children) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/**
 * The environment `bun run start` gives hop's process (the `NAME=value` words before
 * `bun run src/main.ts` in package.json): the benchmarks run this build as it ships.
 */
export function startEnvironment(root: string): Record<string, string> {
  const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = /(?:^|&&)\s*((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)bun run src\/main\.ts/.exec(scripts.start ?? '')?.[1] ?? '';
  return Object.fromEntries(command.trim().split(/\s+/).filter(Boolean).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]));
}

/**
 * The sources of `commit` in `root`'s git history (all of them, or only `paths`) unpacked into a
 * temporary directory that shares `root`'s node_modules and is removed when the process exits.
 */
export function unpackBuild(root: string, commit: string, prefix: string, paths: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const archive = Bun.spawnSync(['git', 'archive', '--format=tar', commit, ...paths], { cwd: root, stdout: 'pipe', stderr: 'pipe' });
  Bun.spawnSync(['tar', '-x', '-C', dir], { stdin: archive.stdout });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
