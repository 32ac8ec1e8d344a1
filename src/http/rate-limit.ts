// A per-client token bucket on writes: the second line behind nginx's limit_req, so one client
// cannot flood Postgres with creates even when it reaches a replica directly.

export interface RateLimitOptions {
  /** Writes per second a client may sustain; 0 turns the limit off. */
  perSecond: number;
  /** How many writes a client may send at once before the rate applies. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

// Forget clients idle this long: a full bucket and a missing one behave the same.
const IDLE_MS = 60_000;
const SWEEP_EVERY = 10_000;

export class WriteRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private calls = 0;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  /** Takes one token for `client`; returns 0 when allowed, else the seconds until a token is back. */
  take(client: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const bucket = this.buckets.get(client) ?? { tokens: this.options.burst, updated: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.options.perSecond);
    bucket.updated = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.options.perSecond);
  }

  /** The tokens `client` has now (the burst for a client never seen), without taking one. */
  available(client: string): number {
    const bucket = this.buckets.get(client);
    if (!this.enabled || !bucket) return this.options.burst;
    return Math.min(this.options.burst, bucket.tokens + ((this.now() - bucket.updated) / 1000) * this.options.perSecond);
  }

  /** Seconds until `client` has a token again (0: it has one now), without taking it. */
  waitFor(client: string): number {
    const bucket = this.buckets.get(client);
    if (!this.enabled || !bucket) return 0;
    const tokens = Math.min(this.options.burst, bucket.tokens + ((this.now() - bucket.updated) / 1000) * this.options.perSecond);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.options.perSecond);
  }

  private sweep(now: number): void {
    for (const [client, bucket] of this.buckets) if (now - bucket.updated > IDLE_MS) this.buckets.delete(client);
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWrite(method: string): boolean {
  return WRITE_METHODS.has(method);
}

/**
 * Who the client is: behind a trusted proxy, the left-most X-Forwarded-For address (or X-Real-IP);
 * otherwise the peer address. Headers from an untrusted peer are ignored: anyone can forge them.
 */
export function clientAddress(headers: Headers, peer: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim() || headers.get('x-real-ip')?.trim();
    if (forwarded) return forwarded;
  }
  return peer ?? 'unknown';
}
