import { describe, expect, it } from 'bun:test';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRANDFATHERED, lintMigration } from '../../db/migration-policy.ts';

const MIGRATIONS = join(import.meta.dir, '../../db/migrations');

describe('db/migrations follow expand/contract', () => {
  it('every migration passes the policy', async () => {
    const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).sort();
    expect(files.length).toBeGreaterThan(0);
    const problems = [];
    for (const file of files) problems.push(...lintMigration(file.replace(/\.sql$/, ''), await readFile(join(MIGRATIONS, file), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('every migration is in the journal, in order, with increasing timestamps', async () => {
    const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).sort().map((f) => f.replace(/\.sql$/, ''));
    const journal = JSON.parse(await readFile(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string; when: number }[] };
    expect(journal.entries.map((e) => e.tag)).toEqual(files);
    journal.entries.forEach((entry, i) => {
      expect(entry.idx).toBe(i);
      if (i > 0) expect(entry.when).toBeGreaterThan(journal.entries[i - 1]!.when);
    });
  });

  it('grandfathers only migrations that exist, each with its reason', async () => {
    const files = new Set((await readdir(MIGRATIONS)).map((f) => f.replace(/\.sql$/, '')));
    for (const [name, reason] of Object.entries(GRANDFATHERED)) {
      expect(files.has(name), name).toBe(true);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});

describe('the policy', () => {
  const problemsOf = (sql: string) => lintMigration('9999_example', sql).map((p) => p.problem);

  it.each([
    ['ALTER TABLE "urls" DROP COLUMN "title";', 'drops a column'],
    ['ALTER TABLE urls RENAME COLUMN title TO label;', 'renames a column'],
    ['ALTER TABLE "urls" RENAME TO "links";', 'renames a table'],
    ['DROP TABLE "event_count";', 'drops a table'],
    ['ALTER TABLE "urls" ALTER COLUMN "title" SET DATA TYPE varchar(10);', 'changes a column type'],
    ['ALTER TABLE "urls" ALTER COLUMN "title" SET NOT NULL;', 'makes a column NOT NULL'],
    ['ALTER TABLE "events" DROP CONSTRAINT "events_url_id_urls_id_fk";', 'drops a constraint'],
  ])('flags %p unless it is marked as a contract step', (sql, what) => {
    expect(problemsOf(sql).join()).toContain(what);
    expect(problemsOf(`-- hop:contract title unused since 0.3.0 (released 2026-10-01)\n${sql}`)).toEqual([]);
  });

  it('refuses a contract step in the same migration as the expand step that replaces it', () => {
    const sql = '-- hop:contract moving title to label\nALTER TABLE "urls" ADD COLUMN "label" text;\nALTER TABLE "urls" DROP COLUMN "title";';
    expect(problemsOf(sql)).toEqual([expect.stringContaining('split expand and contract')]);
  });

  it('refuses a NOT NULL column without a default, accepts one with a default or nullable', () => {
    expect(problemsOf('ALTER TABLE "urls" ADD COLUMN "kind" text NOT NULL;')).toEqual([expect.stringContaining('without a default')]);
    expect(problemsOf('ALTER TABLE "urls" ADD COLUMN "kind" text DEFAULT \'plain\' NOT NULL;')).toEqual([]);
    expect(problemsOf('ALTER TABLE "urls" ADD COLUMN "kind" text;')).toEqual([]);
  });

  it('reads statements, not comments: prose about DROP COLUMN is not a drop', () => {
    expect(problemsOf('-- we never DROP COLUMN here\nCREATE INDEX "x" ON "urls" ("title");')).toEqual([]);
  });
});
