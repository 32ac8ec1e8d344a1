// A click added through POST /events (an admin's, or anyone's in open mode) carries the facts a rebuild
// gives it (src/stats/rebuild.ts): the same classifier on its user agent, its referrer's host, read
// from `details` as the rebuild reads them (`->>`, whatever JSON the client sent). Its row stores
// their dictionary id, so the folder counts it exactly as `bun run stats:rebuild` would; its country
// is ZZ and it has no visitor. A click added without a link counts in the service-wide series.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { factsKey, type Facts, type FactsDictionary } from './facts-dictionary.ts';
import { AgentClassifier, referrerHost } from './user-agents.ts';

const agents = new AgentClassifier(1_000);

/** Before the click's own transaction: the id is committed whether or not the click is stored. */
export async function addedClickFactsId(db: Pick<Database, 'execute'>, dictionary: FactsDictionary, details: Record<string, unknown>): Promise<number> {
  const [read] = await db.execute<{ ua: string | null; referrer: string | null }>(sql`
    select d->>'user_agent' as ua, d->>'referrer' as referrer from (select ${JSON.stringify(details)}::text::jsonb as d) as sent`);
  const facts: Facts = { ...agents.describe(read?.ua ?? null), referrerHost: referrerHost(read?.referrer ?? null) };
  const key = factsKey(facts);
  return (await dictionary.resolve(new Map([[key, facts]]))).get(key)!;
}
