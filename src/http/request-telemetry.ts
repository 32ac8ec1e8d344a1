// The start and end of every request, in one place: the end records its RED metrics, its redirect
// result and its access line exactly once, whether the handler answered or threw. In Elysia's
// afterResponse hook a thrown error shows the wrong status (422 for what answered 400, 200 for a 404),
// and relying on that hook to run for errors at all is fragile, so errors are recorded from onError
// with the status of the response actually sent, and afterResponse skips requests already recorded.
import { StatusMap } from 'elysia';
import { REDIRECT_ROUTE, type AccessLog } from '../logging/access-log.ts';
import { UNMATCHED } from '../metrics/http.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { AppError } from './errors.ts';

const STARTED = Symbol('hop.startedAt');
const RECORDED = Symbol('hop.recorded');

interface Tracked {
  [STARTED]?: number;
  [RECORDED]?: true;
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
    this.finish(context, status, undefined);
  }

  /** onError: the response built from the error, with its real status. */
  failed(context: RequestContext, status: number, error: unknown): void {
    (context as Tracked)[RECORDED] = true;
    this.finish(context, status, error);
  }

  private finish(context: RequestContext, status: number, error: unknown): void {
    const started = (context as Tracked)[STARTED];
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    this.record(context.request.method, context.route || UNMATCHED, status, seconds, context.set.headers['x-request-id'] as string | undefined, error);
  }

  /** One finished request: its RED metrics, its redirect result and its access line. */
  record(method: string, route: string, status: number, seconds: number, requestId: string | undefined, error?: unknown): void {
    if (this.metrics) {
      this.metrics.http.observe(method, route, status, seconds);
      if (route === REDIRECT_ROUTE) {
        if (status === 302) this.metrics.redirect('found');
        else if (status === 404) this.metrics.redirect(error instanceof AppError && error.code === 'link_inactive' ? 'inactive' : 'not_found');
      }
    }
    this.access.write(method, route, status, seconds, requestId);
  }
}

function statusCode(status: number | string | undefined): number {
  if (typeof status === 'number') return status;
  if (status === undefined) return 200;
  return (StatusMap as Record<string, number>)[status] ?? 200;
}
