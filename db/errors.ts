// Reads Postgres failures out of drizzle's wrapper so services can name them.

export interface PgFailure {
  code?: string;
  errno?: string;
  constraint?: string;
  message?: string;
}

export function pgFailureOf(error: unknown): PgFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgFailure & { cause?: unknown };
    if (typeof candidate.code === 'string' && candidate.code.startsWith('ERR_POSTGRES')) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** The violated unique constraint's name, or undefined when this is not a unique violation. */
export function uniqueViolation(error: unknown): string | undefined {
  const failure = pgFailureOf(error);
  return failure?.errno === '23505' ? (failure.constraint ?? 'unique') : undefined;
}

export function foreignKeyViolation(error: unknown): string | undefined {
  const failure = pgFailureOf(error);
  return failure?.errno === '23503' ? (failure.constraint ?? 'foreign_key') : undefined;
}

/** A deadlock or serialization failure: the statement did nothing and may simply run again. */
export function transientConflict(error: unknown): boolean {
  const errno = pgFailureOf(error)?.errno;
  return errno === '40P01' || errno === '40001';
}

/** True when Postgres could not be reached or went away: the caller should answer 503. */
export function databaseUnavailable(error: unknown): boolean {
  const failure = pgFailureOf(error);
  if (!failure) return false;
  if (failure.code !== 'ERR_POSTGRES_SERVER_ERROR') return /CONNECTION|TIMEOUT|CLOSED|REFUSED|TLS|POOL_BUSY/.test(failure.code ?? '');
  // 08xxx connection exceptions, 57P0x admin shutdown / crash / cannot connect now.
  return /^(08|57P0)/.test(failure.errno ?? '');
}

/**
 * True when Postgres refused a value itself (class 22, data exception: a NUL character in text or
 * JSON, a number out of range): the client sent something unstorable, so the answer is a 400.
 */
export function invalidData(error: unknown): boolean {
  const failure = pgFailureOf(error);
  return failure?.code === 'ERR_POSTGRES_SERVER_ERROR' && /^22/.test(failure.errno ?? '');
}
