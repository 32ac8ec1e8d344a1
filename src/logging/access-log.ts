// One access line per request, written when its response is known: method, route template (never
// the raw path: it can hold codes and query strings), status, duration, request id, the public id
// of the API key used, if any (never the key), and the client address hop resolved (the peer, or
// nginx's X-Real-IP under TRUST_PROXY) when it is known.
import type { Logger } from 'pino';

export const REDIRECT_ROUTE = '/:short_code';

export class AccessLog {
  constructor(private readonly logger: Logger) {}

  write(method: string, route: string, status: number, seconds: number, requestId: string | undefined, keyId?: string, client?: string): void {
    // Successful redirects are the bulk of the traffic and already counted in the metrics; at
    // tens of thousands per second one line each would cost more than the redirect itself
    // (docs/decisions.md, "Access log"), so they are logged at debug.
    const quiet = status === 302 && route === REDIRECT_ROUTE;
    if (quiet ? this.logger.levelVal > 20 : this.logger.levelVal > 30) return;
    const line = { method, route, status, duration_ms: Math.round(seconds * 1e6) / 1e3, request_id: requestId, ...(keyId ? { key_id: keyId } : {}), client };
    if (quiet) this.logger.debug(line, 'request');
    else this.logger.info(line, 'request');
  }
}
