// Errors carry a code; this table alone decides the HTTP status, so services stay HTTP-free.

export type ErrorCode =
  | 'invalid_json'
  | 'validation'
  | 'not_found'
  /** A link that exists but is switched off: a 404 like an unknown code, counted apart in metrics. */
  | 'link_inactive'
  /** Past its expires_at, or out of max_clicks: 404s counted apart from unknown codes. */
  | 'link_expired'
  | 'link_exhausted'
  /** Banned by an operator for abuse: 410, whatever the owner's is_active says. */
  | 'link_banned'
  /** The target host is banned (400 on create or update). */
  | 'banned_host'
  /** An Idempotency-Key reused with a different request body. */
  | 'idempotency_mismatch'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  /** A valid key without the role for the action. */
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'chaos'
  | 'internal';

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_json: 400,
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  link_inactive: 404,
  link_expired: 404,
  link_exhausted: 404,
  link_banned: 410,
  banned_host: 400,
  idempotency_mismatch: 422,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  chaos: 500,
  unavailable: 503,
};

/**
 * Codes a client tells apart, sent as `code` beside `error`. Only codes added after the hackathon
 * contract, whose error bodies stay exactly `{error, details?}`.
 */
export const CODES_IN_BODY: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'link_expired', 'link_exhausted', 'link_banned', 'banned_host', 'idempotency_mismatch',
]);

export const invalid = (field: string, message: string) =>
  new AppError('validation', `invalid ${field}: ${message}`, [{ field, message }]);

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

export const methodNotAllowed = (allowed: string[]) =>
  new AppError('method_not_allowed', 'method not allowed', undefined, { allow: allowed.join(', ') });
