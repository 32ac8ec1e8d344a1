// Who is asking, decided once per request: the one place that reads API keys. Every route is
// protected unless it is listed public here (default deny: a new route needs a key until someone
// decides otherwise). Handlers receive `actor`; services apply it. The redirect never gets here:
// GET /:short_code is served by Bun's router ahead of Elysia (src/server.ts), and HEAD is public.
import { Elysia } from 'elysia';
import type { AuthResult, Metrics } from '../metrics/metrics.ts';
import { AppError } from '../http/errors.ts';
import { peerOf } from '../http/peer.ts';
import { clientAddress, isWrite, type WriteRateLimiter } from '../http/rate-limit.ts';
import { noteKey } from '../http/request-telemetry.ts';
import { bearerToken } from '../http/secret.ts';
import { ANONYMOUS, OPEN_ACTOR, type Actor } from './actor.ts';
import type { KeyResolver } from './key-resolver.ts';

export type AuthMode = 'keys' | 'open';

/**
 * Routes anyone may call: `/` (a redirect to the console), the console's assets, the API docs.
 * /metrics is kept internal by nginx; /logs and /chaos check their own tokens.
 */
const PUBLIC_ROUTES = new Set(['/', '/:short_code', '/health', '/ready', '/metrics', '/logs', '/chaos']);
const PUBLIC_PREFIXES = ['/docs', '/app'];
const SHORTEN_ROUTE = '/shorten';

export function isPublicRoute(route: string): boolean {
  return PUBLIC_ROUTES.has(route) || PUBLIC_PREFIXES.some((prefix) => route === prefix || route.startsWith(`${prefix}/`));
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedKey(headers: Headers): string | null {
  return bearerToken(headers.get('authorization')) ?? (headers.get('x-api-key')?.trim() || null);
}

export interface AuthOptions {
  mode: AuthMode;
  /** Lets POST /shorten through without a key (the link then has no owner). */
  anonymousShorten: boolean;
  resolver: KeyResolver;
  /** Failed authentications per client address: past the burst, 429 instead of another guess. */
  failures: WriteRateLimiter;
  /** Writes per key (authenticated writes are limited by key, not by address). */
  writes: WriteRateLimiter;
  trustProxy: boolean;
  metrics: Metrics | null;
  /** Tells one app's plugin from another's in the same process (tests build several apps). */
  seed: number;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="hop"' };

export function authPlugin({ mode, anonymousShorten, resolver, failures, writes, trustProxy, metrics, seed }: AuthOptions) {
  const lookups = new Map<string, number>();
  const count = (result: AuthResult) => metrics?.auth(result);
  const refuse = (result: AuthResult, message: string, error = 'invalid_token') => {
    count(result);
    return new AppError('unauthorized', message, undefined, { 'www-authenticate': `${CHALLENGE['www-authenticate']}, error="${error}"` });
  };

  // derive, not resolve: it runs before body validation, so a caller without a key learns nothing
  // about a route's schema (401 before 400).
  return new Elysia({ name: 'auth', seed }).derive({ as: 'global' }, async (context): Promise<{ actor: Actor }> => {
    if (mode === 'open') return { actor: OPEN_ACTOR };
    const { route, request } = context;
    if (isPublicRoute(route)) return { actor: ANONYMOUS };
    const presented = presentedKey(request.headers);
    if (presented === null) {
      if (route === SHORTEN_ROUTE && anonymousShorten) return { actor: ANONYMOUS };
      count('missing');
      throw new AppError('unauthorized', 'this endpoint needs an API key: send Authorization: Bearer <key>', undefined, CHALLENGE);
    }
    const client = clientAddress(request.headers, peerOf(request), trustProxy);
    const blocked = failures.waitFor(client);
    if (blocked > 0) {
      count('rate_limited');
      throw new AppError('rate_limited', 'too many failed authentications from this client, wait and retry', undefined, { 'retry-after': String(blocked) });
    }
    // Lookups of keys not yet known run in Postgres; each one in flight counts as a failure to
    // come, so guesses sent in parallel cannot outrun the failure count.
    let loading = false;
    const resolution = await resolver.resolve(presented, () => {
      if (failures.available(client) - (lookups.get(client) ?? 0) < 1) return false;
      lookups.set(client, (lookups.get(client) ?? 0) + 1);
      return (loading = true);
    });
    if (loading) {
      const left = lookups.get(client)! - 1;
      if (left > 0) lookups.set(client, left);
      else lookups.delete(client);
    }
    if (!resolution.ok && resolution.reason === 'busy') {
      count('rate_limited');
      throw new AppError('rate_limited', 'too many key lookups in flight from this client, wait and retry', undefined, { 'retry-after': '1' });
    }
    // The key's visible id (never the secret) goes in the access line, refused or not.
    if (resolution.publicId) noteKey(context, resolution.publicId);
    if (!resolution.ok) {
      failures.take(client);
      if (resolution.reason === 'invalid') throw refuse('invalid', 'unknown or malformed API key');
      throw refuse('revoked', resolution.reason === 'expired' ? 'this API key has expired' : 'this API key has been revoked');
    }
    if (isWrite(request.method)) {
      const wait = writes.take(`key:${resolution.publicId}`);
      if (wait > 0) throw new AppError('rate_limited', 'too many writes with this key, slow down', undefined, { 'retry-after': String(wait) });
    }
    count('ok');
    return { actor: resolution.actor };
  });
}

export type AuthPlugin = ReturnType<typeof authPlugin>;
