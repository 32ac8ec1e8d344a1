// The TCP peer of each request, noted by the server (src/server.ts) for the write rate limiter:
// Elysia's own context has no server to ask when hop serves through Bun.serve directly.
const peers = new WeakMap<Request, string>();

export function notePeer(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

export function peerOf(request: Request): string | undefined {
  return peers.get(request);
}
