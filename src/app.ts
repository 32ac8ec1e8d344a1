// Builds the Elysia app from its dependencies. No I/O happens here: main.ts and the tests
// open connections and pass them in.
import { Elysia, type AnyElysia } from 'elysia';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { KeyResolver } from './auth/key-resolver.ts';
import { authPlugin, presentedKey } from './auth/plugin.ts';
import { keyRoutes } from './auth/routes.ts';
import { KeyService } from './auth/service.ts';
import type { LinkCache } from './cache/link-cache.ts';
import { abuseRoutes } from './abuse/routes.ts';
import { AbuseService } from './abuse/service.ts';
import { qrRoutes } from './qr/routes.ts';
import { QrService } from './qr/service.ts';
import { ChaosDrills } from './chaos/drills.ts';
import { chaosRoutes } from './chaos/routes.ts';
import type { ConsoleAssets } from './console/assets.ts';
import { consoleRoutes } from './console/routes.ts';
import type { Config } from './config.ts';
import type { ClickRecorder } from './events/click-recorder.ts';
import { docsRoutes } from './docs/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { statsRoutes } from './stats/routes.ts';
import { StatsService } from './stats/service.ts';
import { EventService } from './events/service.ts';
import { reportAlertWebhook } from './health/alert-webhook.ts';
import { DependencyChecks } from './health/checks.ts';
import { DependencyLog, DependencyWatch } from './health/dependency-log.ts';
import { healthRoutes } from './health/routes.ts';
import { errorResponse } from './http/error-handler.ts';
import { checkJsonObject, mediaTypeMismatch } from './http/content-type.ts';
import { AppError, methodNotAllowed } from './http/errors.ts';
import { notePeer, peerOf } from './http/peer.ts';
import { IdempotencyService } from './idempotency/service.ts';
import { clientAddress, isWrite, WriteRateLimiter } from './http/rate-limit.ts';
import { requestIdOf } from './http/request-id.ts';
import { CONSOLE_CSP, DOCS_CSP, SECURITY_HEADERS } from './http/security-headers.ts';
import { RequestTelemetry } from './http/request-telemetry.ts';
import { RouteTable } from './http/route-table.ts';
import { Secret } from './http/secret.ts';
import { AccessLog } from './logging/access-log.ts';
import { LogRing } from './logging/log-ring.ts';
import { logRoutes } from './logging/routes.ts';
import type { Metrics } from './metrics/metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { ClickLimits } from './urls/click-limit.ts';
import { hotPath, linkLoader, redirect } from './urls/redirect.ts';
import { urlRoutes } from './urls/routes.ts';
import { SelfTargets } from './urls/self-target.ts';
import { RESERVED_CODES } from './urls/short-code.ts';
import { UrlService } from './urls/service.ts';
import { userRoutes } from './users/routes.ts';
import { UserService } from './users/service.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * What Bun itself accepts. Above it Bun answers a bare 413 without JSON, so it sits well above
 * MAX_BODY_BYTES and hop's own checks (Content-Length, or the read body when chunked) answer first.
 */
export const SERVER_BODY_LIMIT = 16 * MAX_BODY_BYTES;

const DOCS_HEADERS = { ...SECURITY_HEADERS, 'content-security-policy': DOCS_CSP };
const CONSOLE_HEADERS = { ...SECURITY_HEADERS, 'content-security-policy': CONSOLE_CSP };
const CONSOLE_PATH = /^\/app(?:[/?#]|$)/;

// onRequest runs before routing, so the path is read off the URL (after "scheme://host").
function headersFor(url: string): Readonly<Record<string, string>> {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (url.startsWith('/docs', start)) return DOCS_HEADERS;
  return CONSOLE_PATH.test(url.slice(start)) ? CONSOLE_HEADERS : SECURITY_HEADERS;
}

export interface AppDeps {
  config: Config;
  db: Database;
  redis: Redis | null;
  cache: LinkCache;
  clicks: ClickRecorder;
  /** Resolves API keys (AUTH_MODE=keys); its revocations reach every replica. */
  keys: KeyResolver;
  logger: Logger;
  /** This app's metrics (their registry is the app's own); null or absent: metrics off. */
  metrics?: Metrics | null;
  /** The ring the logger also writes to, served by GET /logs; absent: /logs shows nothing. */
  logRing?: LogRing | null;
  /** How a `kill` drill ends the process: main.ts shuts down gracefully with that exit code. */
  requestExit?: (code: number) => void;
  /** The built console served at /app; null or absent: /app explains how to build it. */
  consoleAssets?: ConsoleAssets | null;
}

let appSerial = 0;

export function createApp({ config, db, redis, cache, clicks, keys, logger, metrics = null, logRing = null, requestExit, consoleAssets = null }: AppDeps) {
  const linkChanges = { linkChanged: (code: string) => cache.invalidate(code) };
  // A deleted user's keys go with it (cascade): every replica must forget them at once.
  const users = new UserService(db, async (codes) => {
    await Promise.all([keys.revoked(), ...codes.map((code) => cache.invalidate(code))]);
  });
  const apiKeys = new KeyService(db, keys);
  // Links may not point back at hop itself (a redirect chain or loop).
  const selfTargets = new SelfTargets(config.baseUrl, config.host, config.port);
  const urls = new UrlService(db, linkChanges, (url) => selfTargets.matches(url));
  const abuse = new AbuseService(db, linkChanges);
  const writes = new WriteRateLimiter({ perSecond: config.writeRateLimit, burst: config.writeRateBurst });
  const keysMode = config.auth.mode === 'keys';
  const auth = authPlugin({
    mode: config.auth.mode,
    anonymousShorten: config.auth.anonymousShorten,
    resolver: keys,
    failures: new WriteRateLimiter({ perSecond: config.auth.failuresPerMinute / 60, burst: config.auth.failureBurst }),
    writes: new WriteRateLimiter({ perSecond: config.writeRateLimit, burst: config.writeRateBurst }),
    trustProxy: config.trustProxy,
    metrics,
    seed: ++appSerial,
  });
  const events = new EventService(db, clicks);
  const redirectDeps = { cache, load: linkLoader(db), clicks, limits: new ClickLimits(db) };
  // A request refused before routing (413, 429) is still counted under the template it was for.
  const telemetry = new RequestTelemetry(
    metrics,
    new AccessLog(logger),
    (method, pathname) => routesOf().templateFor(method, pathname),
    (request) => clientAddress(request.headers, peerOf(request), config.trustProxy),
  );
  const dependencyLog = new DependencyLog(logger);
  const checks = new DependencyChecks(db, redis, (dependency, state, cause) => {
    metrics?.dependency(dependency, state);
    dependencyLog.observe(dependency, state, cause);
  });
  // Started by whoever serves the app (main.ts once it listens), stopped on shutdown.
  const dependencyWatch = new DependencyWatch(checks);
  reportAlertWebhook(config.alertWebhook, logger, metrics);
  metrics?.watchClickBuffer(clicks);
  metrics?.watchPool(db.$gate);
  metrics?.probeDependenciesWith(() => checks.readiness());
  const exit = requestExit ?? ((code: number) => logger.error({ code }, 'kill drill: this app has no way to exit'));
  const drills = new ChaosDrills(logger, metrics, exit);
  const chaosToken = config.chaosToken ? new Secret(config.chaosToken) : null;
  const adminToken = config.adminToken ? new Secret(config.adminToken) : null;
  let routeTable: RouteTable | undefined;
  // Built on first use: the table needs every route, which exist only once the app is composed.
  const routesOf = () => (routeTable ??= new RouteTable(app.routes));

  // systemRouter off: Bun's native router would send /docs (a static response Elysia keeps out of
  // it) to the /:short_code catch-all.
  // Hooks registered here apply to every route below. Elysia treats a hook whose source contains
  // `await`, `async` or `=> call(` as asynchronous and then awaits it on every request: onRequest
  // is kept free of those on purpose.
  const base = new Elysia({ systemRouter: false })
    .onRequest((context) => {
      telemetry.started(context);
      const { request, set } = context;
      Object.assign(set.headers, headersFor(request.url));
      set.headers['x-request-id'] = requestIdOf(request);
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > MAX_BODY_BYTES) throw new AppError('payload_too_large', 'request body exceeds 1 MiB');
      // With a key, the auth plugin limits writes per key instead of per address.
      if (writes.enabled && isWrite(request.method) && !(keysMode && presentedKey(request.headers) !== null)) {
        const wait = writes.take(clientAddress(request.headers, peerOf(request), config.trustProxy));
        if (wait > 0) throw new AppError('rate_limited', 'too many writes from this client, slow down', undefined, { 'retry-after': String(wait) });
      }
    })
    .onParse(async ({ request, path }) => {
      const wanted = mediaTypeMismatch(path, request.headers.get('content-type'));
      if (wanted) throw new AppError('unsupported_media_type', `request body must be ${wanted}`);
      // A chunked body has no Content-Length to check up front: measure it before it is parsed.
      if (!request.headers.has('content-length') && request.body) {
        const size = (await request.clone().arrayBuffer()).byteLength;
        if (size > MAX_BODY_BYTES) throw new AppError('payload_too_large', 'request body exceeds 1 MiB');
      }
    })
    // After parsing (and after route-level parse hooks such as /chaos's token check), before validation.
    .onTransform(({ body, request, path }) => {
      checkJsonObject(path, request.headers.get('content-type'), body);
    })
    .onError((context) => {
      const { code, error, request, set } = context;
      if (error instanceof AppError && error.code === 'forbidden') metrics?.auth('forbidden');
      const response = errorResponse({
        code,
        error,
        requestId: set.headers['x-request-id'] as string | undefined,
        allowedMethods: () => routesOf().methodsFor(new URL(request.url).pathname),
        literalMethods: () => routesOf().literalMethodsFor(new URL(request.url).pathname),
        log: logger,
      });
      telemetry.failed(context, response.status, error);
      return response;
    })
    .onAfterResponse((context) => {
      telemetry.answered(context);
    });
  // Only a replica that can run drills pays for the check (one awaited hook per request).
  if (chaosToken) {
    base.onBeforeHandle(async ({ route }) => {
      if (drills.active) await drills.disturb(route);
    });
  }

  const app = base
    .use(docsRoutes((): AnyElysia => app, { title: 'hop', version: config.version, description: 'A high-throughput URL shortener.', authMode: config.auth.mode }))
    .use(auth)
    .use(healthRoutes(checks, config.auth.mode))
    .use(metricsRoutes(metrics))
    .use(logRoutes(logRing ?? new LogRing(0), adminToken))
    .use(chaosRoutes(drills, chaosToken))
    .use(userRoutes(users, auth, db, config.listCap))
    .use(urlRoutes(urls, new IdempotencyService(db), auth, config.baseUrl, config.listCap))
    .use(abuseRoutes(abuse, auth))
    .use(qrRoutes(new QrService(urls, config.baseUrl), auth))
    .use(eventRoutes(events, auth, config.listCap))
    .use(keyRoutes(apiKeys, auth, config.listCap))
    .use(statsRoutes(new StatsService(db), auth))
    .use(consoleRoutes(consoleAssets))
    // Last: the catch-all single segment is every short code.
    .get('/:short_code', ({ params, request, set }) => {
      // `GET /shorten`, `GET /chaos`: hop's own path with another method, not a short code.
      if (RESERVED_CODES.has(params.short_code)) throw methodNotAllowed(routesOf().literalMethodsFor(`/${params.short_code}`));
      return redirect(redirectDeps, {
        code: params.short_code,
        countClick: request.method === 'GET',
        referrer: request.headers.get('referer'),
        userAgent: request.headers.get('user-agent'),
        requestId: String(set.headers['x-request-id']),
        clientAddress: (config.trustProxy && request.headers.get('x-forwarded-for')) || peerOf(request) || null,
        country: config.stats.countryHeader ? request.headers.get(config.stats.countryHeader) : null,
      });
    }, { detail: { tags: ['redirect'], summary: 'Redirect to the original URL (302) and record a click', security: [] } });

  // What src/server.ts mounts on Bun's router for GET /:short_code, ahead of Elysia.
  return Object.assign(app, {
    /** src/server.ts tells the app where it listens, so links to that port on this host are refused. */
    listeningOn: (port: number) => selfTargets.addListener(port),
    /** What main.ts hands the blocklist file to, at start and on SIGHUP. */
    abuse,
    /** Probes Postgres and Redis every second for the transition log; main.ts stops it on shutdown. */
    dependencyWatch,
    hotPath: hotPath({
      ...redirectDeps,
      record: (method, route, status, seconds, requestId, error) => telemetry.record(method, route, status, seconds, requestId, error),
      drills,
      fallback: (request, server) => {
        notePeer(request, server?.requestIP(request)?.address);
        return app.fetch(request);
      },
      trustProxy: config.trustProxy,
      countryHeader: config.stats.countryHeader,
      log: logger,
    }),
  });
}

export type App = ReturnType<typeof createApp>;
