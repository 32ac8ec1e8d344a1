// A database as an older release left it: migrated with a copy of db/migrations whose journal stops
// before the given migration, so a test can put old-shaped rows in and then run the rest.
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/bun-sql/migrator';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../db/client.ts';

const MIGRATIONS = path.join(import.meta.dir, '../../db/migrations');

/** Empties `db` and applies the migrations whose tags sort before `tag` (e.g. '0011'). */
export async function migrateBefore(db: Database, tag: string): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'hop-migrations-'));
  try {
    await db.execute(sql`drop schema public cascade`);
    await db.execute(sql`drop schema if exists drizzle cascade`);
    await db.execute(sql`create schema public`);
    cpSync(MIGRATIONS, folder, { recursive: true });
    const journalPath = path.join(folder, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries = journal.entries.filter((entry: { tag: string }) => entry.tag < tag);
    writeFileSync(journalPath, JSON.stringify(journal));
    await migrate(db, { migrationsFolder: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
