// JSON in: a body in any other format is refused with 415 before it is parsed
// (the CSV import is the one multipart route).

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
