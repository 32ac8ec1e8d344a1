// HTTP for the stack drill: a small request helper, a bounded steady load generator, and the
// fake Discord webhook that records what Alertmanager sends. Everything talks to 127.0.0.1 only.

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// The drill's nginx serves a throwaway self-signed certificate: HTTPS requests trust exactly that one.
let trustedCertificate: string | undefined;
export function trustCertificate(pem: string): void {
  trustedCertificate = pem;
}
const tlsFor = (url: string) => (url.startsWith('https:') && trustedCertificate ? { tls: { ca: trustedCertificate } } : {});

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
}

export async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Reply> {
  const { timeoutMs = 5_000, ...rest } = init;
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), ...tlsFor(url), ...rest });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the value. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${why}`);
}

export async function isHealthy(base: string): Promise<boolean> {
  try {
    return (await request(`${base}/health`, { timeoutMs: 1_000 })).status === 200;
  } catch {
    return false;
  }
}

export interface Target {
  url: string;
  /** Statuses that count as success for this request. */
  ok: number[];
}

export interface LoadStats {
  total: number;
  failed: number;
  byStatus: Record<string, number>;
  /** The first few failures, for the report. */
  samples: string[];
}

/**
 * Steady GET load at about `rps` requests per second over `workers` connections. Only
 * idempotent requests: nginx may retry those on the other replica, which is what we test.
 */
export class Load {
  private running = false;
  private loops: Promise<void>[] = [];
  private stats: LoadStats = Load.empty();

  constructor(
    private readonly pick: () => Target,
    private readonly rps: number,
    private readonly workers = 6,
  ) {}

  private static empty(): LoadStats {
    return { total: 0, failed: 0, byStatus: {}, samples: [] };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const interval = (1000 * this.workers) / this.rps;
    this.loops = Array.from({ length: this.workers }, async () => {
      while (this.running) {
        const began = performance.now();
        await this.once();
        await sleep(Math.max(0, interval - (performance.now() - began)));
      }
    });
  }

  private async once(): Promise<void> {
    const target = this.pick();
    let outcome: string;
    let ok = false;
    try {
      const res = await fetch(target.url, { redirect: 'manual', signal: AbortSignal.timeout(10_000), ...tlsFor(target.url) });
      const body = await res.text();
      outcome = String(res.status);
      ok = target.ok.includes(res.status);
      if (!ok && this.stats.samples.length < 10) this.stats.samples.push(`${res.status} ${target.url} ${body.slice(0, 120)}`);
    } catch (error) {
      outcome = 'network-error';
      if (this.stats.samples.length < 10) this.stats.samples.push(`${target.url}: ${(error as Error).message}`);
    }
    this.stats.total++;
    if (!ok) this.stats.failed++;
    this.stats.byStatus[outcome] = (this.stats.byStatus[outcome] ?? 0) + 1;
  }

  /** Counters since the last reset, and a fresh window from now. */
  reset(): LoadStats {
    const stats = this.stats;
    this.stats = Load.empty();
    return stats;
  }

  async stop(): Promise<LoadStats> {
    this.running = false;
    await Promise.all(this.loops);
    return this.reset();
  }
}

export interface DiscordMessage {
  at: number;
  title: string;
  text: string;
}

/** Records every POST as Discord would receive it; answers 204 like Discord does. */
export class FakeDiscord {
  readonly messages: DiscordMessage[] = [];
  private readonly server: ReturnType<typeof Bun.serve>;

  constructor(port: number) {
    this.server = Bun.serve({
      hostname: '127.0.0.1',
      port,
      fetch: async (req) => {
        if (req.method !== 'POST') return new Response(null, { status: 405 });
        const text = await req.text();
        let title = '';
        try {
          const body = JSON.parse(text) as { embeds?: { title?: string }[]; content?: string };
          title = body.embeds?.[0]?.title ?? body.content ?? '';
        } catch {
          // Recorded as is; the checks look at the raw text too.
        }
        this.messages.push({ at: Date.now(), title, text });
        return new Response(null, { status: 204 });
      },
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}/api/webhooks/0000/drill-token`;
  }

  find(predicate: (m: DiscordMessage) => boolean): DiscordMessage | undefined {
    return this.messages.find(predicate);
  }

  stop(): void {
    this.server.stop(true);
  }
}
