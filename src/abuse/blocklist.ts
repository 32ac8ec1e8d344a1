// BLOCKLIST_FILE: target hosts to ban, one per line (blank lines and `#` comments ignored), read
// at start and again on SIGHUP. The file's bans become exactly its lines; API bans are left alone.
import { normaliseHost } from './hosts.ts';
import type { AbuseService, BlocklistSync } from './service.ts';

export interface BlocklistFile {
  hosts: string[];
  /** Lines that are not hosts, with their 1-based line numbers, for the log. */
  problems: { line: number; text: string }[];
}

/** One host per line; blank lines and `#` comments are ignored. */
export function parseBlocklist(text: string): BlocklistFile {
  const hosts = new Set<string>();
  const problems: BlocklistFile['problems'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const host = normaliseHost(line);
    if (host) hosts.add(host);
    else problems.push({ line: index + 1, text: line.slice(0, 100) });
  });
  return { hosts: [...hosts], problems };
}

export interface BlocklistLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export class BlocklistError extends Error {
  override name = 'BlocklistError';
}

/** Reads the file and applies it; an unreadable file throws (nothing changes), bad lines are logged and skipped. */
export async function applyBlocklistFile(file: string, abuse: AbuseService, log: BlocklistLog): Promise<BlocklistSync & { hosts: number }> {
  let text: string;
  try {
    text = await Bun.file(file).text();
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BlocklistError(`cannot read BLOCKLIST_FILE ${file}${code ? ` (${code})` : ''}: fix the path or unset BLOCKLIST_FILE`);
  }
  const { hosts, problems } = parseBlocklist(text);
  for (const problem of problems) log.warn({ file, line: problem.line, text: problem.text }, 'blocklist: not a host name, line skipped');
  const result = await abuse.syncBlocklist(hosts);
  log.info({ file, hosts: hosts.length, ...result }, 'blocklist applied');
  return { ...result, hosts: hosts.length };
}
