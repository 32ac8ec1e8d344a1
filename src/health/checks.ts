// Dependency checks for /ready: each one bounded by a short timeout so readiness never hangs.
// Every outcome (with the cause of a failure) goes to one listener: the hop_dependency_up gauge
// and the transition log (src/health/dependency-log.ts) both hang off it.
import type Redis from 'ioredis';
import type { Database } from '../../db/client.ts';

export type DependencyState = 'up' | 'down' | 'disabled';
export type Dependency = 'postgres' | 'redis';

export interface Readiness {
  ready: boolean;
  postgres: DependencyState;
  redis: DependencyState;
}

interface Probe {
  state: DependencyState;
  cause?: string;
}

const CHECK_TIMEOUT_MS = 500;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

// A driver message can quote a connection string; the password never reaches a log line.
function causeOf(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.replace(/\/\/[^/@\s]*@/g, '//***@').slice(0, 200);
}

/** Told every check's outcome; `cause` says why a dependency is down. */
export type DependencyListener = (dependency: Dependency, state: DependencyState, cause?: string) => void;

export class DependencyChecks {
  private lastRedisError: string | undefined;

  constructor(
    private readonly db: Database,
    private readonly redis: Redis | null,
    private readonly listener: DependencyListener = () => {},
  ) {
    redis?.on('error', (error: Error) => {
      this.lastRedisError = causeOf(error);
    });
  }

  async postgres(): Promise<DependencyState> {
    return (await this.probePostgres()).state;
  }

  async redisState(): Promise<DependencyState> {
    return (await this.probeRedis()).state;
  }

  /** Ready while Postgres answers; Redis down only degrades (redirects fall back to Postgres). */
  async readiness(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([this.probePostgres(), this.probeRedis()]);
    this.listener('postgres', postgres.state, postgres.cause);
    this.listener('redis', redis.state, redis.cause);
    return { ready: postgres.state === 'up', postgres: postgres.state, redis: redis.state };
  }

  private async probePostgres(): Promise<Probe> {
    try {
      await withTimeout(this.db.$client`select 1`, CHECK_TIMEOUT_MS);
      return { state: 'up' };
    } catch (error) {
      return { state: 'down', cause: causeOf(error) };
    }
  }

  private async probeRedis(): Promise<Probe> {
    if (!this.redis) return { state: 'disabled' };
    if (this.redis.status !== 'ready') {
      return { state: 'down', cause: `connection ${this.redis.status}${this.lastRedisError ? `: ${this.lastRedisError}` : ''}` };
    }
    try {
      await withTimeout(this.redis.ping(), CHECK_TIMEOUT_MS);
      return { state: 'up' };
    } catch (error) {
      return { state: 'down', cause: causeOf(error) };
    }
  }
}
