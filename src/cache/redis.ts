// Redis connections tuned to fail fast: no offline queue, short command timeout, endless background
// reconnects. A request never waits on a Redis that is not there.
import Redis from 'ioredis';

export interface RedisPair {
  /** Commands (GET/SET/DEL/PUBLISH), auto-pipelined. */
  client: Redis;
  /** The invalidation subscription lives on its own connection, as Redis requires. */
  subscriber: Redis;
  close(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 250;

export function openRedis(url: string, onError: (error: Error) => void = () => {}): RedisPair {
  const common = {
    lazyConnect: false,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
  };
  const client = new Redis(url, {
    ...common,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  // The subscriber keeps its queue so SUBSCRIBE is sent again after every reconnect.
  const subscriber = new Redis(url, { ...common, enableOfflineQueue: true, autoResubscribe: true });
  client.on('error', onError);
  subscriber.on('error', onError);
  return {
    client,
    subscriber,
    async close() {
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
