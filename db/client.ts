// Opens Postgres through Bun's built-in SQL client with drizzle on top. Nothing connects at import.
import { SQL } from 'bun';
import { drizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql';
import { ConnectionGate, gatedClient } from './gate.ts';
import * as schema from './schema.ts';

export type Database = BunSQLDatabase<typeof schema> & { $client: SQL; $gate: ConnectionGate };

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** How long a statement may wait for a free connection before it fails (503). */
  queueTimeoutMs?: number;
}

export function openDatabase({ url, poolMax, queueTimeoutMs = 1_000 }: DatabaseOptions): Database {
  const client = new SQL({
    url,
    max: poolMax,
    // Fail fast when Postgres is unreachable: callers answer 503 instead of hanging.
    connectionTimeout: 1,
    idleTimeout: 30,
    // Prepared statements stay on: turning them off costs several times the throughput (bun#30494 is fixed in ≥ 1.4.5).
    prepare: true,
  });
  const gate = new ConnectionGate(poolMax, queueTimeoutMs);
  const db = drizzle({ client: gatedClient(client, gate), schema }) as Database;
  db.$gate = gate;
  return db;
}

/** True when a Postgres at `url` answers a query within a couple of seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const probe = new SQL({ url, max: 1, connectionTimeout: 2 });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => {});
  }
}
