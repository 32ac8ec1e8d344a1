// Applies the checked-in SQL migrations. Replicas starting together serialise on an advisory lock.
import { migrate } from 'drizzle-orm/bun-sql/migrator';
import path from 'node:path';
import type { Database } from './client.ts';

const MIGRATIONS_DIR = path.join(import.meta.dir, 'migrations');
// Arbitrary but fixed: every hop process agrees on it.
const MIGRATION_LOCK_KEY = 7_340_211;

export async function runMigrations(db: Database): Promise<void> {
  const connection = await db.$client.reserve();
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await connection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    connection.release();
  }
}
