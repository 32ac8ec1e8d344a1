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

function clip(value: string | undefined): string | undefined {
  return value ? value.slice(0, 64) : undefined;
}

/** A bounded cache: real traffic has few distinct agents, an attack many (each parsed, none kept long). */
export class AgentClassifier {
  private readonly cache: LRUCache<string, AgentFacts>;

  constructor(maxEntries = 10_000) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  describe(userAgent: string | null): AgentFacts {
    if (!userAgent) return NO_AGENT;
    let facts = this.cache.get(userAgent);
    if (!facts) {
      facts = parse(userAgent);
      this.cache.set(userAgent, facts);
    }
    return facts;
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
