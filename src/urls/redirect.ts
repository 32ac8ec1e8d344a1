// The hot path: GET /:short_code. Every step a redirect takes is in this file:
// shape check -> cache (L1 -> L2 -> Postgres, single-flight) -> 404/410 or 302 -> click handed to the recorder.
// A link with options (expiry, click limit) carries `rules` in its cache entry; a plain link has none,
// so its redirect pays one field test for the feature.
// Bun's router hands GET /:short_code straight to `hotPath` (see src/server.ts): Elysia's per-request
// context (cookies, hooks, response mapping) cost two thirds of the throughput there. The same
// `redirect` also backs the Elysia route, which answers app.handle() callers and the OpenAPI document.
import type { Server } from 'bun';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { urls } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import type { CachedLink, LinkCache, LinkRules } from '../cache/link-cache.ts';
import type { ClickRecorder } from '../events/click-recorder.ts';
import { errorResponse, type ErrorLog } from '../http/error-handler.ts';
import { AppError } from '../http/errors.ts';
import { requestIdOf } from '../http/request-id.ts';
import type { ClickLimits } from './click-limit.ts';
import { RESERVED_CODES } from './short-code.ts';

export const REDIRECT_ROUTE = '/:short_code';
const CODE_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export type LinkLoader = (code: string) => Promise<CachedLink | null>;

/** The Postgres read behind the cache: one prepared statement by short code. */
export function linkLoader(db: Database): LinkLoader {
  const byCode = db
    .select({
      id: urls.id, userId: urls.userId, url: urls.originalUrl, active: urls.isActive, banned: sql<boolean>`${urls.bannedAt} is not null`,
      expiresAt: urls.expiresAt, maxClicks: urls.maxClicks, clicksUsed: urls.clicksUsed, expiredUrl: urls.expiredUrl,
    })
    .from(urls)
    .where(eq(urls.shortCode, sql.placeholder('code')))
    .limit(1)
    .prepare('link_by_code');
  return async (code) => {
    const row = (await byCode.execute({ code }))[0];
    if (!row) return null;
    const link: CachedLink = { id: row.id, userId: row.userId, url: locationOf(row.url), active: row.active && !row.banned };
    if (row.banned) link.banned = true;
    if (row.expiresAt !== null || row.maxClicks !== null) {
      link.rules = {
        expiresAt: row.expiresAt === null ? null : Date.parse(toIso(row.expiresAt)),
        maxClicks: row.maxClicks,
        expiredUrl: row.expiredUrl === null ? null : locationOf(row.expiredUrl),
        exhausted: row.maxClicks !== null && row.clicksUsed >= row.maxClicks,
      };
    }
    return link;
  };
}

/**
 * The stored target as a Location header can carry it: WHATWG-serialised, so a non-Latin-1 host
 * becomes punycode and a non-ASCII path percent-encoded (Bun refuses such header values outright).
 */
export function locationOf(target: string): string {
  try {
    return new URL(target).href;
  } catch {
    return target;
  }
}

export interface RedirectDeps {
  cache: LinkCache;
  load: LinkLoader;
  clicks: ClickRecorder;
  limits: ClickLimits;
}

export interface Visit {
  code: string;
  /** False for HEAD: link checkers and previews probe without anyone following the link. */
  countClick: boolean;
  referrer: string | null;
  userAgent: string | null;
  requestId: string;
  /** The peer address, or the raw X-Forwarded-For behind a trusted proxy: the writer parses it. */
  clientAddress?: string | null;
  /** GEOIP_COUNTRY_HEADER's value, when configured. */
  country?: string | null;
}

const unknownCode = () => new AppError('not_found', 'short code not found');
const expired = () => new AppError('link_expired', 'short link has expired');
const exhausted = () => new AppError('link_exhausted', 'short link has reached its click limit');

/**
 * A 302 to a link's expired_url stands for the refusal it replaces: metrics read the reason here,
 * since the status alone says "found".
 */
export const divertedBy = new WeakMap<Response, AppError>();

/** Resolves the code (through every cache tier), records the click and answers the 302. */
export async function redirect(deps: RedirectDeps, visit: Visit): Promise<Response> {
  if (!CODE_SHAPE.test(visit.code)) throw unknownCode();
  const link = await deps.cache.resolve(visit.code, deps.load);
  return link?.rules ? answerWithRules(link, link.rules, visit, deps) : answer(link, visit, deps.clicks);
}

/** 404/410 for an unknown, inactive or banned link: the check every redirect makes first. */
function refuseUnservable(link: CachedLink | null): asserts link is CachedLink {
  if (!link) throw unknownCode();
  if (!link.active) {
    throw link.banned ? new AppError('link_banned', 'short link has been disabled for abuse') : new AppError('link_inactive', 'short link is inactive');
  }
}

/**
 * A link with options: expiry is a comparison with the clock, a click limit one conditional
 * increment in Postgres per admitted GET (HEAD only reads the cached state). A refused redirect
 * records no click and goes to expired_url when the owner set one.
 */
async function answerWithRules(link: CachedLink, rules: LinkRules, visit: Visit, deps: RedirectDeps): Promise<Response> {
  refuseUnservable(link);
  if (rules.expiresAt !== null && Date.now() >= rules.expiresAt) return refuse(expired(), rules, visit);
  if (rules.maxClicks !== null) {
    if (rules.exhausted) return refuse(exhausted(), rules, visit);
    if (visit.countClick) {
      const admission = await deps.limits.admit(link.id);
      // The entry is this replica's own copy: marking it spares the next visitor a round trip.
      if (admission !== 'admitted') rules.exhausted = true;
      if (admission === 'refused') return refuse(exhausted(), rules, visit);
    }
  }
  return answer(link, visit, deps.clicks);
}

function refuse(reason: AppError, rules: LinkRules, visit: Visit): Response {
  if (rules.expiredUrl === null) throw reason;
  const response = new Response(null, {
    status: 302,
    headers: { Location: rules.expiredUrl, 'Cache-Control': 'private, no-store', 'X-Request-Id': visit.requestId },
  });
  divertedBy.set(response, reason);
  return response;
}

/** 404/410 for an unknown, inactive or banned link; otherwise hands the click to the recorder (never awaited) and answers 302. */
function answer(link: CachedLink | null, visit: Visit, clicks: ClickRecorder): Response {
  refuseUnservable(link);
  // No security headers here: a 302 has no body to sniff, frame or run, and each header costs
  // measurable time on the hottest response hop sends. Built before the click is recorded, so a
  // redirect that fails records nothing.
  const response = new Response(null, {
    status: 302,
    headers: { Location: link.url, 'Cache-Control': 'private, no-store', 'X-Request-Id': visit.requestId },
  });
  if (!visit.countClick) return response;
  clicks.record({
    urlId: link.id,
    at: Date.now(),
    referrer: visit.referrer,
    userAgent: visit.userAgent,
    requestId: visit.requestId,
    clientAddress: visit.clientAddress,
    country: visit.country,
  });
  return response;
}

export interface HotPathDeps extends RedirectDeps {
  /** Records the finished request (metrics, access line), as the Elysia hooks do for other routes. */
  record(method: string, route: string, status: number, seconds: number, requestId: string, error?: unknown): void;
  /** Chaos drills: `active` is the only thing checked when none runs. */
  drills: { active: boolean; disturb(route: string): Promise<void> };
  /** Where requests for hop's own top-level paths go (the Elysia app). */
  /** `server` is Bun's, for the peer address, as src/server.ts notes it for every other request. */
  fallback(request: Request, server?: Server<undefined>): Response | Promise<Response>;
  log: ErrorLog;
  /** TRUST_PROXY: the client address is X-Forwarded-For's, else the TCP peer's. */
  trustProxy: boolean;
  /** GEOIP_COUNTRY_HEADER: a proxy's header that names the client's country. */
  countryHeader: string | null;
}

/**
 * A visit read off the request. The client address is read only when it is needed, for a click to
 * record: Bun asks the kernel for the peer on every requestIP call (a getpeername syscall, about
 * 1 µs), which HEAD probes and refused codes need not pay.
 */
class RequestVisit implements Visit {
  readonly referrer: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
  private address: string | null | undefined;

  constructor(
    readonly code: string,
    readonly countClick: boolean,
    private readonly request: Request,
    private readonly server: Server<undefined> | undefined,
    private readonly deps: Pick<HotPathDeps, 'trustProxy' | 'countryHeader'>,
  ) {
    this.referrer = request.headers.get('referer');
    this.userAgent = request.headers.get('user-agent');
    this.requestId = requestIdOf(request);
  }

  get clientAddress(): string | null {
    return this.readClientAddress();
  }

  get country(): string | null {
    return this.deps.countryHeader ? this.request.headers.get(this.deps.countryHeader) : null;
  }

  readClientAddress(): string | null {
    if (this.address === undefined) {
      const address = (this.deps.trustProxy && this.request.headers.get('x-forwarded-for')) || this.server?.requestIP(this.request)?.address || null;
      // A click keeps its address until its batch is written, past young collections, and every
      // surviving string costs the collector and the allocator. A run of clicks from one address (a
      // crawler, reloads, one proxy) keeps that address's first string instead, so each new copy dies
      // young (hop's CPU per cached redirect 10.3 -> 9.7 us, docs/performance.md).
      this.address = address === lastAddress ? lastAddress : (lastAddress = address);
    }
    return this.address;
  }
}

/** The client address of the last click read: see readClientAddress. */
let lastAddress: string | null = null;

/**
 * GET /:short_code without Elysia in between; errors answer exactly as the app's onError does.
 * A link in L1 is answered synchronously (no promise at all); anything else takes the async path.
 */
export function hotPath(deps: HotPathDeps) {
  // Records the finished request once. `reason` is the refusal behind an error answer or a diverted
  // 302 (src/http/request-telemetry.ts reads the redirect result from it).
  const done = (started: number, method: string, visit: Visit, response: Response, reason?: unknown): Response => {
    try {
      deps.record(method, REDIRECT_ROUTE, response.status, (performance.now() - started) / 1000, visit.requestId, reason);
    } catch {
      // Telemetry is best effort: the answer stands.
    }
    return response;
  };

  const failed = (started: number, method: string, visit: Visit, error: unknown): Response =>
    done(started, method, visit, errorResponse({ code: 'UNKNOWN', error, requestId: visit.requestId, allowedMethods: () => [], log: deps.log }), error);

  const slow = async (started: number, method: string, visit: RequestVisit, cached?: CachedLink): Promise<Response> => {
    let response: Response;
    // Read before the first await, while the client is surely connected, as every click was before
    // the read became lazy.
    if (visit.countClick) visit.readClientAddress();
    try {
      if (deps.drills.active) await deps.drills.disturb(REDIRECT_ROUTE);
      response = cached?.rules ? await answerWithRules(cached, cached.rules, visit, deps) : await redirect(deps, visit);
    } catch (error) {
      return failed(started, method, visit, error);
    }
    return done(started, method, visit, response, divertedBy.get(response));
  };

  return (request: Request & { params: { short_code: string } }, server?: Server<undefined>): Response | Promise<Response> => {
    const code = request.params.short_code;
    if (RESERVED_CODES.has(code)) return deps.fallback(request, server);
    const started = performance.now();
    const method = request.method;
    const visit = new RequestVisit(code, method === 'GET', request, server, deps);
    if (!deps.drills.active && CODE_SHAPE.test(code)) {
      const cached = deps.cache.peek(code);
      // A plain link (no rules) is answered synchronously; one with rules may need Postgres.
      if (cached !== undefined && cached?.rules === undefined) {
        // Inline rather than through a callback: no closure per request, and a plain link is never
        // diverted, so there is no reason to look up.
        let response: Response;
        try {
          response = answer(cached, visit, deps.clicks);
        } catch (error) {
          return failed(started, method, visit, error);
        }
        return done(started, method, visit, response);
      }
      if (cached) return slow(started, method, visit, cached);
    }
    return slow(started, method, visit);
  };
}
