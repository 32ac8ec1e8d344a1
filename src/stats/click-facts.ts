// Turns a batch of raw clicks into the facts the rollups count: automated or not, browser, OS,
// device, referrer host, country and the day's visitor hash. Runs in the click writer, once per
// batch, so the redirect only hands over what it read from the request.
import { LRUCache } from 'lru-cache';
import type { Database } from '../../db/client.ts';
import { countryOf, countryTable, UNKNOWN_COUNTRY, type CountryTable } from './countries.ts';
import { FactsDictionary, factsKey, type Facts } from './facts-dictionary.ts';
import { AgentClassifier, ReferrerHosts, type AgentFacts } from './user-agents.ts';
import { oldestSaltDay, UtcDays, VisitorHasher } from './visitors.ts';

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

/**
 * One array per stored fact, in batch order: the column arrays the batch insert unnests. Browser, OS,
 * device and referrer host travel inside the facts id only.
 */
export interface FactColumns {
  bot: boolean[];
  /** The click_facts id of (bot, browser, os, device, referrer host): what the raw row stores. */
  factsId: number[];
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
// At most this many (client, agent) pairs are remembered, and this many agents per client: an attack
// with many addresses or agents costs an HMAC per click, never unbounded memory.
const REMEMBERED_PAIRS = 20_000;
const AGENTS_PER_CLIENT = 4;

/** One agent seen from one client address: all a click from them needs, once worked out. */
interface SeenAgent {
  clientAddress: string;
  userAgent: string | null;
  facts: AgentFacts;
  address: string | null;
  country: string;
  /** The day `visitor` belongs to ('' until one is known). */
  day: string;
  visitor: string | null;
  /** The referrer host of this client's last click and its facts id: a run of clicks looks it up once. */
  referrerHost: string;
  factsId: number;
}

/** The days of a batch, each once; a batch is in time order, so mostly one. */
function distinct(days: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < days.length; i++) if (i === 0 || days[i] !== days[i - 1]) set.add(days[i]!);
  return set;
}

export class ClickFacts {
  private readonly agents = new AgentClassifier();
  private readonly referrers = new ReferrerHosts();
  private readonly days = new UtcDays();
  // A client clicks more than once a day: its country, agent facts and visitor hash are worked out
  // once (the HMAC is the writer's dearest step). Keyed by the address the click carried, then its
  // agent, so a repeated click costs one short lookup and one string comparison, and builds no key.
  // A visitor is kept with its day, so a new salt is never mixed with an old.
  private readonly clients = new LRUCache<string, SeenAgent[]>({ maxSize: REMEMBERED_PAIRS, sizeCalculation: (agents) => agents.length });
  private readonly visitors: VisitorHasher;
  private readonly dictionary: FactsDictionary;
  // Loading starts with the process, so the first batch does not wait for it; a table that cannot be
  // read leaves countries unknown (ZZ) rather than failing the clicks.
  private readonly table: Promise<CountryTable | null>;

  constructor(db: Database, countries: CountrySource = 'builtin') {
    this.visitors = new VisitorHasher(db);
    this.dictionary = new FactsDictionary(db);
    this.table = countries === 'builtin' ? countryTable().catch(() => null) : Promise.resolve(null);
  }

  /** How many (client, agent) pairs are remembered: never more than REMEMBERED_PAIRS. */
  get rememberedPairs(): number {
    return this.clients.calculatedSize;
  }

  async describe(batch: readonly ClickOrigin[], nowMs = Date.now()): Promise<FactColumns> {
    const days = batch.map((click) => this.days.of(click.at));
    await this.visitors.prepare(distinct(days), nowMs);
    const table = await this.table;
    const n = batch.length;
    const columns: FactColumns = { bot: new Array(n), factsId: new Array(n), country: new Array(n), visitor: new Array(n) };
    // Facts whose id is not remembered yet, by key, and the clicks waiting for each.
    const unknown = new Map<string, { facts: Facts; clicks: number[] }>();
    const oldest = oldestSaltDay(nowMs);
    let seen: SeenAgent | undefined;
    for (let i = 0; i < batch.length; i++) {
      const click = batch[i]!;
      const day = days[i]!;
      const clientAddress = click.clientAddress ?? '';
      // Clicks come in runs from one client (a crawler, a reload, `bun run bench`): the previous
      // click's entry is checked before the cache.
      if (seen === undefined || seen.clientAddress !== clientAddress || seen.userAgent !== click.userAgent) {
        seen = this.seen(clientAddress, click.userAgent, table);
      }
      // Days older than yesterday have no salt any more: nothing remembered for them is used.
      const visitor = seen.day === day && day >= oldest ? seen.visitor : this.visitors.hash(day, seen.address, click.userAgent);
      // A day without a salt (yet) is not remembered: the next batch may have loaded it.
      if (visitor !== null) {
        seen.day = day;
        seen.visitor = visitor;
      }
      const told = click.country?.trim().toUpperCase();
      const host = this.referrers.hostOf(click.referrer);
      columns.bot[i] = seen.facts.bot;
      columns.country[i] = told && COUNTRY_CODE.test(told) ? told : seen.country;
      columns.visitor[i] = visitor;
      if (seen.factsId > 0 && seen.referrerHost === host) columns.factsId[i] = seen.factsId;
      else this.factsIdOf(seen, host, i, columns, unknown);
    }
    if (unknown.size > 0) await this.resolve(unknown, columns);
    return columns;
  }

  private factsIdOf(seen: SeenAgent, host: string, click: number, columns: FactColumns, unknown: Map<string, { facts: Facts; clicks: number[] }>): void {
    const facts: Facts = { ...seen.facts, referrerHost: host };
    const key = factsKey(facts);
    const id = this.dictionary.known(key);
    if (id !== undefined) {
      columns.factsId[click] = id;
      seen.referrerHost = host;
      seen.factsId = id;
      return;
    }
    const waiting = unknown.get(key);
    if (waiting) waiting.clicks.push(click);
    else unknown.set(key, { facts, clicks: [click] });
  }

  // One dictionary round trip per batch that meets new facts; a failure fails the batch (it is retried).
  private async resolve(unknown: Map<string, { facts: Facts; clicks: number[] }>, columns: FactColumns): Promise<void> {
    const ids = await this.dictionary.resolve(new Map([...unknown].map(([key, { facts }]) => [key, facts])));
    for (const [key, { clicks }] of unknown) {
      const id = ids.get(key)!;
      for (const click of clicks) columns.factsId[click] = id;
    }
  }

  /** The remembered agent of a client; on first sight worked out and remembered (the client's oldest agent may make room). */
  private seen(clientAddress: string, userAgent: string | null, table: CountryTable | null): SeenAgent {
    const agents = this.clients.get(clientAddress) ?? [];
    for (let i = 0; i < agents.length; i++) if (agents[i]!.userAgent === userAgent) return agents[i]!;
    const known = agents[0];
    const address = known ? known.address : clientOf(clientAddress);
    const country = known ? known.country : table ? countryOf(table, address) : UNKNOWN_COUNTRY;
    const seen: SeenAgent = { clientAddress, userAgent, facts: this.agents.describe(userAgent), address, country, day: '', visitor: null, referrerHost: '', factsId: 0 };
    // A new array, not a push: the cache counts a client's agents only when it is given a new value.
    this.clients.set(clientAddress, [...agents.slice(1 - AGENTS_PER_CLIENT), seen]);
    return seen;
  }
}
