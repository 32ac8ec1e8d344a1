// CSV user import (`username,email[,created_at]`, extra columns such as `id` ignored).
// Bad or duplicate rows are reported by line and skipped; good rows are kept.
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { parseInstant } from '../../db/timestamps.ts';
import { AppError } from '../http/errors.ts';
import { checkEmail, checkUsername } from './service.ts';

export interface ImportProblem {
  line: number;
  error: string;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: ImportProblem[];
}

interface Candidate {
  line: number;
  username: string;
  email: string;
  created_at: string | null;
}

const BATCH = 1_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function importUsersCsv(db: Database, text: string): Promise<ImportReport> {
  const errors: ImportProblem[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      // A broken row becomes a reported error instead of failing the whole file.
      skip_records_with_error: true,
      on_skip: (error: { lines?: number; message: string } | undefined) => {
        if (error) errors.push({ line: error.lines ?? 0, error: `unreadable CSV row: ${error.message}` });
      },
    }) as typeof records;
  } catch (error) {
    throw new AppError('validation', `file is not readable CSV: ${messageOf(error)}`, [{ field: 'file', message: 'not CSV' }]);
  }
  if (records.length > 0 && !('username' in records[0]!.record && 'email' in records[0]!.record)) {
    throw new AppError('validation', 'CSV needs a header with username and email columns', [
      { field: 'file', message: 'missing username/email header' },
    ]);
  }

  const candidates: Candidate[] = [];
  const seenUsernames = new Set<string>();
  const seenEmails = new Set<string>();
  for (const { record, info } of records) {
    const line = info.lines;
    try {
      const username = checkUsername(record.username ?? '');
      const email = checkEmail(record.email ?? '');
      const createdText = record.created_at ?? '';
      const created_at = createdText ? parseInstant(createdText) : null;
      if (created_at === undefined) throw new Error('invalid created_at: must be a timestamp');
      if (seenUsernames.has(username)) throw new Error(`duplicate username in file: ${username}`);
      if (seenEmails.has(email)) throw new Error(`duplicate email in file: ${email}`);
      seenUsernames.add(username);
      seenEmails.add(email);
      candidates.push({ line, username, email, created_at });
    } catch (error) {
      errors.push({ line, error: messageOf(error) });
    }
  }

  let imported = 0;
  for (let start = 0; start < candidates.length; start += BATCH) {
    const batch = candidates.slice(start, start + BATCH);
    const rows = JSON.stringify(batch.map(({ username, email, created_at }) => ({ username, email, created_at })));
    const inserted = await db.execute<{ username: string }>(sql`
      insert into users (username, email, created_at)
      select username, email, coalesce(created_at, now())
      from jsonb_to_recordset(${rows}::text::jsonb) as r(username text, email text, created_at timestamptz)
      on conflict do nothing
      returning username`);
    const stored = new Set(Array.from(inserted, (row) => row.username));
    imported += stored.size;
    for (const candidate of batch) {
      if (!stored.has(candidate.username)) {
        errors.push({ line: candidate.line, error: `username or email already exists: ${candidate.username}` });
      }
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { imported, skipped: errors.length, errors };
}
