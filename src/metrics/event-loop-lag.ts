// Event-loop lag measured with a timer of our own: a tick due every RESOLUTION_MS that fires late
// was held up by whatever blocked the loop for that long. prom-client's collector is not used: on
// Bun monitorEventLoopDelay() hands out one shared histogram, which anything else can reset or
// disable, and it did not move when the loop was blocked for 300 ms.
const RESOLUTION_MS = 50;
/** The gauge reports the worst lag in the last WINDOW_SLOTS × SLOT_MS, so a spike between scrapes is not lost. */
const SLOT_MS = 1_000;
const WINDOW_SLOTS = 10;

export class EventLoopLag {
  private readonly slots = new Float64Array(WINDOW_SLOTS);
  private slot = 0;
  private slotStarted = performance.now();
  private expected = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The largest lag seen in the window, in seconds; also counts a tick that is overdue right now. */
  get seconds(): number {
    const now = performance.now();
    this.rotate(now);
    let worst = this.timer ? Math.max(0, now - this.expected) : 0;
    for (const lag of this.slots) if (lag > worst) worst = lag;
    return worst / 1000;
  }

  private schedule(): void {
    this.expected = performance.now() + RESOLUTION_MS;
    this.timer = setTimeout(() => this.tick(), RESOLUTION_MS);
    this.timer.unref?.();
  }

  private tick(): void {
    const now = performance.now();
    this.rotate(now);
    const lag = Math.max(0, now - this.expected);
    if (lag > this.slots[this.slot]!) this.slots[this.slot] = lag;
    this.schedule();
  }

  private rotate(now: number): void {
    while (now - this.slotStarted >= SLOT_MS) {
      this.slot = (this.slot + 1) % WINDOW_SLOTS;
      this.slots[this.slot] = 0;
      this.slotStarted += SLOT_MS;
      // After a long pause, jump instead of walking every missed slot.
      if (now - this.slotStarted > SLOT_MS * WINDOW_SLOTS) {
        this.slots.fill(0);
        this.slotStarted = now;
      }
    }
  }
}
