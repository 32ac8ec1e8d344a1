// Dependency checks for /ready: each one bounded by a short timeout so readiness never hangs.
import type Redis from 'ioredis';
import type { Database } from '../../db/client.ts';

export type DependencyState = 'up' | 'down' | 'disabled';

export interface Readiness {
  ready: boolean;
  postgres: DependencyState;
  redis: DependencyState;
}

const CHECK_TIMEOUT_MS = 500;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Told every check's outcome (the hop_dependency_up gauge listens). */
export type DependencyListener = (dependency: 'postgres' | 'redis', state: DependencyState) => void;

export class DependencyChecks {
  constructor(
    private readonly db: Database,
    private readonly redis: Redis | null,
    private readonly listener: DependencyListener = () => {},
  ) {}

  async postgres(): Promise<DependencyState> {
    try {
      await withTimeout(this.db.$client`select 1`, CHECK_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }

  async redisState(): Promise<DependencyState> {
    if (!this.redis) return 'disabled';
    if (this.redis.status !== 'ready') return 'down';
    try {
      await withTimeout(this.redis.ping(), CHECK_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }

  /** Ready while Postgres answers; Redis down only degrades (redirects fall back to Postgres). */
  async readiness(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([this.postgres(), this.redisState()]);
    this.listener('postgres', postgres);
    this.listener('redis', redis);
    return { ready: postgres === 'up', postgres, redis };
  }
}
