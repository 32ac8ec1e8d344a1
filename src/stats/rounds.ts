// A job run in rounds on a timer, one round at a time: a round still running when the next is due
// is not started twice, failures are reported (never thrown), and stop() waits for the round under way.

export interface RoundReport<R> {
  done(result: R): void;
  failed(error: unknown): void;
}

export class Rounds<R> {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly round: () => Promise<R>,
    private readonly intervalMs: number,
    private readonly report: RoundReport<R>,
  ) {}

  /** Every interval from now; with `immediately`, a first round right away. */
  start(immediately = false): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.round().then(
        (result) => this.report.done(result),
        (error: unknown) => this.report.failed(error),
      ).finally(() => (this.running = null));
    };
    if (immediately) tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
