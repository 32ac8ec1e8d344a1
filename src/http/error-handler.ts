// The one place errors become HTTP: every failure answers {"error": ...} with the status from
// STATUS_BY_CODE. Unknown errors are logged and answer a plain 500 that leaks nothing.
import type { ValidationError } from 'elysia';
import { databaseUnavailable, invalidData } from '../../db/errors.ts';
import { AppError, CODES_IN_BODY, methodNotAllowed, STATUS_BY_CODE, type FieldProblem } from './errors.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export interface ErrorLog {
  error(fields: Record<string, unknown>, message: string): void;
}

export function jsonError(status: number, body: { error: string; code?: string; details?: FieldProblem[] }, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8' },
  });
}

function fieldProblems(error: ValidationError): FieldProblem[] {
  try {
    return error.all.map((problem) => ({
      field: 'path' in problem && problem.path ? String(problem.path).replace(/^\//, '').replace(/\//g, '.') || 'body' : 'body',
      message: 'summary' in problem && problem.summary ? String(problem.summary) : String(problem.message),
    }));
  } catch {
    return [{ field: 'body', message: 'invalid' }];
  }
}

/** Which part of the request a validation error is about, for a readable message. */
function partOf(error: ValidationError): string {
  return error.type === 'body' ? 'body' : error.type === 'query' ? 'query parameter' : error.type === 'params' ? 'path parameter' : error.type;
}

export interface ErrorContext {
  code: string | number;
  error: unknown;
  requestId: string | undefined;
  /** Methods this path answers to, for telling 405 from 404. */
  allowedMethods: () => string[];
  /** Methods of routes spelling this path out (`POST /users/bulk`), which a template also matched. */
  literalMethods?: () => string[];
  log: ErrorLog;
}

export function errorResponse({ code, error: thrown, requestId, allowedMethods, literalMethods, log }: ErrorContext): Response {
  let error = thrown;
  // `GET /users/bulk` reached `GET /users/:id` and failed its id check: the path is POST's.
  if (code === 'VALIDATION' && (thrown as ValidationError).type === 'params') {
    const literal = literalMethods?.() ?? [];
    if (literal.length > 0) error = methodNotAllowed(literal);
  }
  const headers: Record<string, string> = requestId ? { 'x-request-id': requestId } : {};
  // Elysia wraps what a parse hook throws in its ParseError; the AppError inside is what counts.
  const cause = code === 'PARSE' ? (error as { cause?: unknown }).cause : undefined;
  if (cause instanceof AppError) error = cause;
  if (error instanceof AppError) {
    return jsonError(
      STATUS_BY_CODE[error.code],
      {
        error: error.message,
        ...(CODES_IN_BODY.has(error.code) ? { code: error.code } : {}),
        ...(error.details ? { details: error.details } : {}),
      },
      error.headers ? { ...headers, ...error.headers } : headers,
    );
  }
  switch (code) {
    case 'VALIDATION': {
      const validation = error as ValidationError;
      const details = fieldProblems(validation);
      // A body that is not a JSON object at all gets the plain message the contract promises.
      const value = validation.value;
      const notAnObject = validation.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value));
      const message = notAnObject
        ? 'request body must be a JSON object'
        : `invalid ${partOf(validation)}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`;
      return jsonError(400, { error: message, details }, headers);
    }
    case 'PARSE':
      return jsonError(400, { error: 'request body is not valid JSON' }, headers);
    case 'NOT_FOUND': {
      const allowed = allowedMethods();
      if (allowed.length > 0) {
        return jsonError(405, { error: 'method not allowed' }, { ...headers, allow: allowed.join(', ') });
      }
      return jsonError(404, { error: 'not found' }, headers);
    }
  }
  if (invalidData(error)) {
    return jsonError(400, { error: 'a value cannot be stored (for example a NUL character or a number out of range)' }, headers);
  }
  if (databaseUnavailable(error)) {
    return jsonError(503, { error: 'database unavailable, try again shortly' }, { ...headers, 'retry-after': '1' });
  }
  log.error({ err: error, request_id: requestId }, 'unhandled error');
  return jsonError(500, { error: 'internal server error' }, headers);
}
