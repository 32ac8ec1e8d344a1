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
      // Matched to what was asked by position, never by comparing text again here: Postgres compared
      // the values as it stored them (text it cannot store as sent, e.g. a lone surrogate, is the
      // same replacement on both sides).
      const rows = await this.db.execute<{ place: number; id: number | null }>(sql`
        with wanted as (
          select * from unnest(${column((f) => f.bot)}::text::bool[], ${column((f) => f.browser)}::text::text[], ${column((f) => f.os)}::text::text[],
            ${column((f) => f.device)}::text::text[], ${column((f) => f.referrerHost)}::text::text[])
            with ordinality as w(bot, browser, os, device, referrer_host, place)
        ),
        added as (
          insert into click_facts (bot, browser, os, device, referrer_host) select bot, browser, os, device, referrer_host from wanted
          on conflict do nothing
          returning id, bot, browser, os, device, referrer_host
        )
        select w.place::int as place, coalesce(a.id, f.id) as id from wanted w
        left join added a using (bot, browser, os, device, referrer_host)
        left join click_facts f using (bot, browser, os, device, referrer_host)`);
      for (const row of rows) {
        if (row.id === null) continue;
        const [key] = missing[Number(row.place) - 1]!;
        this.ids.set(key, Number(row.id));
        found.set(key, Number(row.id));
      }
      missing = missing.filter(([key]) => !found.has(key));
    }
    return found;
  }
}
