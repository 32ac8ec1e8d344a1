// JSON in: a body in any other format is refused with 415 before it is parsed
// (the CSV import is the one multipart route), and a JSON body must be an object.
import { AppError } from './errors.ts';

const MULTIPART_ROUTES = new Set(['/users/bulk']);

export function expectedMediaType(path: string): string {
  return MULTIPART_ROUTES.has(path) ? 'multipart/form-data' : 'application/json';
}

/** The media type the route wants, when the request's Content-Type is something else; else undefined. */
export function mediaTypeMismatch(path: string, contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const wanted = expectedMediaType(path);
  return contentType.toLowerCase().startsWith(wanted) ? undefined : wanted;
}

/**
 * A JSON body as hop takes it: an object. Checked on the parsed body, because Elysia lets an array or
 * a string through a schema whose fields are all optional (`PUT /users/1` with `[]` answered 200).
 */
export function checkJsonObject(path: string, contentType: string | null, body: unknown): void {
  if (body === undefined || !contentType || expectedMediaType(path) !== 'application/json') return;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation', 'request body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
  }
}
