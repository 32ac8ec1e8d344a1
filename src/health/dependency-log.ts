// Postgres and Redis coming and going, in the log: one warn line when a dependency goes down (with
// the cause), one info line when it is back (with how long it was away), nothing in between. The
// requests that fail meanwhile stay plain access lines; this is where an operator reads why.
// A watch probes every second so a transition is logged even when nobody calls /ready or scrapes.
import type { Logger } from 'pino';
import type { Dependency, DependencyChecks, DependencyState } from './checks.ts';

export const WATCH_INTERVAL_MS = 1_000;

export class DependencyLog {
  private readonly states = new Map<Dependency, { state: DependencyState; since: number }>();

  constructor(private readonly logger: Logger) {}

  /** A DependencyListener: logs only when the state differs from the last one seen. */
  readonly observe = (dependency: Dependency, state: DependencyState, cause?: string): void => {
    if (state === 'disabled') return;
    const previous = this.states.get(dependency);
    if (previous?.state === state) return;
    const now = Date.now();
    this.states.set(dependency, { state, since: now });
    if (state === 'down') {
      this.logger.warn({ dependency, cause }, `${dependency} is down: ${cause ?? 'no answer'}`);
    } else if (previous) {
      this.logger.info({ dependency, down_ms: now - previous.since }, `${dependency} is back after ${((now - previous.since) / 1000).toFixed(1)}s`);
    }
  };
}

/** Probes the dependencies on a timer (unref'd: it never keeps the process alive). */
export class DependencyWatch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;

  constructor(
    private readonly checks: DependencyChecks,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref?.();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.running) return; // a probe still waiting on its timeout
    this.running = true;
    try {
      await this.checks.readiness();
    } catch {
      // A probe that cannot even report (a closing logger) is skipped; the next tick tries again.
    } finally {
      this.running = false;
    }
  }
}
