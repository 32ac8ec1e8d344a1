// Which targets a load run may hit: loopback only, unless the operator says otherwise out loud
// (`--allow-remote`, or ALLOW_REMOTE=1 for k6). Load is traffic someone else would call an attack.
// Parsed by hand because k6 has no URL class; anything the pattern does not understand is refused.

const TARGET = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?\/?$/;

export interface Target {
  /** Scheme, host and port, no trailing slash: paths are appended to it. */
  readonly base: string;
  readonly host: string;
  readonly loopback: boolean;
}

/** Parses a target (`http(s)://host[:port]`, no path, credentials or query); null when it is not one. */
export function parseTarget(raw: string): Target | null {
  const match = TARGET.exec(raw.trim().toLowerCase());
  if (!match) return null;
  const [, scheme, host, port] = match;
  if (!scheme || !host) return null;
  if (port !== undefined && Number(port) > 65535) return null;
  return { base: `${scheme}://${host}${port === undefined ? '' : `:${port}`}`, host, loopback: isLoopbackHost(host) };
}

/** 127.0.0.0/8, ::1 and `localhost` (which RFC 6761 reserves for loopback). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

/** The target a runner may use, or the reason it may not. */
export function checkTarget(raw: string, allowRemote: boolean): { ok: true; target: Target } | { ok: false; reason: string } {
  const target = parseTarget(raw);
  if (!target) return { ok: false, reason: `target "${raw}" is not of the form http(s)://host[:port]` };
  if (!target.loopback && !allowRemote) {
    return { ok: false, reason: `refusing to load ${target.base}: not a loopback address (pass --allow-remote / ALLOW_REMOTE=1 if you own it)` };
  }
  return { ok: true, target };
}
