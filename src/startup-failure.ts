// Start-up failures an operator can fix, each turned into one line naming the cause and the fix
// (main.ts prints it and exits 2): no stack trace for a busy port or a mistyped DATABASE_URL.
import { EmbeddedStartError } from '../db/embedded.ts';
import { pgFailureOf } from '../db/errors.ts';

export interface StartupContext {
  /** The database hop was connecting to (DATABASE_URL or the embedded one). */
  databaseUrl: string | null;
  /** The variable that named it, when not DATABASE_URL (MIGRATION_DATABASE_URL). */
  urlVariable?: string;
  embedded: boolean;
  host: string;
  port: number;
}

function whereIs(url: string): { target: string; database: string } {
  try {
    const parsed = new URL(url);
    return { target: `${parsed.hostname}:${parsed.port || '5432'}`, database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres' };
  } catch {
    return { target: 'the configured host', database: 'the configured database' };
  }
}

/** One line, without the "hop: " prefix, for any error that ended start-up. */
export function describeStartupFailure(error: unknown, context: StartupContext): string {
  if (error instanceof EmbeddedStartError) return `cannot start the embedded Postgres: ${error.message}`;
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code === 'EADDRINUSE' || /address already in use|EADDRINUSE/i.test(message ?? '')) {
    return `port ${context.port} on ${context.host} is already in use (another hop?): stop that process, or set PORT to a free port`;
  }
  if (code === 'EADDRNOTAVAIL') return `HOST ${context.host} is not an address of this machine: set HOST to 127.0.0.1, 0.0.0.0 or one of its addresses`;
  if (code === 'EACCES' && /listen|bind|port/i.test(message ?? '')) {
    return `not allowed to listen on ${context.host}:${context.port}: set PORT above 1023, or HOST to an address of this machine`;
  }
  const postgres = pgFailureOf(error);
  if (postgres && context.databaseUrl) {
    const { target, database } = whereIs(context.databaseUrl);
    const source = context.urlVariable ?? (context.embedded ? 'the embedded Postgres' : 'DATABASE_URL');
    if (postgres.errno === '3D000') return `database "${database}" does not exist on ${target}: create it (createdb -h ${target.split(':')[0]} ${database}) or fix the name in ${source}`;
    if (postgres.errno === '28P01' || postgres.errno === '28000') return `Postgres at ${target} refused the login (${postgres.message}): fix the user or password in ${source}`;
    // A migration that gives up a lock rather than queue every query behind it (lock_timeout, e.g. 0011).
    if (postgres.errno === '55P03') return `a migration waited too long for a table lock on ${target} (${postgres.message}): find the session holding it (pg_locks, pg_stat_activity), let it finish or end it, and start hop again`;
    if (postgres.code !== 'ERR_POSTGRES_SERVER_ERROR') return `cannot reach Postgres at ${target} (${postgres.code}): start it, or fix the host and port in ${source}`;
    return `Postgres at ${target} refused start-up (${postgres.errno}: ${postgres.message}): see docs/runbook.md#start-up-failures`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `start-up failed (${text.split('\n')[0]}): see the log above and docs/runbook.md#start-up-failures`;
}
