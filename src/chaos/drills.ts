// Chaos drills: make this replica slow, failing or gone on purpose, so alerts and the restart
// policy can be seen to work. Drills end on their own; `off` ends them early. Every drill is logged
// (warn) and counted. When no drill runs, requests pay one boolean check.
import type { Logger } from 'pino';
import { AppError } from '../http/errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Drill, DrillState } from './model.ts';

/** The exit code of a replica stopped by a `kill` drill (1 is a failed shutdown, 2 bad config). */
export const KILL_EXIT_CODE = 3;

export const DRILL_DEFAULTS = { ms: 1_000, seconds: 300, rate: 0.5 } as const;

// The operations endpoints stay usable during a drill: liveness, scraping, the drill control and the
// logs an operator reads to follow it. /ready is slowed down (a slow replica is slow to probe) but
// never failed by a drill: failing it would take the replica out of rotation instead of testing alerts.
const LATENCY_EXEMPT = new Set(['/health', '/metrics', '/chaos', '/logs']);
const ERRORS_EXEMPT = new Set(['/health', '/ready', '/metrics', '/chaos', '/logs']);

interface Running {
  timer: ReturnType<typeof setTimeout>;
}

export class ChaosDrills {
  /** True while a latency or errors drill runs: the only thing a request checks otherwise. */
  active = false;
  private latency: (Running & { ms: number }) | null = null;
  private errors: (Running & { rate: number }) | null = null;

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics | null,
    private readonly requestExit: (code: number) => void,
  ) {}

  start(drill: Drill, requestId: string | undefined): DrillState {
    this.metrics?.chaosDrill(drill.mode);
    const seconds = drill.seconds ?? DRILL_DEFAULTS.seconds;
    switch (drill.mode) {
      case 'kill':
        this.log.warn({ mode: 'kill', exit_code: KILL_EXIT_CODE, request_id: requestId }, 'chaos drill: graceful exit requested');
        // After this response has been handed over: shutdown then waits for it like any in-flight request.
        setTimeout(() => this.requestExit(KILL_EXIT_CODE), 10);
        return { mode: 'kill' };
      case 'latency': {
        const ms = drill.ms ?? DRILL_DEFAULTS.ms;
        this.stopLatency();
        this.latency = { ms, ...this.schedule(seconds, () => this.stopLatency('expired')) };
        this.active = true;
        this.log.warn({ mode: 'latency', ms, seconds, request_id: requestId }, 'chaos drill started');
        return { mode: 'latency', ms, until: new Date(Date.now() + seconds * 1000).toISOString() };
      }
      case 'errors': {
        const rate = drill.rate ?? DRILL_DEFAULTS.rate;
        this.stopErrors();
        this.errors = { rate, ...this.schedule(seconds, () => this.stopErrors('expired')) };
        this.active = true;
        this.log.warn({ mode: 'errors', rate, seconds, request_id: requestId }, 'chaos drill started');
        return { mode: 'errors', rate, until: new Date(Date.now() + seconds * 1000).toISOString() };
      }
      case 'off':
        this.stopLatency('cancelled');
        this.stopErrors('cancelled');
        this.log.warn({ mode: 'off', request_id: requestId }, 'chaos drills cancelled');
        return { mode: 'off' };
    }
  }

  /** Before a handler runs (only while `active`): waits out injected latency, throws an injected error. */
  async disturb(route: string | undefined): Promise<void> {
    const latency = this.latency;
    if (latency && !LATENCY_EXEMPT.has(route ?? '')) await Bun.sleep(latency.ms);
    const errors = this.errors;
    if (errors && !ERRORS_EXEMPT.has(route ?? '') && Math.random() < errors.rate) {
      throw new AppError('chaos', 'chaos drill: injected error');
    }
  }

  close(): void {
    this.stopLatency();
    this.stopErrors();
  }

  private schedule(seconds: number, end: () => void): Running {
    const timer = setTimeout(end, seconds * 1000);
    timer.unref?.();
    return { timer };
  }

  private stopLatency(reason?: 'expired' | 'cancelled'): void {
    if (!this.latency) return;
    clearTimeout(this.latency.timer);
    if (reason) this.log.warn({ mode: 'latency', reason }, 'chaos drill over');
    this.latency = null;
    this.active = this.errors !== null;
  }

  private stopErrors(reason?: 'expired' | 'cancelled'): void {
    if (!this.errors) return;
    clearTimeout(this.errors.timer);
    if (reason) this.log.warn({ mode: 'errors', reason }, 'chaos drill over');
    this.errors = null;
    this.active = this.latency !== null;
  }
}
