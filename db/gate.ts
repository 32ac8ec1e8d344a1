// Admission to Postgres: at most `permits` statements (or transactions) run at once, and one that
// cannot start within `waitMs` fails with DatabaseBusyError (a 503) instead of queueing without end
// behind slow queries. Bun's pool has no queue timeout of its own, so the gate stands in front of it.
import type { SQL } from 'bun';

export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
  readonly code = 'ERR_POSTGRES_POOL_BUSY';
  constructor(waitMs: number) {
    super(`no database connection free within ${waitMs} ms`);
  }
}

interface Waiter {
  grant(): void;
  timer: ReturnType<typeof setTimeout>;
}

export class ConnectionGate {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly permits: number,
    private readonly waitMs: number,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `work` once a permit is free; rejects with DatabaseBusyError if none frees up in time. */
  async run<T>(work: () => PromiseLike<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.permits) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(new DatabaseBusyError(this.waitMs));
        }, this.waitMs),
      };
      this.queue.push(waiter);
    });
  }

  // The permit passes straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
  private release(): void {
    const next = this.queue.shift();
    if (next) next.grant();
    else this.active--;
  }
}

/**
 * Wraps the client drizzle uses: every `unsafe` statement and every `begin` transaction passes the
 * gate. drizzle awaits `unsafe(...)` or calls `.values()` on it, so the stand-in offers both.
 */
export function gatedClient(client: SQL, gate: ConnectionGate): SQL {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, params?: unknown[]) => {
          const run = (values: boolean) => gate.run(() => (values ? target.unsafe(query, params).values() : target.unsafe(query, params)));
          return {
            then: (resolve: (rows: unknown) => unknown, reject: (error: unknown) => unknown) => run(false).then(resolve, reject),
            values: () => run(true),
          };
        };
      }
      if (property === 'begin') {
        return (...args: unknown[]) => gate.run(() => (target.begin as (...a: unknown[]) => Promise<unknown>)(...args));
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
