// Processes the stack drill starts: every one is tracked so that cleanup (also on failure or
// Ctrl-C) stops exactly what the drill started, by its own handle, and nothing else.

import type { Subprocess } from 'bun';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

const started = new Set<Subprocess>();

export interface Started {
  name: string;
  proc: Subprocess;
  log: string;
}

/** Spawns a long-running process with its output in `logDir/<name>.log`. */
export function spawnLogged(name: string, cmd: string[], opts: { cwd: string; logDir: string; env?: Record<string, string> }): Started {
  const log = join(opts.logDir, `${name}.log`);
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: opts.env ?? (process.env as Record<string, string>),
    stdin: 'ignore',
    stdout: Bun.file(log),
    stderr: Bun.file(`${log}.err`),
  });
  started.add(proc);
  void proc.exited.then(() => started.delete(proc));
  return { name, proc, log };
}

/** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
export async function stopProcess(proc: Subprocess, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const exited = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!exited) {
    proc.kill('SIGKILL');
    await proc.exited;
  }
}

/** Stops every process still running that this drill started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => stopProcess(p)));
}

/**
 * Stands in for compose's `restart: always`: runs one app replica and starts it again whenever
 * it exits, until stop() is called. Each run logs to its own file (app1.1.log, app1.2.log, ...).
 */
export class Supervisor {
  private child: Subprocess | null = null;
  private wanted = false;
  private runs = 0;
  readonly exits: { code: number | null; at: number }[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly cmd: string[],
    private readonly opts: { cwd: string; logDir: string; env: Record<string, string>; restartDelayMs?: number },
  ) {}

  get restarts(): number {
    return Math.max(0, this.runs - 1);
  }

  get running(): boolean {
    return this.child !== null;
  }

  get logs(): string[] {
    return Array.from({ length: this.runs }, (_, i) => join(this.opts.logDir, `${this.name}.${i + 1}.log`));
  }

  start(): void {
    this.wanted = true;
    if (!this.child) this.spawn();
  }

  private spawn(): void {
    this.runs++;
    const { proc } = spawnLogged(`${this.name}.${this.runs}`, this.cmd, this.opts);
    this.child = proc;
    void proc.exited.then((code) => {
      this.exits.push({ code, at: Date.now() });
      if (this.child === proc) this.child = null;
      if (this.wanted) {
        setTimeout(() => {
          if (this.wanted && !this.child) this.spawn();
        }, this.opts.restartDelayMs ?? 250);
      }
    });
  }

  /** Stops supervising and stops the replica gracefully (SIGTERM, like `docker stop`). */
  async stop(): Promise<void> {
    this.wanted = false;
    const child = this.child;
    if (child) await stopProcess(child, 15_000);
  }
}
