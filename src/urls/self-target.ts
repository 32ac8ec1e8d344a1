// Which link targets point back at hop itself (a redirect to itself loops, recording a click per hop):
// the BASE_URL host, and any local spelling of a port hop listens on. Hosts arrive WHATWG-parsed, so
// `2130706433`, `0x7f.1` and `127.1` are already `127.0.0.1`; what is left is checked here.
import { hostname as machineName, networkInterfaces } from 'node:os';

interface HostPort {
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function hostPortOf(url: URL): HostPort {
  // `localhost.` and `LOCALHOST` name the same host as `localhost`.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return { host, port: url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 0) };
}

/** Loopback and "this host" addresses in every form the URL parser leaves: 127/8, 0.0.0.0, ::1, ::, IPv4-mapped. */
function isLoopbackOrAny(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0') return true;
  if (host === '[::1]' || host === '[::]') return true;
  // ::ffff:127.x.y.z serialises as [::ffff:7fxx:yyzz]; ::ffff:0.0.0.0 as [::ffff:0:0].
  return /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|0:0)\]$/.test(host);
}

function interfaceAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.add(entry.family === 'IPv6' ? `[${entry.address.replace(/%.*$/, '')}]` : entry.address);
  }
  return addresses;
}

export class SelfTargets {
  private readonly ports = new Set<number>();
  private readonly base: HostPort;
  /** Names and addresses that reach this machine besides loopback. */
  private readonly localNames: Set<string>;

  constructor(baseUrl: string, listenHost: string, listenPort: number) {
    this.base = hostPortOf(new URL(baseUrl));
    this.localNames = interfaceAddresses();
    this.localNames.add(machineName().toLowerCase());
    this.localNames.add(listenHost.toLowerCase());
    if (listenPort > 0) this.ports.add(listenPort);
    // Behind nginx the public port (BASE_URL's) reaches hop too: http://127.0.0.1/ on the compose host.
    this.ports.add(this.base.port);
  }

  /** Called once the server listens (PORT=0 picks the port only then). */
  addListener(port: number): void {
    this.ports.add(port);
  }

  matches(url: URL): boolean {
    const { host, port } = hostPortOf(url);
    if (host === this.base.host && port === this.base.port) return true;
    return this.ports.has(port) && (isLoopbackOrAny(host) || this.localNames.has(host));
  }
}
