// The click_facts dictionary (db/schema.ts): each distinct (bot, browser, OS, device, referrer host) a
// click was classified as has one id, and a raw click row stores that id instead of the five values.
// Ids are looked up in Postgres once per replica and remembered; dictionary rows are never changed
// or deleted, so a remembered id stays right. Only ids Postgres has committed are remembered: a
// click must never point at a row a rolled-back transaction took with it.
import { sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { arrayLiteral } from '../../db/array-literal.ts';
import type { Database } from '../../db/client.ts';
import type { AgentFacts } from './user-agents.ts';

export interface Facts extends AgentFacts {
  referrerHost: string;
}

// Real traffic has few agents and referrer hosts; an attack with many costs a lookup per batch, never unbounded memory.
const REMEMBERED_IDS = 50_000;
// Another replica adding the same facts at the same moment is not visible to our statement's snapshot: looked up again.
const ATTEMPTS = 3;

/** The cache key of a set of facts (NUL cannot occur in a header value or a host). */
export function factsKey(facts: Facts): string {
  return `${facts.bot ? 1 : 0}\u0000${facts.browser}\u0000${facts.os}\u0000${facts.device}\u0000${facts.referrerHost}`;
}

export class FactsDictionary {
  private readonly ids = new LRUCache<string, number>({ max: REMEMBERED_IDS });

  constructor(private readonly db: Pick<Database, 'execute'>) {}

  /** The remembered id of these facts (by factsKey), if any. */
  known(key: string): number | undefined {
    return this.ids.get(key);
  }

  /** Ids for facts not remembered yet, added to the dictionary where new (committed at once) and remembered. */
  async resolve(wanted: ReadonlyMap<string, Facts>): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    let missing = [...wanted].filter(([key]) => {
      const id = this.ids.get(key);
      if (id !== undefined) found.set(key, id);
      return id === undefined;
    });
    for (let attempt = 1; missing.length > 0; attempt++) {
      if (attempt > ATTEMPTS) throw new Error(`click facts: ${missing.length} dictionary ids could not be read back`);
      const facts = missing.map(([, value]) => value);
      const column = (pick: (facts: Facts) => string | boolean) => sql.param(arrayLiteral(facts.map(pick)));
      const rows = await this.db.execute<{ id: number; bot: boolean; browser: string; os: string; device: string; referrerHost: string }>(sql`
        with wanted as (
          select * from unnest(${column((f) => f.bot)}::text::bool[], ${column((f) => f.browser)}::text::text[], ${column((f) => f.os)}::text::text[],
            ${column((f) => f.device)}::text::text[], ${column((f) => f.referrerHost)}::text::text[]) as w(bot, browser, os, device, referrer_host)
        ),
        added as (
          insert into click_facts (bot, browser, os, device, referrer_host) select * from wanted
          on conflict do nothing
          returning id, bot, browser, os, device, referrer_host
        )
        select id, bot, browser, os, device, referrer_host as "referrerHost" from added
        union all
        select f.id, f.bot, f.browser, f.os, f.device, f.referrer_host from click_facts f join wanted w using (bot, browser, os, device, referrer_host)`);
      for (const row of rows as unknown as ({ id: number } & Facts)[]) {
        const key = factsKey(row);
        this.ids.set(key, Number(row.id));
        found.set(key, Number(row.id));
      }
      missing = missing.filter(([key]) => !found.has(key));
    }
    return found;
  }
}
