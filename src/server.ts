// Serves the app: Bun's router sends GET /:short_code to the redirect hot path and everything else
// to Elysia. Replicas are separate processes on separate ports; reusePort stays off so sharing a
// port by accident fails loudly.
import type { Server } from 'bun';
import { SERVER_BODY_LIMIT, type App } from './app.ts';
import { notePeer } from './http/peer.ts';

export interface ListenOptions {
  port: number;
  hostname: string;
}

export function serve(app: App, { port, hostname }: ListenOptions): Server<undefined> {
  const server = Bun.serve({
    port,
    hostname,
    reusePort: false,
    maxRequestBodySize: SERVER_BODY_LIMIT,
    routes: { '/:short_code': { GET: app.hotPath } },
    fetch(request, server) {
      // Writes are limited per client and failed authentications are counted per client, so every
      // request that reaches the app notes its peer (redirects take the route above and never pay).
      notePeer(request, server.requestIP(request)?.address);
      return app.fetch(request);
    },
  });
  app.listeningOn(server.port!);
  return server;
}

/**
 * Fails (EADDRINUSE, EADDRNOTAVAIL) when `port` cannot be listened on, before start-up spends time on
 * Postgres and migrations: a second `bun run start` says so at once. serve() still reports a port
 * taken in between.
 */
export function checkListenable({ port, hostname }: ListenOptions): void {
  if (port === 0) return;
  Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
}
