// Turns a batch of raw clicks into the facts the rollups count: automated or not, browser, OS,
// device, referrer host, country and the day's visitor hash. Runs in the click writer, once per
// batch, so the redirect only hands over what it read from the request.
import { LRUCache } from 'lru-cache';
import type { Database } from '../../db/client.ts';
import { countryOf, countryTable, UNKNOWN_COUNTRY, type CountryTable } from './countries.ts';
import { AgentClassifier, referrerHost } from './user-agents.ts';
import { oldestSaltDay, utcDay, VisitorHasher } from './visitors.ts';

/** What the redirect read from the request, as the click writer receives it. */
export interface ClickOrigin {
  at: number;
  referrer: string | null;
  userAgent: string | null;
  /** The TCP peer, or the raw X-Forwarded-For value when TRUST_PROXY is on. */
  clientAddress?: string | null;
  /** The trusted proxy's country header (GEOIP_COUNTRY_HEADER), when configured. */
  country?: string | null;
}

/** One array per fact, in batch order: the column arrays the batch insert unnests. */
export interface FactColumns {
  bot: boolean[];
  browser: string[];
  os: string[];
  device: string[];
  referrerHost: string[];
  country: string[];
  visitor: (string | null)[];
}

export type CountrySource = 'builtin' | 'off';

/** The client: the first X-Forwarded-For entry (the proxy appends the hops after it). */
export function clientOf(address: string | null | undefined): string | null {
  if (!address) return null;
  const first = address.split(',', 1)[0]!.trim();
  return first || null;
}

const COUNTRY_CODE = /^[A-Z]{2}$/;

export class ClickFacts {
  private readonly agents = new AgentClassifier();
  // A client clicks more than once a day: its visitor hash and country are worked out once per day
  // (the HMAC is the writer's dearest step). Keyed by day, so a new salt is never mixed with an old.
  private readonly clients = new LRUCache<string, { visitor: string | null; country: string }>({ max: 20_000 });
  private readonly visitors: VisitorHasher;
  // Loading starts with the process, so the first batch does not wait for it; a table that cannot be
  // read leaves countries unknown (ZZ) rather than failing the clicks.
  private readonly table: Promise<CountryTable | null>;

  constructor(db: Database, countries: CountrySource = 'builtin') {
    this.visitors = new VisitorHasher(db);
    this.table = countries === 'builtin' ? countryTable().catch(() => null) : Promise.resolve(null);
  }

  async describe(batch: readonly ClickOrigin[], nowMs = Date.now()): Promise<FactColumns> {
    const days = batch.map((click) => utcDay(click.at));
    await this.visitors.prepare(new Set(days), nowMs);
    const table = await this.table;
    const columns: FactColumns = { bot: [], browser: [], os: [], device: [], referrerHost: [], country: [], visitor: [] };
    const oldest = oldestSaltDay(nowMs);
    batch.forEach((click, i) => {
      const agent = this.agents.describe(click.userAgent);
      const key = `${days[i]}\n${click.clientAddress ?? ''}\n${click.userAgent ?? ''}`;
      // Days older than yesterday have no salt any more: nothing remembered for them is used.
      let client = days[i]! >= oldest ? this.clients.get(key) : undefined;
      if (!client) {
        const address = clientOf(click.clientAddress);
        const visitor = this.visitors.hash(days[i]!, address, click.userAgent);
        client = { visitor, country: table ? countryOf(table, address) : UNKNOWN_COUNTRY };
        // A day without a salt (yet) is not remembered: the next batch may have loaded it.
        if (visitor !== null) this.clients.set(key, client);
      }
      const told = click.country?.trim().toUpperCase();
      columns.bot.push(agent.bot);
      columns.browser.push(agent.browser);
      columns.os.push(agent.os);
      columns.device.push(agent.device);
      columns.referrerHost.push(referrerHost(click.referrer));
      columns.country.push(told && COUNTRY_CODE.test(told) ? told : client.country);
      columns.visitor.push(client.visitor);
    });
    return columns;
  }
}
