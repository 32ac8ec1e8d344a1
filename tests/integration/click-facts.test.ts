// ClickFacts over batches: what it remembers between batches (agents, clients, visitor hashes by day)
// never changes the facts it states, and stays bounded. Salts come from real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { sql } from 'drizzle-orm';
import { ClickFacts, clientOf, type ClickOrigin, type FactColumns } from '../../src/stats/click-facts.ts';
import { countryOf, countryTable } from '../../src/stats/countries.ts';
import { FactsDictionary, factsKey, type Facts } from '../../src/stats/facts-dictionary.ts';
import { AgentClassifier, referrerHost } from '../../src/stats/user-agents.ts';
import { utcDay, VisitorHasher } from '../../src/stats/visitors.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SAFARI_IPAD = 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('ClickFacts', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('click_facts');
  });
  afterAll(() => database.drop());

  /** The facts of each click worked out from scratch, with nothing remembered. */
  async function fromScratch(batch: readonly ClickOrigin[], nowMs: number): Promise<FactColumns> {
    const hasher = new VisitorHasher(database.db);
    await hasher.prepare(batch.map((click) => utcDay(click.at)), nowMs);
    const table = await countryTable();
    const agents = new AgentClassifier();
    const columns: FactColumns = { bot: [], factsId: [], country: [], visitor: [] };
    // Each click's (bot, browser, OS, device, referrer host), worked out here: its id is looked up below.
    const facts: unknown[][] = [];
    for (const click of batch) {
      const agent = agents.describe(click.userAgent);
      const address = clientOf(click.clientAddress);
      const told = click.country?.trim().toUpperCase();
      columns.bot.push(agent.bot);
      facts.push([agent.bot, agent.browser, agent.os, agent.device, referrerHost(click.referrer)]);
      columns.country.push(told && /^[A-Z]{2}$/.test(told) ? told : countryOf(table, address));
      columns.visitor.push(hasher.hash(utcDay(click.at), address, click.userAgent));
    }
    // The dictionary row of each click's facts, as stored (the writer under test added the new ones).
    const ids = await database.db.execute<{ id: number }>(sql`
      select f.id from jsonb_array_elements(${sql.param(JSON.stringify(facts))}::text::jsonb)
        with ordinality as c(value, place)
      left join click_facts f on f.bot = (c.value->>0)::bool and f.browser = c.value->>1 and f.os = c.value->>2 and f.device = c.value->>3 and f.referrer_host = c.value->>4
      order by c.place`);
    columns.factsId = ids.map((row) => Number(row.id));
    return columns;
  }

  const click = (at: number, clientAddress: string | null, userAgent: string | null, more: Partial<ClickOrigin> = {}): ClickOrigin =>
    ({ at, clientAddress, userAgent, referrer: null, country: null, ...more });

  it('states the same facts as a fresh start, batch after batch, for runs, mixes and days', async () => {
    const batch = [
      click(NOW, '1.0.0.1', CHROME_WINDOWS, { referrer: 'https://t.co/a' }),
      click(NOW + 1, '1.0.0.1', CHROME_WINDOWS, { referrer: 'https://t.co/b' }),
      click(NOW + 2, '1.0.0.1', SAFARI_IPHONE),
      click(NOW + 3, '1.0.0.1, 10.0.0.1', CHROME_WINDOWS, { country: ' fr ' }),
      click(NOW + 4, null, null),
      click(NOW + 5, '', ''),
      click(NOW + 6, '2001:2::1', 'Googlebot/2.1 (+http://www.google.com/bot.html)', { country: 'nowhere' }),
      click(NOW - DAY_MS, '1.0.0.1', CHROME_WINDOWS),
      click(NOW - 3 * DAY_MS, '1.0.0.1', CHROME_WINDOWS),
      click(NOW + 7, '1.0.0.1', CHROME_WINDOWS),
    ];
    const facts = new ClickFacts(database.db);
    const described = await facts.describe(batch, NOW);
    const expected = await fromScratch(batch, NOW);
    expect(described).toEqual(expected);
    expect(await facts.describe(batch, NOW)).toEqual(expected);
    // One dictionary id per distinct facts: the same Chrome click from t.co twice, another without a referrer.
    expect(expected.factsId.every((id) => id > 0)).toBe(true);
    expect(expected.factsId[0]).toBe(expected.factsId[1]!);
    expect(expected.factsId[0]).not.toBe(expected.factsId[7]!);
    expect(expected.factsId[7]).toBe(expected.factsId[9]!);
    // A replica starting afresh (nothing remembered) reads the same ids back.
    expect((await new ClickFacts(database.db).describe(batch, NOW)).factsId).toEqual(expected.factsId);
    expect(expected.visitor[7]).not.toBeNull();
    expect(expected.visitor[8]).toBeNull();
    expect(expected.visitor[0]).not.toBe(expected.visitor[7]);
    expect(expected.country.slice(0, 7)).toEqual(['AU', 'AU', 'AU', 'FR', 'ZZ', 'ZZ', 'JP']);
  });

  it('gives a client a new visitor at midnight (UTC) and forgets the old day once it is older than yesterday', async () => {
    const midnight = NOW - (NOW % DAY_MS) + DAY_MS;
    const facts = new ClickFacts(database.db);
    const before = await facts.describe([click(midnight - 1, '1.0.0.1', CHROME_WINDOWS)], midnight - 1);
    const after = await facts.describe([click(midnight, '1.0.0.1', CHROME_WINDOWS), click(midnight - 1, '1.0.0.1', CHROME_WINDOWS)], midnight);
    expect(after.visitor[1]).toBe(before.visitor[0]!);
    expect(after.visitor[0]).not.toBe(before.visitor[0]!);
    expect(after).toEqual(await fromScratch([click(midnight, '1.0.0.1', CHROME_WINDOWS), click(midnight - 1, '1.0.0.1', CHROME_WINDOWS)], midnight));
    // Two days on, the remembered visitor of that day is not used: its salt is gone.
    expect((await facts.describe([click(midnight - 1, '1.0.0.1', CHROME_WINDOWS)], midnight + 2 * DAY_MS)).visitor).toEqual([null]);
  });

  it('does not remember a click without a salt, so a later batch with the salt gives its visitor', async () => {
    const day = NOW - 10 * DAY_MS;
    const facts = new ClickFacts(database.db);
    // Seen late (no salt any more, nor ever made): no visitor.
    expect((await facts.describe([click(day, '1.0.0.2', SAFARI_IPAD)], NOW)).visitor).toEqual([null]);
    // Seen by a writer whose clock says it is that day: the salt is made and the same client gets its visitor.
    const onTime = await facts.describe([click(day, '1.0.0.2', SAFARI_IPAD)], day);
    expect(onTime.visitor[0]).not.toBeNull();
    expect(onTime).toEqual(await fromScratch([click(day, '1.0.0.2', SAFARI_IPAD)], day));
  });

  it('remembers a bounded number of clients and agents per client, and describes evicted ones alike', async () => {
    const facts = new ClickFacts(database.db, 'off');
    const agents = Array.from({ length: 10 }, (_, i) => `${CHROME_WINDOWS} agent/${i}`);
    const oneClient = [...agents, ...agents].map((agent, i) => click(NOW + i, '1.0.0.3', agent));
    const first = await facts.describe(oneClient, NOW);
    expect(facts.rememberedPairs).toBe(4);
    expect(first.visitor.slice(10)).toEqual(first.visitor.slice(0, 10));
    expect(new Set(first.visitor).size).toBe(10);
    const many = Array.from({ length: 25_000 }, (_, i) => click(NOW, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'curl/8.5.0'));
    const described = await facts.describe(many, NOW);
    expect(facts.rememberedPairs).toBe(20_000);
    expect(new Set(described.visitor).size).toBe(25_000);
    expect((await facts.describe(many.slice(0, 2), NOW)).visitor).toEqual(described.visitor.slice(0, 2));
  });

  it('gives facts Postgres cannot store as sent (a lone surrogate) one id, the same from every replica', async () => {
    const odd: Facts = { bot: false, browser: 'Browser \ud83d', os: 'OS 🦊', device: 'desktop', referrerHost: 'xn--bcher-kva.example' };
    const plain: Facts = { bot: true, browser: 'Googlebot', os: '(unknown)', device: 'bot', referrerHost: '(direct)' };
    const wanted = new Map([[factsKey(odd), odd], [factsKey(plain), plain]]);
    const first = await new FactsDictionary(database.db).resolve(wanted);
    const second = await new FactsDictionary(database.db).resolve(wanted);
    expect(first.get(factsKey(odd))).toBeGreaterThan(0);
    expect(first.get(factsKey(plain))).toBeGreaterThan(0);
    expect(first.get(factsKey(odd))).not.toBe(first.get(factsKey(plain)));
    expect([...second]).toEqual([...first]);
  });
});
