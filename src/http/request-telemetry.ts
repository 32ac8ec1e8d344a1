// The start and end of every request, in one place: the end records its RED metrics, its redirect
// result and its access line exactly once, whether the handler answered or threw. In Elysia's
// afterResponse hook a thrown error shows the wrong status (422 for what answered 400, 200 for a 404),
// and relying on that hook to run for errors at all is fragile, so errors are recorded from onError
// with the status of the response actually sent, and afterResponse skips requests already recorded.
import { StatusMap } from 'elysia';
import { REDIRECT_ROUTE, type AccessLog } from '../logging/access-log.ts';
import { UNMATCHED } from '../metrics/http.ts';
import { divertedBy } from '../urls/redirect.ts';
import type { Metrics, RedirectResult } from '../metrics/metrics.ts';
import { AppError, type ErrorCode } from './errors.ts';

// A refused redirect's reason, whether it answered 404/410 or a 302 to the link's expired_url.
const REDIRECT_RESULT_BY_CODE: Partial<Record<ErrorCode, RedirectResult>> = {
  not_found: 'not_found',
  link_inactive: 'inactive',
  link_expired: 'expired',
  link_exhausted: 'exhausted',
  link_banned: 'banned',
};

function redirectResult(status: number, error: unknown): RedirectResult | undefined {
  if (error instanceof AppError) return REDIRECT_RESULT_BY_CODE[error.code];
  if (status === 302) return 'found';
  return status === 404 ? 'not_found' : undefined;
}

const STARTED = Symbol('hop.startedAt');
const RECORDED = Symbol('hop.recorded');
const KEY_ID = Symbol('hop.keyId');

interface Tracked {
  [STARTED]?: number;
  [RECORDED]?: true;
  [KEY_ID]?: string;
}

/** The public id of the API key a request authenticated with, for its access line (never the secret). */
export function noteKey(context: object, publicId: string): void {
  (context as Tracked)[KEY_ID] = publicId;
}

/** What the hooks see of Elysia's context. */
export interface RequestContext {
  request: Request;
  route?: string;
  set: { status?: number | string; headers: Record<string, unknown> };
  responseValue?: unknown;
}

export class RequestTelemetry {
  constructor(
    private readonly metrics: Metrics | null,
    private readonly access: AccessLog,
    /** The template of a request Elysia never routed (refused in onRequest); undefined: unmatched. */
    private readonly templateFor: (method: string, pathname: string) => string | undefined = () => undefined,
    /** The client address a request came from, for its access line. */
    private readonly clientOf: (request: Request) => string | undefined = () => undefined,
  ) {}

  /** onRequest: the clock starts before anything else runs. */
  started(context: object): void {
    (context as Tracked)[STARTED] = performance.now();
  }

  /** onAfterResponse: the handler's own answer. */
  answered(context: RequestContext): void {
    if ((context as Tracked)[RECORDED]) return;
    const value = context.responseValue;
    const status = value instanceof Response ? value.status : statusCode(context.set.status);
    this.finish(context, status, value instanceof Response ? divertedBy.get(value) : undefined);
  }

  /** onError: the response built from the error, with its real status. */
  failed(context: RequestContext, status: number, error: unknown): void {
    (context as Tracked)[RECORDED] = true;
    this.finish(context, status, error);
  }

  private finish(context: RequestContext, status: number, error: unknown): void {
    const started = (context as Tracked)[STARTED];
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    const { method } = context.request;
    const route = context.route || this.templateFor(method, pathOf(context.request.url)) || UNMATCHED;
    this.record(method, route, status, seconds, context.set.headers['x-request-id'] as string | undefined, error, (context as Tracked)[KEY_ID], this.clientOf(context.request));
  }

  /** One finished request: its RED metrics, its redirect result and its access line. */
  record(method: string, route: string, status: number, seconds: number, requestId: string | undefined, error?: unknown, keyId?: string, client?: string): void {
    if (this.metrics) {
      this.metrics.http.observe(method, route, status, seconds);
      if (route === REDIRECT_ROUTE) {
        const result = redirectResult(status, error);
        if (result) this.metrics.redirect(result);
      }
    }
    this.access.write(method, route, status, seconds, requestId, keyId, client);
  }
}

// After "scheme://host", up to the query.
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', start);
  return url.slice(start, query === -1 ? undefined : query);
}

function statusCode(status: number | string | undefined): number {
  if (typeof status === 'number') return status;
  if (status === undefined) return 200;
  return (StatusMap as Record<string, number>)[status] ?? 200;
}
