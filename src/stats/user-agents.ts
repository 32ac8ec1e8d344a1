// What a user agent says about the click: automated or not (isbot), and browser, OS and device
// (bowser). Parsed in the click writer, off the request path, once per distinct agent (LRU cache).
import Bowser from 'bowser';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';

export const UNKNOWN = '(unknown)';
const DEVICES = new Set(['desktop', 'mobile', 'tablet', 'tv']);

export interface AgentFacts {
  bot: boolean;
  browser: string;
  os: string;
  /** desktop, mobile, tablet, tv, bot or (unknown). */
  device: string;
}

const NO_AGENT: AgentFacts = { bot: false, browser: UNKNOWN, os: UNKNOWN, device: UNKNOWN };

function parse(userAgent: string): AgentFacts {
  const bot = isbot(userAgent);
  let parsed: Bowser.Parser.ParsedResult | null = null;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    // bowser throws on input it cannot read; the click still counts, as unknown.
  }
  const device = bot ? 'bot' : DEVICES.has(parsed?.platform.type ?? '') ? parsed!.platform.type! : UNKNOWN;
  return {
    bot,
    browser: clip(parsed?.browser.name) ?? UNKNOWN,
    os: clip(parsed?.os.name) ?? UNKNOWN,
    device,
  };
}

// By code point, so an emoji is never cut in half (a lone surrogate is not text Postgres can store).
function clip(value: string | undefined): string | undefined {
  return value ? (value.length <= 64 ? value : Array.from(value).slice(0, 64).join('')) : undefined;
}

/** A function's answers for its most recently asked keys, at most `maxEntries` of them. */
class Remembered<V extends object | string> {
  private readonly cache: LRUCache<string, V>;

  constructor(maxEntries: number, private readonly answer: (key: string) => V) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  of(key: string): V {
    let value = this.cache.get(key);
    if (value === undefined) {
      value = this.answer(key);
      this.cache.set(key, value);
    }
    return value;
  }
}

/** A bounded cache: real traffic has few distinct agents, an attack many (each parsed, none kept long). */
export class AgentClassifier {
  private readonly parsed: Remembered<AgentFacts>;

  constructor(maxEntries = 10_000) {
    this.parsed = new Remembered(maxEntries, parse);
  }

  describe(userAgent: string | null): AgentFacts {
    return userAgent ? this.parsed.of(userAgent) : NO_AGENT;
  }
}

/** The referring host, lower-cased; `(direct)` when there is no referrer or it is not a URL. */
export function referrerHost(referrer: string | null): string {
  if (!referrer) return DIRECT;
  try {
    const host = new URL(referrer).hostname.toLowerCase();
    return host ? host.slice(0, 255) : DIRECT;
  } catch {
    return DIRECT;
  }
}
export const DIRECT = '(direct)';

/**
 * referrerHost, with the hosts of recent http(s) referrers remembered (a bounded LRU: a URL parse per
 * click is the writer's dearest step after the HMAC). Keyed by the referrer up to the end of its
 * host, so referrers that differ only in path, query or fragment share an entry.
 */
export class ReferrerHosts {
  private readonly hosts: Remembered<string>;

  constructor(maxEntries = 1_000) {
    this.hosts = new Remembered(maxEntries, referrerHost);
  }

  hostOf(referrer: string | null): string {
    if (!referrer) return DIRECT;
    const key = throughHost(referrer);
    return key === null ? referrerHost(referrer) : this.hosts.of(key);
  }
}

// What the URL parser skips or drops between `//` and the host: more slashes (either way), tabs and newlines.
const BEFORE_HOST = new Set(['/', '\\', '\t', '\n', '\r']);
const HOST_ENDS = new Set(['/', '?', '#']);

/**
 * An http(s) URL up to and with the first `/`, `?` or `#` after its host: the URL parser has read
 * the whole host by then, and what follows (path, query, fragment) can neither change the host nor
 * fail the parse. Keeping that delimiter keeps the parser's trimming of trailing spaces away from the
 * host. Null for any other referrer.
 */
function throughHost(referrer: string): string | null {
  let i = referrer.startsWith('https://') ? 8 : referrer.startsWith('http://') ? 7 : -1;
  if (i < 0) return null;
  while (i < referrer.length && BEFORE_HOST.has(referrer[i]!)) i++;
  for (; i < referrer.length; i++) if (HOST_ENDS.has(referrer[i]!)) return referrer.slice(0, i + 1);
  return referrer;
}
