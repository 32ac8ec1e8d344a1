// Host names as bans compare them: lower-case ASCII (punycode), no trailing dot. A ban on a host
// covers its subdomains, so a target is banned when any of its suffixes is.
import { invalid } from '../http/errors.ts';

const HOST_SHAPE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A host to ban, as an operator types it ("Evil.Example.", "bücher.example"); undefined when it is not one. */
export function normaliseHost(text: string): string | undefined {
  const trimmed = text.trim().replace(/\.$/, '');
  if (!trimmed || /[/:@?#\s]/.test(trimmed)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${trimmed}`).hostname;
  } catch {
    return undefined;
  }
  return HOST_SHAPE.test(host) ? host : undefined;
}

export function checkHost(text: string, field = 'host'): string {
  const host = normaliseHost(text);
  if (host === undefined) throw invalid(field, 'must be a host name such as evil.example');
  return host;
}

/** "a.b.example" -> ["a.b.example", "b.example", "example"]: the hosts whose ban covers this one. */
export function hostSuffixes(hostname: string): string[] {
  const labels = hostname.toLowerCase().replace(/\.$/, '').split('.');
  return labels.map((_, index) => labels.slice(index).join('.'));
}

/** The suffixes of a link target's host (targets are checked URLs, so this parses). */
export function targetSuffixes(url: string): string[] {
  return hostSuffixes(new URL(url).hostname);
}
